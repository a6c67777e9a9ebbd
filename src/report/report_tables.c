/* report_tables.c: REPORT.md's tables: configuration, final accuracies beside the seed's, training time. */
#include <string.h>

#include "report_private.h"

/* The seed's published table (its README): train and validation are means
 * over all 50 epochs, test is the final model's accuracy. */
static const struct {
    const char *model;
    nn_accuracy_table table;
} seed_tables[] = {
    {"mlp", {.train_acc = 93.09, .val_acc = 89.34, .gap = 3.75,
             .test_acc = 88.65}},
    {"cnn", {.train_acc = 97.25, .val_acc = 91.98, .gap = 5.27,
             .test_acc = 91.17}},
};
#define SEED_EPOCHS 50

static const nn_accuracy_table *seed_table(const char *model) {
    for (size_t i = 0; i < sizeof seed_tables / sizeof *seed_tables; i++)
        if (strcmp(seed_tables[i].model, model) == 0)
            return &seed_tables[i].table;
    return NULL;
}

/* summary.json keys shown in the configuration table, in order. */
static const struct {
    const char *label, *key;
} config_rows[] = {
    {"Parameters", "parameters"},     {"Epochs", "epochs"},
    {"Batch size", "batch_size"},
    {"Validation split (--val)", "val"}, {"Learning rate", "lr"},
    {"Loss", "loss"},                 {"Optimizer", "optimizer"},
    {"Weight decay", "weight_decay"}, {"LR schedule", "schedule"},
    {"Warmup epochs", "warmup_epochs"}, {"Augmentation", "augment"},
    {"Seed", "seed"},                 {"Threads", "threads"},
    {"Parallel mode", "parallel"},    {"Backend", "backend"},
    {"Precision", "precision"},
    {"oneDNN version", "onednn_version"}, {"oneDNN ISA", "onednn_isa"},
    {"CPU", "cpu"},                   {"Commit", "commit"},
    {"nntrain version", "nntrain_version"},
    {"Train images", "train_images"}, {"Validation images", "val_images"},
    {"Test images", "test_images"},
};

void report_cell(FILE *f, const char *text) {
    for (const char *c = text; *c; c++) {
        if (*c == '|') fputc('\\', f);
        fputc(*c == '\n' || *c == '\r' ? ' ' : *c, f);
    }
}

/* "| Label | MLP | CNN |" and its rule. */
static void table_head(FILE *f, const char *first, const nn_run *runs,
                       int n_runs) {
    char label[32];
    fprintf(f, "| %s |", first);
    for (int i = 0; i < n_runs; i++) {
        report_model_label(label, sizeof label, runs[i].model);
        fprintf(f, " %s |", label);
    }
    fprintf(f, "\n|---|");
    for (int i = 0; i < n_runs; i++) fprintf(f, "---|");
    fprintf(f, "\n");
}

void report_write_config(FILE *f, const nn_run *runs, int n_runs) {
    fprintf(f, "## Configuration\n\nFrom each run's `summary.json`.\n\n");
    table_head(f, "Setting", runs, n_runs);
    for (size_t r = 0; r < sizeof config_rows / sizeof *config_rows; r++) {
        fprintf(f, "| %s |", config_rows[r].label);
        for (int i = 0; i < n_runs; i++) {
            const char *value = nn_run_summary(&runs[i], config_rows[r].key);
            fputc(' ', f);
            report_cell(f, value ? value : "n/a");
            fprintf(f, " |");
        }
        fprintf(f, "\n");
    }
    fprintf(f, "| Classes |");
    for (int i = 0; i < n_runs; i++) fprintf(f, " %d |", runs[i].n_classes);
    fprintf(f, "\n\n");
}

/* One accuracy cell, signed for differences. */
static void percent_cell(FILE *f, double value, int signed_value) {
    fprintf(f, signed_value ? " %+.2f |" : " %.2f |", value);
}

static void accuracy_row(FILE *f, const char *name, const char *epochs,
                         const nn_accuracy_table *t, int signed_values) {
    fprintf(f, "| %s | %s |", name, epochs);
    percent_cell(f, t->train_acc, signed_values);
    percent_cell(f, t->val_acc, signed_values);
    percent_cell(f, t->test_acc, signed_values);
    percent_cell(f, t->gap, signed_values);
    fprintf(f, "\n");
}

