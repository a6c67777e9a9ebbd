# beyond_test.gp: test accuracy of each seed beyond the seed, per model, with the mean and its standard deviation; the seed recipe's runs as dashed lines.
# Usage: gnuplot -e "nb=2; test1=93.1; label1='cnn-bn (seed 1)'; group1=1;
#                    rank1=1; test2=...; ng=1; gname1='cnn-bn'; gn1=2;
#                    gmean1=93.2; gstd1=0.14; ns=1; stest1=91.35;
#                    smodel1='cnn'; slabel1='CNN'; outfile='beyond_test.png'"
#                    plots/beyond_test.gp
# (beyond_val.gp's other parameters may be given too; they are not read.)
width = 1000
height = 620
load ARG0[1:strlen(ARG0) - strlen("beyond_test.gp")] . "style.gp"

# Model g at x = g; its seeds spread around it, the mean to the right.
seed_x(i) = value("group" . i) - 0.25 + \
            0.3 * (value("rank" . i) - 0.5) / value("gn" . value("group" . i))
set xrange [0.4:ng + 0.6]
set xtics () nomirror
do for [g=1:ng] { set xtics add (value("gname" . g) g) }
set offsets 0, 0, 0.5, 0.5
set samples 2

set title "Test accuracy per seed (the seed recipe dashed)"
set xlabel "Model"
set ylabel "Test accuracy (%)"
set key outside right top vertical Left reverse
# '+' with every ::0::0 draws one point from numbers passed with -e.
plot for [j=1:ns] value("stest" . j) with lines lw 2.5 dt 2 \
         lc rgb model_colour(value("smodel" . j)) \
         title sprintf("%s (seed recipe) %.2f%%", value("slabel" . j), \
                       value("stest" . j)), \
     for [i=1:nb] '+' using (seed_x(i)):(value("test" . i)) every ::0::0 \
         with points pt seed_point(value("rank" . i)) ps 1.6 \
         lc rgb beyond_colour(value("group" . i)) \
         title sprintf("%s %.2f%%", value("label" . i), value("test" . i)), \
     for [g=1:ng] '+' using (g + 0.25):(value("gmean" . g)):(value("gstd" . g)) \
         every ::0::0 with yerrorbars pt 6 ps 2 lw 2 \
         lc rgb beyond_colour(g) \
         title (value("gn" . g) > 1 ? \
                sprintf("%s mean %.2f ± %.2f (%d seeds)", value("gname" . g), \
                        value("gmean" . g), value("gstd" . g), value("gn" . g)) : \
                sprintf("%s (1 seed: no spread)", value("gname" . g)))
