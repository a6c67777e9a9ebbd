#!/bin/bash
# test_cli_runs.sh: a run folder belongs to one run and no run is lost:
# refusal of a folder holding a run, the next free default folder,
# --overwrite, the lock against a second process, SIGTERM and SIGHUP, a
# closed stdout pipe, long paths, resume against other or vanished data,
# FIFOs and devices as inputs, unwritable stdout, report on a 1-epoch run.
#
# Usage: test_cli_runs.sh NNTRAIN_BINARY [DATA_DIR]
set -u
. "$(dirname "$0")/lib.sh"

MLP="train --model mlp --threads 1 --data $DATA --limit 600 --epochs 1"
# long enough to be caught while it trains (about 0.1 s per epoch)
SLOW="train --model mlp --threads 1 --data $DATA --limit 3000 --batch-size 2 --epochs 40"

# has NAME FILE PATTERN: FILE holds a line matching PATTERN (grep -E).
has() {
    if grep -qE -- "$3" "$2"; then ok; else
        bad "$1" "a line matching /$3/" "$(head -c 600 "$2")"
    fi
}

# start_bg OUT ERR ARGS...: nntrain in the background; waits until its run
# folder line is out (data loaded); PID in BG.
start_bg() {
    local out=$1 err=$2
    shift 2
    "$NN" "$@" >"$out" 2>"$err" &
    BG=$!
    BG_PIDS="$BG_PIDS $BG"
    for i in $(seq 600); do
        grep -q '^run folder' "$out" 2>/dev/null && break
        kill -0 "$BG" 2>/dev/null || break
        sleep 0.05
    done
}

# --- a folder holding a run is refused; the default moves on -------------
mkdir -p cwd && cd cwd || exit 1
nn A.out A.err $MLP
check "first default run: exit code ($(cat A.err))" 0 "$RC"
check_true "first default run: in runs/mlp" "runs/mlp/summary.json" "$(ls runs)" \
    test -f runs/mlp/summary.json
BEFORE=$(snapshot runs/mlp)
nn B.out B.err $MLP
check "second default run: exit code ($(cat B.err))" 0 "$RC"
check_true "second default run: in runs/mlp-2" "runs/mlp-2/summary.json" \
    "$(ls runs)" test -f runs/mlp-2/summary.json
has "second default run: banner names runs/mlp-2" B.out '^run folder runs/mlp-2$'
check "second default run: runs/mlp untouched" "$BEFORE" "$(snapshot runs/mlp)"
nn C.out C.err $MLP --out runs/mlp --model cnn
check "new run into a run folder: exit code" 1 "$RC"
has "new run into a run folder: says what is there" C.err \
    "runs/mlp already holds a run \(model mlp, 1 of 1 epochs done; checkpoint.ckpt"
has "new run into a run folder: says what to do" C.err \
    "--resume runs/mlp.*another --out.*--overwrite"
check "new run into a run folder: one line" 1 "$(grep -c '' C.err)"
check "new run into a run folder: untouched" "$BEFORE" "$(snapshot runs/mlp)"
nn D.out D.err $MLP --out runs/mlp --overwrite --seed 7
check "--overwrite: exit code ($(cat D.err))" 0 "$RC"
has "--overwrite: the new run's summary" runs/mlp/summary.json '"seed": 7'
nn E.out E.err train --resume runs/mlp --overwrite
check "--overwrite with --resume: usage error" 2 "$RC"
cd .. || exit 1

# --- experiment: both folders checked before the first model trains -------
mkdir -p X/cnn && cp cwd/runs/mlp-2/metrics.csv X/cnn/
nn X.out X.err experiment --out X --data "$DATA" --limit 600 --epochs 1 --threads 1
check "experiment into a folder holding a CNN run: exit code" 1 "$RC"
has "experiment: names the CNN folder" X.err "X/cnn already holds a run"
check_true "experiment: the MLP did not train" "no X/mlp" "$(ls X)" test ! -e X/mlp

