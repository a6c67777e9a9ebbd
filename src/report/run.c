/* run.c: loading a run folder (metrics.csv, confusion_test.csv, summary.json) into an nn_run. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "report_private.h"

/* metrics.csv columns besides "epoch", in nn_metric order. */
static const char *const metric_columns[] = {
    "train_loss", "train_acc", "val_loss", "val_acc", "epoch_seconds",
    "train_images_per_s",
};
#define N_METRIC_COLUMNS (int)(sizeof metric_columns / sizeof *metric_columns)

/* Fills the numbers of one metrics.csv row; col[] are the column indexes. */
static int read_epoch_row(nn_report_epoch *row, const csv_reader *r,
                          int epoch_col, const int *col, nn_err *err) {
    long epoch;
    double v[N_METRIC_COLUMNS];
    if (csv_long(r, epoch_col, &epoch, err) < 0) return -1;
    for (int i = 0; i < N_METRIC_COLUMNS; i++)
        if (csv_double(r, col[i], &v[i], err) < 0) return -1;
    if ((v[NN_METRIC_TRAIN_ACC] < 0 || v[NN_METRIC_TRAIN_ACC] > 100) ||
        (v[NN_METRIC_VAL_ACC] < 0 || v[NN_METRIC_VAL_ACC] > 100))
        return nn_errf(err, "%s: line %d: accuracies must be percentages in "
                       "0..100, found %g and %g", r->path, r->line_no,
                       v[NN_METRIC_TRAIN_ACC], v[NN_METRIC_VAL_ACC]);
    *row = (nn_report_epoch){
        .epoch = (int)epoch,
        .train_loss = v[NN_METRIC_TRAIN_LOSS],
        .train_acc = v[NN_METRIC_TRAIN_ACC],
        .val_loss = v[NN_METRIC_VAL_LOSS],
        .val_acc = v[NN_METRIC_VAL_ACC],
        .epoch_seconds = v[NN_METRIC_EPOCH_SECONDS],
        .train_images_per_s = v[NN_METRIC_TRAIN_IMAGES_PER_S],
    };
    return 0;
}

/* Reads the current row of r into a new slot at the end of run->epochs. */
static int append_epoch(nn_run *run, int *cap, const csv_reader *r,
                        int epoch_col, const int *col, nn_err *err) {
    if (run->n_epochs == *cap) {
        int grown_cap = *cap ? 2 * *cap : 64;
        nn_report_epoch *grown =
            realloc(run->epochs, grown_cap * sizeof *grown);
        if (!grown) return nn_errf(err, "%s: out of memory", r->path);
        run->epochs = grown;
        *cap = grown_cap;
    }
    if (read_epoch_row(&run->epochs[run->n_epochs], r, epoch_col, col, err) < 0)
        return -1;
    run->n_epochs++;
    return 0;
}

/* metrics.csv: one row per epoch, columns found by name. */
static int load_metrics(nn_run *run, const char *path, nn_err *err) {
    csv_reader r;
    int col[N_METRIC_COLUMNS], cap = 0, rc = 0;
    if (csv_open(&r, path, err) < 0) return -1;
    int epoch_col = csv_column(&r, "epoch", err);
    if (epoch_col < 0) rc = -1;
    for (int i = 0; i < N_METRIC_COLUMNS && rc == 0; i++)
        if ((col[i] = csv_column(&r, metric_columns[i], err)) < 0) rc = -1;
    /* csv_next gives 1 per row and 0 at the end; append_epoch 0 on success. */
    while (rc == 0 && (rc = csv_next(&r, err)) == 1)
        rc = append_epoch(run, &cap, &r, epoch_col, col, err);
    csv_close(&r);
    if (rc == 0 && run->n_epochs == 0)
        rc = nn_errf(err, "%s: no epochs after the header", path);
    return rc;
}

/* One row of confusion_test.csv: the true class named as in the header,
 * then its counts. */
static int read_confusion_row(nn_run *run, const csv_reader *r, int t,
                              nn_err *err) {
    int k = run->n_classes;
    if (strcmp(r->fields[0], run->class_names[t]) != 0)
        return nn_errf(err, "%s: line %d: expected row \"%s\" (rows in the "
                       "header's order), found \"%s\"", r->path, r->line_no,
                       run->class_names[t], r->fields[0]);
    for (int p = 0; p < k; p++) {
        long *count = &run->confusion[(size_t)t * k + p];
        if (csv_long(r, p + 1, count, err) < 0) return -1;
        if (*count < 0)
            return nn_errf(err, "%s: line %d: negative count %ld", r->path,
                           r->line_no, *count);
    }
    return 0;
}

/* The header's class names (2..NN_REPORT_MAX_CLASSES of them) into run,
 * with the matrix they size. */
static int read_class_names(nn_run *run, const csv_reader *r, nn_err *err) {
    int k = r->n_header - 1;
    if (k < 2 || k > NN_REPORT_MAX_CLASSES)
        return nn_errf(err, "%s: line 1: expected a corner cell and 2..%d "
                       "class names, found %d field%s", r->path,
                       NN_REPORT_MAX_CLASSES, r->n_header,
                       r->n_header == 1 ? "" : "s");
    run->class_names = calloc((size_t)k, sizeof *run->class_names);
    run->confusion = calloc((size_t)k * k, sizeof *run->confusion);
    if (!run->class_names || !run->confusion)
        return nn_errf(err, "%s: out of memory", r->path);
    run->n_classes = k;
    for (int c = 0; c < k; c++) {
        const char *name = r->header[c + 1];
        if (strlen(name) >= sizeof run->class_names[c])
            return nn_errf(err, "%s: line 1: class name \"%s\" is longer "
                           "than %zu characters", r->path, name,
                           sizeof run->class_names[c] - 1);
        strcpy(run->class_names[c], name);
    }
    return 0;
}

