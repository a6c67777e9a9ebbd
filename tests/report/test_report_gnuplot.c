/* test_report_gnuplot.c: a missing or failing gnuplot gives one clear error; the report is still written. */
#include <dirent.h>
#include <stdlib.h>

#include "nn_report.h"
#include "report_test_util.h"
#include "test_util.h"

static const char *const dirs[] = {FIXTURE_MLP, FIXTURE_CNN};

/* NNTRAIN_GNUPLOT names a program that does not exist. */
static void check_missing(const char *out) {
    char path[512];
    nn_err err = {""};
    nn_report_opts opts = {dirs, 2, FIXTURE_BENCH, out, 3.0, NULL, NULL, 0};
    setenv("NNTRAIN_GNUPLOT", "/nonexistent/gnuplot", 1);
    CHECK(nn_report_figures(&opts, &err) == -1);
    CHECK_CONTAINS(err.msg, "gnuplot not found");
    CHECK_CONTAINS(err.msg, "/nonexistent/gnuplot");
    CHECK_CONTAINS(err.msg, "figures not rendered; apt-get install "
                            "gnuplot-nox");
    CHECK(!strchr(err.msg, '\n'));
    snprintf(path, sizeof path, "%s/figures/accuracy.png", out);
    CHECK(!file_exists(path));
    /* The caller goes on and writes the report. */
    CHECK(nn_report_write(&opts, &err) == 0);
    snprintf(path, sizeof path, "%s/REPORT.md", out);
    char *md = read_file(path, NULL);
    CHECK_CONTAINS(md, "## Final accuracies");
    free(md);

    /* No gnuplot on PATH at all. */
    unsetenv("NNTRAIN_GNUPLOT");
    char *saved_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", "/nonexistent", 1);
    CHECK(nn_report_figures(&opts, &err) == -1);
    CHECK_CONTAINS(err.msg, "gnuplot not found on PATH: figures not "
                            "rendered; apt-get install gnuplot-nox");
    if (saved_path) setenv("PATH", saved_path, 1);
    free(saved_path);
}

/* A gnuplot that exits 1, one that writes nothing, and a missing script:
 * each error names the script. */
static void check_failures(const char *out) {
    nn_err err = {""};
    nn_report_opts opts = {dirs, 2, NULL, out, -1, NULL, NULL, 0};
    setenv("NNTRAIN_GNUPLOT", "/bin/false", 1);
    CHECK(nn_report_figures(&opts, &err) == -1);
    CHECK_CONTAINS(err.msg, "accuracy.gp: gnuplot failed (exit status 1)");
    setenv("NNTRAIN_GNUPLOT", "/bin/true", 1);
    CHECK(nn_report_figures(&opts, &err) == -1);
    CHECK_CONTAINS(err.msg, "accuracy.gp: gnuplot wrote no ");
    CHECK_CONTAINS(err.msg, "figures/accuracy.png");
    /* neither failure left a figure, an empty file or a temp file */
    char figures[300];
    snprintf(figures, sizeof figures, "%s/figures", out);
    DIR *d = opendir(figures);
    int entries = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        entries += e->d_name[0] != '.';
    if (d) closedir(d);
    CHECK(entries == 0);
    /* and the report written after them links no figure */
    opts.figures_error = err.msg;
    CHECK(nn_report_write(&opts, &err) == 0);
    char report[300];
    snprintf(report, sizeof report, "%s/REPORT.md", out);
    char *md = read_file(report, NULL);
    CHECK(md && strstr(md, "Not rendered: ") && !strstr(md, "](figures/"));
    free(md);
    opts.figures_error = NULL;
    setenv("NNTRAIN_PLOTS", "/nonexistent/plots", 1);
    CHECK(nn_report_figures(&opts, &err) == -1);
    CHECK_CONTAINS(err.msg, "/nonexistent/plots/accuracy.gp: cannot read the "
                            "plot script");
    unsetenv("NNTRAIN_PLOTS");
    unsetenv("NNTRAIN_GNUPLOT");
}

/* A run folder whose name holds a newline cannot be passed to gnuplot's -e:
 * refused before gnuplot runs, with the message still on one line. */
static void check_unpassable(const char *out) {
    static const char *const files[] = {"metrics.csv", "confusion_test.csv",
                                        "summary.json"};
    char run[300], src[300], dst[400];
    snprintf(run, sizeof run, "%s/bad\nrun", out);
    CHECK(mkdir(run, 0777) == 0);
    for (int i = 0; i < 3; i++) {
        snprintf(src, sizeof src, "%s/%s", FIXTURE_MLP, files[i]);
        snprintf(dst, sizeof dst, "%s/%s", run, files[i]);
        char *data = read_file(src, NULL);
        CHECK(data && write_file(dst, data) == 0);
        free(data);
    }
    const char *bad_dirs[] = {run};
    nn_report_opts opts = {bad_dirs, 1, NULL, out, -1, NULL, NULL, 0};
    nn_err err = {""};
    setenv("NNTRAIN_GNUPLOT", "/bin/true", 1);
    CHECK(nn_report_figures(&opts, &err) == -1);
    CHECK_CONTAINS(err.msg, "accuracy.gp: cannot pass \"");
    CHECK_CONTAINS(err.msg, "/bad?run/metrics.csv\" to gnuplot");
    CHECK(!strchr(err.msg, '\n'));
    unsetenv("NNTRAIN_GNUPLOT");
}

int main(void) {
    char out[256];
    CHECK(make_temp_dir(out, sizeof out, "nn_report_gnuplot_") == 0);
    check_missing(out);
    check_failures(out);
    check_unpassable(out);
    remove_tree(out);
    return test_summary();
}
