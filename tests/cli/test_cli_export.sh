#!/bin/bash
# test_cli_export.sh: `nntrain export`, `nntrain predict` and `nntrain
# train --init-from` end to end: the files they write, PGM and IDX input
# giving the same answer, weights going out and back in unchanged, and
# every bad input: exit 2 (usage) or 1 (failure), one stderr line starting
# "nntrain" that names the problem, no file created.
#
# Usage: test_cli_export.sh NNTRAIN_BINARY [DATA_DIR]
set -u
. "$(dirname "$0")/lib.sh"

IMAGES=$DATA/t10k-images-idx3-ubyte.gz

# max_prob_diff A.csv B.csv: largest |difference| of the p0..p9 columns of
# the first data rows (columns 5-14).
max_prob_diff() {
    paste -d, <(sed -n 2p "$1" | cut -d, -f5-14) \
              <(sed -n 2p "$2" | cut -d, -f5-14) |
        awk -F, '{ m = 0; for (i = 1; i <= 10; i++) { d = $i - $(i + 10);
                   if (d < 0) d = -d; if (d > m) m = d } print m }'
}

# --- a small run to export ---------------------------------------------------
RUN=$TMP/run
"$NN" train --model mlp --threads 1 --limit 320 --epochs 1 --data "$DATA" \
    --out "$RUN" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; exit 1; }

# --- export --------------------------------------------------------------------
nn "$TMP/out" "$TMP/err" export "$RUN" --format safetensors
check "export safetensors: exit code" 0 "$RC"
check_true "export safetensors: RUN/mlp.safetensors" "a file" "none" \
    test -s "$RUN/mlp.safetensors"
nn "$TMP/out" "$TMP/err" export "$RUN/final.ckpt" --format onnx --out "$TMP/m.onnx"
check "export onnx --out: exit code" 0 "$RC"
check_true "export onnx: no temp file left" "no m.onnx.tmp" "one" \
    test ! -e "$TMP/m.onnx.tmp"
check_true "export onnx: the file" "a file" "none" test -s "$TMP/m.onnx"

# --- predict ---------------------------------------------------------------------
nn "$TMP/p.csv" "$TMP/err" predict "$RUN" --images "$IMAGES" --threads 1
check "predict IDX: exit code" 0 "$RC"
check "predict IDX: rows" 10001 "$(wc -l <"$TMP/p.csv")"
check "predict IDX: header" "source,index,class,name,p0,p1,p2,p3,p4,p5,p6,p7,p8,p9" \
    "$(head -n 1 "$TMP/p.csv")"
nn "$TMP/out" "$TMP/err" predict "$RUN" --images "$IMAGES" --threads 1 \
    --out "$TMP/p2.csv"
check_true "predict --out: the same CSV as stdout" "equal files" "different" \
    cmp -s "$TMP/p.csv" "$TMP/p2.csv"
# the first test image as a PGM picture: the same class, the same
# probabilities (up to the batch size's rounding)
{ printf 'P5\n# first test image\n28 28\n255\n'
  gzip -dc "$IMAGES" | tail -c +17 | head -c 784; } >"$TMP/first.pgm"
nn "$TMP/pgm.csv" "$TMP/err" predict "$RUN" --images "$TMP/first.pgm" --threads 1
check "predict PGM: exit code" 0 "$RC"
check "predict PGM: class as the IDX file's first image" \
    "$(sed -n 2p "$TMP/p.csv" | cut -d, -f2-4)" \
    "$(sed -n 2p "$TMP/pgm.csv" | cut -d, -f2-4)"
check_true "predict PGM: probabilities as the IDX file's (within 1e-6)" \
    "<= 1e-6" "$(max_prob_diff "$TMP/p.csv" "$TMP/pgm.csv")" \
    awk -v d="$(max_prob_diff "$TMP/p.csv" "$TMP/pgm.csv")" 'BEGIN { exit !(d <= 1e-6) }'
"$NN" predict "$RUN" --images "$TMP/first.pgm" --threads 1 >/dev/full 2>"$TMP/err"
check "predict to a full stdout: exit code" 1 "$?"
check_true "predict to a full stdout: message" "standard output: write failed" \
    "$(cat "$TMP/err")" grep -q "nntrain predict: standard output: write failed: No space left on device" "$TMP/err"