# --- the lock: a second process is kept out, naming the first -------------
start_bg L.out L.err $SLOW --out L
has "lock file holds the PID" L/.nntrain.lock "^$BG\$"
nn L2.out L2.err train --resume L
check "resume of a folder in use: exit code" 1 "$RC"
has "resume of a folder in use: names the PID" L2.err "L is in use by another nntrain \(PID $BG\)"
nn L3.out L3.err $MLP --out L --overwrite
check "--overwrite of a folder in use: exit code" 1 "$RC"
has "--overwrite of a folder in use: names the PID" L3.err "in use by another nntrain \(PID $BG\)"
# --- SIGTERM (kill, Slurm, timeout) behaves as Ctrl-C ---------------------
sleep 0.3
kill -TERM "$BG"
wait "$BG"
check "SIGTERM: exit code 128+15" 143 "$?"
has "SIGTERM: says how to resume" L.err "interrupted by SIGTERM in epoch [0-9]+ of 40; checkpoint written. Resume with: nntrain train --resume L$"
check_true "SIGTERM: checkpoint written" "L/checkpoint.ckpt" "$(ls L)" test -f L/checkpoint.ckpt
echo garbage >L/metrics.csv.tmp # as a kill -9 mid-write would leave
start_bg L4.out L4.err train --resume L
check_true "resume removes stale temp files" "no L/metrics.csv.tmp" "$(ls -a L)" \
    test ! -e L/metrics.csv.tmp
kill -HUP "$BG"
wait "$BG"
check "SIGHUP: exit code 128+1" 129 "$?"
has "SIGHUP: says how to resume" L4.err "interrupted by SIGHUP in epoch"

# --- a closed stdout pipe cannot kill a run before its files are saved ----
"$NN" $MLP --epochs 2 --out P 2>P.err | true
rc=${PIPESTATUS[0]}
check "stdout pipe closed: exit code 1" 1 "$rc"
has "stdout pipe closed: says so" P.err "cannot write standard output: Broken pipe"
check_true "stdout pipe closed: the run finished" "P/summary.json" "$(ls P)" \
    test -f P/summary.json
check "stdout pipe closed: both epochs in metrics.csv" 3 "$(grep -c '' P/metrics.csv)"

# --- unwritable stdout is a failure ----------------------------------------
for cmd in "eval P" "report --out R P" "$MLP --out F" "--version"; do
    "$NN" $cmd >/dev/full 2>full.err
    check "$cmd > /dev/full: exit code" 1 "$?"
    has "$cmd > /dev/full: says so" full.err "cannot write standard output: No space left on device"
done

# --- long paths: used exactly, or refused by name --------------------------
long=$TMP
for i in $(seq 12); do long=$long/$(printf 'd%.0s' $(seq 120)); done
nn G.out G.err $MLP --out "$long/run"
check "1500-byte --out: exit code ($(head -c 200 G.err))" 0 "$RC"
check_true "1500-byte --out: files where asked" "$long/run/final.ckpt" "" \
    test -f "$long/run/final.ckpt"
nn G2.out G2.err train --resume "$long/run" --epochs 2
check "1500-byte --resume: exit code ($(head -c 200 G2.err))" 0 "$RC"
check "1500-byte --resume: 2 epochs in its own metrics.csv" 3 "$(grep -c '' "$long/run/metrics.csv")"
huge=$(printf 'x%.0s' $(seq 5000))
nn H.out H.err $MLP --out "$huge"
check "5000-byte --out: usage error" 2 "$RC"
has "5000-byte --out: says why" H.err "--out: path of 5000 bytes is too long \(at most 4095\)"

