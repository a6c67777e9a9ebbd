#!/bin/bash
# test_cli_errors.sh: bad input to `nntrain train` and `nntrain eval`. Each
# must exit 2 (usage) or 1 (failure), say what is wrong in one stderr line
# (a "Try 'nntrain CMD --help'." hint may follow a usage error), create no
# file, and leave an existing run folder byte for byte as it was.
#
# Usage: test_cli_errors.sh NNTRAIN_BINARY [DATA_DIR]
# NNTRAIN_TEST_VERBOSE=1 prints each case, its exit code and its message.
set -u
. "$(dirname "$0")/lib.sh"

MLP="--model mlp --threads 1"

# --- usage errors: exit 2 -------------------------------------------------
bad_input "unknown option" 2 "--bogus" train --bogus
bad_input "option without its value" 2 "--epochs" train --epochs
bad_input "unknown eval option" 2 "--bogus" eval --bogus x
bad_input "unknown subcommand" 2 "frob&unknown command" frob
bad_input "--epochs 0" 2 "--epochs&0" train $MLP --epochs 0
bad_input "--epochs -3" 2 "--epochs&-3" train $MLP --epochs -3
bad_input "--epochs abc" 2 "--epochs&abc" train $MLP --epochs abc
bad_input "--epochs overflow" 2 "--epochs&99999999999" train --epochs 99999999999
bad_input "--batch-size 0" 2 "--batch-size&0" train $MLP --batch-size 0
bad_input "--lr abc" 2 "--lr&abc" train $MLP --lr abc
bad_input "--lr -1" 2 "--lr&-1" train $MLP --lr -1
bad_input "--lr 0" 2 "--lr&0" train $MLP --lr 0
bad_input "--lr nan" 2 "--lr&nan" train $MLP --lr nan
bad_input "--lr inf" 2 "--lr&inf" train $MLP --lr inf
bad_input "--model foo" 2 "--model&foo&mlp, cnn" train --model foo
bad_input "--threads 0" 2 "--threads&0" train $MLP --threads 0
bad_input "--limit 0" 2 "--limit&0" train $MLP --limit 0
bad_input "--seed -1" 2 "--seed&-1" train $MLP --seed -1
bad_input "--save-every -1" 2 "--save-every&-1" train $MLP --save-every -1
bad_input "--momentum inf" 2 "--momentum&inf" train $MLP --momentum inf
bad_input "--loss foo" 2 "--loss&foo&cross-entropy" train $MLP --loss foo
bad_input "--optimizer foo" 2 "--optimizer&foo&adamw" train $MLP --optimizer foo
bad_input "--weight-decay -1" 2 "--weight-decay&-1&>= 0" train $MLP --weight-decay -1
bad_input "--weight-decay nan" 2 "--weight-decay&nan" train $MLP --weight-decay nan
bad_input "--schedule foo" 2 "--schedule&foo&cosine" train $MLP --schedule foo
bad_input "--warmup-epochs -1" 2 "--warmup-epochs&-1" train $MLP --warmup-epochs -1
bad_input "--warmup-epochs above --epochs" 2 "--warmup-epochs 5&3 epochs" \
    train $MLP --epochs 3 --warmup-epochs 5
bad_input "--augment crop=-1" 2 "--augment crop&-1&0..16" train $MLP --augment crop=-1
bad_input "--augment crop=x" 2 "--augment crop&'x'&integer" train $MLP --augment crop=x
bad_input "--augment crop=17" 2 "--augment crop&17&0..16" train $MLP --augment crop=17
bad_input "--augment foo" 2 "--augment&unknown part 'foo'" train $MLP --augment foo
bad_input "--augment flip,foo" 2 "--augment&unknown part 'foo'" train $MLP --augment flip,foo
bad_input "--augment empty" 2 "--augment&unknown part ''" train $MLP --augment ""
bad_input "--augment flip,flip" 2 "--augment&repeated part 'flip'" train $MLP --augment flip,flip
bad_input "experiment --augment foo" 2 "nntrain experiment&--augment&foo" experiment --augment foo
bad_input "--backend foo" 2 "--backend&foo" train $MLP --backend foo
bad_input "--parallel foo" 2 "--parallel&foo&intra" train $MLP --parallel foo
bad_input "--nan-policy foo" 2 "--nan-policy&foo" train $MLP --nan-policy foo
bad_input "--precision foo" 2 "--precision&foo&bf16" train $MLP --precision foo
# refused before any work (a failure, exit 1): the CPU or backend cannot
ONEDNN_MAX_CPU_ISA=AVX2 bad_input "--precision bf16 on AVX2" 1 \
    "bf16 needs AVX512_BF16; this CPU's oneDNN ISA is avx2" train $MLP --precision bf16
