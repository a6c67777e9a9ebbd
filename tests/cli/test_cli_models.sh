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
finish
