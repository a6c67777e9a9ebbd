#!/bin/bash
# test_mpi.sh: training on MPI ranks (mpirun, Open MPI). Skips (77) when
# nntrain was built without MPI or mpirun is missing. Every mpirun runs
# under `timeout`, so a hang fails the test instead of blocking it.
#
# Usage: test_mpi.sh NNTRAIN_BINARY [DATA_DIR]
. "$(dirname "$0")/../cli/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

if ! "$NN" --version | grep -q "Open MPI"; then
    echo "SKIP: nntrain built without MPI"; exit 77
fi
if ! command -v mpirun >/dev/null; then
    echo "SKIP: no mpirun (apt-get install openmpi-bin)"; exit 77
fi
# root in a container, more ranks than cores, no ptrace rights for CMA
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
unset OMP_NUM_THREADS

# mp NP OUT ERR ARGS...: nntrain ARGS on NP ranks, at most 90 s; RC.
mp() {
    local np=$1 out=$2 err=$3
    shift 3
    timeout 90 mpirun --oversubscribe -np "$np" "$NN" "$@" >"$out" 2>"$err"
    RC=$?
}
val_accs() { grep -o 'Val Acc: [0-9.]*' "$1" | cut -d' ' -f3; }

# --- the same model on 1, 2 and 3 ranks ---------------------------------------
# a dropout layer: its masks must follow each image into its rank's slice
printf 'input 1 28 28\ndense 128\nrelu\ndropout 0.2\ndense 10\n' >"$TMP/drop.txt"
RECIPE=(train --model "$TMP/drop.txt" --limit 6000 --epochs 3 --threads 1
        --augment crop=2 --data "$DATA")
nn "$TMP/o1" "$TMP/e1" "${RECIPE[@]}" --out "$TMP/np1"
check "np 1 (no mpirun): exit code ($(head -c 300 "$TMP/e1"))" 0 "$RC"
"$NN" export "$TMP/np1" --format safetensors --out "$TMP/np1.st" >/dev/null
for np in 1 2 3; do
    mp $np "$TMP/o" "$TMP/e" "${RECIPE[@]}" --out "$TMP/r$np"
    check "np $np: exit code ($(head -c 300 "$TMP/e"))" 0 "$RC"
    check_true "np $np: banner says ranks $np x threads 1" "the layout" \
        "$(head -1 "$TMP/o")" \
        sh -c "[ $np = 1 ] || grep -q 'ranks $np x threads 1' '$TMP/o'"
    over=$(( np > $(nproc) ? 1 : 0 )) # more ranks than the node's cores
    check "np $np: warns of ranks x threads over the cores $over times" \
        "$over" "$(grep -c "warning: $np ranks x 1 threads on this node" "$TMP/e")"
    paste <(val_accs "$TMP/o1") <(val_accs "$TMP/o") >"$TMP/acc"
    check "np $np: 3 epochs reported" 3 "$(grep -c . "$TMP/acc")"
    check_true "np $np: validation accuracy within 0.2 points of one process" \
        "|diff| <= 0.2" "$(tr '\n\t' '; ' <"$TMP/acc")" \
        awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 0.2) bad = 1 } END { exit bad }' "$TMP/acc"
    "$NN" export "$TMP/r$np" --format safetensors --out "$TMP/r$np.st" >/dev/null
    diff=$("$HERE/weights_diff.py" "$TMP/np1.st" "$TMP/r$np.st")
    echo "np $np: max relative weight difference to one process: $diff"
    check_true "np $np: final weights within 1e-3 (relative) of one process" \
        "<= 1e-3" "$diff" awk -v d="$diff" 'BEGIN { exit !(d <= 1e-3) }'
    check "np $np: rank 0 alone wrote the run folder" \
        "checkpoint.ckpt confusion_test.csv final.ckpt metrics.csv summary.json" \
        "$(cd "$TMP/r$np" && ls | tr '\n' ' ' | sed 's/ $//')"
done

# --- batch norm over every rank's slice ----------------------------------------
# convolution and dense layers each followed by batch norm, 1,000 images:
# batches of 32 + 32 or 22 + 21 + 21, a last one of 20 + 20 or 14 + 13 + 13.
# Against the reference backend in one process: the reference sums in
# double; oneDNN's batch norm (float) lands ~3e-3 off it in one process
# too. SGD, since Adam turns the rounding noise of the bias before a batch
# norm (whose gradient is 0) into steps of lr, and runs then part however
# exact the rest is.
printf 'input 1 28 28\nconv 8 3 pad=1\nbatchnorm\nrelu\nmaxpool 2\ndense 32\nbatchnorm\nrelu\ndense 10\n' >"$TMP/bn.txt"
BN=(train --model "$TMP/bn.txt" --limit 1000 --epochs 1 --threads 1 --optim sgd
    --lr 0.05 --data "$DATA")
