# throughput.gp: training images/s vs threads from the bench CSV, one panel
# per model (side by side), one series per parallel strategy and precision:
# the median of the repetitions with bars from their min to their max, and
# ideal scaling (the best 1-thread median x threads) as a dashed grey line.
# Where several rows share model, batch, precision, strategy and threads
# (runs appended to one file), the last one is drawn.
# Usage: gnuplot -e "bench='bench.csv'; machine='CPU, oneDNN ISA avx2, commit abc1234';
#                    precisions=1; ranges=1; npanels=2;
#                    model1='mlp'; batch1=64; ptitle1='MLP, batch 64'; pnote1='';
#                    model2='cnn'; batch2=64; ptitle2='CNN, batch 64'; pnote2='';
#                    nseries=2; parallel1='intra'; precision1='f32'; slabel1='intra';
#                    parallel2='batch'; precision2='f32'; slabel2='batch';
#                    outfile='throughput.png'" plots/throughput.gp </dev/null
# precisions=0: the CSV has no precision column (its rows are f32); ranges=0:
# no images_per_s_min and images_per_s_max columns (no bars); pnote<p>: a
# second line for the panel's title (optional). At most 4 panels.
if (!exists("machine")) machine = ""
if (!exists("precisions")) precisions = 1
if (!exists("ranges")) ranges = 1
panel_w = 0.0 + (npanels <= 1 ? 760 : npanels == 2 ? 560 : 440)
width = int(panel_w * npanels)
height = 620
load ARG0[1:strlen(ARG0) - strlen("throughput.gp")] . "style.gp"

# ---- The data: $d<p>_<s> holds threads, median, min, max of series s in
# panel p, sorted by threads, one line per thread count.
set datafile separator comma
set datafile columnheaders
stats bench using "threads" nooutput
max_threads = int(STATS_max)
array SEEN[max_threads]
array MED[max_threads]
array LO[max_threads]
array HI[max_threads]
row_precision(dummy) = precisions ? strcol("precision") : "f32"
in_series(p, s) = strcol("model") eq value("model" . p) && \
                  column("batch") == value("batch" . p) && \
                  strcol("parallel") eq value("parallel" . s) && \
                  row_precision(0) eq value("precision" . s)
# Called on every row of a series in file order: the last one stays.
keep(t) = (SEEN[t] = 1, MED[t] = column("images_per_s"), \
           LO[t] = ranges ? column("images_per_s_min") : NaN, \
           HI[t] = ranges ? column("images_per_s_max") : NaN, 0)

# Per panel: the top of the data, the first thread count and the best
# median there (the ideal line's base); per series: its point count.
array TOP[npanels]
array BASE_T[npanels]
array BASE_Y[npanels]
array NPOINTS[npanels * nseries]
array ALL_T[max_threads]  # 1 at the thread counts drawn in any panel
do for [t=1:max_threads] { ALL_T[t] = 0 }
do for [p=1:npanels] {
    TOP[p] = 0
    BASE_T[p] = max_threads + 1
    BASE_Y[p] = 0
    do for [s=1:nseries] {
        do for [t=1:max_threads] { SEEN[t] = 0 }
        stats bench using (in_series(p, s) ? keep(int(column("threads"))) : 0) \
            nooutput
        n = 0
        eval sprintf("set print $d%d_%d", p, s)
        do for [t=1:max_threads] {
            if (SEEN[t]) {
                print sprintf("%d %.10g %.10g %.10g", t, MED[t], LO[t], HI[t])
                n = n + 1
                ALL_T[t] = 1
                high = ranges ? HI[t] : MED[t]
                TOP[p] = high > TOP[p] ? high : TOP[p]
                if (t < BASE_T[p]) { BASE_T[p] = t; BASE_Y[p] = 0 }
                if (t == BASE_T[p] && MED[t] > BASE_Y[p]) { BASE_Y[p] = MED[t] }
            }
        }
        unset print
        NPOINTS[(p - 1) * nseries + s] = n
    }
}
unset datafile columnheaders
set datafile separator whitespace

# ---- Axes shared by the panels: x ticks at the thread counts measured
# (at most 10 of them; beyond that, evenly spaced).
n_t = 0
t_hi = 1
t_list = ""
do for [t=1:max_threads] {
    if (ALL_T[t] == 1) {
        n_t = n_t + 1
        t_hi = t
        t_list = t_list . (n_t > 1 ? ", " : "") . sprintf("%d", t)
    }
}
x_lo = 0.5
x_hi = t_hi + 0.5
# The series of a panel sit side by side at each thread count so that their
# bars do not hide each other: a shift of 3% of the x range per series, at
# most 15% of the closest two thread counts; dodge(j, n): the j-th of n.
gap = t_hi
last_t = 0
do for [t=1:max_threads] {
    if (ALL_T[t] == 1) {
        if (last_t > 0 && t - last_t < gap) { gap = t - last_t }
        last_t = t
    }
}
dodge_step = 0.03 * (x_hi - x_lo) < 0.15 * gap ? 0.03 * (x_hi - x_lo) : 0.15 * gap
dodge(j, n) = (j - (n + 1) / 2.0) * dodge_step

