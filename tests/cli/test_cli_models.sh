#!/bin/bash
# test_cli_models.sh: model files through the command line: a model using
# every layer kind trains, resumes and evaluates from its checkpoint alone
# (no --model), a built-in name and its file train the same, and broken
# model files get one line naming the file and line, creating nothing.
# Usage: test_cli_models.sh NNTRAIN_BINARY [DATA_DIR]
. "$(dirname "$0")/lib.sh"

SMALL="--threads 2 --limit 640 --batch-size 64"

cat >"$TMP/every.txt" <<'M'
# every layer kind
input 1 28 28
conv 8 3 pad=1
batchnorm
relu
maxpool 2
conv 16 3 pad=1 stride=2
relu
avgpool 2
dropout 0.25
dense 32
batchnorm
relu
dropout 0.5
dense 10
M

# train 2 epochs in one go, and 1 + resume 1: the same run
nn out err train --model "$TMP/every.txt" $SMALL --epochs 2 --out "$TMP/full"
check "every kind: trains" 0 "$RC"
grep -q ' 1 batchnorm' out && ok || bad "banner lists batchnorm" "a batchnorm row" "$(cat out)"
nn out err train --model "$TMP/every.txt" $SMALL --epochs 1 --out "$TMP/half"
check "every kind: first epoch" 0 "$RC"
nn out err train --resume "$TMP/half" --epochs 2
check "every kind: resume without --model" 0 "$RC"
check "every kind: resumed run equals the straight one" \
    "$(metrics_no_time "$TMP/full/metrics.csv")" \
    "$(metrics_no_time "$TMP/half/metrics.csv")"
check "every kind: same test results" "$(summary_results "$TMP/full/summary.json")" \
    "$(summary_results "$TMP/half/summary.json")"
# eval rebuilds the model from the checkpoint alone
want=$(grep -o 'Test Loss: [0-9.]* | Test Acc: [0-9.]*' "$TMP/full/../full/summary.json" 2>/dev/null)
got=$(eval_line "$TMP/full")
case $got in "Test Loss: "*) ok ;; *) bad "eval of a model-file run" "Test Loss: ..." "$got" ;; esac
acc=$(grep -o '"test_acc": [0-9.]*' "$TMP/full/summary.json" | grep -o '[0-9.]*$')
case $got in *"Test Acc: $(printf '%.2f' "$acc")"*) ok ;;
*) bad "eval reproduces the run's test accuracy" "$acc" "$got" ;; esac

# a built-in name and its model file are the same model
cat >"$TMP/mlp.txt" <<'M'
input 1 28 28
dense 256
relu
dense 128
relu
dense 10
M
nn out err train --model mlp $SMALL --epochs 1 --out "$TMP/by-name"
nn out2 err2 train --model "$TMP/mlp.txt" $SMALL --epochs 1 --out "$TMP/by-file"
check "mlp by name and by file: same metrics" \
    "$(metrics_no_time "$TMP/by-name/metrics.csv")" \
    "$(metrics_no_time "$TMP/by-file/metrics.csv")"

# broken model files: exit 1, FILE:LINE and what is wrong, nothing created
printf "input 1 28 28\nconv 8 3\nmaxpool 2\nmaxpool 14\ndense 10\n" >"$TMP/fit.txt"
bad_input "model: pooling that does not fit" 1 \
    "fit.txt:4&maxpool 14 does not fit a 13x13 input" \
    train --model "$TMP/fit.txt" --out runs/x
printf 'input 1 28 28\nconv 8 3\nlstm 16\ndense 10\n' >"$TMP/unknown.txt"
bad_input "model: unknown layer" 1 "unknown.txt:3&unknown layer 'lstm'" \
    train --model "$TMP/unknown.txt" --out runs/x
printf 'input 1 28 28\ndense ten\n' >"$TMP/number.txt"
bad_input "model: bad number" 1 "number.txt:2&'ten' is not a whole number" \
    train --model "$TMP/number.txt" --out runs/x
printf 'input 1 28 28\ndense 10\nrelu\n' >"$TMP/logits.txt"
bad_input "model: no logits layer" 1 "logits.txt&no logits layer" \
    train --model "$TMP/logits.txt" --out runs/x
printf 'input 1 16 16\ndense 10\n' >"$TMP/in16.txt"
bad_input "model: input does not match the data" 1 \
    "input 1x16x16 does not match the data's 1x28x28" \
    train --model "$TMP/in16.txt" --out runs/x
