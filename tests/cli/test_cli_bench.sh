#!/bin/bash
# test_cli_bench.sh: one tiny `nntrain bench` (MLP, batch 64, 1 thread, 3
# short repetitions, no epoch): bench.csv keeps the columns older readers
# know, in their order, with images_per_s_min and images_per_s_max right
# after images_per_s and the median within them on every row; the
# throughput figure is drawn with its bars. Timings are not checked.
#
# Usage: test_cli_bench.sh NNTRAIN_BINARY [DATA_DIR]
set -u
. "$(dirname "$0")/lib.sh"

if ! command -v gnuplot >/dev/null; then
    echo "SKIP: gnuplot not found (nntrain bench draws its figure with it)"
    exit 77
fi

nn B.out B.err bench --models mlp --batch 64 --threads 1 --parallel intra \
    --reps 3 --seconds 0.02 --no-epoch --out B
check "bench: exit code ($(head -c 300 B.err))" 0 "$RC"

header=$(head -n 1 B/bench.csv)
case $header in
*,images_per_s,images_per_s_min,images_per_s_max,step_ms,*) ok ;;
*) bad "bench.csv: the range right after images_per_s" \
       "...,images_per_s,images_per_s_min,images_per_s_max,step_ms,..." \
       "$header" ;;
esac
# Without the two new columns, the header older readers know.
older=${header/,images_per_s_min,images_per_s_max/}
case $older in
"commit,cpu,isa,omp_wait_policy,model,precision,batch,parallel,ranks,threads,images_per_s,step_ms,gflop_per_image,achieved_gflops,peak_gflops,peak_fraction,efficiency,eval_images_per_s,eval_training_fwd_images_per_s,"*",allreduce_share") ok ;;
*) bad "bench.csv: the older columns in their order" \
       "commit,...,images_per_s,step_ms,...,allreduce_share" "$older" ;;
esac

# min <= median <= max on every row, columns found by name; one row.
ranges=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { med = $col["images_per_s"]; lo = $col["images_per_s_min"];
      hi = $col["images_per_s_max"]; rows++
      if (!(lo > 0 && lo <= med && med <= hi)) bad++ }
    END { printf "%d rows, %d out of order", rows, bad }' B/bench.csv)
check "bench.csv: min <= median <= max" "1 rows, 0 out of order" "$ranges"

for ext in png svg; do
    check_true "figures/throughput.$ext written" "a non-empty file" \
        "$(ls -l B/figures 2>&1)" test -s "B/figures/throughput.$ext"
done
check_true "figure: bars and the MLP panel" "bars from min to max, MLP, batch 64" \
    "$(grep -o '<text>[^<]*</text>' B/figures/throughput.svg | head -5)" \
    grep -q '<text>MLP, batch 64</text>' B/figures/throughput.svg
check_true "figure: the title says the bars" "bars from min to max" \
    "$(grep -o '<text>Training[^<]*</text>' B/figures/throughput.svg)" \
    grep -q 'bars from min to max' B/figures/throughput.svg

finish