/* Our row, then (when the seed has this model) the seed's published row
 * and our difference to it. */
static void accuracy_rows(FILE *f, const nn_run *run, int epochs,
                          const nn_accuracy_table *ours,
                          const nn_accuracy_table *seed) {
    char name[80], label[32], ours_epochs[16], seed_epochs[16];
    report_model_label(label, sizeof label, run->model);
    snprintf(ours_epochs, sizeof ours_epochs, "%d", epochs);
    snprintf(name, sizeof name, "%s (nntrain)", label);
    accuracy_row(f, name, ours_epochs, ours, 0);
    if (!seed) return;
    nn_accuracy_table diff = {
        .train_acc = ours->train_acc - seed->train_acc,
        .val_acc = ours->val_acc - seed->val_acc,
        .gap = ours->gap - seed->gap,
        .test_acc = ours->test_acc - seed->test_acc,
    };
    snprintf(seed_epochs, sizeof seed_epochs, "%d", SEED_EPOCHS);
    snprintf(name, sizeof name, "%s (seed, published)", label);
    accuracy_row(f, name, seed_epochs, seed, 0);
    snprintf(name, sizeof name, "%s difference (nntrain - seed)", label);
    accuracy_row(f, name, "", &diff, 1);
}

#define ACCURACY_HEAD(epochs_column)                                        \
    "| Model | " epochs_column " | Train (%) | Validation (%) | Test (%) | "  \
    "Train-val gap (%) |\n|---|---|---|---|---|---|\n"

void report_write_accuracy(FILE *f, const nn_run *runs, int n_runs) {
    fprintf(f, "## Final accuracies\n\n"
               "Test is the final model's accuracy on the test set: the trace "
               "of `confusion_test.csv` over its sum. The gap is train minus "
               "validation.\n\n");
    fprintf(f, "### (a) As the seed computed its table: mean over all "
               "epochs\n\nTrain and validation are the means over ALL epochs "
               "of `metrics.csv` (the seed's table averaged its 50 epochs), "
               "so these rows compare with the seed's published numbers.\n\n");
    fputs(ACCURACY_HEAD("Epochs averaged"), f);
    for (int i = 0; i < n_runs; i++) {
        nn_accuracy_table ours = nn_run_mean_table(&runs[i]);
        accuracy_rows(f, &runs[i], runs[i].n_epochs, &ours,
                      seed_table(runs[i].model));
    }
    fprintf(f, "\n### (b) Final epoch\n\nTrain and validation from the "
               "last row of `metrics.csv`: what the trained model reaches. "
               "The seed published no such table; its run ended at about "
               "96.1 / 89.3 (MLP) and 99.1 / 91.9 (CNN), read off its "
               "accuracy figure.\n\n");
    fputs(ACCURACY_HEAD("Epoch"), f);
    for (int i = 0; i < n_runs; i++) {
        nn_accuracy_table ours = nn_run_final_table(&runs[i]);
        accuracy_rows(f, &runs[i], runs[i].epochs[runs[i].n_epochs - 1].epoch,
                      &ours, NULL);
    }
    fprintf(f, "\n");
}

void report_write_timing(FILE *f, const nn_run *runs, int n_runs) {
    char label[32];
    fprintf(f, "## Training time\n\nTotal from `summary.json` (training "
               "with evaluation); mean epoch time and training images/s are "
               "means over the epochs of `metrics.csv`.\n\n"
               "| Model | Epochs | Total (s) | Mean epoch (s) | "
               "Training images/s |\n|---|---|---|---|---|\n");
    for (int i = 0; i < n_runs; i++) {
        const char *total = nn_run_summary(&runs[i], "total_seconds");
        report_model_label(label, sizeof label, runs[i].model);
        fprintf(f, "| %s | %d | ", label, runs[i].n_epochs);
        report_cell(f, total ? total : "n/a");
        fprintf(f, " | %.3f | %.0f |\n",
                nn_run_mean(&runs[i], NN_METRIC_EPOCH_SECONDS),
                nn_run_mean(&runs[i], NN_METRIC_TRAIN_IMAGES_PER_S));
    }
    fprintf(f, "\n");
}