bad_input "--precision bf16 --backend ref" 1 \
    "bf16 runs on the oneDNN backend only" train $MLP --precision bf16 --backend ref
bad_input "positional argument" 2 "extra" train $MLP extra
bad_input "--resume with --lr" 2 "--resume" train --resume "$TMP" --lr 0.1
bad_input "--resume with --out" 2 "--resume" train --resume "$TMP" --out x
bad_input "--resume with --schedule" 2 "--resume" train --resume "$TMP" --schedule cosine
bad_input "--resume with --augment" 2 "--resume" train --resume "$TMP" --augment flip
bad_input "--resume with --weight-decay" 2 "--resume" train --resume "$TMP" --weight-decay 0
bad_input "eval without a target" 2 "RUN_DIR" eval
bad_input "eval with two targets" 2 "RUN_DIR" eval a b
bad_input "eval --threads 0" 2 "--threads&0" eval --threads 0 x
bad_input "--val 0" 2 "--val&0" train $MLP --val 0
bad_input "--val abc" 2 "--val&abc" train $MLP --val abc
bad_input "--classes empty" 2 "--classes&empty" train $MLP --classes ""
bad_input "eval --classes empty" 2 "--classes&empty" eval --classes "" x
bad_input "--resume with --classes" 2 "--resume" \
    train --resume "$TMP" --classes names.txt

# --- failures: exit 1 -----------------------------------------------------
bad_input "--batch-size larger than the data" 1 "200&100" \
    train $MLP --limit 100 --batch-size 200 --data "$DATA" --out out
bad_input "--val as large as the training file" 1 \
    "validation size 60000&1..59999" \
    train $MLP --val 60000 --data "$DATA" --out out
bad_input "--val leaving less than a batch" 1 "--val 59990&1..59936" \
    train $MLP --val 59990 --data "$DATA" --out out
bad_input "--classes missing file" 1 "$TMP/no-names.txt&No such file" \
    train $MLP --limit 100 --classes "$TMP/no-names.txt" --data "$DATA" --out out
printf 'a\nb\nc\n' >"$TMP/three-names.txt"
bad_input "--classes with 3 names for 10 classes" 1 \
    "three-names.txt&3 names, the model has 10 classes" \
    train $MLP --limit 100 --classes "$TMP/three-names.txt" --data "$DATA" \
    --out out
bad_input "--data /nonexistent" 1 "/nonexistent" \
    train $MLP --limit 100 --data /nonexistent --out out
touch "$TMP/file"
bad_input "--data a regular file" 1 "$TMP/file&not a folder" \
    train $MLP --limit 100 --data "$TMP/file" --out out

mkdir "$TMP/data-3of4" "$TMP/data-trunc" "$TMP/data-swapped"
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz \
         t10k-images-idx3-ubyte.gz; do
    ln -s "$DATA/$f" "$TMP/data-3of4/$f"
done
bad_input "--data missing a file" 1 "t10k-labels-idx1-ubyte.gz&missing" \
    train $MLP --limit 100 --data "$TMP/data-3of4" --out out

for f in train-images-idx3-ubyte.gz t10k-images-idx3-ubyte.gz \
         t10k-labels-idx1-ubyte.gz; do
    ln -s "$DATA/$f" "$TMP/data-trunc/$f"
done
head -c 1000 "$DATA/train-labels-idx1-ubyte.gz" \
    >"$TMP/data-trunc/train-labels-idx1-ubyte.gz"
