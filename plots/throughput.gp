# throughput.gp: benchmark panels: training images/s vs threads, and parallel efficiency vs threads.
# One curve per series (model, batch, parallel mode) of the bench CSV; points of
# a series are sorted by threads and repeated measurements averaged.
# Usage: gnuplot -e "bench='bench.csv'; nseries=2;
#                    model1='mlp'; batch1=64; parallel1='intra'; label1='MLP, batch 64, intra';
#                    model2='cnn'; batch2=64; parallel2='intra'; label2='CNN, batch 64, intra';
#                    outfile='throughput.png'" plots/throughput.gp </dev/null
width = 1200
height = 620
load ARG0[1:strlen(ARG0) - strlen("throughput.gp")] . "style.gp"

# Copy each series out of the CSV into its own table $s1, $s2, ...:
# threads, images_per_s, efficiency.
set datafile separator comma
set datafile columnheaders
in_series(i) = strcol("model") eq value("model" . i) && \
               column("batch") == value("batch" . i) && \
               strcol("parallel") eq value("parallel" . i)
do for [i=1:nseries] {
    eval sprintf("set table $s%d", i)
    plot bench using "threads":"images_per_s":"efficiency" \
        with table if (in_series(i))
    unset table
}
stats bench using "threads" nooutput
max_threads = STATS_max
unset datafile columnheaders
set datafile separator whitespace

# Series of one model share its colour and differ in marker.
series_colour(i) = model_colour(value("model" . i))
series_point(i) = word("7 5 9 11 13 15", (i - 1) % 6 + 1) + 0

# Two panels side by side above one key for both (three entries a row), so
# that the key covers no data. Heights are fractions of the canvas.
key_rows = (nseries + 2) / 3
key_h = 0.03 + 0.045 * key_rows
title_h = 0.06
panel_h = 1 - key_h - title_h
set multiplot title "Training throughput vs threads (benchmark)" font ",15"
set size 0.5, panel_h
set xlabel "Threads"
set xrange [0.5:max_threads + 0.5]
thread_step = max_threads <= 16 ? 1 : max_threads <= 32 ? 4 : 8
set xtics thread_step
unset key

set origin 0, key_h
set title "Throughput"
set ylabel "Training images/s"
set logscale y
set format y "%.0s%c"
plot for [i=1:nseries] "$s" . i using 1:2 smooth unique \
    with linespoints lw 2.2 pt series_point(i) ps 1.4 lc rgb series_colour(i)

set origin 0.5, key_h
unset logscale y
set format y "%g"
set title "Parallel efficiency"
set ylabel "images/s(t) / (t x images/s(1))"
set yrange [0:1.15 < *]
set label 1 "ideal" at graph 0.98, first 1 right offset 0, 0.7 tc rgb "#606060"
plot 1 with lines lw 1.2 dt 2 lc rgb "#808080", \
     for [i=1:nseries] "$s" . i using 1:3 smooth unique \
    with linespoints lw 2.2 pt series_point(i) ps 1.4 lc rgb series_colour(i)

# The key: empty axes that only show the titles of the series.
set origin 0, 0
set size 1, key_h
unset title
unset label 1
unset border
unset tics
unset grid
unset xlabel
unset ylabel
set margins 0, 0, 0, 0
set xrange [0:1]
set yrange [0:1]
set key center center horizontal Left reverse maxcols 3 width 2
plot for [i=1:nseries] NaN with linespoints lw 2.2 pt series_point(i) \
    ps 1.4 lc rgb series_colour(i) title value("label" . i)
unset multiplot
