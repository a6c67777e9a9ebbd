/* stats.c: the numbers of the report, computed from metrics.csv and the confusion matrix. */
#include "report_private.h"

static double metric_value(const nn_report_epoch *e, nn_metric metric) {
    switch (metric) {
    case NN_METRIC_TRAIN_LOSS: return e->train_loss;
    case NN_METRIC_TRAIN_ACC: return e->train_acc;
    case NN_METRIC_VAL_LOSS: return e->val_loss;
    case NN_METRIC_VAL_ACC: return e->val_acc;
    case NN_METRIC_EPOCH_SECONDS: return e->epoch_seconds;
    case NN_METRIC_TRAIN_IMAGES_PER_S: return e->train_images_per_s;
    }
    return 0;
}

double nn_run_mean(const nn_run *run, nn_metric metric) {
    double sum = 0;
    for (int i = 0; i < run->n_epochs; i++)
        sum += metric_value(&run->epochs[i], metric);
    return run->n_epochs ? sum / run->n_epochs : 0;
}

void nn_run_test_counts(const nn_run *run, long *correct, long *total) {
    *correct = *total = 0;
    for (int t = 0; t < run->n_classes; t++)
        for (int p = 0; p < run->n_classes; p++) {
            *total += nn_run_confusion(run, t, p);
            if (t == p) *correct += nn_run_confusion(run, t, p);
        }
}

double nn_run_test_acc(const nn_run *run) {
    long correct, total;
    nn_run_test_counts(run, &correct, &total);
    return total ? 100.0 * (double)correct / (double)total : 0;
}

nn_accuracy_table nn_run_mean_table(const nn_run *run) {
    nn_accuracy_table t = {
        .train_acc = nn_run_mean(run, NN_METRIC_TRAIN_ACC),
        .val_acc = nn_run_mean(run, NN_METRIC_VAL_ACC),
        .test_acc = nn_run_test_acc(run),
    };
    t.gap = t.train_acc - t.val_acc;
    return t;
}

nn_accuracy_table nn_run_final_table(const nn_run *run) {
    nn_accuracy_table t = {.test_acc = nn_run_test_acc(run)};
    if (run->n_epochs > 0) {
        t.train_acc = run->epochs[run->n_epochs - 1].train_acc;
        t.val_acc = run->epochs[run->n_epochs - 1].val_acc;
    }
    t.gap = t.train_acc - t.val_acc;
    return t;
}

/* Does a rank before b? More images first, then smaller true, then
 * smaller predicted class. */
static int ranks_before(const nn_confusion *a, const nn_confusion *b) {
    if (a->count != b->count) return a->count > b->count;
    if (a->true_class != b->true_class) return a->true_class < b->true_class;
    return a->pred_class < b->pred_class;
}

int nn_run_top_confusions(const nn_run *run, int unordered, nn_confusion *top,
                          int k) {
    int n = 0;
    for (int t = 0; t < run->n_classes; t++)
        for (int p = unordered ? t + 1 : 0; p < run->n_classes; p++) {
            nn_confusion c = {t, p, nn_run_confusion(run, t, p)};
            if (unordered) c.count += nn_run_confusion(run, p, t);
            if (t == p || c.count == 0) continue;
            /* Insert c into the sorted top list, dropping the k+1-th. */
            int at = n < k ? n++ : k;
            for (; at > 0 && ranks_before(&c, &top[at - 1]); at--)
                if (at < k) top[at] = top[at - 1];
            if (at < k) top[at] = c;
        }
    return n;
}

double nn_run_best_val(const nn_run *run, int *epoch) {
    int best = 0;
    for (int i = 1; i < run->n_epochs; i++)
        if (run->epochs[i].val_acc > run->epochs[best].val_acc) best = i;
    if (epoch) *epoch = run->n_epochs ? run->epochs[best].epoch : 0;
    return run->n_epochs ? run->epochs[best].val_acc : 0;
}
