/* report_sections.c: REPORT.md's figures, per-class accuracy, most frequent confusions and benchmark throughput. */
#include <string.h>

#include "report_private.h"

#define TOP_CONFUSIONS 5
/* More classes than this make a per-class table too long to read. */
#define PER_CLASS_MAX 50

void report_write_figures(FILE *f, const nn_run *runs, int n_runs,
                          int have_bench, const char *figures_error) {
    char label[32];
    if (figures_error) {
        /* no link to a figure that may not exist */
        fprintf(f, "## Figures\n\nNot rendered: %s\n\n", figures_error);
        return;
    }
    fprintf(f, "## Figures\n\nRendered by gnuplot from the run folders "
               "(`plots/*.gp`); each also exists as SVG beside the PNG.\n\n");
    fprintf(f, "![Accuracy vs epoch, train solid and validation dashed]"
               "(figures/accuracy.png)\n\n### Loss\n\n");
    for (int i = 0; i < n_runs; i++) {
        report_model_label(label, sizeof label, runs[i].model);
        fprintf(f, "![%s loss vs epoch](figures/%s_loss.png)\n\n", label,
                runs[i].model);
    }
    fprintf(f, "### Confusion matrices (test set)\n\n");
    for (int i = 0; i < n_runs; i++) {
        report_model_label(label, sizeof label, runs[i].model);
        fprintf(f, "![%s confusion matrix](figures/%s_confusion.png)\n\n",
                label, runs[i].model);
    }
    if (have_bench)
        fprintf(f, "### Throughput\n\nTraining images/s vs threads at batch "
                   "64 (or a model's smallest batch if it has no batch-64 "
                   "rows), one panel per model and one line per parallel "
                   "strategy (and precision): the median of the repetitions, "
                   "bars from their min to their max where the benchmark CSV "
                   "has them, and ideal scaling (the best 1-thread median x "
                   "threads) dashed.\n\n![Training images/s vs threads per "
                   "model, with ideal scaling](figures/throughput.png)\n\n");
}

/* Test images of true class t. */
static long row_sum(const nn_run *run, int t) {
    long sum = 0;
    for (int p = 0; p < run->n_classes; p++) sum += nn_run_confusion(run, t, p);
    return sum;
}

/* The top ordered (true -> predicted) and unordered confusions of one run. */
static void write_run_confusions(FILE *f, const nn_run *run) {
    nn_confusion top[TOP_CONFUSIONS];
    char label[32];
    long correct, total;
    nn_run_test_counts(run, &correct, &total);
    report_model_label(label, sizeof label, run->model);
    fprintf(f, "### %s\n\nTest accuracy %.2f%% (%ld of %ld images); %ld "
               "misclassified.\n\n", label, nn_run_test_acc(run), correct,
            total, total - correct);
    int n = nn_run_top_confusions(run, 0, top, TOP_CONFUSIONS);
    fprintf(f, "| Rank | True class | Predicted as | Images | Share of the "
               "true class (%%) |\n|---|---|---|---|---|\n");
    for (int i = 0; i < n; i++) {
        long row_total = row_sum(run, top[i].true_class);
        fprintf(f, "| %d | ", i + 1);
        report_cell(f, run->class_names[top[i].true_class]);
        fprintf(f, " | ");
        report_cell(f, run->class_names[top[i].pred_class]);
        fprintf(f, " | %ld | %.2f |\n", top[i].count,
                100.0 * (double)top[i].count / (double)row_total);
    }
    n = nn_run_top_confusions(run, 1, top, TOP_CONFUSIONS);
    fprintf(f, "\nBoth directions summed:\n\n| Rank | Pair | Images (both "
               "directions) |\n|---|---|---|\n");
    for (int i = 0; i < n; i++) {
        fprintf(f, "| %d | ", i + 1);
        report_cell(f, run->class_names[top[i].true_class]);
        fprintf(f, " <-> ");
        report_cell(f, run->class_names[top[i].pred_class]);
        fprintf(f, " | %ld |\n", top[i].count);
    }
    fprintf(f, "\n");
}