# --- weights out and back in: --init-from with a step too small to move them --
nn "$TMP/out" "$TMP/err" train --model mlp --threads 1 --limit 64 --epochs 1 \
    --lr 1e-30 --data "$DATA" --init-from "$RUN/mlp.safetensors" --out "$TMP/run2"
check "train --init-from: exit code (stderr: $(head -c 300 "$TMP/err"))" 0 "$RC"
check_true "train --init-from: says so" "initial weights from ..." "no line" \
    grep -q "^initial weights from $RUN/mlp.safetensors" "$TMP/out"
"$NN" predict "$RUN" --images "$IMAGES" --threads 1 --logits >"$TMP/l1.csv"
"$NN" predict "$TMP/run2" --images "$IMAGES" --threads 1 --logits >"$TMP/l2.csv"
check_true "train --init-from: the run starts from exactly those weights" \
    "equal logits" "different" cmp -s "$TMP/l1.csv" "$TMP/l2.csv"

# --- a model file with every layer kind (batch norm, avgpool, dropout, relu) --
EVERY=$(cd "$(dirname "$0")/../parity" && pwd)/every_kind.txt
BN=$TMP/bn
"$NN" train --model "$EVERY" --threads 1 --limit 320 --epochs 1 --data "$DATA" \
    --out "$BN" >/dev/null 2>"$TMP/err" || { cat "$TMP/err"; exit 1; }
nn "$TMP/out" "$TMP/err" export "$BN" --format safetensors
check "export of every kind, safetensors: exit code (stderr: $(head -c 300 "$TMP/err"))" 0 "$RC"
check_true "export of every kind: BN/every_kind.safetensors" "a file" "none" \
    test -s "$BN/every_kind.safetensors"
check_true "export of every kind: running statistics and num_batches_tracked" \
    "1.running_var (F32) and 1.num_batches_tracked (I64, shape [])" \
    "no such header entries" \
    grep -aq '"1.running_var":{"dtype":"F32","shape":\[8\].*"1.num_batches_tracked":{"dtype":"I64","shape":\[\]' \
    "$BN/every_kind.safetensors"
nn "$TMP/out" "$TMP/err" export "$BN" --format onnx --out "$TMP/bn.onnx"
check "export of every kind, onnx: exit code (stderr: $(head -c 300 "$TMP/err"))" 0 "$RC"
nn "$TMP/bn.csv" "$TMP/err" predict "$BN" --images "$IMAGES" --threads 1
check "predict with every kind: exit code" 0 "$RC"
check "predict with every kind: rows" 10001 "$(wc -l <"$TMP/bn.csv")"
# --init-from brings the running statistics too: one step of 64 images at lr
# 1e-30 moves them a tenth of the way to that batch's, so the classes stay
# mostly those of the source run (92% measured); with the initial 0 and 1
# instead of the file's, 21% agree.
nn "$TMP/out" "$TMP/err" train --model "$EVERY" --threads 1 --limit 64 \
    --epochs 1 --lr 1e-30 --data "$DATA" --init-from "$BN/every_kind.safetensors" \
    --out "$TMP/bn2"
check "train --init-from every kind: exit code (stderr: $(head -c 300 "$TMP/err"))" 0 "$RC"
check_true "train --init-from every kind: says so" "initial weights from ..." "no line" \
    grep -q "^initial weights from $BN/every_kind.safetensors" "$TMP/out"
"$NN" predict "$TMP/bn2" --images "$IMAGES" --threads 1 >"$TMP/bn2.csv"
SAME=$(paste -d, <(cut -d, -f3 "$TMP/bn.csv") <(cut -d, -f3 "$TMP/bn2.csv") |
       awk -F, 'NR > 1 && $1 == $2 { n++ } END { print n + 0 }')
check_true "train --init-from every kind: running statistics loaded (classes as the source run's)" \
    ">= 8000 of 10000" "$SAME" test "$SAME" -ge 8000