bad_input "truncated gzip train labels" 1 "train-labels-idx1-ubyte.gz&truncated" \
    train $MLP --limit 100 --data "$TMP/data-trunc" --out out

for f in train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz \
         t10k-labels-idx1-ubyte.gz; do
    ln -s "$DATA/$f" "$TMP/data-swapped/$f"
done
ln -s "$DATA/train-labels-idx1-ubyte.gz" \
    "$TMP/data-swapped/train-images-idx3-ubyte.gz"
bad_input "labels file in place of the images" 1 "train-images-idx3-ubyte.gz&rank" \
    train $MLP --limit 100 --data "$TMP/data-swapped" --out out

bad_input "--out under a regular file" 1 "$TMP/file/run&Not a directory" \
    train $MLP --limit 100 --data "$DATA" --out "$TMP/file/run"
check "--out under a regular file: the file is untouched" "0" \
    "$(wc -c <"$TMP/file" | tr -d ' ')"

bad_input "eval of a missing folder" 1 "$TMP/nothere" eval "$TMP/nothere"
mkdir "$TMP/empty-run"
bad_input "eval of a folder without final.ckpt" 1 "empty-run/final.ckpt" \
    eval "$TMP/empty-run"
bad_input "train --resume of a folder without checkpoint" 1 \
    "empty-run/checkpoint.ckpt" train --resume "$TMP/empty-run"
bad_input "train --resume of a missing folder" 1 "$TMP/nothere" \
    train --resume "$TMP/nothere"

# --- a good run, then bad input aimed at it ---------------------------------
KEEP=$TMP/keep
nn "$TMP/out" "$TMP/err" train $MLP --limit 200 --epochs 2 --data "$DATA" \
    --out "$KEEP"
check "good run for the corruption and overwrite checks: exit code" 0 "$RC"
for f in metrics.csv summary.json confusion_test.csv checkpoint.ckpt final.ckpt; do
    check_true "good run wrote $f" "$KEEP/$f" "no such file" test -s "$KEEP/$f"
done

check_true "summary.json names Fashion-MNIST's classes" '"classes": ["T-shirt/top"' \
    "$(grep classes "$KEEP/summary.json")" \
    grep -qF '"classes": ["T-shirt/top", "Trouser",' "$KEEP/summary.json"
check_true "summary.json holds --val" '"val": 6000' \
    "$(grep '"val"' "$KEEP/summary.json")" grep -qF '"val": 6000' "$KEEP/summary.json"
bad_input "eval --classes missing file" 1 "$TMP/no-names.txt&No such file" \
    eval "$KEEP" --classes "$TMP/no-names.txt"
bad_input "predict --classes missing file" 1 "$TMP/no-names.txt&No such file" \
    predict "$KEEP" --images "$DATA/t10k-images-idx3-ubyte.gz" \
    --classes "$TMP/no-names.txt"
seq 101 110 >"$TMP/ten-names.txt"
nn "$TMP/out" "$TMP/err" eval "$KEEP" --threads 1 --classes "$TMP/ten-names.txt"
check "eval --classes: exit code" 0 "$RC"
check_true "eval --classes: rows named from the file" "a row '  9 110'" \
    "$(tail -1 "$TMP/out")" grep -q '^  9 110 ' "$TMP/out"
bad_input "eval of a metrics.csv" 1 "metrics.csv&not an nntrain checkpoint" \
    eval "$KEEP/metrics.csv"
cp "$KEEP/final.ckpt" "$TMP/flipped.ckpt"
printf '\377' | dd of="$TMP/flipped.ckpt" bs=1 seek=5000 conv=notrunc 2>/dev/null
bad_input "eval of a checkpoint with a flipped byte" 1 "flipped.ckpt&checksum mismatch" \
    eval "$TMP/flipped.ckpt"
head -c 3000 "$KEEP/final.ckpt" >"$TMP/short.ckpt"
bad_input "eval of a truncated checkpoint" 1 "short.ckpt&truncated" \
    eval "$TMP/short.ckpt"

