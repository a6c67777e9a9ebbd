# loss.gp: train (solid) and validation (dashed) loss vs epoch for one run.
# Usage: gnuplot -e "metrics='runs/mlp/metrics.csv'; model='mlp'; label='MLP';
#                    lossname='MSE'; outfile='mlp_loss.png'" plots/loss.gp </dev/null
width = 900
height = 600
load ARG0[1:strlen(ARG0) - strlen("loss.gp")] . "style.gp"

set datafile separator comma
set datafile columnheaders
stats metrics using "epoch" nooutput
set xrange [epoch_lo(STATS_max):epoch_hi(STATS_max)]
set xtics epoch_step(STATS_max)
epoch_style = epoch_with(STATS_max)

set title sprintf("%s: %s loss vs epoch", label, lossname)
set xlabel "Epoch"
set ylabel sprintf("%s loss (dimensionless)", lossname)
set key outside right top vertical Left reverse
plot metrics using "epoch":"train_loss" with @epoch_style lw 2.5 dt 1 \
         lc rgb model_colour(model) title "train", \
     metrics using "epoch":"val_loss" with @epoch_style lw 2.5 dt 2 \
         lc rgb model_colour(model) title "validation"
