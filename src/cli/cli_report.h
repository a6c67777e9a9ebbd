/* cli_report.h: rendering figures and the report, for `report` and
 * `experiment`. */
#ifndef NN_CLI_REPORT_H
#define NN_CLI_REPORT_H

/* Figures then REPORT.md; a missing gnuplot is reported but the report is
 * still written (exit code 1). beyond (n_beyond, may be 0 and NULL) are the
 * runs of "Beyond the seed". Returns an exit code. */
int cli_write_report(const char *cmd, const char *const *runs, int n_runs,
                     const char *const *beyond, int n_beyond,
                     const char *bench_csv, const char *out_dir,
                     double wall_seconds);

/* Only the throughput figure of a bench CSV, into out_dir/figures/. */
int cli_write_figures(const char *cmd, const char *bench_csv,
                      const char *out_dir);

#endif
