#!/bin/bash
# vs_pytorch.sh: nntrain against PyTorch on the seed's two models, same
# recipe (softmax + MSE, Adam lr 1e-3, batch 64), same data, epochs and
# threads, run back to back: PyTorch, nntrain, PyTorch, nntrain, ... (R
# repetitions per model), medians written to one CSV row per model.
#
# Usage: benchmarks/vs_pytorch.sh [--quick] [--epochs N] [--threads T]
#            [--reps R] [--limit N] [--models "mlp cnn"] [--nntrain PATH]
#            [--out CSV]
#   defaults: 2 epochs, 2 threads, 3 repetitions, all 54,000 training
#   images, build/src/nntrain, benchmarks/results/vs_pytorch.csv
#   --quick: a smoke check: --limit 6400, 1 epoch, 1 repetition, written
#   to benchmarks/results/vs_pytorch-quick.csv unless --out says otherwise
#
# PyTorch runs benchmarks/pytorch_reference.py in its best configuration
# measured on our 2-core VMs (why: benchmarks/README.md, "nntrain vs
# PyTorch, side by side"): Debian's torch 1.13 on OpenBLAS (pthread build,
# loaded whatever update-alternatives points at) with OPENBLAS_NUM_THREADS=1,
# torch.set_num_threads(T), oneDNN convolutions (torch.backends.mkldnn on)
# with the CNN in channels-last, ATen's default ISA, Adam's for-loop.
#
# Images/s is training images over the time of the training loops alone
# (nntrain: metrics.csv's train_images_per_s, PyTorch: the same clock
# around its loop); *_epoch_images_per_s adds validation (6,000 images) to
# the time. Each is total images over total seconds of a run's epochs; the
# CSV holds the medians over the repetitions and nntrain / PyTorch.
# Measure on a quiet machine: another OpenMP job on the cores makes a
# 2-thread run collapse (benchmarks/README.md).
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3                      # Debian's, which sees python3-torch
OPENBLAS=/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3
NN=$HERE/build/src/nntrain
EPOCHS=2 THREADS=2 REPS=3 LIMIT=0 MODELS="mlp cnn" OUT="" QUICK=0

die() { echo "vs_pytorch.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
    case $1 in
    --quick) QUICK=1; LIMIT=6400 EPOCHS=1 REPS=1; shift ;;
    --epochs|--threads|--reps|--limit|--models|--nntrain|--out)
        [ $# -ge 2 ] || die "$1 needs a value"
        case $1 in
        --epochs) EPOCHS=$2 ;; --threads) THREADS=$2 ;; --reps) REPS=$2 ;;
        --limit) LIMIT=$2 ;; --models) MODELS=$2 ;; --nntrain) NN=$2 ;;
        --out) OUT=$2 ;;
        esac
        shift 2 ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (--help lists them)" ;;
    esac
done
for v in "$EPOCHS" "$THREADS" "$REPS"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || die "--epochs, --threads and --reps take a number >= 1, got '$v'"
done
[[ $LIMIT =~ ^[0-9]+$ ]] || die "--limit takes a number, got '$LIMIT'"
for m in $MODELS; do
    [ "$m" = mlp ] || [ "$m" = cnn ] || die "--models: mlp and/or cnn, got '$m'"
done
if [ -z "$OUT" ] && [ $QUICK = 1 ]; then
    OUT=$HERE/benchmarks/results/vs_pytorch-quick.csv   # never over the real figures
elif [ -z "$OUT" ]; then
    OUT=$HERE/benchmarks/results/vs_pytorch.csv
fi

# what this needs, and nothing installed behind anyone's back
"$PY" -c 'import torch, numpy' 2>/dev/null ||
    die "$PY cannot import torch and numpy (apt-get install -y python3-torch python3-numpy)"
[ -e "$OPENBLAS" ] ||
    die "PyTorch's best configuration needs OpenBLAS, missing $OPENBLAS (apt-get install -y libopenblas0-pthread)"
[ -x "$NN" ] || die "no $NN (build it: meson setup build && ninja -C build)"

LIMIT_ARG=()
[ "$LIMIT" -gt 0 ] && LIMIT_ARG=(--limit "$LIMIT")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# col CSV NAME: the column NAME of every data row of CSV
col() { awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
                              c { print $c }' "$1"; }
# the median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1
                          print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
# nntrain's run folder $1: "train_images_per_s epoch_images_per_s" over all
# its epochs (each epoch has the same images: n / ips is its training time)
nntrain_rates() {
    local n
    n=$(sed -n 's/.*"train_images": \([0-9]*\).*/\1/p' "$1/summary.json")
    awk -F, -v n="$n" 'NR > 1 { train += n / $7; whole += $6; e++ }
                       END { printf "%.1f %.1f\n", e * n / train, e * n / whole }' "$1/metrics.csv"
}
summary_field() { sed -n "s/.*\"$2\": \"\\([^\"]*\\)\".*/\\1/p" "$1/summary.json"; }

echo "commit,cpu,onednn_isa,threads,torch_version,torch_blas,torch_config,torch_images_per_s,nntrain_images_per_s,ratio_nntrain_over_torch,torch_epoch_images_per_s,nntrain_epoch_images_per_s,epochs,train_images,reps,model" >"$tmp/out.csv"
for model in $MODELS; do
    for rep in $(seq "$REPS"); do
        echo "== $model, repetition $rep of $REPS: PyTorch" >&2
        "$PY" "$HERE/benchmarks/pytorch_reference.py" --model "$model" \
            --epochs "$EPOCHS" --threads "$THREADS" "${LIMIT_ARG[@]}" \
            --csv "$tmp/torch-$model.csv"
        echo "== $model, repetition $rep of $REPS: nntrain" >&2
        run=$tmp/nntrain-$model-$rep
        "$NN" train --model "$model" --epochs "$EPOCHS" --threads "$THREADS" \
            "${LIMIT_ARG[@]}" --out "$run" >"$tmp/log" 2>&1 ||
            { tail -5 "$tmp/log" >&2; die "nntrain train failed (above)"; }
        grep '^Epoch' "$tmp/log" >&2 || true
        nntrain_rates "$run" >>"$tmp/nntrain-$model.txt"
    done
    t=$tmp/torch-$model.csv
    torch_ips=$(col "$t" train_images_per_s | median)
    torch_eps=$(col "$t" epoch_images_per_s | median)
    nn_ips=$(cut -d' ' -f1 "$tmp/nntrain-$model.txt" | median)
    nn_eps=$(cut -d' ' -f2 "$tmp/nntrain-$model.txt" | median)
    ratio=$(awk -v a="$nn_ips" -v b="$torch_ips" 'BEGIN { printf "%.2f", a / b }')
    echo "$(summary_field "$run" commit),$(summary_field "$run" cpu),$(summary_field "$run" onednn_isa),$THREADS,$(col "$t" torch_version | tail -1),$(col "$t" blas | tail -1),$(col "$t" config | tail -1),$torch_ips,$nn_ips,$ratio,$torch_eps,$nn_eps,$EPOCHS,$(col "$t" train_images | tail -1),$REPS,$model" >>"$tmp/out.csv"
done
mkdir -p "$(dirname "$OUT")"
cp "$tmp/out.csv" "$OUT.tmp" && mv "$OUT.tmp" "$OUT" # whole or not at all
echo "wrote $OUT:"
awk -F, 'NR > 1 { printf "%s: PyTorch %.0f img/s, nntrain %.0f img/s, nntrain/PyTorch %s (%s threads, %s)\n",
                  $16, $8, $9, $10, $4, $6 }' "$OUT"
