#!/bin/bash
# test_cli_resume.sh: a run stopped and resumed gives the numbers of a run
# that went straight through: after a clean stop (--epochs 2, then --resume
# --epochs 4), after Ctrl-C (SIGINT, mid-epoch) and after kill -9 at random
# moments. The time columns of metrics.csv are the only allowed difference.
#
# Usage: test_cli_resume.sh NNTRAIN_BINARY [DATA_DIR]
# NNTRAIN_TEST_SEED=N repeats the kill -9 moments of an earlier run.
set -u
. "$(dirname "$0")/lib.sh"

# same_run NAME DIR_EXPECTED DIR_GOT: the two run folders hold the same
# results (metrics without time, summary results, confusion matrix, and the
# test line of `nntrain eval`).
same_run() {
    local name=$1 a=$2 b=$3 x y
    x=$(metrics_no_time "$a/metrics.csv" 2>&1)
    y=$(metrics_no_time "$b/metrics.csv" 2>&1)
    check "$name: metrics.csv without time columns" "$x" "$y"
    x=$(summary_results "$a/summary.json" 2>&1)
    y=$(summary_results "$b/summary.json" 2>&1)
    check "$name: summary.json results" "$x" "$y"
    x=$(cat "$a/confusion_test.csv" 2>&1)
    y=$(cat "$b/confusion_test.csv" 2>&1)
    check "$name: confusion_test.csv" "$x" "$y"
    x=$(eval_line "$a")
    y=$(eval_line "$b")
    check_true "$name: eval prints a test line" "Test Loss: ..." "'$x'" \
        test -n "$x"
    check "$name: nntrain eval test line" "$x" "$y"
}

# --- (a), (b): stop after 2 epochs, resume to 4 ----------------------------
RUN="train --model mlp --threads 2 --seed 5 --data $DATA"
nn A.out A.err $RUN --limit 1000 --epochs 4 --out A
check "straight 4-epoch run A: exit code ($(cat A.err))" 0 "$RC"
nn B.out B.err $RUN --limit 1000 --epochs 2 --out B
check "2-epoch run B: exit code ($(cat B.err))" 0 "$RC"
nn B2.out B2.err train --resume B --epochs 4
check "resume B to 4 epochs: exit code ($(cat B2.err))" 0 "$RC"
check "resume B: says where it resumes" "resuming after epoch 2 of 4" \
    "$(grep '^resuming' B2.out)"
check "resume B: metrics.csv rows" 5 "$(grep -c '' B/metrics.csv)"
same_run "A vs B (2 epochs + resume to 4)" A B

# --- (c): Ctrl-C -----------------------------------------------------------
# interrupt DIR ATTEMPT: starts the 4-epoch run into DIR and sends SIGINT
# once it shows progress: the first attempt after epoch 1 has ended, later
# ones (if the run finished before the signal came) as soon as it starts
# training. Sets RC.
interrupt() {
    local dir=$1 attempt=$2 pid i
    rm -rf "$dir"
    "$NN" $RUN --limit 3000 --epochs 4 --out "$dir" >"$dir.out" 2>"$dir.err" &
    pid=$!
    BG_PIDS="$BG_PIDS $pid"
    for i in $(seq 600); do # up to 60 s
        if [ "$attempt" -eq 1 ]; then
            [ -f "$dir/metrics.csv" ] && break
            grep -q '^Epoch 1/' "$dir.out" 2>/dev/null && break
        else
            grep -q '^run folder' "$dir.out" 2>/dev/null && break
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    # SIGINT is caught from the start of training, just after the banner
    [ "$attempt" -gt 1 ] && sleep 0.2
    kill -INT "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    RC=$?
}
for attempt in 1 2 3; do
    interrupt C "$attempt"
    [ "$RC" -ne 0 ] && break
    echo "note: run C finished before SIGINT (attempt $attempt), again"
done
check "SIGINT: exit code ($(cat C.err))" 130 "$RC"
check_true "SIGINT: stderr says how to go on" "a line with '--resume'" \
    "$(cat C.err)" grep -q -- '--resume C' C.err
