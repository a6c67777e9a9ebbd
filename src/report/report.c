/* report.c: writing REPORT.md atomically (REPORT.md.tmp, fsync, rename) from the run folders. */
#include <stdio.h>

#include "nn_atomic_file.h"
#include "report_private.h"

static void write_intro(FILE *f, const nn_run *runs, int n_runs,
                        const nn_report_opts *opts) {
    char label[32];
    fprintf(f, "# nntrain results\n\n");
    fprintf(f, "Fashion-MNIST, the seed experiment reproduced in C with "
               "oneDNN (see the seed's README). Made by `nntrain report` from "
               "the run folders alone:");
    for (int i = 0; i < n_runs; i++) {
        report_model_label(label, sizeof label, runs[i].model);
        fprintf(f, "%s %s `%s`", i ? "," : "", label, runs[i].dir);
    }
    if (opts->bench_csv) fprintf(f, "; benchmark `%s`", opts->bench_csv);
    if (opts->n_beyond > 0)
        fprintf(f, "; %d run%s of better recipes (see Beyond the seed)",
                opts->n_beyond, opts->n_beyond == 1 ? "" : "s");
    fprintf(f, ".\n\n");
}

static void write_footer(FILE *f, const nn_run *runs, double wall_seconds) {
    const char *cpu = nn_run_summary(&runs[0], "cpu");
    fprintf(f, "---\n\n");
    if (wall_seconds >= 0)
        fprintf(f, "The whole command took %.1f s on %s.\n", wall_seconds,
                cpu ? cpu : "an unrecorded CPU");
    else
        fprintf(f, "Made on %s (the command's wall time was not given).\n",
                cpu ? cpu : "an unrecorded CPU");
}

/* All sections, in reading order; beyond is NULL without beyond runs. */
static void write_report(FILE *f, const nn_run *runs, int n_runs,
                         const nn_bench *bench, const nn_run *beyond,
                         const nn_report_opts *opts) {
    write_intro(f, runs, n_runs, opts);
    report_write_config(f, runs, n_runs);
    report_write_accuracy(f, runs, n_runs);
    report_write_timing(f, runs, n_runs);
    report_write_figures(f, runs, n_runs, bench != NULL, opts->figures_error);
    report_write_per_class(f, runs, n_runs);
    report_write_confusions(f, runs, n_runs);
    if (bench) report_write_throughput(f, bench, opts->bench_csv);
    if (beyond)
        report_write_beyond(f, runs, n_runs, beyond, opts->n_beyond,
                            opts->figures_error);
    write_footer(f, runs, opts->wall_seconds);
}

int nn_report_check(const nn_report_opts *opts, nn_err *err) {
    nn_run *runs = NULL, *beyond;
    nn_bench bench;
    if (opts->n_runs > 0 && report_load_runs(&runs, opts, err) < 0) return -1;
    report_free_runs(runs, opts->n_runs);
    if (report_load_beyond(&beyond, opts, err) < 0) return -1;
    report_free_runs(beyond, opts->n_beyond);
    if (opts->bench_csv && nn_bench_load(&bench, opts->bench_csv, err) < 0)
        return -1;
    if (opts->bench_csv) nn_bench_free(&bench);
    return 0;
}

int nn_report_write(const nn_report_opts *opts, nn_err *err) {
    char final[REPORT_PATH_MAX];
    nn_run *runs, *beyond;
    nn_bench bench;
    if (nn_mkdirs(opts->out_dir, err) < 0 ||
        nn_path_join(final, sizeof final, opts->out_dir, "REPORT.md", err) < 0)
        return -1;
    if (report_load_runs(&runs, opts, err) < 0) return -1;
    if (report_load_beyond(&beyond, opts, err) < 0) {
        report_free_runs(runs, opts->n_runs);
        return -1;
    }
    if (opts->bench_csv && nn_bench_load(&bench, opts->bench_csv, err) < 0) {
        report_free_runs(beyond, opts->n_beyond);
        report_free_runs(runs, opts->n_runs);
        return -1;
    }
    /* REPORT.md.tmp, fsync, rename: a reader never sees half a report */
    nn_atomic_file a;
    int rc = nn_atomic_open(&a, final, err);
    if (rc == 0) {
        write_report(a.f, runs, opts->n_runs, opts->bench_csv ? &bench : NULL,
                     beyond, opts);
        rc = nn_atomic_commit(&a, err);
    }
    if (opts->bench_csv) nn_bench_free(&bench);
    report_free_runs(beyond, opts->n_beyond);
    report_free_runs(runs, opts->n_runs);
    return rc;
}
