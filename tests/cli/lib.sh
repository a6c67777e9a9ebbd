# lib.sh: what the CLI test scripts share: arguments, a scratch folder,
# check counting and the helpers that run nntrain. Sourced, not run.
#
# A script is run as: SCRIPT NNTRAIN_BINARY [DATA_DIR]
# It stops (exit 2) without the binary and skips (exit 77) without the
# Fashion-MNIST files.

NN=${1:-}
DATA=${2:-/usr/share/datasets/fashion-mnist}
PASSED=0
FAILED=0
BG_PIDS=""

if [ -z "$NN" ] || [ ! -x "$NN" ]; then
    echo "usage: $0 NNTRAIN_BINARY [DATA_DIR] (no executable at '$NN')" >&2
    exit 2
fi
case $NN in /*) ;; *) NN=$PWD/$NN ;; esac
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz \
         t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
    if [ ! -f "$DATA/$f" ]; then
        echo "SKIP: $DATA/$f not found (apt-get install dataset-fashion-mnist)"
        exit 77
    fi
done
case $DATA in /*) ;; *) DATA=$PWD/$DATA ;; esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/nntrain-cli.XXXXXX") || exit 1
cleanup() {
    for p in $BG_PIDS; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$TMP" || exit 1

ok() {
    PASSED=$((PASSED + 1))
}

# bad NAME EXPECTED GOT
bad() {
    FAILED=$((FAILED + 1))
    echo "FAIL: $1"
    echo "  expected: $2"
    echo "  got:      $3"
}

# check NAME EXPECTED GOT: passes when the two strings are equal.
check() {
    if [ "$2" = "$3" ]; then ok; else bad "$1" "$2" "$3"; fi
}

# check_true NAME WHAT_WAS_EXPECTED WHAT_WAS_FOUND COMMAND...: passes when
# COMMAND succeeds.
check_true() {
    local name=$1 want=$2 got=$3
    shift 3
    if "$@"; then ok; else bad "$name" "$want" "$got"; fi
}

# nn OUT ERR ARGS...: runs nntrain with stdout and stderr into files; RC.
nn() {
    local out=$1 err=$2
    shift 2
    "$NN" "$@" >"$out" 2>"$err"
    RC=$?
}

# The metrics without the two time columns (epoch_seconds,
# train_images_per_s), which differ from run to run; lr is kept.
metrics_no_time() {
    cut -d, -f1-5,8 "$1"
}

# The lines of summary.json that must not depend on timing.
summary_results() {
    grep -E '"(test_acc|test_loss|final_[a-z_]+|mean_train_acc|mean_val_acc)"' "$1"
}

# The "Test Loss: ... | Test Acc: ..." line of `nntrain eval`.
eval_line() {
    "$NN" eval "$@" 2>&1 | grep '^Test Loss'
}

# md5 of every file in a folder, names included: a byte-level snapshot.
# The lock file is left out: it records who last held the folder.
snapshot() {
    (cd "$1" && find . -type f ! -name .nntrain.lock | LC_ALL=C sort | xargs md5sum)
}

# metrics.csv sane: the header, then rows 1..n with 8 fields each.
metrics_sane() {
    awk -F, 'NR == 1 { if ($0 != "epoch,train_loss,train_acc,val_loss,val_acc,epoch_seconds,train_images_per_s,lr") bad = 1; next }
             NF != 8 || $1 != NR - 1 { bad = 1 }
             END { exit bad || NR < 1 }' "$1"
}

# The current folder of every bad_input run: must stay empty.
WORK=$TMP/work

# bad_input NAME WANT_RC 'WORD1&WORD2...' NNTRAIN_ARGS...: runs nntrain in
# an empty folder and checks the exit code, that stderr holds one message
# line starting "nntrain" and containing every WORD, and that nothing was
# created in the folder (relative --out paths point into it).
bad_input() {
    local name=$1 want=$2 words=$3 rc msg n w left
    shift 3
    rm -rf "$WORK" && mkdir "$WORK"
    (cd "$WORK" && exec "$NN" "$@" >"$TMP/out" 2>"$TMP/err")
    rc=$?
    msg=$(grep -v "^Try 'nntrain" "$TMP/err" | grep -v '^[[:space:]]*$')
    n=$(printf '%s' "$msg" | grep -c '')
    if [ -n "${NNTRAIN_TEST_VERBOSE:-}" ]; then
        printf '%s\t%s\t%s\n' "$name" "$rc" "$(printf '%s' "$msg" | tr '\n' '|')"
    fi
    check "$name: exit code (stderr: $(head -c 300 "$TMP/err"))" "$want" "$rc"
    check "$name: message lines on stderr besides the --help hint" 1 "$n"
    if [ "$n" -ne 1 ]; then echo "  stderr was: $(cat "$TMP/err")"; fi
    case $msg in
    nntrain*) ok ;;
    *) bad "$name: message starts with 'nntrain'" "nntrain ..." "$msg" ;;
    esac
    local -a list=()
    IFS='&' read -ra list <<<"$words"
    for w in "${list[@]}"; do
        if printf '%s\n' "$msg" | grep -qF -- "$w"; then ok; else
            bad "$name: message names '$w'" "a line containing '$w'" "$msg"
        fi
    done
    left=$(cd "$WORK" && find . -mindepth 1 | LC_ALL=C sort | tr '\n' ' ')
    check "$name: files created" "" "$left"
}

finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    exit $?
}