check "SIGINT: message lines on stderr" 1 "$(grep -c '[^[:space:]]' C.err)"
check_true "SIGINT: checkpoint written" "C/checkpoint.ckpt" "$(ls C)" \
    test -s C/checkpoint.ckpt
check_true "SIGINT: no summary.json (the run is not done)" "no summary.json" \
    "$(ls C)" test ! -e C/summary.json
check_true "SIGINT: no final.ckpt (the run is not done)" "no final.ckpt" \
    "$(ls C)" test ! -e C/final.ckpt
echo "SIGINT stopped run C: $(grep '[^[:space:]]' C.err)"
nn C2.out C2.err train --resume C
check "resume C after SIGINT: exit code ($(cat C2.err))" 0 "$RC"
nn D.out D.err $RUN --limit 3000 --epochs 4 --out D
check "straight run D: exit code ($(cat D.err))" 0 "$RC"
same_run "D vs C (SIGINT + resume)" D C

# --- (d): kill -9 at random moments ------------------------------------------
# Up to 6 rounds: start (or --resume) the 6-epoch run, kill -9 it 0.3..2.5 s
# after its data is loaded; after each kill the checkpoint must load and
# metrics.csv be whole. Then finish it and compare with a straight run.
SEED=${NNTRAIN_TEST_SEED:-$$}
RANDOM=$SEED
echo "kill -9 moments drawn from NNTRAIN_TEST_SEED=$SEED"
KRUN="train --model mlp --threads 1 --seed 5 --data $DATA --limit 3000 --epochs 6 --save-every 1 --batch-size 2"
done_e=0
for round in 1 2 3 4 5 6; do
    if [ -f E/checkpoint.ckpt ]; then
        from="--resume"
        "$NN" train --resume E >E.out 2>E.err &
    else
        from="scratch"
        "$NN" $KRUN --out E >E.out 2>E.err &
    fi
    pid=$!
    BG_PIDS="$BG_PIDS $pid"
    # the moment counts from the end of data loading (slow under ASan)
    for i in $(seq 600); do
        grep -q '^run folder' E.out 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    ms=$((300 + RANDOM % 2201))
    sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
    kill -9 "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
    rc=$?
    resumed=$(sed -n 's/^resuming after epoch \([0-9]*\) of .*/\1/p' E.out)
    echo "round $round: from $from${resumed:+ after epoch $resumed}," \
        "kill -9 $ms ms after loading, exit code $rc," \
        "files: $(cd E 2>/dev/null && ls | tr '\n' ' ')"
    if [ "$rc" -ne 137 ] && [ "$rc" -ne 0 ]; then
        bad "kill -9 round $round: exit code" "137 (killed) or 0 (done)" \
            "$rc: $(cat E.err)"
    fi
    if [ -n "$resumed" ] && [ -f E/metrics.csv ]; then
        # metrics.csv is written just before the checkpoint of the epoch
        rows=$(($(grep -c '' E/metrics.csv) - 1))
        check_true "kill -9 round $round: metrics.csv rows vs checkpoint" \
            "$resumed or more rows" "$rows" test "$rows" -ge "$resumed"
    fi
    if [ -f E/metrics.csv ]; then
        check_true "kill -9 round $round: metrics.csv well formed" \
            "header, then rows 1..n of 8 fields" "$(cat E/metrics.csv)" \
            metrics_sane E/metrics.csv
    fi
    if [ -f E/checkpoint.ckpt ]; then
        "$NN" eval E/checkpoint.ckpt >Eeval.out 2>Eeval.err
        check "kill -9 round $round: checkpoint loads ($(cat Eeval.err))" 0 "$?"
    fi
    if [ "$rc" -eq 0 ]; then
        done_e=1
        break
    fi
done
if [ "$done_e" -eq 0 ]; then
    if [ -f E/checkpoint.ckpt ]; then
        nn E2.out E2.err train --resume E
    else
        nn E2.out E2.err $KRUN --out E
    fi
    check "run E to completion: exit code ($(cat E2.err))" 0 "$RC"
fi
nn F.out F.err $KRUN --out F
check "straight 6-epoch run F: exit code ($(cat F.err))" 0 "$RC"
same_run "F vs E (kill -9 and resume)" F E

finish
