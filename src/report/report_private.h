/* report_private.h: helpers shared by the files of src/report (not part of the public API). */
#ifndef NN_REPORT_PRIVATE_H
#define NN_REPORT_PRIVATE_H

#include <stddef.h>
#include <stdio.h>

#include "nn_path.h"
#include "nn_report.h"

#define REPORT_PATH_MAX NN_PATH_MAX
/* a confusion matrix row of NN_REPORT_MAX_CLASSES counts and its name */
#define CSV_MAX_FIELDS (NN_REPORT_MAX_CLASSES + 1)

/* ---- csv.c: a line-at-a-time CSV reader whose errors name file and line.
 * Fields are split on commas; a field may be double-quoted ("" inside is a
 * quote). The first line is the header; columns are found by name. */
typedef struct {
    FILE *file;
    const char *path;                 /* for messages; not owned */
    int line_no;                      /* of the row now in fields */
    char *line;                       /* getline buffer; owned */
    size_t line_cap;
    char *fields[CSV_MAX_FIELDS];     /* point into line */
    int n_fields;
    char *header_line;                /* copy of the header; owned */
    char *header[CSV_MAX_FIELDS];     /* point into header_line */
    int n_header;
} csv_reader;

/* Opens path (a regular file: a FIFO is refused, not waited on) and reads
 * its header line. */
int csv_open(csv_reader *r, const char *path, nn_err *err);
/* Reads the next row into r->fields: 1 for a row, 0 at end of file, -1 on
 * error (a row whose field count differs from the header's is an error). */
int csv_next(csv_reader *r, nn_err *err);
void csv_close(csv_reader *r);
/* Index of the header column called name, or -1 with a message. */
int csv_column(const csv_reader *r, const char *name, nn_err *err);
/* Index of the header column called name, or -1 (no message): for columns
 * that older files lack. */
int csv_find_column(const csv_reader *r, const char *name);
/* Parses field col of the current row; errors name file, line and column. */
int csv_double(const csv_reader *r, int col, double *out, nn_err *err);
int csv_long(const csv_reader *r, int col, long *out, nn_err *err);
int csv_string(const csv_reader *r, int col, char *dst, size_t size,
               nn_err *err);

/* ---- summary_json.c: the flat JSON object of summary.json. */
int summary_json_load(nn_summary_field **fields, int *n_fields,
                      const char *path, nn_err *err);
void summary_json_free(nn_summary_field *fields, int n_fields);

/* ---- run.c: loading the runs of a report. */
/* Loads opts->run_dirs into a new array (n = opts->n_runs); checks that no
 * two runs share a model name, since figures are named after the model. */
int report_load_runs(nn_run **runs, const nn_report_opts *opts, nn_err *err);
void report_free_runs(nn_run *runs, int n_runs);
/* Upper-case display name of a model ("mlp" -> "MLP"). */
void report_model_label(char *dst, size_t size, const char *model);

/* ---- beyond.c: the --beyond runs of better recipes. */
/* Loads opts->beyond_dirs (n = opts->n_beyond; none gives NULL) into a new
 * array sorted by model, in the order the models first appear, then seed.
 * Each error starts with "--beyond DIR:"; a run without an integer "seed"
 * and a model and seed given twice are refused. */
int report_load_beyond(nn_run **runs, const nn_report_opts *opts,
                       nn_err *err);
/* summary.json's "seed" as an integer: 0, or -1 when absent or not one. */
int report_run_seed(const nn_run *run, long *seed);
/* summary.json's "total_seconds", or -1 when absent or not a number. */
double report_total_seconds(const nn_run *run);
/* "cnn-bn (seed 1)". */
void report_beyond_label(char *dst, size_t size, const nn_run *run);
/* The run of runs[0..n_runs) a beyond model is compared with: the one of
 * the same model, else the longest model name that, followed by '-',
 * starts it ("cnn" for "cnn-bn"); NULL when there is none. */
const nn_run *report_seed_match(const nn_run *runs, int n_runs,
                                const char *model);

/* ---- gnuplot.c: finding and running gnuplot. */
/* The gnuplot program: $NNTRAIN_GNUPLOT or "gnuplot" searched on PATH. */
int gnuplot_find(char *program, size_t size, nn_err *err);
/* The folder of the plot scripts: $NNTRAIN_PLOTS or NN_PLOTS_DIR. */
const char *gnuplot_plots_dir(void);
/* Runs `program -e params script` with stdin from /dev/null and its output
 * captured; fails naming the script and quoting gnuplot's last message. */
int gnuplot_run(const char *program, const char *script, const char *params,
                nn_err *err);

/* ---- report_tables.c and report_sections.c: the parts of REPORT.md.
 * Each writes with fprintf; the caller checks ferror once at the end. */
void report_write_config(FILE *f, const nn_run *runs, int n_runs);
void report_write_accuracy(FILE *f, const nn_run *runs, int n_runs);
void report_write_timing(FILE *f, const nn_run *runs, int n_runs);
void report_write_figures(FILE *f, const nn_run *runs, int n_runs,
                          int have_bench, const char *figures_error);
void report_write_confusions(FILE *f, const nn_run *runs, int n_runs);
/* The diagonal over the row sums, one row per class, when every run has
 * the same classes and there are at most 50; else a note. */
void report_write_per_class(FILE *f, const nn_run *runs, int n_runs);
void report_write_throughput(FILE *f, const nn_bench *bench,
                             const char *bench_path);
/* "## Beyond the seed": the recipe, one table per model, the comparison
 * with runs[] and (without figures_error) the beyond figures. */
void report_write_beyond(FILE *f, const nn_run *runs, int n_runs,
                         const nn_run *beyond, int n_beyond,
                         const char *figures_error);
/* A markdown table cell: text with '|' escaped and newlines as spaces. */
void report_cell(FILE *f, const char *text);

#endif
