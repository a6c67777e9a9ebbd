/* report_beyond.c: REPORT.md's "Beyond the seed": better recipes over several seeds, beside the seed recipe's runs. */
#include <string.h>

#include "report_private.h"

/* summary.json keys of the recipe table, in order. */
static const struct {
    const char *label, *key;
} recipe_rows[] = {
    {"Parameters", "parameters"},     {"Loss", "loss"},
    {"Optimizer", "optimizer"},       {"Learning rate", "lr"},
    {"Weight decay", "weight_decay"}, {"LR schedule", "schedule"},
    {"Warmup epochs", "warmup_epochs"}, {"Augmentation", "augment"},
    {"Batch size", "batch_size"},     {"Epochs", "epochs"},
    {"Precision", "precision"},       {"Threads", "threads"},
    {"Train images", "train_images"},
};

/* How many runs from runs[0] on share its model (they are sorted). */
static int same_model(const nn_run *runs, int n_runs) {
    int n = 1;
    while (n < n_runs && strcmp(runs[n].model, runs[0].model) == 0) n++;
    return n;
}

/* One recipe value: the runs' common value, else each seed's. */
static void recipe_cell(FILE *f, const nn_run *runs, int n, const char *key) {
    const char *first = nn_run_summary(&runs[0], key);
    int same = 1;
    for (int i = 1; i < n && same; i++) {
        const char *value = nn_run_summary(&runs[i], key);
        same = (!first && !value) ||
               (first && value && strcmp(first, value) == 0);
    }
    fputc(' ', f);
    if (same) {
        report_cell(f, first ? first : "n/a");
    } else {
        for (int i = 0; i < n; i++) {
            const char *value = nn_run_summary(&runs[i], key);
            long seed = 0;
            report_run_seed(&runs[i], &seed);
            fprintf(f, "%sseed %ld: ", i ? "; " : "", seed);
            report_cell(f, value ? value : "n/a");
        }
    }
    fprintf(f, " |\n");
}

static void write_recipe(FILE *f, const nn_run *runs, int n) {
    fprintf(f, "Recipe, from the runs' `summary.json` (a setting that "
               "differs between seeds is given per seed):\n\n"
               "| Setting | Value |\n|---|---|\n| Model |");
    recipe_cell(f, runs, n, "model");
    for (size_t r = 0; r < sizeof recipe_rows / sizeof *recipe_rows; r++) {
        fprintf(f, "| %s |", recipe_rows[r].label);
        recipe_cell(f, runs, n, recipe_rows[r].key);
    }
    fprintf(f, "\n");
}

/* One row per seed, then the mean over the seeds. */
static void write_runs_table(FILE *f, const nn_run *runs, int n,
                             const nn_beyond_group *g) {
    char label[96];
    fprintf(f, "| Run | Seed | Test (%%) | Best validation (%%) | Best epoch "
               "| Final validation (%%) | Training time (s) | Mean epoch (s) "
               "| CPU |\n|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < n; i++) {
        const nn_run *run = &runs[i];
        const char *total = nn_run_summary(run, "total_seconds");
        const char *cpu = nn_run_summary(run, "cpu");
        long seed = 0;
        int best_epoch;
        double best = nn_run_best_val(run, &best_epoch);
        report_run_seed(run, &seed);
        report_beyond_label(label, sizeof label, run);
        fprintf(f, "| %s | %ld | %.2f | %.2f | %d | %.2f | ", label, seed,
                nn_run_test_acc(run), best, best_epoch,
                run->epochs[run->n_epochs - 1].val_acc);
        report_cell(f, total ? total : "n/a");
        fprintf(f, " | %.3f | ", nn_run_mean(run, NN_METRIC_EPOCH_SECONDS));
        report_cell(f, cpu ? cpu : "n/a");
        fprintf(f, " |\n");
    }
    fprintf(f, "| Mean of %d seed%s |  | %.2f | %.2f |  | %.2f | ", n,
            n == 1 ? "" : "s", g->test_mean, g->best_val_mean,
            g->final_val_mean);
    if (g->seconds_mean >= 0) fprintf(f, "%.1f", g->seconds_mean);
    else fprintf(f, "n/a");
    fprintf(f, " | %.3f |  |\n\n", g->epoch_seconds_mean);
}

/* "+2.41 points over the seed recipe's CNN (91.35%, `results/cnn`)" and
 * the time beside it; or why there is no comparison. */