/* Whether every run has the classes of the first, in the same order. */
static int same_classes(const nn_run *runs, int n_runs) {
    for (int i = 1; i < n_runs; i++) {
        if (runs[i].n_classes != runs[0].n_classes) return 0;
        for (int c = 0; c < runs[0].n_classes; c++)
            if (strcmp(runs[i].class_names[c], runs[0].class_names[c]))
                return 0;
    }
    return 1;
}

void report_write_per_class(FILE *f, const nn_run *runs, int n_runs) {
    char label[32];
    int k = runs[0].n_classes;
    fprintf(f, "## Per-class test accuracy\n\n");
    if (!same_classes(runs, n_runs)) {
        fprintf(f, "Not tabulated: the runs have different classes.\n\n");
        return;
    }
    if (k > PER_CLASS_MAX) {
        fprintf(f, "Not tabulated: %d classes (more than %d); each run's "
                   "`confusion_test.csv` holds them.\n\n", k, PER_CLASS_MAX);
        return;
    }
    fprintf(f, "Share of each true class's test images predicted as that "
               "class (the diagonal of `confusion_test.csv` over its row "
               "sum).\n\n| Class |");
    for (int i = 0; i < n_runs; i++) {
        report_model_label(label, sizeof label, runs[i].model);
        fprintf(f, " %s (%%) |", label);
    }
    fprintf(f, "\n|---|");
    for (int i = 0; i < n_runs; i++) fprintf(f, "---|");
    fprintf(f, "\n");
    for (int c = 0; c < k; c++) {
        fprintf(f, "| %d ", c);
        report_cell(f, runs[0].class_names[c]);
        fprintf(f, " |");
        for (int i = 0; i < n_runs; i++) {
            long row = row_sum(&runs[i], c);
            double correct = (double)nn_run_confusion(&runs[i], c, c);
            if (row) fprintf(f, " %.2f |", 100.0 * correct / (double)row);
            else fprintf(f, " n/a |");
        }
        fprintf(f, "\n");
    }
    fprintf(f, "\n");
}

void report_write_confusions(FILE *f, const nn_run *runs, int n_runs) {
    fprintf(f, "## Most frequent confusions\n\nFrom `confusion_test.csv` "
               "(rows true, columns predicted), off the diagonal; ties go to "
               "the earlier class.");
    if (runs[0].n_classes == 10 && strcmp(runs[0].class_names[0],
                                          "T-shirt/top") == 0)
        fprintf(f, " The seed lists T-shirt/top <-> Shirt, Pullover <-> "
                   "Shirt, Pullover <-> Coat and Shirt <-> Coat.");
    fprintf(f, "\n\n");
    for (int i = 0; i < n_runs; i++) write_run_confusions(f, &runs[i]);
}

void report_write_throughput(FILE *f, const nn_bench *bench,
                             const char *bench_path) {
    const nn_bench_row *first = &bench->rows[0];
    char label[32];
    fprintf(f, "## Throughput (benchmark)\n\nFrom `%s`: CPU ", bench_path);
    report_cell(f, first->cpu);
    fprintf(f, ", ISA %s, OMP_WAIT_POLICY=%s, commit %s. Efficiency is "
               "images/s(t) / (t x images/s(1)) for the same model, "
               "precision, batch and parallel mode.\n\n",
            first->isa, first->omp_wait_policy, first->commit);
    fprintf(f, "| Model | Precision | Batch | Parallel | Threads | Images/s | "
               "Step (ms) | GFLOP/s | Peak fraction | Efficiency |\n"
               "|---|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < bench->n_rows; i++) {
        const nn_bench_row *row = &bench->rows[i];
        report_model_label(label, sizeof label, row->model);
        fprintf(f, "| %s | ", label);
        report_cell(f, row->precision);
        fprintf(f, " | %d | ", row->batch);
        report_cell(f, row->parallel);
        fprintf(f, " | %d | %.0f | %.3f | %.1f | %.3f | %.3f |\n",
                row->threads, row->images_per_s, row->step_ms,
                row->achieved_gflops, row->peak_fraction, row->efficiency);
    }
    fprintf(f, "\n");
}