# keep_intact NAME NNTRAIN_ARGS...: a run that must fail (exit 1) and leave
# the good run folder byte for byte as it was.
BEFORE=$(snapshot "$KEEP")
keep_intact() {
    local name=$1 after
    shift
    bad_input "$name" 1 "" "$@"
    after=$(snapshot "$KEEP")
    if [ "$after" = "$BEFORE" ]; then ok; else
        bad "$name: run folder untouched" "$BEFORE" "$after"
    fi
}
keep_intact "new run over a good folder, missing data folder" \
    train $MLP --limit 200 --data /nonexistent --out "$KEEP"
keep_intact "new run over a good folder, data missing a file" \
    train $MLP --limit 200 --data "$TMP/data-3of4" --out "$KEEP"
keep_intact "new run over a good folder, truncated data" \
    train $MLP --limit 200 --data "$TMP/data-trunc" --out "$KEEP"
keep_intact "new run over a good folder, --batch-size too large" \
    train $MLP --limit 100 --batch-size 200 --data "$DATA" --out "$KEEP"
keep_intact "new run over a good folder, loss diverges at once" \
    train $MLP --limit 200 --lr 1e30 --data "$DATA" --out "$KEEP"
keep_intact "resume with truncated data" \
    train --resume "$KEEP" --epochs 3 --data "$TMP/data-trunc"
keep_intact "resume with a missing data folder" \
    train --resume "$KEEP" --epochs 3 --data /nonexistent
keep_intact "resume with another --val" \
    train --resume "$KEEP" --epochs 3 --val 5000
if grep -qF "trained with --val 6000" "$TMP/err"; then ok; else
    bad "resume with another --val: message" "trained with --val 6000" \
        "$(cat "$TMP/err")"
fi
keep_intact "resume with fewer epochs than done" \
    train --resume "$KEEP" --epochs 1
if grep -qF "has done 2 epochs already" "$TMP/err"; then ok; else
    bad "resume with fewer epochs than done: message" "has done 2 epochs already" \
        "$(cat "$TMP/err")"
fi

# a cosine run's length is part of its schedule: --epochs cannot change it
COS=$TMP/cosine
nn "$TMP/out" "$TMP/err" train $MLP --limit 200 --epochs 2 --data "$DATA" \
    --out "$COS" --optimizer adamw --schedule cosine --warmup-epochs 1 \
    --augment crop=2,flip
check "adamw cosine run: exit code" 0 "$RC"
check "adamw cosine run: the banner's recipe line" \
    "recipe: weight decay 0.01, cosine schedule, 1 warmup epochs, augment crop=2,flip" \
    "$(grep '^recipe:' "$TMP/out")"
check "adamw cosine run: summary.json's recipe" \
    '"optimizer": "adamw",|"weight_decay": 0.01,|"schedule": "cosine",|"warmup_epochs": 1,|"augment": "crop=2,flip",' \
    "$(grep -E '"(optimizer|weight_decay|schedule|warmup_epochs|augment)"' \
       "$COS/summary.json" | tr -d ' ' | sed 's/:/: /' | paste -sd'|')"
# 4 steps an epoch: the warmup ends at 0.001, the cosine's last step is
# 0.001 * (1 + cos(3 pi / 4)) / 2
check "adamw cosine run: metrics.csv lr column (warmup end, cosine)" \
    "lr|0.001|0.0001464466" "$(cut -d, -f8 "$COS/metrics.csv" | paste -sd'|')"
bad_input "resume of a cosine run with another --epochs" 1 \
    "--epochs 3&cosine schedule over its 2 epochs" train --resume "$COS" --epochs 3

cp "$KEEP/checkpoint.ckpt" "$TMP/ckpt.save"
printf '\377' | dd of="$KEEP/checkpoint.ckpt" bs=1 seek=5000 conv=notrunc 2>/dev/null
BEFORE=$(snapshot "$KEEP")
keep_intact "resume from a corrupt checkpoint" train --resume "$KEEP" --epochs 3
if grep -qF "checksum mismatch" "$TMP/err"; then ok; else
    bad "resume from a corrupt checkpoint: message" "checksum mismatch" \
        "$(cat "$TMP/err")"
fi

finish