static void write_comparison(FILE *f, const nn_beyond_group *g,
                             const nn_run *runs, int n_runs) {
    const nn_run *seed_run = report_seed_match(runs, n_runs, g->model);
    char label[32];
    fprintf(f, "Test accuracy %.2f%%", g->test_mean);
    if (g->n_runs > 1)
        fprintf(f, " ± %.2f (standard deviation over %d seeds)", g->test_std,
                g->n_runs);
    else
        fprintf(f, " (one seed: no spread)");
    if (!seed_run) {
        fprintf(f, "; this report has no run of model \"%s\" (or of a "
                   "model its name extends) to compare with.\n\n", g->model);
        return;
    }
    report_model_label(label, sizeof label, seed_run->model);
    double seed_test = nn_run_test_acc(seed_run);
    double diff = g->test_mean - seed_test;
    if (diff < 0) fprintf(f, ": %.2f points below", -diff);
    else fprintf(f, ": %+.2f points over", diff);
    fprintf(f, " the seed recipe's %s (%.2f%%, `%s`).", label, seed_test,
            seed_run->dir);
    double seed_seconds = report_total_seconds(seed_run);
    if (g->seconds_mean >= 0 && seed_seconds >= 0)
        fprintf(f, " Mean training time %.1f s, against %.1f s for the %s "
                   "(%d epochs).", g->seconds_mean, seed_seconds, label,
                seed_run->n_epochs);
    fprintf(f, "\n\n");
}

/* The table of every model, one row each. */
static void write_overview(FILE *f, const nn_run *runs, int n_runs,
                           const nn_run *beyond, int n_beyond) {
    char label[32];
    fprintf(f, "| Model | Seeds | Test mean (%%) | Test std (points) | "
               "Against the seed recipe (points) | Mean training time (s) |\n"
               "|---|---|---|---|---|---|\n");
    for (int i = 0; i < n_beyond;) {
        int n = same_model(&beyond[i], n_beyond - i);
        nn_beyond_group g;
        nn_beyond_groups(&g, 1, &beyond[i], n);
        const nn_run *seed_run = report_seed_match(runs, n_runs, g.model);
        fprintf(f, "| %s | %d | %.2f | ", g.model, n, g.test_mean);
        if (n > 1) fprintf(f, "%.2f | ", g.test_std);
        else fprintf(f, "n/a (one seed) | ");
        if (seed_run) {
            report_model_label(label, sizeof label, seed_run->model);
            fprintf(f, "%+.2f (%s) | ",
                    g.test_mean - nn_run_test_acc(seed_run), label);
        } else {
            fprintf(f, "n/a | ");
        }
        if (g.seconds_mean >= 0) fprintf(f, "%.1f |\n", g.seconds_mean);
        else fprintf(f, "n/a |\n");
        i += n;
    }
    fprintf(f, "\n");
}

static void write_beyond_figures(FILE *f, const char *figures_error) {
    if (figures_error) {
        fprintf(f, "### Figures\n\nNot rendered: %s\n\n", figures_error);
        return;
    }
    fprintf(f, "### Figures\n\n"
               "![Validation accuracy vs epoch of every run beyond the "
               "seed, with the seed recipe's runs dashed]"
               "(figures/beyond_val.png)\n\n"
               "![Test accuracy of each seed, the mean with its standard "
               "deviation, and the seed recipe's runs]"
               "(figures/beyond_test.png)\n\n");
}

void report_write_beyond(FILE *f, const nn_run *runs, int n_runs,
                         const nn_run *beyond, int n_beyond,
                         const char *figures_error) {
    char label[96];
    fprintf(f, "## Beyond the seed\n\nRuns of better recipes, each model "
               "trained with several seeds (`--beyond`):");
    for (int i = 0; i < n_beyond; i++) {
        report_beyond_label(label, sizeof label, &beyond[i]);
        fprintf(f, "%s %s `%s`", i ? "," : "", label, beyond[i].dir);
    }
    fprintf(f, ". Test accuracy is the trace of `confusion_test.csv` over "
               "its sum, as above; the standard deviation is over the seeds "
               "(n - 1 in the denominator). Each model is compared with "
               "this report's run of the same model, or of the model its "
               "name extends (cnn-bn: CNN). Training time is `summary.json`'s "
               "total_seconds; best and final validation come from "
               "`metrics.csv`.\n\n");
    write_overview(f, runs, n_runs, beyond, n_beyond);
    for (int i = 0; i < n_beyond;) {
        int n = same_model(&beyond[i], n_beyond - i);
        nn_beyond_group g;
        nn_beyond_groups(&g, 1, &beyond[i], n);
        fprintf(f, "### %s\n\n", g.model);
        write_recipe(f, &beyond[i], n);
        write_runs_table(f, &beyond[i], n, &g);
        write_comparison(f, &g, runs, n_runs);
        i += n;
    }
    write_beyond_figures(f, figures_error);
}
