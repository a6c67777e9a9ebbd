#!/bin/bash
# layouts.sh: training images/s for every MPI layout (ranks x OpenMP
# threads) that fits the machine's cores, one `nntrain bench` under mpirun
# per layout, gathered into one CSV and drawn against the total cores.
# Usage: benchmarks/layouts.sh [NNTRAIN] [OUT_DIR] [MODELS]
#   defaults: build/src/nntrain, benchmarks/results/layouts, cnn
# Writes OUT_DIR/layouts.csv (bench.csv's columns, every layout) and
# OUT_DIR/layouts.png / .svg. Needs mpirun (openmpi-bin) and gnuplot.
set -euo pipefail
NN=${1:-build/src/nntrain}
OUT=${2:-benchmarks/results/layouts}
MODELS=${3:-cnn}
HERE=$(cd "$(dirname "$0")/.." && pwd)
CORES=$(nproc)
# root in a container
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Single-copy transfers between local ranks (CMA) where the container
# allows them: on 2 cores the CNN's all-reduce took 0.35-0.98 ms with CMA
# against 0.47-1.66 ms without (4 interleaved pairs, 5ae91c6). Containers
# without ptrace rights fail with CMA: then plain shared-memory copies.
mkdir -p "$OUT"
csv="$OUT/layouts.csv"
runs=$(mktemp -d)            # each layout's own bench folder, then merged
trap 'rm -rf "$runs"' EXIT
export OMPI_MCA_btl_vader_single_copy_mechanism=cma
if ! timeout 120 mpirun -np 2 --oversubscribe "$NN" bench --models mlp \
        --batch 64 --threads 1 --parallel intra --reps 1 --seconds 0.01 \
        --no-epoch --out "$runs/probe" >/dev/null 2>&1; then
    export OMPI_MCA_btl_vader_single_copy_mechanism=none
fi
echo "single-copy mechanism: $OMPI_MCA_btl_vader_single_copy_mechanism"
rm -f "$csv.tmp"
ran=""
for ranks in 1 2 4 8 16; do
    [ "$ranks" -le "$CORES" ] && ran="$ran $ranks"
    for threads in 1 2 4 8 16; do
        [ $((ranks * threads)) -le "$CORES" ] || continue
        dir="$runs/r${ranks}t${threads}"
        echo "== $ranks ranks x $threads threads"
        # --bind-to none: each rank's OpenMP threads may use any core; a
        # layout that hangs (a rank lost in a collective) ends the sweep
        # after 15 minutes instead of holding the machine
        if ! timeout 900 mpirun -np "$ranks" --bind-to none \
                env OMP_NUM_THREADS="$threads" "$NN" bench --models "$MODELS" \
                --batch 64 --threads "$threads" --parallel intra --no-epoch \
                --out "$dir" >"$dir.log" 2>&1; then
            echo "layouts.sh: $ranks ranks x $threads threads failed or ran" \
                 "past 15 minutes; its output:" >&2
            cat "$dir.log" >&2
            exit 1
        fi
        grep -E 'img/s|all-reduce' "$dir.log"
        if [ -f "$csv.tmp" ]; then tail -n +2 "$dir/bench.csv" >>"$csv.tmp"
        else cp "$dir/bench.csv" "$csv.tmp"; fi
    done
done
mv "$csv.tmp" "$csv"
for ext in png svg; do
    gnuplot -e "csv='$csv'; cores=$CORES; ranks='${ran# }'; outfile='$OUT/layouts.$ext'" \
        "$HERE/plots/layouts.gp" </dev/null
done
echo "wrote $csv, $OUT/layouts.png and .svg"
