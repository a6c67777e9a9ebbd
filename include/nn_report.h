/* nn_report.h: figures (gnuplot) and REPORT.md from training run folders and a bench CSV. */
#ifndef NN_REPORT_H
#define NN_REPORT_H

#include <stddef.h>

#include "nn_error.h"

/* The report reads only the files a run folder holds, so any run can be
 * re-plotted and re-reported later:
 *   metrics.csv         epoch,train_loss,train_acc,val_loss,val_acc,
 *                       epoch_seconds,train_images_per_s,lr (one row per
 *                       epoch; columns found by name, lr not read)
 *   confusion_test.csv  header of predicted class names, then one row per
 *                       true class: name, counts (2..256 classes)
 *   summary.json        one flat object of string and number values and
 *                       arrays of strings ("classes": the class names) */
#define NN_REPORT_MAX_CLASSES 256
#define NN_REPORT_CLASS_NAME 64 /* bytes of a class name with its ending 0 */

/* One row of metrics.csv. Accuracies in percent. */
typedef struct {
    int epoch;
    double train_loss, train_acc; /* accumulated while the weights change */
    double val_loss, val_acc;     /* after the epoch */
    double epoch_seconds, train_images_per_s;
} nn_report_epoch;

/* One "key": value pair of summary.json. value is the text as written (a
 * string unescaped, a number as its token), so "0.001" prints as 0.001; an
 * array of strings has its items unescaped, one a line (an item may not
 * hold a line break). */
typedef struct {
    char *key;     /* owned */
    char *value;   /* owned */
    int is_string; /* 1 for a JSON string, 0 for a number or an array */
    int n_items;   /* an array of strings: its item count; else -1 */
} nn_summary_field;

typedef struct {
    char *dir;                  /* the run folder, as given; owned */
    char model[32];             /* summary.json "model": "mlp", "cnn", ... */
    nn_report_epoch *epochs;   /* (n_epochs) rows of metrics.csv; owned */
    int n_epochs;
    int n_classes;              /* 2..NN_REPORT_MAX_CLASSES */
    char (*class_names)[NN_REPORT_CLASS_NAME]; /* (n_classes) in label
                                                  order; owned */
    long *confusion;            /* (n_classes, n_classes) [true][pred];
                                   owned */
    nn_summary_field *summary;  /* (n_summary) pairs in file order; owned */
    int n_summary;
} nn_run;

/* Reads the three files of a run folder. On failure returns -1 with a message
 * naming the file (and line) and leaves *run empty; nn_run_free is safe on
 * both outcomes. */
int nn_run_load(nn_run *run, const char *dir, nn_err *err);
void nn_run_free(nn_run *run);

/* Test images of true class t predicted as p. */
static inline long nn_run_confusion(const nn_run *run, int t, int p) {
    return run->confusion[(size_t)t * run->n_classes + p];
}

/* summary.json value for key (text as written), or NULL when absent. */
const char *nn_run_summary(const nn_run *run, const char *key);

/* Train/validation/test accuracies of one run, in percent. */
typedef struct {
    double train_acc, val_acc;
    double gap;      /* train_acc - val_acc */
    double test_acc; /* trace / sum of the test confusion matrix */
} nn_accuracy_table;

/* As the seed computed its table: train and validation are the means over
 * ALL epochs of metrics.csv. */
nn_accuracy_table nn_run_mean_table(const nn_run *run);
/* What a reader expects: the last row of metrics.csv. */
nn_accuracy_table nn_run_final_table(const nn_run *run);
/* 100 * trace / sum of the confusion matrix (0 when it is empty). */
double nn_run_test_acc(const nn_run *run);
/* The trace (correct) and the sum (total) of the confusion matrix. */
void nn_run_test_counts(const nn_run *run, long *correct, long *total);

/* The numeric columns of metrics.csv. */
typedef enum {
    NN_METRIC_TRAIN_LOSS,
    NN_METRIC_TRAIN_ACC,
    NN_METRIC_VAL_LOSS,
    NN_METRIC_VAL_ACC,
    NN_METRIC_EPOCH_SECONDS,
    NN_METRIC_TRAIN_IMAGES_PER_S,
} nn_metric;

/* Mean of one column over all epochs of metrics.csv (0 with no epochs). */
double nn_run_mean(const nn_run *run, nn_metric metric);

