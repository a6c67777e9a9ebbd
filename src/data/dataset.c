/* dataset.c: image + label files -> validated datasets scaled to [0, 1],
 * and the seeded train/validation split of a data folder. */
#include "nn_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "nn_rng.h"

#define PATH_CAP 4096

/* CRC32 of Fashion-MNIST's 60,000 training labels, decompressed, without
 * the IDX header (train-labels-idx1-ubyte.gz as published). */
#define FASHION_MNIST_TRAIN_LABELS_CRC 0x2ed6e46au

/* An image file and its labels as read and checked, not yet scaled. */
typedef struct {
    int n, rows, cols;
    uint8_t *pixels; /* (n, rows*cols); owned */
    uint8_t *labels; /* (n); owned */
} raw_set;

static void raw_free(raw_set *r) {
    free(r->pixels);
    free(r->labels);
    memset(r, 0, sizeof *r);
}

static int check_classes(int classes, const char *path, nn_err *err) {
    if (classes >= NN_MIN_CLASSES && classes <= NN_MAX_CLASSES) return 0;
    return nn_errf(err, "%s: %d classes is out of range %d..%d (labels are "
                   "bytes)", path, classes, NN_MIN_CLASSES, NN_MAX_CLASSES);
}

/* Reads both files and requires one label per image and labels below
 * classes. */
static int raw_load(raw_set *r, const char *images_path,
                    const char *labels_path, int classes, nn_err *err) {
    int n_labels;
    memset(r, 0, sizeof *r);
    if (check_classes(classes, labels_path, err) ||
        nn_idx_read_images(images_path, &r->pixels, &r->n, &r->rows, &r->cols,
                           err))
        return -1;
    if (nn_idx_read_labels(labels_path, &r->labels, &n_labels, err)) {
        raw_free(r);
        return -1;
    }
    if (n_labels != r->n) {
        int n_images = r->n;
        raw_free(r);
        return nn_errf(err, "%s: %d images, but %s has %d labels (expected "
                       "one label per image)", images_path, n_images,
                       labels_path, n_labels);
    }
    for (int i = 0; i < r->n; i++) {
        if (r->labels[i] < classes) continue;
        int bad = r->labels[i];
        raw_free(r);
        return nn_errf(err, "%s: label %d at index %d is out of range 0..%d "
                       "(the model has %d classes)", labels_path, bad, i,
                       classes - 1, classes);
    }
    return 0;
}

/* Fills ds with n images scaled to [0, 1]: row k is raw image idx[k], or
 * image k when idx is NULL. path names the source in errors. */
static int dataset_gather(nn_dataset *ds, const raw_set *r, const int *idx,
                          int n, const char *path, nn_err *err) {
    size_t size = (size_t)r->rows * r->cols;
    size_t bytes = (size_t)n * size * sizeof(float);
    memset(ds, 0, sizeof *ds);
    ds->images = malloc(bytes);
    ds->labels = malloc((size_t)n);
    if (!ds->images || !ds->labels) {
        nn_dataset_free(ds);
        return nn_errf(err, "%s: out of memory for %d images (%zu bytes)",
                       path, n, bytes);
    }
    for (int k = 0; k < n; k++) {
        int i = idx ? idx[k] : k;
        const uint8_t *src = r->pixels + (size_t)i * size;
        float *dst = ds->images + (size_t)k * size;
        for (size_t p = 0; p < size; p++) dst[p] = src[p] / 255.0f;
        ds->labels[k] = r->labels[i];
    }
    ds->n = n, ds->rows = r->rows, ds->cols = r->cols;
    return 0;
}

int nn_dataset_load(nn_dataset *ds, const char *images_path,
                    const char *labels_path, int classes, nn_err *err) {
    raw_set r;
    memset(ds, 0, sizeof *ds);
    if (raw_load(&r, images_path, labels_path, classes, err)) return -1;
    int rc = dataset_gather(ds, &r, NULL, r.n, images_path, err);
    raw_free(&r);
    return rc;
}

void nn_dataset_free(nn_dataset *ds) {
    free(ds->images);
    free(ds->labels);
    memset(ds, 0, sizeof *ds);
}

static int join_path(char *out, const char *dir, const char *name,
                     nn_err *err) {
    int len = snprintf(out, PATH_CAP, "%s/%s", dir, name);
    if (len < 0 || len >= PATH_CAP)
        return nn_errf(err, "%s: folder path too long (expected under %d "
                       "bytes with the file name, found %d)", dir, PATH_CAP,
                       len);
    return 0;
}

/* Splits all by a permutation of 0..n-1 drawn from seed: its first
 * n - n_val entries (the first `limit` of them when limit > 0) become
 * train, its last n_val validation, both in permutation order. */
static int split_train(nn_splits *f, const raw_set *all, int n_val,
                         uint64_t seed, int limit, const char *path,
                         nn_err *err) {
    if (n_val <= 0 || n_val >= all->n)
        return nn_errf(err, "%s: validation size %d is out of range "
                       "(expected 1..%d for %d training images)",
                       path, n_val, all->n - 1, all->n);
    int *perm = malloc((size_t)all->n * sizeof *perm); /* (n) */
    if (!perm)
        return nn_errf(err, "%s: out of memory for the split", path);
    for (int i = 0; i < all->n; i++) perm[i] = i;
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    nn_rng_shuffle(perm, all->n, &rng);
    int n_train = all->n - n_val;
    int keep = limit > 0 && limit < n_train ? limit : n_train;
    int rc = dataset_gather(&f->train, all, perm, keep, path, err);
    if (rc == 0)
        rc = dataset_gather(&f->val, all, perm + n_train, n_val, path, err);
    free(perm);
    return rc;
}

/* The test files, whose images must have the training images' size. */
static int load_test(nn_splits *f, const char *dir, int classes,
                     nn_err *err) {
    char images[PATH_CAP], labels[PATH_CAP];
    if (join_path(images, dir, NN_TEST_IMAGES, err) ||
        join_path(labels, dir, NN_TEST_LABELS, err) ||
        nn_dataset_load(&f->test, images, labels, classes, err))
        return -1;
    if (f->test.rows == f->rows && f->test.cols == f->cols) return 0;
    return nn_errf(err, "%s: images are %dx%d, the training images are "
                   "%dx%d", images, f->test.rows, f->test.cols, f->rows,
                   f->cols);
}

int nn_splits_load(nn_splits *f, const char *dir, int n_val, uint64_t seed,
                   int limit, int classes, nn_err *err) {
    char images[PATH_CAP], labels[PATH_CAP];
    raw_set all;
    memset(f, 0, sizeof *f);
    if (join_path(images, dir, NN_TRAIN_IMAGES, err) ||
        join_path(labels, dir, NN_TRAIN_LABELS, err) ||
        raw_load(&all, images, labels, classes, err))
        return -1;
    f->rows = all.rows, f->cols = all.cols, f->n_train_file = all.n;
    f->train_labels_crc =
        (uint32_t)crc32(crc32(0L, Z_NULL, 0), all.labels, (uInt)all.n);
    int rc = split_train(f, &all, n_val, seed, limit, images, err);
    raw_free(&all);
    if (rc == 0) rc = load_test(f, dir, classes, err);
    if (rc) nn_splits_free(f);
    return rc;
}

int nn_splits_is_fashion_mnist(const nn_splits *f) {
    return f->train_labels_crc == FASHION_MNIST_TRAIN_LABELS_CRC;
}

void nn_splits_free(nn_splits *f) {
    nn_dataset_free(&f->train);
    nn_dataset_free(&f->val);
    nn_dataset_free(&f->test);
    memset(f, 0, sizeof *f);
}
