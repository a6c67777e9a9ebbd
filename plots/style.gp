# style.gp: the look shared by every nntrain figure (loaded by the other scripts).
# The caller sets width, height and outfile; the terminal follows outfile's
# extension (.svg gives SVG, anything else PNG). No timestamps anywhere, so the
# same data always gives byte-identical files.
if (!exists("outfile")) {
    print "set outfile='NAME.png' or 'NAME.svg' with gnuplot -e"
    exit status 2
}
if (strlen(outfile) > 4 && outfile[strlen(outfile)-3:] eq ".svg") {
    set terminal svg size width, height font "DejaVu Sans,12" fontscale 1.25 noenhanced \
        background rgb "white"
} else {
    set terminal pngcairo size width, height font "DejaVu Sans,12" noenhanced \
        background rgb "white"
}
set output outfile
set encoding utf8
set border lw 1.2 lc rgb "#404040"
set grid back lt 1 lc rgb "#dcdcdc" lw 1
set dashtype 2 (9, 5)
set tics nomirror out scale 0.6
set title font ",15"
set key noautotitle samplen 3 spacing 1.3

# One colour per model wherever models meet: MLP blue, CNN orange.
model_colour(m) = m eq "mlp" ? "#1f77b4" : m eq "cnn" ? "#ff7f0e" : "#2ca02c"

# Integer epoch ticks, about ten of them, for a run of `epochs` epochs.
epoch_step(epochs) = epochs <= 12 ? 1 : epochs <= 30 ? 5 : 10
# The x range of `epochs` epochs: gnuplot refuses [1:1], so a 1-epoch run
# is centred in [0.5:1.5]. Its lone values show as points (a line needs
# two): plot `with @epoch_style` after setting it from epoch_with().
epoch_lo(epochs) = epochs > 1 ? 1 : 0.5
epoch_hi(epochs) = epochs > 1 ? epochs : 1.5
epoch_with(epochs) = epochs > 1 ? "lines" : "linespoints pt 7 ps 2"

# Runs beyond the seed: one colour per model (g counts from 1), apart from
# the seed's blue and orange; one point type per seed of a model.
beyond_colour(g) = word("#2ca02c #d62728 #9467bd #8c564b #e377c2 #17becf", \
                        (g - 1) % 6 + 1)
seed_point(k) = word("7 5 9 11 13 15", (k - 1) % 6 + 1) + 0
