/* test_real_data.c: the real Fashion-MNIST files, when installed: sizes,
 * label ranges, 6,000 training images per class, and the seeded split.
 * Passes with "skipped" when the folder is absent. */
#include <stdlib.h>

#include "nn_data.h"
#include "test_util.h"

#define REAL_DIR "/usr/share/datasets/fashion-mnist"

/* Adds ds's labels to hist; returns how many were out of range. */
static int count_classes(int *hist, const nn_dataset *ds) {
    int bad = 0;
    for (int i = 0; i < ds->n; i++) {
        if (ds->labels[i] < NN_CLASSES) hist[ds->labels[i]]++;
        else bad++;
    }
    return bad;
}

static void test_labels_file(void) {
    nn_err err;
    uint8_t *labels;
    int n, hist[NN_CLASSES] = {0};
    CHECK(nn_idx_read_labels(REAL_DIR "/" NN_TRAIN_LABELS, &labels, &n,
                             &err) == 0);
    CHECK(n == 60000);
    for (int i = 0; i < n; i++) hist[labels[i] < NN_CLASSES ? labels[i] : 0]++;
    for (int c = 0; c < NN_CLASSES; c++) CHECK(hist[c] == 6000);
    free(labels);
}

static void test_split(void) {
    nn_err err;
    nn_splits f;
    int hist[NN_CLASSES] = {0}, test_hist[NN_CLASSES] = {0};
    CHECK(nn_splits_load(&f, REAL_DIR, 6000, 1, 0, &err) == 0);
    CHECK(f.train.n == 54000 && f.val.n == 6000 && f.test.n == 10000);
    CHECK(count_classes(hist, &f.train) == 0);
    CHECK(count_classes(hist, &f.val) == 0);
    CHECK(count_classes(test_hist, &f.test) == 0);
    for (int c = 0; c < NN_CLASSES; c++)
        CHECK(hist[c] == 6000 && test_hist[c] == 1000);
    double sum = 0;
    float lo = 1, hi = 0;
    for (size_t i = 0; i < (size_t)f.train.n * NN_IMAGE_SIZE; i++) {
        float v = f.train.images[i];
        sum += v;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    CHECK(lo == 0.0f && hi == 1.0f);
    /* Fashion-MNIST's published training mean is 0.2860. */
    CHECK_CLOSE(sum / ((double)f.train.n * NN_IMAGE_SIZE), 0.2860, 0.002);
    nn_splits_free(&f);
}

int main(void) {
    nn_err err;
    char dir[4096];
    if (nn_data_find_dir(dir, sizeof dir, REAL_DIR, &err) != 0) {
        printf("skipped: %s\n", err.msg);
        return test_summary();
    }
    test_labels_file();
    test_split();
    return test_summary();
}