/* confusion_test.csv: a header of the class names, then one row each. */
static int load_confusion(nn_run *run, const char *path, nn_err *err) {
    csv_reader r;
    int t = 0;
    if (csv_open(&r, path, err) < 0) return -1;
    int rc = read_class_names(run, &r, err);
    int k = run->n_classes;
    while (rc == 0 && (rc = csv_next(&r, err)) == 1)
        rc = t < k ? read_confusion_row(run, &r, t++, err)
                   : nn_errf(err, "%s: line %d: more than %d class rows", path,
                             r.line_no, k);
    if (rc == 0 && t < k)
        rc = nn_errf(err, "%s: expected %d class rows, found %d", path, k, t);
    csv_close(&r);
    return rc;
}

/* summary.json's "classes", where the run wrote them, must be the names
 * of confusion_test.csv. */
static int check_classes(const nn_run *run, const char *path, nn_err *err) {
    const nn_summary_field *f = NULL;
    for (int i = 0; i < run->n_summary; i++)
        if (strcmp(run->summary[i].key, "classes") == 0) f = &run->summary[i];
    if (!f) return 0;
    if (f->n_items != run->n_classes)
        return nn_errf(err, "%s: line 1: %d class names, but summary.json "
                       "lists %d \"classes\"", path, run->n_classes,
                       f->n_items);
    const char *item = f->value;
    for (int c = 0; c < run->n_classes; c++) {
        size_t len = strcspn(item, "\n");
        if (strlen(run->class_names[c]) != len ||
            memcmp(item, run->class_names[c], len) != 0)
            return nn_errf(err, "%s: line 1: class %d is \"%s\", but "
                           "summary.json's \"classes\" has \"%.*s\"", path,
                           c, run->class_names[c], (int)len, item);
        item += len + (item[len] == '\n');
    }
    return 0;
}

/* The model name names the figure files: it must be a plain word. */
static int check_model(nn_run *run, const char *path, nn_err *err) {
    const char *model = nn_run_summary(run, "model");
    if (!model)
        return nn_errf(err, "%s: no \"model\" key", path);
    size_t len = strlen(model);
    int plain = len > 0 && len < sizeof run->model;
    for (size_t i = 0; plain && i < len; i++)
        plain = islower((unsigned char)model[i]) ||
                isdigit((unsigned char)model[i]) || model[i] == '_' ||
                model[i] == '-';
    if (!plain)
        return nn_errf(err, "%s: \"model\" must be 1 to %zu characters of "
                       "a-z, 0-9, _ and -, found \"%s\"", path,
                       sizeof run->model - 1, model);
    memcpy(run->model, model, len + 1);
    return 0;
}

int nn_run_load(nn_run *run, const char *dir, nn_err *err) {
    char path[REPORT_PATH_MAX];
    memset(run, 0, sizeof *run);
    run->dir = strdup(dir);
    int rc = run->dir ? 0 : nn_errf(err, "%s: out of memory", dir);
    if (rc == 0) rc = nn_path_join(path, sizeof path, dir, "summary.json", err);
    if (rc == 0)
        rc = summary_json_load(&run->summary, &run->n_summary, path, err);
    if (rc == 0) rc = check_model(run, path, err);
    if (rc == 0) rc = nn_path_join(path, sizeof path, dir, "metrics.csv", err);
    if (rc == 0) rc = load_metrics(run, path, err);
    if (rc == 0)
        rc = nn_path_join(path, sizeof path, dir, "confusion_test.csv", err);
    if (rc == 0) rc = load_confusion(run, path, err);
    if (rc == 0) rc = check_classes(run, path, err);
    if (rc < 0) nn_run_free(run);
    return rc;
}

void nn_run_free(nn_run *run) {
    free(run->dir);
    free(run->epochs);
    free(run->class_names);
    free(run->confusion);
    summary_json_free(run->summary, run->n_summary);
    memset(run, 0, sizeof *run);
}

const char *nn_run_summary(const nn_run *run, const char *key) {
    for (int i = 0; i < run->n_summary; i++)
        if (strcmp(run->summary[i].key, key) == 0) return run->summary[i].value;
    return NULL;
}

void report_model_label(char *dst, size_t size, const char *model) {
    size_t i = 0;
    for (; model[i] && i + 1 < size; i++)
        dst[i] = (char)toupper((unsigned char)model[i]);
    if (size) dst[i] = '\0';
}

int report_load_runs(nn_run **runs, const nn_report_opts *opts, nn_err *err) {
    if (opts->n_runs < 1)
        return nn_errf(err, "report: no run folders given");
    *runs = calloc((size_t)opts->n_runs, sizeof **runs);
    if (!*runs) return nn_errf(err, "report: out of memory");
    for (int i = 0; i < opts->n_runs; i++) {
        int rc = nn_run_load(&(*runs)[i], opts->run_dirs[i], err);
        for (int j = 0; rc == 0 && j < i; j++)
            if (strcmp((*runs)[j].model, (*runs)[i].model) == 0)
                rc = nn_errf(err, "%s and %s: both are runs of model \"%s\"; "
                             "report one run per model",
                             opts->run_dirs[j], opts->run_dirs[i],
                             (*runs)[i].model);
        if (rc < 0) {
            report_free_runs(*runs, i + 1);
            *runs = NULL;
            return -1;
        }
    }
    return 0;
}

void report_free_runs(nn_run *runs, int n_runs) {
    for (int i = 0; runs && i < n_runs; i++) nn_run_free(&runs[i]);
    free(runs);
}
