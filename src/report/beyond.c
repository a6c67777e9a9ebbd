/* beyond.c: the --beyond runs (better recipes, several seeds per model): loading, ordering, labels and the numbers over seeds. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report_private.h"

int report_run_seed(const nn_run *run, long *seed) {
    const char *text = nn_run_summary(run, "seed");
    char *end;
    if (!text) return -1;
    errno = 0;
    *seed = strtol(text, &end, 10);
    return errno || end == text || *end ? -1 : 0;
}

double report_total_seconds(const nn_run *run) {
    const char *text = nn_run_summary(run, "total_seconds");
    char *end;
    if (!text) return -1;
    double v = strtod(text, &end);
    return end == text || *end || v < 0 ? -1 : v;
}

void report_beyond_label(char *dst, size_t size, const nn_run *run) {
    long seed;
    if (report_run_seed(run, &seed) == 0)
        snprintf(dst, size, "%s (seed %ld)", run->model, seed);
    else
        snprintf(dst, size, "%s", run->model);
}

/* Loads one --beyond folder; every failure says the folder first. */
static int load_one(nn_run *run, const char *dir, nn_err *err) {
    char path[REPORT_PATH_MAX];
    struct stat st;
    nn_err why;
    long seed;
    memset(run, 0, sizeof *run);
    if (stat(dir, &st) != 0)
        return nn_errf(err, "--beyond %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return nn_errf(err, "--beyond %s: not a folder", dir);
    if (nn_path_join(path, sizeof path, dir, "summary.json", &why) == 0 &&
        stat(path, &st) != 0 && errno == ENOENT)
        return nn_errf(err, "--beyond %s: not a run folder (no summary.json)",
                       dir);
    if (nn_run_load(run, dir, &why) < 0)
        return nn_errf(err, "--beyond %s: %s", dir, why.msg);
    if (report_run_seed(run, &seed) < 0) {
        nn_run_free(run);
        return nn_errf(err, "--beyond %s: summary.json has no integer "
                       "\"seed\" to tell the run from others of its model",
                       dir);
    }
    return 0;
}

/* Does run a come before run b: the model that appears first in the
 * list (first_a, first_b: its first index), then the smaller seed. */
static int beyond_before(const nn_run *a, int first_a, const nn_run *b,
                         int first_b) {
    long seed_a = 0, seed_b = 0;
    if (first_a != first_b) return first_a < first_b;
    report_run_seed(a, &seed_a);
    report_run_seed(b, &seed_b);
    return seed_a < seed_b;
}

/* Sorts runs by model (in the order models first appear), then seed; a
 * model and seed given twice is refused, as the labels would collide. */
static int order_runs(nn_run *runs, int n, nn_err *err) {
    int *first = malloc((size_t)n * sizeof *first);
    if (!first) return nn_errf(err, "report: out of memory");
    for (int i = 0; i < n; i++) {
        first[i] = i;
        for (int j = 0; j < i && first[i] == i; j++)
            if (strcmp(runs[j].model, runs[i].model) == 0) first[i] = j;
    }
    /* insertion sort: a handful of runs */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && beyond_before(&runs[j], first[j],
                                               &runs[j - 1], first[j - 1]);
             j--) {
            nn_run run = runs[j];
            int f = first[j];
            runs[j] = runs[j - 1], first[j] = first[j - 1];
            runs[j - 1] = run, first[j - 1] = f;
        }
    free(first);
    for (int i = 1; i < n; i++) {
        long a, b;
        report_run_seed(&runs[i - 1], &a);
        report_run_seed(&runs[i], &b);
        if (strcmp(runs[i - 1].model, runs[i].model) == 0 && a == b)
            return nn_errf(err, "--beyond %s and --beyond %s: both are runs "
                           "of model \"%s\" with seed %ld; give each model "
                           "and seed once", runs[i - 1].dir, runs[i].dir,
                           runs[i].model, a);
    }
    return 0;
}

int report_load_beyond(nn_run **runs, const nn_report_opts *opts,
                       nn_err *err) {
    int n = opts->n_beyond;
    *runs = NULL;
    if (n < 1) return 0;
    *runs = calloc((size_t)n, sizeof **runs);
    if (!*runs) return nn_errf(err, "report: out of memory");
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = load_one(&(*runs)[i], opts->beyond_dirs[i], err);
    if (rc == 0) rc = order_runs(*runs, n, err);
    if (rc < 0) {
        report_free_runs(*runs, n);
        *runs = NULL;
    }
    return rc;
}

const nn_run *report_seed_match(const nn_run *runs, int n_runs,
                                const char *model) {
    const nn_run *best = NULL;
    size_t best_len = 0;
    for (int i = 0; i < n_runs; i++) {
        size_t len = strlen(runs[i].model);
        if (strcmp(runs[i].model, model) == 0) return &runs[i];
        if (strncmp(runs[i].model, model, len) == 0 && model[len] == '-' &&
            len > best_len)
            best = &runs[i], best_len = len;
    }
    return best;
}

/* The numbers of group g over its runs (those of its model). */
static void group_stats(nn_beyond_group *g, const nn_run *runs, int n_runs) {
    double sum_sq = 0;
    int missing_time = 0;
    for (int i = 0; i < n_runs; i++) {
        if (strcmp(runs[i].model, g->model) != 0) continue;
        double seconds = report_total_seconds(&runs[i]);
        g->n_runs++;
        g->test_mean += nn_run_test_acc(&runs[i]);
        g->best_val_mean += nn_run_best_val(&runs[i], NULL);
        g->final_val_mean += runs[i].epochs[runs[i].n_epochs - 1].val_acc;
        g->epoch_seconds_mean += nn_run_mean(&runs[i],
                                             NN_METRIC_EPOCH_SECONDS);
        g->seconds_mean += seconds;
        missing_time |= seconds < 0;
    }
    g->test_mean /= g->n_runs;
    g->best_val_mean /= g->n_runs;
    g->final_val_mean /= g->n_runs;
    g->epoch_seconds_mean /= g->n_runs;
    g->seconds_mean = missing_time ? -1 : g->seconds_mean / g->n_runs;
    /* two passes: the deviations from the mean, not sum x^2 - n mean^2 */
    for (int i = 0; i < n_runs; i++)
        if (strcmp(runs[i].model, g->model) == 0) {
            double d = nn_run_test_acc(&runs[i]) - g->test_mean;
            sum_sq += d * d;
        }
    g->test_std = g->n_runs > 1 ? sqrt(sum_sq / (g->n_runs - 1)) : 0;
}

int nn_beyond_groups(nn_beyond_group *groups, int max, const nn_run *runs,
                     int n_runs) {
    int n = 0;
    for (int i = 0; i < n_runs; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = strcmp(runs[j].model, runs[i].model) == 0;
        if (seen) continue;
        if (n < max) {
            memset(&groups[n], 0, sizeof groups[n]);
            snprintf(groups[n].model, sizeof groups[n].model, "%s",
                     runs[i].model);
            group_stats(&groups[n], runs, n_runs);
        }
        n++;
    }
    return n;
}
