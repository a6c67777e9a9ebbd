/* test_real_data.c: the real Fashion-MNIST files, when installed: sizes,
 * label ranges, 6,000 training images per class, the seeded split, and
 * that the set is recognised as Fashion-MNIST (its class names by
 * default). Passes with "skipped" when the folder is absent. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "nn_data.h"
#include "test_util.h"

#define REAL_DIR "/usr/share/datasets/fashion-mnist"
#define CLASSES 10
#define IMAGE_SIZE (28 * 28)

/* Adds ds's labels to hist; returns how many were out of range. */
static int count_classes(int *hist, const nn_dataset *ds) {
    int bad = 0;
    for (int i = 0; i < ds->n; i++) {
        if (ds->labels[i] < CLASSES) hist[ds->labels[i]]++;
        else bad++;
    }
    return bad;
}

static void test_labels_file(void) {
    nn_err err;
    uint8_t *labels;
    int n, hist[CLASSES] = {0};
    CHECK(nn_idx_read_labels(REAL_DIR "/" NN_TRAIN_LABELS, &labels, &n,
                             &err) == 0);
    CHECK(n == 60000);
    for (int i = 0; i < n; i++) hist[labels[i] < CLASSES ? labels[i] : 0]++;
    for (int c = 0; c < CLASSES; c++) CHECK(hist[c] == 6000);
    free(labels);
}

static void test_split(void) {
    nn_err err;
    nn_splits f;
    int hist[CLASSES] = {0}, test_hist[CLASSES] = {0};
    CHECK(nn_splits_load(&f, REAL_DIR, 6000, 1, 0, CLASSES, &err) == 0);
    CHECK(f.train.n == 54000 && f.val.n == 6000 && f.test.n == 10000);
    CHECK(f.rows == 28 && f.cols == 28 && f.n_train_file == 60000);
    CHECK(f.test.rows == 28 && f.test.cols == 28);
    CHECK(count_classes(hist, &f.train) == 0);
    CHECK(count_classes(hist, &f.val) == 0);
    CHECK(count_classes(test_hist, &f.test) == 0);
    for (int c = 0; c < CLASSES; c++)
        CHECK(hist[c] == 6000 && test_hist[c] == 1000);
    double sum = 0;
    float lo = 1, hi = 0;
    for (size_t i = 0; i < (size_t)f.train.n * IMAGE_SIZE; i++) {
        float v = f.train.images[i];
        sum += v;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    CHECK(lo == 0.0f && hi == 1.0f);
    /* Fashion-MNIST's published training mean is 0.2860. */
    CHECK_CLOSE(sum / ((double)f.train.n * IMAGE_SIZE), 0.2860, 0.002);
    /* recognised by its labels, whatever the split */
    CHECK(nn_splits_is_fashion_mnist(&f));
    nn_class_names names;
    nn_class_names_default(&names, CLASSES, &f);
    CHECK(names.n == CLASSES);
    CHECK(strcmp(names.name[0], "T-shirt/top") == 0);
    CHECK(strcmp(names.name[9], "Ankle boot") == 0);
    /* a model with another class count cannot use Fashion-MNIST's names */
    nn_class_names_default(&names, 12, &f);
    CHECK(names.n == 12 && strcmp(names.name[0], "0") == 0);
    nn_splits_free(&f);
}

/* The same labels gzipped by another program (zlib here, level 1) are the
 * same data: the test looks at the decompressed labels, not the file. */
static void test_regzipped(void) {
    nn_err err;
    uint8_t *bytes;
    size_t len;
    char from[4096], to[4096];
    CHECK(fixture_read_raw(REAL_DIR "/" NN_TRAIN_LABELS, &bytes, &len) == 0);
    uint8_t *labels;
    int n;
    CHECK(nn_idx_read_labels(REAL_DIR "/" NN_TRAIN_LABELS, &labels, &n,
                             &err) == 0);
    /* the IDX header of a labels file, then the labels */
    uint8_t *idx = malloc((size_t)n + 8);
    const uint8_t head[8] = {0, 0, 8, 1, (uint8_t)(n >> 24),
                             (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                             (uint8_t)n};
    memcpy(idx, head, 8);
    memcpy(idx + 8, labels, (size_t)n);
    CHECK(fixture_write_gz(fixture_tmp(NN_TRAIN_LABELS), idx, (size_t)n + 8)
          == 0);
    uint8_t *again;
    size_t again_len;
    CHECK(fixture_read_raw(fixture_tmp(NN_TRAIN_LABELS), &again,
                           &again_len) == 0);
    CHECK(again_len != len || memcmp(again, bytes, len) != 0);
    for (int i = 0; i < NN_DATA_FILES; i++) {
        if (strcmp(nn_data_file_names[i], NN_TRAIN_LABELS) == 0) continue;
        snprintf(from, sizeof from, "%s/%s", REAL_DIR, nn_data_file_names[i]);
        snprintf(to, sizeof to, "%s", fixture_tmp(nn_data_file_names[i]));
        CHECK(symlink(from, to) == 0);
    }
    nn_splits f;
    CHECK(nn_splits_load(&f, fixture_tmp(NULL), 6000, 1, 0, CLASSES, &err)
          == 0);
    CHECK(nn_splits_is_fashion_mnist(&f));
    nn_splits_free(&f);
    free(bytes), free(labels), free(idx), free(again);
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
    test_regzipped();
    fixture_tmp_clean();
    return test_summary();
}