/* A confusion: true -> predicted (ordered), or the pair summed over both
 * directions (unordered, then true_class < pred_class). */
typedef struct {
    int true_class, pred_class;
    long count;
} nn_confusion;

/* Writes the k most frequent off-diagonal confusions into top[0..k-1], most
 * frequent first; ties go to the smaller true class, then the smaller
 * predicted class. Zero counts are left out. Returns how many were written. */
int nn_run_top_confusions(const nn_run *run, int unordered, nn_confusion *top,
                          int k);

/* One row of the benchmark CSV. */
typedef struct {
    char model[32], parallel[32];
    char precision[16];   /* "f32" in files without the column */
    char cpu[128], isa[64], commit[64], omp_wait_policy[32];
    int batch, threads;
    double images_per_s;  /* median of the repetitions */
    double images_per_s_min, images_per_s_max; /* of the repetitions; NaN
                                                   in files without them */
    double step_ms, achieved_gflops, peak_fraction, efficiency;
} nn_bench_row;

typedef struct {
    nn_bench_row *rows; /* (n_rows) in file order; owned */
    int n_rows;
    int has_precision;  /* the file has a precision column */
    int has_range;      /* ... and images_per_s_min, images_per_s_max */
} nn_bench;

/* Reads the benchmark CSV (columns found by their header names). Older
 * files without precision or the images/s range still load; a row whose
 * range does not hold its median is an error. */
int nn_bench_load(nn_bench *bench, const char *path, nn_err *err);
void nn_bench_free(nn_bench *bench);

/* Best validation accuracy over the epochs of metrics.csv (percent); its
 * epoch (the first, on a tie) into *epoch when epoch is not NULL. */
double nn_run_best_val(const nn_run *run, int *epoch);

/* "Beyond the seed": runs of better recipes, several seeds per model. The
 * numbers of one model over its seeds. */
typedef struct {
    char model[32];
    int n_runs;                  /* its seeds */
    double test_mean, test_std;  /* test accuracy (percent) over the seeds;
                                    std with n - 1 (0 for one seed) */
    double best_val_mean, final_val_mean; /* percent */
    double epoch_seconds_mean;   /* of each run's mean epoch time */
    double seconds_mean;         /* of summary.json's total_seconds; < 0
                                    when a run lacks it */
} nn_beyond_group;

/* Groups runs by model, in the order each model first appears; writes at
 * most max groups and returns how many models there are. */
int nn_beyond_groups(nn_beyond_group *groups, int max, const nn_run *runs,
                     int n_runs);

/* What to report on. Paths are used as given (relative to the cwd). */
typedef struct {
    const char *const *run_dirs; /* (n_runs) run folders, one model each */
    int n_runs;
    const char *bench_csv;  /* benchmark CSV, or NULL for none */
    const char *out_dir;    /* created if missing; figures go to figures/ */
    double wall_seconds;    /* how long the whole command took; < 0: unknown */
    const char *figures_error; /* NULL: the figures were rendered and are
                                  linked; else why not (said instead) */
    const char *const *beyond_dirs; /* (n_beyond) runs of better recipes
                                       (--beyond), any number per model,
                                       one per model and seed; or NULL */
    int n_beyond;
} nn_report_opts;

/* Loads every input (run folders, bench CSV) and frees them again: the one
 * place a bad input is reported, before any figure or report is made. */
int nn_report_check(const nn_report_opts *opts, nn_err *err);

/* Renders every figure into OUT/figures/ as PNG and SVG by running gnuplot
 * on plots/<name>.gp: accuracy, <model>_loss, <model>_confusion per run,
 * throughput when a bench CSV is given, and beyond_val and beyond_test when
 * there are beyond runs. gnuplot is $NNTRAIN_GNUPLOT or found
 * on PATH; the scripts are in $NNTRAIN_PLOTS or the source tree's plots/.
 * Each figure is rendered to a temp name and renamed into place only when
 * gnuplot succeeded and wrote a non-empty file. Without gnuplot it fails
 * with a one-line message and renders nothing; the caller can still write
 * the report. */
int nn_report_figures(const nn_report_opts *opts, nn_err *err);

/* Writes OUT/REPORT.md atomically (REPORT.md.tmp, fsync, rename); it links
 * the figures only when opts->figures_error is NULL. */
int nn_report_write(const nn_report_opts *opts, nn_err *err);

#endif
