# beyond_val.gp: validation accuracy vs epoch of every run beyond the seed (solid, one colour per model, one point type per seed), the seed recipe's runs dashed.
# Usage: gnuplot -e "nb=2; metrics1='b/s1/metrics.csv'; label1='cnn-bn (seed 1)';
#                    group1=1; rank1=1; metrics2=...; ns=1;
#                    smetrics1='results/cnn/metrics.csv'; smodel1='cnn';
#                    slabel1='CNN'; outfile='beyond_val.png'" plots/beyond_val.gp
# (beyond_test.gp's other parameters may be given too; they are not read.)
width = 1000
height = 620
load ARG0[1:strlen(ARG0) - strlen("beyond_val.gp")] . "style.gp"

set datafile separator comma
set datafile columnheaders
max_epoch = 1
do for [i=1:nb] {
    stats value("metrics" . i) using "epoch" nooutput
    max_epoch = STATS_max > max_epoch ? STATS_max : max_epoch
}
# about ten markers along a beyond curve, so the seeds can be told apart
every_nth = max_epoch > 10 ? int(max_epoch / 10) : 1
do for [j=1:ns] {
    stats value("smetrics" . j) using "epoch" nooutput
    max_epoch = STATS_max > max_epoch ? STATS_max : max_epoch
}
set xrange [epoch_lo(max_epoch):epoch_hi(max_epoch)]
set xtics epoch_step(max_epoch)
epoch_style = epoch_with(max_epoch)
set yrange [*:* < 100]

set title "Validation accuracy vs epoch: beyond the seed (solid), the seed recipe (dashed)"
set xlabel "Epoch"
set ylabel "Validation accuracy (%)"
set key outside right top vertical Left reverse
plot for [j=1:ns] value("smetrics" . j) using "epoch":"val_acc" \
         with @epoch_style lw 2.5 dt 2 lc rgb model_colour(value("smodel" . j)) \
         title (value("slabel" . j) . " (seed recipe)"), \
     for [i=1:nb] value("metrics" . i) using "epoch":"val_acc" \
         with linespoints lw 2 pt seed_point(value("rank" . i)) ps 1.1 \
         pi every_nth lc rgb beyond_colour(value("group" . i)) \
         title value("label" . i)