nn "$TMP/o" "$TMP/e" "${BN[@]}" --backend ref --out "$TMP/bn1"
check "batch norm, reference, one process: exit code ($(head -c 300 "$TMP/e"))" 0 "$RC"
"$NN" export "$TMP/bn1" --format safetensors --out "$TMP/bn1.st" >/dev/null
for backend in ref onednn; do
    tol=$([ $backend = ref ] && echo 1e-5 || echo 5e-3)
    for np in 2 3; do
        mp $np "$TMP/o" "$TMP/e" "${BN[@]}" --backend $backend --out "$TMP/bn$np$backend"
        check "batch norm, $backend, np $np: exit code ($(head -c 300 "$TMP/e"))" 0 "$RC"
        "$NN" export "$TMP/bn$np$backend" --format safetensors --out "$TMP/bn$np$backend.st" >/dev/null
        diff=$("$HERE/weights_diff.py" "$TMP/bn1.st" "$TMP/bn$np$backend.st")
        echo "batch norm, $backend, np $np: max relative difference to the reference in one process: $diff"
        check_true "batch norm, $backend, np $np: weights and running statistics within $tol of the reference in one process" \
            "<= $tol" "$diff" awk -v d="$diff" -v t="$tol" 'BEGIN { exit !(d <= t) }'
    done
done

# --- resume across rank counts -------------------------------------------------
# 2 ranks for 2 epochs, then 1 process for the third; 1 process, then 3
# ranks: both as the straight run (validation within 0.2 points)
R=(--model mlp --limit 6000 --threads 1 --data "$DATA")
mp 2 "$TMP/o" "$TMP/e" train "${R[@]}" --epochs 2 --out "$TMP/a"
"$NN" train --resume "$TMP/a" --epochs 3 >"$TMP/oa" 2>"$TMP/ea"
check "2 ranks, resumed in 1 process: exit code ($(head -c 300 "$TMP/ea"))" 0 "$?"
"$NN" train "${R[@]}" --epochs 2 --out "$TMP/b" >/dev/null 2>&1
mp 3 "$TMP/ob" "$TMP/eb" train --resume "$TMP/b" --epochs 3
check "1 process, resumed on 3 ranks: exit code ($(head -c 300 "$TMP/eb"))" 0 "$RC"
"$NN" train "${R[@]}" --epochs 3 --out "$TMP/c" >"$TMP/oc" 2>&1
for run in a b; do
    paste <(cut -d, -f5 "$TMP/c/metrics.csv" | tail -n +2) \
          <(cut -d, -f5 "$TMP/$run/metrics.csv" | tail -n +2) >"$TMP/acc"
    check_true "resume $run: validation accuracy of all 3 epochs as the straight run" \
        "|diff| <= 0.2, 3 rows" "$(tr '\n\t' '; ' <"$TMP/acc")" \
        awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 0.2) bad = 1 } END { exit bad || NR != 3 }' "$TMP/acc"
done

# --- failures: one message, every rank non-zero, no hang -----------------------
mp 2 "$TMP/o" "$TMP/e" train --epochs 0 --data "$DATA" --out "$TMP/f1"
check_true "bad flag on 2 ranks: non-zero exit" "!= 0" "$RC" test "$RC" -ne 0
check "bad flag on 2 ranks: the message once" 1 "$(grep -c '^nntrain train:' "$TMP/e")"
check_true "bad flag: no run folder" "none" "one" test ! -e "$TMP/f1"
# rank 1 alone has no data (MPMD: one command line per rank)
timeout 90 mpirun --oversubscribe -np 1 "$NN" train "${R[@]}" --out "$TMP/f2" : \
    -np 1 "$NN" train "${R[@]/$DATA/$TMP/nodata}" --out "$TMP/f2" >"$TMP/o" 2>"$TMP/e"
RC=$?
check_true "data missing on rank 1: non-zero exit" "!= 0" "$RC" test "$RC" -ne 0
check "data missing on rank 1: the message once" 1 "$(grep -c '^nntrain train:.*nodata' "$TMP/e")"
check_true "data missing on rank 1: no run folder" "none" "one" test ! -e "$TMP/f2"
# rank 1 with another learning rate: it would train apart from rank 0
timeout 90 mpirun --oversubscribe -np 1 "$NN" train "${R[@]}" --out "$TMP/f4" : \
    -np 1 "$NN" train "${R[@]}" --lr 0.01 --out "$TMP/f4" >"$TMP/o" 2>"$TMP/e"
