/* cmd_report.c: `nntrain report`: figures and REPORT.md from run folders. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_report.h"
#include "nn_report.h"

static const char report_help[] =
    "Usage: nntrain report [--out DIR] [--bench CSV] [--beyond RUN_DIR]...\n"
    "                      RUN_DIR...\n"
    "Renders the figures (gnuplot, PNG and SVG) and writes DIR/REPORT.md from\n"
    "the run folders' metrics.csv, confusion_test.csv and summary.json.\n\n"
    "  --out DIR     where REPORT.md and figures/ go (default results)\n"
    "  --bench CSV   add the throughput figure from `nntrain bench` output\n"
    "  --beyond RUN_DIR  a run of a better recipe, for the section \"Beyond\n"
    "                the seed\" (repeat it: several seeds of a model, several\n"
    "                models); compared with the RUN_DIRs\n"
    "  -h, --help    this help\n";

int cli_write_report(const char *cmd, const char *const *runs, int n_runs,
                     const char *const *beyond, int n_beyond,
                     const char *bench_csv, const char *out_dir,
                     double wall_seconds) {
    nn_report_opts o = {runs,         n_runs, bench_csv, out_dir,
                        wall_seconds, NULL,   beyond,    n_beyond};
    nn_err err, figures_err;
    /* a bad input is said once, before anything is drawn or written */
    if (nn_report_check(&o, &err)) return cli_fail(cmd, err.msg);
    int figures_failed = nn_report_figures(&o, &figures_err);
    if (figures_failed) {
        fprintf(stderr, "nntrain %s: %s\n", cmd, figures_err.msg);
        o.figures_error = figures_err.msg;
    }
    if (nn_report_write(&o, &err)) return cli_fail(cmd, err.msg);
    printf("report: %s/REPORT.md%s\n", out_dir,
           figures_failed ? " (without figures)" : ", figures in figures/");
    return figures_failed ? CLI_EXIT_FAIL : 0;
}

int cli_write_figures(const char *cmd, const char *bench_csv,
                      const char *out_dir) {
    nn_report_opts o = {NULL, 0, bench_csv, out_dir, -1, NULL, NULL, 0};
    nn_err err;
    if (nn_report_figures(&o, &err)) return cli_fail(cmd, err.msg);
    printf("figure: %s/figures/throughput.png\n", out_dir);
    return 0;
}

int cmd_report(int argc, char **argv) {
    static const struct option longs[] = {
        {"out", required_argument, 0, 'o'},
        {"bench", required_argument, 0, 'b'},
        {"beyond", required_argument, 0, 'y'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *out = "results", *bench = NULL;
    /* at most one --beyond per argument */
    const char **beyond = calloc((size_t)argc, sizeof *beyond);
    int opt, n_beyond = 0, rc;
    if (!beyond) return cli_fail("report", "out of memory");
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        if (opt == 'h') {
            free(beyond);
            return fputs(report_help, stdout), 0;
        }
        if (opt == 'o') out = optarg;
        else if (opt == 'b') bench = optarg;
        else if (opt == 'y') beyond[n_beyond++] = optarg;
        else {
            free(beyond);
            return cli_bad_option("report", opt, argv);
        }
    }
    if (optind >= argc)
        rc = cli_usage_error("report", "expected at least one RUN_DIR");
    else
        rc = cli_write_report("report", (const char *const *)argv + optind,
                              argc - optind, beyond, n_beyond, bench, out, -1);
    free(beyond);
    return rc;
}