# --- resume and the data it was trained on ---------------------------------
mkdir -p data1 && cp "$DATA"/*.gz data1/
(mkdir -p elsewhere && cd elsewhere && "$NN" $MLP --epochs 1 --data ../data1 --out ../R1 >/dev/null 2>&1)
check "run on a relative --data: exit code" 0 "$?"
has "the data folder is stored absolute" R1/summary.json "\"data_dir\": \"$TMP/data1\""
cp -r data1 data2 # the same files in another folder: a move
nn R2.out R2.err train --resume R1 --epochs 2 --data data2
check "resume with the data moved (--data, same files): exit code ($(cat R2.err))" 0 "$RC"
gunzip -c data2/t10k-labels-idx1-ubyte.gz | gzip -1 -n >data2/t.gz && mv data2/t.gz data2/t10k-labels-idx1-ubyte.gz
BEFORE=$(snapshot R1)
nn R3.out R3.err train --resume R1 --epochs 3 --data data2
check "resume with other data: exit code" 1 "$RC"
has "resume with other data: names the file that differs" R3.err \
    "--data $TMP/data2: not the data this run was trained on \(t10k-labels-idx1-ubyte.gz is"
check "resume with other data: folder untouched" "$BEFORE" "$(snapshot R1)"
# the resume from data2 made data2 the run's folder; now its files changed
nn R4.out R4.err train --resume R1 --epochs 3
check "resume after the data changed: exit code" 1 "$RC"
has "resume after the data changed: says so" R4.err \
    "$TMP/data2: the data changed since the run began \(t10k-labels-idx1-ubyte.gz is"
rm -rf data2
nn R5.out R5.err train --resume R1 --epochs 3
check "resume after the data folder vanished: exit code" 1 "$RC"
has "resume after the data folder vanished: says what to do" R5.err \
    "the run's data is gone: .*data2.*resume with --data DIR"
NNTRAIN_DATA=/nonexistent "$NN" train --model mlp --out N >N.out 2>N.err
check "bad \$NNTRAIN_DATA: exit code" 1 "$?"
has "bad \$NNTRAIN_DATA: named" N.err '\$NNTRAIN_DATA=/nonexistent: cannot open data folder'

# --- another thread count on resume: warned and recorded -------------------
nn T.out T.err train --resume P --epochs 3 --threads 2
check "resume with other threads: exit code ($(cat T.err))" 0 "$RC"
has "resume with other threads: warned" T.err "warning: the run was trained with 1 threads, now 2"
has "resume with other threads: recorded" P/summary.json '"threads_changed_on_resume": 1'
nn T2.out T2.err $MLP --threads 64 --out T2
has "64 threads on few cores: warned" T2.err "warning: 64 threads on [0-9]+ cores"

# --- FIFOs and devices as inputs: their own message, no hang ---------------
mkfifo fifo.ckpt
timeout 20 "$NN" eval fifo.ckpt >Q.out 2>Q.err
check "eval of a FIFO: exit code (124 = hung)" 1 "$?"
has "eval of a FIFO: named" Q.err "fifo.ckpt: is a FIFO, expected an nntrain checkpoint"
mkdir -p Q && mkfifo Q/checkpoint.ckpt
timeout 20 "$NN" train --resume Q >Q2.out 2>Q2.err
check "resume of a FIFO checkpoint: exit code (124 = hung)" 1 "$?"
has "resume of a FIFO checkpoint: named" Q2.err "Q/checkpoint.ckpt: is a FIFO"
for kind in zero fifo dir; do
    mkdir -p "d$kind" && cp "$DATA"/*.gz "d$kind"/ && rm "d$kind/train-images-idx3-ubyte.gz"
done
ln -s /dev/zero dzero/train-images-idx3-ubyte.gz
mkfifo dfifo/train-images-idx3-ubyte.gz
mkdir ddir/train-images-idx3-ubyte.gz
for kind in "zero:a character device" "fifo:a FIFO" "dir:a folder"; do
    timeout 20 "$NN" train --model mlp --data "d${kind%%:*}" --out "V${kind%%:*}" >V.out 2>V.err
    check "data file that is ${kind#*:}: exit code (124 = hung)" 1 "$?"
    has "data file that is ${kind#*:}: named" V.err "train-images-idx3-ubyte.gz: is ${kind#*:}, expected a gzipped IDX file"
done

# --- report on a 1-epoch run, and its errors said once ---------------------
mkdir -p FR && cp cwd/runs/mlp-2/summary.json cwd/runs/mlp-2/confusion_test.csv FR/ && mkfifo FR/metrics.csv
timeout 20 "$NN" report --out FRR FR >FR.out 2>FR.err
check "report of a run whose metrics.csv is a FIFO: exit code (124 = hung)" 1 "$?"
has "report of a FIFO metrics.csv: named" FR.err "FR/metrics.csv: is a FIFO, expected a CSV file"
nn S.out S.err report --out S runs-none
check "report of a missing run: exit code" 1 "$RC"
check "report of a missing run: one message" 1 "$(grep -c '' S.err)"
nn S2.out S2.err report --out S2 cwd/runs/mlp-2
check "report of a 1-epoch run: exit code ($(cat S2.err))" 0 "$RC"
for f in accuracy mlp_loss mlp_confusion; do
    check_true "report of a 1-epoch run: $f.png drawn" "non-empty file" \
        "$(ls -l S2/figures)" test -s "S2/figures/$f.png"
done
for link in $(grep -o 'figures/[a-z_]*\.png' S2/REPORT.md); do
    check_true "REPORT.md links $link: it exists" "$link" "$(ls S2/figures)" test -s "S2/$link"
done

finish
