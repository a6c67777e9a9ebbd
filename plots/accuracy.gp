# accuracy.gp: train (solid) and validation (dashed) accuracy vs epoch, every run in one figure.
# Usage: gnuplot -e "n=2; metrics1='runs/mlp/metrics.csv'; model1='mlp'; label1='MLP';
#                    metrics2='runs/cnn/metrics.csv'; model2='cnn'; label2='CNN';
#                    outfile='accuracy.png'" plots/accuracy.gp </dev/null
width = 900
height = 600
load ARG0[1:strlen(ARG0) - strlen("accuracy.gp")] . "style.gp"

set datafile separator comma
set datafile columnheaders
max_epoch = 1
do for [i=1:n] {
    stats value("metrics" . i) using "epoch" nooutput
    max_epoch = STATS_max > max_epoch ? STATS_max : max_epoch
}
set xrange [epoch_lo(max_epoch):epoch_hi(max_epoch)]
set xtics epoch_step(max_epoch)
epoch_style = epoch_with(max_epoch)
set yrange [*:* < 100]

set title "Accuracy vs epoch (train solid, validation dashed)"
set xlabel "Epoch"
set ylabel "Accuracy (%)"
set key outside right top vertical Left reverse
# Each run gives two curves: j odd is its train curve, j even its validation.
run(j) = (j + 1) / 2
is_train(j) = j % 2
plot for [j=1:2*n] value("metrics" . run(j)) \
    using "epoch":(column(is_train(j) ? "train_acc" : "val_acc")) \
    with @epoch_style lw 2.5 dt 2 - is_train(j) \
    lc rgb model_colour(value("model" . run(j))) \
    title (value("label" . run(j)) . (is_train(j) ? " train" : " validation"))
