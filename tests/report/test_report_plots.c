/* test_report_plots.c: every figure rendered by gnuplot as PNG and SVG, byte-identical on a second render. */
#include "nn_report.h"
#include "report_test_util.h"
#include "test_util.h"

static const char *const stems[] = {
    "accuracy", "mlp_loss", "cnn_loss", "mlp_confusion", "cnn_confusion",
    "throughput",
};
#define N_STEMS (sizeof stems / sizeof *stems)

/* out/figures/stem.png is a real PNG image. */
static void check_png(const char *out, const char *stem) {
    char path[4096];
    size_t size = 0;
    snprintf(path, sizeof path, "%s/figures/%s.png", out, stem);
    char *png = read_file(path, &size);
    CHECK(png && size > 1000 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
    free(png);
}

/* Each figure exists in both formats, looks like its format, and (for the
 * SVGs) shows the labels taken from the CSV files. */
static void check_figures(const char *out) {
    char path[4096];
    for (size_t i = 0; i < N_STEMS; i++) {
        size_t size = 0;
        check_png(out, stems[i]);
        snprintf(path, sizeof path, "%s/figures/%s.svg", out, stems[i]);
        char *svg = read_file(path, &size);
        CHECK(svg && size > 1000);
        CHECK_CONTAINS(svg, "<svg");
        free(svg);
    }
    snprintf(path, sizeof path, "%s/figures/mlp_confusion.svg", out);
    char *svg = read_file(path, NULL);
    CHECK_CONTAINS(svg, "T-shirt/top");
    CHECK_CONTAINS(svg, "Ankle boot");
    CHECK_CONTAINS(svg, "(100 images)");
    free(svg);
    snprintf(path, sizeof path, "%s/figures/accuracy.svg", out);
    svg = read_file(path, NULL);
    CHECK_CONTAINS(svg, "MLP train");
    CHECK_CONTAINS(svg, "CNN validation");
    free(svg);
}

/* The throughput figure of the older fixture bench CSV (no precision, no
 * images/s range): one panel per model at batch 64, no bars. */
static void check_throughput_old(const char *out) {
    char path[4096];
    snprintf(path, sizeof path, "%s/figures/throughput.svg", out);
    char *svg = read_file(path, NULL);
    CHECK_CONTAINS(svg, "<text>MLP, batch 64</text>");
    CHECK_CONTAINS(svg, "<text>CNN, batch 64</text>");
    CHECK_CONTAINS(svg, "<text>Test CPU, \"2\" cores, oneDNN ISA "
                        "avx512_core, commit abc1234</text>");
    CHECK_CONTAINS(svg, "<text>ideal: best 1-thread x threads</text>");
    CHECK_CONTAINS(svg, "<text>intra</text>");
    CHECK(svg && !strstr(svg, "bars from min to max"));
    free(svg);
}

/* The throughput figure of a bench CSV with precision and the images/s
 * range, drawn alone as `nntrain bench` draws it: bars, a series per
 * strategy and precision, a model without batch-64 rows at its smallest
 * batch, and appended rows replacing earlier ones. */
static void check_throughput_reps(void) {
    char out[256], path[4096];
    nn_err err;
    CHECK(make_temp_dir(out, sizeof out, "nn_plots_reps_") == 0);
    nn_report_opts opts = {NULL, 0, FIXTURE_BENCH_REPS, out, -1, NULL, NULL,
                           0};
    CHECK(nn_report_figures(&opts, &err) == 0);
    check_png(out, "throughput");
    snprintf(path, sizeof path, "%s/figures/throughput.svg", out);
    char *svg = read_file(path, NULL);
    CHECK_CONTAINS(svg, "median of the repetitions, bars from min to max");
    CHECK_CONTAINS(svg, "<text>intra, f32</text>");
    CHECK_CONTAINS(svg, "<text>batch, bf16</text>");
    CHECK_CONTAINS(svg, "<text>TINY, batch 32</text>");
    CHECK_CONTAINS(svg, "<text>(no batch-64 rows)</text>");
    /* The first row (commit old0000, 9 million images/s) was run again
     * later: neither its commit nor its y range is drawn (the MLP axis
     * ends below 500 thousand). */
    CHECK_CONTAINS(svg, "commit abc1234</text>");
    CHECK(svg && !strstr(svg, "old0000") && !strstr(svg, "<text>8000</text>"));
    CHECK_CONTAINS(svg, "<text>450</text>");
    free(svg);
    remove_tree(out);
}

/* Same data, same bytes: no timestamps or paths inside the figures. */
static void check_identical(const char *a, const char *b) {
    static const char *const formats[] = {"png", "svg"};
    char path_a[4096], path_b[4096];
    for (size_t i = 0; i < N_STEMS; i++)
        for (int f = 0; f < 2; f++) {
            size_t size_a = 0, size_b = 0;
            snprintf(path_a, sizeof path_a, "%s/figures/%s.%s", a, stems[i],
                     formats[f]);
            snprintf(path_b, sizeof path_b, "%s/figures/%s.%s", b, stems[i],
                     formats[f]);
            char *data_a = read_file(path_a, &size_a);
            char *data_b = read_file(path_b, &size_b);
            CHECK(data_a && data_b && size_a == size_b &&
                  memcmp(data_a, data_b, size_a) == 0);
            free(data_a);
            free(data_b);
        }
}

/* Every figure REPORT.md links to was rendered. */
static void check_links(const char *out) {
    char path[4096];
    snprintf(path, sizeof path, "%s/REPORT.md", out);
    char *md = read_file(path, NULL);
    CHECK(md != NULL);
    int links = 0;
    for (const char *p = md; p && (p = strstr(p, "](figures/")); links++) {
        p += 2;
        size_t len = strcspn(p, ")");
        snprintf(path, sizeof path, "%s/%.*s", out, (int)len, p);
        CHECK(file_exists(path));
    }
    CHECK(links == (int)N_STEMS);
    free(md);
}

int main(void) {
    const char *dirs[] = {FIXTURE_MLP, FIXTURE_CNN};
    char first[256], second[256];
    nn_err err;
    CHECK(make_temp_dir(first, sizeof first, "nn_plots_") == 0);
    /* The second folder's name needs quoting in gnuplot's -e argument. */
    CHECK(make_temp_dir(second, sizeof second, "nn plots 'quoted' ") == 0);
    nn_report_opts opts = {dirs, 2, FIXTURE_BENCH, first, -1, NULL, NULL, 0};
    int rc = nn_report_figures(&opts, &err);
    if (rc < 0 && strstr(err.msg, "gnuplot not found")) {
        printf("skipped: %s\n", err.msg);
        remove_tree(first);
        remove_tree(second);
        return 77;
    }
    CHECK(rc == 0);
    if (rc < 0) fprintf(stderr, "%s\n", err.msg);
    check_figures(first);
    check_throughput_old(first);
    check_throughput_reps();
    opts.out_dir = second;
    CHECK(nn_report_figures(&opts, &err) == 0);
    check_identical(first, second);
    /* Rendering into a folder that already holds the figures replaces them. */
    opts.out_dir = first;
    CHECK(nn_report_figures(&opts, &err) == 0);
    check_identical(first, second);
    CHECK(nn_report_write(&opts, &err) == 0);
    check_links(first);
    remove_tree(first);
    remove_tree(second);
    return test_summary();
}