bad_input "model: missing file" 1 "$TMP/none.txt" \
    train --model "$TMP/none.txt" --out runs/x
bad_input "model: a folder" 1 "$TMP&folder" train --model "$TMP/" --out runs/x
printf 'input 1 28 28\n\0dense 10\n' >"$TMP/nul.txt"
bad_input "model: binary file" 1 "nul.txt&NUL" \
    train --model "$TMP/nul.txt" --out runs/x
bad_input "model: unknown name" 2 "--model&resnet&mlp, cnn" \
    train --model resnet --out runs/x
printf 'input 1 28 28\nconv 4 3\nbatchnorm\ndense 10\n' >"$TMP/bn.txt"
bad_input "model: batch norm with batch-split" 1 \
    "batch norm&--parallel intra" \
    train --model "$TMP/bn.txt" --parallel batch --threads 2 --out runs/x
# Another data set: 16x16 images of 3 classes (a bright square in the
# class's corner, noise elsewhere), a model whose input and logits fit it,
# names from --classes; labels beyond the model's classes are refused.
mkdir -p "$TMP/sq" "$TMP/sq-bad"
/usr/bin/python3 - "$TMP/sq" "$TMP/sq-bad" <<'PY'
import gzip, random, struct, sys
def write(d, name, magic, dims, payload):
    with gzip.open(f"{d}/{name}", "wb") as f:
        f.write(struct.pack(">I", magic) + b"".join(struct.pack(">I", x) for x in dims) + bytes(payload))
def images(n, seed):
    rnd = random.Random(seed); px, lab = [], []
    for i in range(n):
        k = i % 3; img = [rnd.randrange(60) for _ in range(256)]
        r0, c0 = [(1, 1), (1, 9), (9, 5)][k]
        for r in range(r0, r0 + 6):
            for c in range(c0, c0 + 6): img[r * 16 + c] = 200 + rnd.randrange(56)
        px += img; lab.append(k)
    return px, lab
for d, bad in ((sys.argv[1], False), (sys.argv[2], True)):
    for split, n, seed in (("train", 600, 1), ("t10k", 150, 2)):
        px, lab = images(n, seed)
        if bad and split == "t10k": lab[7] = 3
        write(d, f"{split}-images-idx3-ubyte.gz", 0x803, (n, 16, 16), px)
        write(d, f"{split}-labels-idx1-ubyte.gz", 0x801, (n,), lab)
PY
printf 'input 1 16 16\nconv 8 3 pad=1\nbatchnorm\nrelu\nmaxpool 2\ndense 3\n' >"$TMP/sq.txt"
printf 'top left\ntop right\nbottom\n' >"$TMP/sq-names.txt"
nn out err train --model "$TMP/sq.txt" --data "$TMP/sq" --val 100 --epochs 3 \
    --threads 2 --batch-size 32 --loss cross-entropy --classes "$TMP/sq-names.txt" \
    --out "$TMP/sq-run"
check "16x16, 3 classes: trains (stderr: $(head -c 300 err))" 0 "$RC"
acc=$(grep -o '"test_acc": [0-9.]*' "$TMP/sq-run/summary.json" | grep -o '[0-9.]*$')
check_true "16x16, 3 classes: learns (test accuracy over 90%)" "> 90" "$acc" \
    awk -v a="${acc:-0}" 'BEGIN { exit !(a > 90) }'
grep -q 'top right' "$TMP/sq-run/confusion_test.csv" && ok ||
    bad "class names in confusion_test.csv" "top right" "$(head -1 "$TMP/sq-run/confusion_test.csv")"
got=$(eval_line "$TMP/sq-run" --data "$TMP/sq")
case $got in *"Test Acc: $(printf '%.2f' "$acc")"*) ok ;;
*) bad "16x16: eval from the checkpoint" "$acc" "$got" ;; esac
bad_input "labels beyond the model's classes" 1 "label 3 at index 7&0..2" \
    train --model "$TMP/sq.txt" --data "$TMP/sq-bad" --val 100 --epochs 1 --out runs/x
bad_input "a 28x28 model on 16x16 data" 1 "input 1x28x28 does not match the data's 1x16x16" \
    train --model mlp --data "$TMP/sq" --val 100 --epochs 1 --out runs/x
finish