# --- bad input ---------------------------------------------------------------------
printf 'P2\n28 28\n255\n0 0 0\n' >"$TMP/p2.pgm"
{ printf 'P5\n28 28\n255\n'; head -c 700 /dev/zero; } >"$TMP/short.pgm"
{ printf 'P5\n28 28\n65535\n'; head -c 1568 /dev/zero; } >"$TMP/16bit.pgm"
{ printf '\0\0\10\3\0\0\0\1\0\0\0\40\0\0\0\40'; head -c 1024 /dev/zero; } >"$TMP/32x32.idx"
head -c 1000 "$RUN/mlp.safetensors" >"$TMP/cut.safetensors"
mkdir -p "$TMP/empty-run"

bad_input "export without a run" 2 "expected one RUN_DIR" export --format onnx
bad_input "export without --format" 2 "--format safetensors|onnx is required" export "$RUN"
bad_input "export --format foo" 2 "--format&foo&safetensors, onnx" export "$RUN" --format foo
bad_input "export of a missing run" 1 "/nonexistent: cannot open: No such file or directory" \
    export /nonexistent --format onnx
bad_input "export of a folder without weights" 1 "empty-run: no final.ckpt or checkpoint.ckpt" \
    export "$TMP/empty-run" --format safetensors
bad_input "export into a missing folder" 1 "x.onnx.tmp: cannot create: No such file or directory" \
    export "$RUN" --format onnx --out no/such/x.onnx
bad_input "export of a metrics.csv" 1 "not an nntrain checkpoint (bad magic)" \
    export "$RUN/metrics.csv" --format onnx
bad_input "predict without --images" 2 "--images FILE is required" predict "$RUN"
bad_input "predict --batch-size 0" 2 "--batch-size&0" predict "$RUN" --images x --batch-size 0
bad_input "predict of a missing file" 1 "/nonexistent.pgm: cannot open: No such file or directory" \
    predict "$RUN" --images /nonexistent.pgm
bad_input "predict of 32x32 IDX images" 1 "32x32.idx: images are 32x32, the model expects 28x28" \
    predict "$RUN" --images "$TMP/32x32.idx"
bad_input "predict of a plain-text PGM" 1 "p2.pgm: PGM/PNM type P2 is not supported" \
    predict "$RUN" --images "$TMP/p2.pgm"
bad_input "predict of a short PGM" 1 "short.pgm: PGM data too short (expected 784 bytes" \
    predict "$RUN" --images "$TMP/short.pgm"
bad_input "predict of a 16-bit PGM" 1 "16bit.pgm: PGM maxval above 255 is not supported" \
    predict "$RUN" --images "$TMP/16bit.pgm"
bad_input "predict of a labels file" 1 "wrong IDX rank (expected 3 for images, found 1)" \
    predict "$RUN" --images "$DATA/t10k-labels-idx1-ubyte.gz"
bad_input "predict --out into a missing folder" 1 "p.csv.tmp: cannot create" \
    predict "$RUN" --images "$TMP/first.pgm" --out no/such/p.csv
bad_input "--init-from with --resume" 2 "--init-from starts a new run" \
    train --resume "$RUN" --init-from "$RUN/mlp.safetensors"
bad_input "--init-from mlp weights into a cnn" 1 \
    "mlp.safetensors: tensor 0.weight: missing (model cnn wants shape (32, 1, 3, 3))&more mismatches" \
    train --model cnn --threads 1 --data "$DATA" --init-from "$RUN/mlp.safetensors" --out run
bad_input "--init-from every-kind weights into a cnn" 1 \
    "every_kind.safetensors: tensor 0.weight: shape (8, 1, 3, 3), model cnn wants (32, 1, 3, 3)&more mismatches" \
    train --model cnn --threads 1 --data "$DATA" --init-from "$BN/every_kind.safetensors" --out run
bad_input "--init-from a truncated file" 1 "cut.safetensors: header length" \
    train --model mlp --threads 1 --data "$DATA" --init-from "$TMP/cut.safetensors" --out run
bad_input "--init-from a checkpoint" 1 "final.ckpt: header length" \
    train --model mlp --threads 1 --data "$DATA" --init-from "$RUN/final.ckpt" --out run
bad_input "--init-from a missing file" 1 "/nonexistent.safetensors: cannot open: No such file or directory" \
    train --model mlp --threads 1 --data "$DATA" --init-from /nonexistent.safetensors --out run

finish
