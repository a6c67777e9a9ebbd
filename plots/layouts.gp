# layouts.gp: training images/s against the cores in use (ranks x threads),
# one line per rank count (1 rank with 1..N threads, 2 ranks, ...), each
# point labelled with its layout; the dotted line is the 1-core rate times
# the cores (ideal scaling). Reads the CSV of benchmarks/layouts.sh.
# Usage: gnuplot -e "csv='layouts.csv'; cores=2; ranks='1 2'; outfile='layouts.png'" plots/layouts.gp
# (ranks: the rank counts the CSV holds)
width = 900
height = 560
load ARG0[1:strlen(ARG0) - strlen("layouts.gp")] . "style.gp"

set datafile separator comma
set datafile columnheaders
# $r1, $r2, ...: cores, images/s, layout label of the rows with that many ranks
n = words(ranks)
do for [k=1:n] {
    r = word(ranks, k) + 0
    eval sprintf("set table $r%d", r)
    plot csv using (column("ranks") * column("threads")):"images_per_s": \
        (sprintf("%dx%d", column("ranks"), column("threads"))) \
        with table if (column("ranks") == r)
    unset table
}
stats csv using (column("ranks") * column("threads") == 1 ? \
                 column("images_per_s") : NaN) nooutput
one_core = STATS_max
unset datafile columnheaders
set datafile separator whitespace

set title "Training images/s vs cores: MPI ranks x OpenMP threads (batch 64)"
set xlabel "Cores in use (ranks x threads)"
set ylabel "Training images/s"
set xrange [0.5:cores + 0.5]
set xtics 1
set yrange [0:*]
set key top left
colours = "#1f77b4 #ff7f0e #2ca02c #d62728 #9467bd"
plot one_core * x with lines dt 3 lc rgb "#777777" title "ideal (1 core x cores)", \
     for [k=1:n] sprintf("$r%d", word(ranks, k) + 0) using 1:2 \
        with linespoints lw 2 pt 7 lc rgb word(colours, (k - 1) % 5 + 1) \
        title sprintf("%s rank%s", word(ranks, k), word(ranks, k) eq "1" ? "" : "s"), \
     for [k=1:n] sprintf("$r%d", word(ranks, k) + 0) using 1:2:3 \
        with labels left offset 1, 0 notitle