# Each strategy has its marker and dash; a second precision has open markers
# and a looser dash. Colours are the models' (style.gp).
is_batch(s) = value("parallel" . s) eq "batch"
first_precision(s) = value("precision" . s) eq value("precision1")
series_point(s) = (is_batch(s) ? 5 : 7) - (first_precision(s) ? 0 : 1)
series_dash(s) = is_batch(s) ? (first_precision(s) ? "(8, 4)" : "(3, 3)") \
                             : (first_precision(s) ? "solid" : "(14, 4, 3, 4)")
ideal_colour = "#8c8c8c"
key_colour = "#404040"

# ---- Layout: a title above the panels, one key below them for all.
title_h = 0.10
# as many key columns as fit (about 330 pixels each), at most 4
key_fit = int(width / 330)
key_cols = nseries + 1 <= 4 ? nseries + 1 : 4
key_cols = key_cols < key_fit ? key_cols : (key_fit > 0 ? key_fit : 1)
key_rows = (nseries + key_cols) / key_cols
key_h = 0.05 + 0.045 * key_rows
panel_h = 1 - key_h - title_h
title = "Training images/s vs threads: median of the repetitions" . \
        (ranges ? ", bars from min to max" : "") . \
        (machine eq "" ? "" : "\n" . machine)
set multiplot title title font ",14"
set xrange [x_lo:x_hi]
if (n_t <= 10) {
    eval "set xtics (" . t_list . ")"
} else {
    set xtics (t_hi <= 16 ? 2 : t_hi <= 32 ? 4 : 8)
}
set xlabel "Threads"
set samples 500
set bars 1.5
unset key
set lmargin 11
set rmargin 2
set tmargin 4  # room for a two-line panel title, the same in every panel
do for [p=1:npanels] {
    set origin (p - 1.0) / npanels, key_h
    set size 1.0 / npanels, panel_h
    note = exists("pnote" . p) ? value("pnote" . p) : ""
    set title value("ptitle" . p) . (note eq "" ? "" : "\n" . note) \
        tc rgb model_colour(value("model" . p))
    # y in thousands once the numbers need more than four digits
    scale = TOP[p] >= 10000 ? 1000 : 1
    set ylabel (scale > 1 ? "Training images/s (thousands)" : "Training images/s")
    set format y "%g"
    # room for the ideal line, up to 1.5x the data
    ideal_top = BASE_Y[p] > 0 ? BASE_Y[p] * x_hi / BASE_T[p] : 0
    y_top = TOP[p] * 1.08
    y_top = ideal_top > y_top ? (ideal_top < 1.5 * TOP[p] ? ideal_top : 1.5 * TOP[p]) : y_top
    set yrange [0:(y_top > 0 ? y_top / scale : 1)]
    colour = model_colour(value("model" . p))
    plots = BASE_Y[p] > 0 ? \
        sprintf("(x < %d ? NaN : %.10g * x / %d) with lines lw 1.6 dt (10, 6) " . \
                "lc rgb '%s'", BASE_T[p], BASE_Y[p] / scale, BASE_T[p], \
                ideal_colour) : ""
    present = 0
    do for [s=1:nseries] { present = present + (NPOINTS[(p - 1) * nseries + s] > 0) }
    j = 0
    do for [s=1:nseries] {
        if (NPOINTS[(p - 1) * nseries + s] > 0) {
            j = j + 1
            shift = dodge(j, present)
            data = sprintf("$d%d_%d", p, s)
            plots = plots . (plots eq "" ? "" : ", ") . sprintf( \
                "%s using ($1 + %.6g):($2 / %d) with lines lw 2.2 dt %s lc rgb '%s'", \
                data, shift, scale, series_dash(s), colour)
            if (ranges) {
                plots = plots . sprintf(", %s using ($1 + %.6g):($2 / %d):($3 / %d):($4 / %d) " . \
                    "with yerrorbars lw 1.3 pt %d ps 1.3 lc rgb '%s'", \
                    data, shift, scale, scale, scale, series_point(s), colour)
            } else {
                plots = plots . sprintf(", %s using ($1 + %.6g):($2 / %d) " . \
                    "with points pt %d ps 1.3 lc rgb '%s'", \
                    data, shift, scale, series_point(s), colour)
            }
        }
    }
    if (plots ne "") { eval "plot " . plots }
}

# ---- The key: empty axes that only show the series, in grey (the panels
# give the models their colours).
set origin 0, 0
set size 1, key_h
unset title
unset border
unset tics
unset grid
unset xlabel
unset ylabel
set margins 0, 0, 0, 0
set xrange [0:1]
set yrange [0:1]
set key center center horizontal Left reverse maxcols key_cols width -4
base_one = 1
do for [p=1:npanels] { if (BASE_Y[p] > 0 && BASE_T[p] != 1) { base_one = 0 } }
ideal_title = base_one ? "ideal: best 1-thread x threads" : \
              "ideal: best at fewest threads, linear"
plots = ""
do for [s=1:nseries] {
    plots = plots . sprintf("NaN with linespoints lw 2.2 dt %s pt %d ps 1.3 " . \
        "lc rgb '%s' title slabel%d, ", series_dash(s), series_point(s), \
        key_colour, s)
}
eval "plot " . plots . "NaN with lines lw 1.6 dt (10, 6) lc rgb ideal_colour title ideal_title"
unset multiplot