RC=$?
check_true "another --lr on rank 1: non-zero exit" "!= 0" "$RC" test "$RC" -ne 0
check "another --lr on rank 1: the message once" 1 "$(grep -c "^nntrain train: rank 1's recipe .* differs from rank 0's" "$TMP/e")"
check_true "another --lr on rank 1: no run folder" "none" "one" test ! -e "$TMP/f4"
# the same table by name and by file, other thread counts: one recipe
timeout 90 mpirun --oversubscribe -np 1 "$NN" train "${R[@]}" --epochs 1 --out "$TMP/f5" : \
    -np 1 "$NN" train "${R[@]/mlp/$HERE/../../models/mlp.txt}" --epochs 1 --threads 2 \
    --out "$TMP/f5" >"$TMP/o" 2>"$TMP/e"
check "the same recipe, another environment on rank 1: exit code ($(head -c 300 "$TMP/e"))" 0 "$?"
# batch norm and a last batch of 1 image (1000 % 999): rank 1 would have none
mp 2 "$TMP/o" "$TMP/e" train --model "$HERE/../../models/mlp-bn.txt" \
    --limit 1000 --batch-size 999 --data "$DATA" --out "$TMP/f3"
check_true "batch norm, a last batch of 1 image on 2 ranks: refused" "!= 0" "$RC" test "$RC" -ne 0
check "batch norm, a last batch of 1 image on 2 ranks: the message once" 1 \
    "$(grep -c "^nntrain train: model .* has batch norm: the epoch's last batch of 1 image leaves 1 of the 2 MPI ranks none (expected at most 1 rank," "$TMP/e")"
check_true "batch norm, a last batch of 1 image: no run folder" "none" "one" test ! -e "$TMP/f3"

# wait_ckpt DIR: until DIR/checkpoint.ckpt exists (at most 30 s)
wait_ckpt() {
    for _ in $(seq 150); do [ -f "$1/checkpoint.ckpt" ] && return 0; sleep 0.2; done
    return 1
}
# SIGKILL of rank 1: the job ends non-zero, the checkpoint resumes
timeout 90 mpirun --oversubscribe -np 2 "$NN" train "${R[@]}" --epochs 100 \
    --out "$TMP/k" >"$TMP/ok" 2>"$TMP/ek" &
MPI_PID=$!
BG_PIDS="$MPI_PID"
wait_ckpt "$TMP/k"
# timeout -> mpirun -> the ranks
RANK=$(pgrep -P "$(pgrep -P "$MPI_PID" -x mpirun)" -x nntrain | tail -1)
kill -9 "$RANK"
wait "$MPI_PID"
RC=$?
check_true "SIGKILL of a rank: the job ends non-zero, not by timeout" \
    "1..123" "$RC" test "$RC" -ne 0 -a "$RC" -ne 124
done_epochs=$(tail -n +2 "$TMP/k/metrics.csv" | grep -c .)
nn "$TMP/o" "$TMP/e" train --resume "$TMP/k" --epochs $((done_epochs + 1))
check "SIGKILL of a rank: the last checkpoint resumes ($(head -c 300 "$TMP/e"))" 0 "$RC"

# SIGINT to mpirun (Ctrl-C): checkpoint and how to resume, then it resumes
timeout 90 mpirun --oversubscribe -np 2 "$NN" train "${R[@]}" --epochs 100 \
    --out "$TMP/i" >"$TMP/oi" 2>"$TMP/ei" &
MPI_PID=$!
BG_PIDS="$MPI_PID"
wait_ckpt "$TMP/i"
sleep 0.3
kill -INT "$(pgrep -P "$MPI_PID" -x mpirun)"
wait "$MPI_PID"
RC=$?
check_true "Ctrl-C on mpirun: non-zero, not by timeout" "1..123" "$RC" \
    test "$RC" -ne 0 -a "$RC" -ne 124
check "Ctrl-C on mpirun: says how to resume, once" 1 \
    "$(grep -c 'checkpoint written. Resume with: mpirun' "$TMP/ei")"
done_epochs=$(tail -n +2 "$TMP/i/metrics.csv" | grep -c .)
mp 2 "$TMP/o" "$TMP/e" train --resume "$TMP/i" --epochs $((done_epochs + 1))
check "Ctrl-C on mpirun: resumes on 2 ranks ($(head -c 300 "$TMP/e"))" 0 "$RC"
finish
