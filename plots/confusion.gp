# confusion.gp: test-set confusion matrix as a heatmap with the count in every cell.
# Reads confusion_test.csv as written by training: a header row of predicted
# class names, then one row per true class (its name, then the counts).
# Usage: gnuplot -e "confusion='runs/cnn/confusion_test.csv'; label='CNN';
#                    classes=10; outfile='cnn_confusion.png'" plots/confusion.gp </dev/null
# classes (default 10) sizes the canvas before the data is read: it grows
# with the class count, and counts are printed in the cells up to 20 classes
# (beyond, the colour alone tells them).
if (!exists("classes")) classes = 10
width = classes <= 10 ? 860 : classes >= 60 ? 2360 : 860 + 30 * (classes - 10)
height = width - 100
load ARG0[1:strlen(ARG0) - strlen("confusion.gp")] . "style.gp"

set datafile separator comma
stats confusion matrix rowheaders columnheaders using 3 nooutput
classes = int(sqrt(STATS_records) + 0.5)
tic_font = classes <= 20 ? ",12" : classes <= 40 ? ",9" : ",7"
cell_font = classes <= 12 ? ",11" : ",8"
max_count = STATS_max > 0 ? STATS_max : 1
total = STATS_sum

set title sprintf("%s: confusion matrix on the test set (%d images)", label, total)
set xlabel "Predicted class"
set ylabel "True class"
set cblabel "Images" offset 1, 0
set xrange [-0.5:classes - 0.5]
set yrange [classes - 0.5:-0.5]
set size ratio 1
unset grid
set tics scale 0
set xtics rotate by 40 right font tic_font
set ytics font tic_font
set cbtics scale 0.6
set cbrange [0:max_count]
set palette defined (0 "#f7fbff", 0.25 "#c6dbef", 0.5 "#6baed6", \
                     0.75 "#2171b5", 1 "#08306b")
# White text from the middle of the palette on, where the cell is dark.
text_colour(count) = count > 0.5 * max_count ? 0xffffff : 0x000000
if (classes <= 20) {
    plot confusion matrix rowheaders columnheaders with image pixels, \
         confusion matrix rowheaders columnheaders \
             using 1:2:(sprintf("%d", $3)):(text_colour($3)) \
             with labels tc rgb variable font cell_font
} else {
    plot confusion matrix rowheaders columnheaders with image pixels
}
