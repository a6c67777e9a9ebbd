/* test_dataset.c: datasets from the fixture files (values, labels), the
 * checks across the two files of a set, the seeded train/val split, and
 * sets of other sizes and class counts (16x16, 3 classes).
 * Usage: test_dataset FIXTURES_DIR */
#include <stdlib.h>
#include <sys/stat.h>

#include "fixture.h"
#include "nn_data.h"
#include "nn_rng.h"
#include "test_util.h"

#define N_VAL 20
#define FIXTURE_SIZE (FIXTURE_SIDE * FIXTURE_SIDE)
#define CLASSES 10 /* fixture_label: id % 10 */
#define N_TRAIN (FIXTURE_TRAIN_N - N_VAL)

static nn_err err;
static char images_path[4096], labels_path[4096];

static void fixture_paths(const char *dir, const char *images,
                          const char *labels) {
    snprintf(images_path, sizeof images_path, "%s/%s", dir, images);
    snprintf(labels_path, sizeof labels_path, "%s/%s", dir, labels);
}

/* Images of ds carry ids first, first+1, ... exactly as fixture.h draws. */
static void check_pattern(const nn_dataset *ds, int first) {
    int bad_pixels = 0, bad_labels = 0;
    for (int i = 0; i < ds->n; i++) {
        for (int p = 0; p < FIXTURE_SIZE; p++)
            bad_pixels += ds->images[i * FIXTURE_SIZE + p] !=
                          fixture_pixel(first + i, p) / 255.0f;
        bad_labels += ds->labels[i] != fixture_label(first + i);
    }
    CHECK(bad_pixels == 0);
    CHECK(bad_labels == 0);
}

static void test_round_trip(const char *dir) {
    nn_dataset ds;
    fixture_paths(dir, NN_TRAIN_IMAGES, NN_TRAIN_LABELS);
    CHECK(nn_dataset_load(&ds, images_path, labels_path, CLASSES, &err) == 0);
    CHECK(ds.n == FIXTURE_TRAIN_N);
    CHECK(ds.rows == FIXTURE_SIDE && ds.cols == FIXTURE_SIDE);
    check_pattern(&ds, 0);
    CHECK_CLOSE(ds.images[5 * FIXTURE_SIZE + 2], (5 * 31 + 14) / 255.0, 1e-7);
    nn_dataset_free(&ds);
    CHECK(ds.images == NULL && ds.labels == NULL && ds.n == 0);
    fixture_paths(dir, NN_TEST_IMAGES, NN_TEST_LABELS);
    CHECK(nn_dataset_load(&ds, images_path, labels_path, CLASSES, &err) == 0);
    CHECK(ds.n == FIXTURE_TEST_N);
    check_pattern(&ds, FIXTURE_TEST_FIRST);
    nn_dataset_free(&ds);
}

/* Loads a pair of tmp files; must fail with fragment, naming path first. */
static void expect_load_error(const char *images, const char *labels,
                              const char *path, const char *fragment) {
    nn_dataset ds;
    int rc = nn_dataset_load(&ds, fixture_tmp(images), fixture_tmp(labels),
                             CLASSES, &err);
    printf("  %s\n", err.msg);
    CHECK(rc == -1);
    CHECK(ds.images == NULL && ds.labels == NULL && ds.n == 0);
    CHECK(strncmp(err.msg, path, strlen(path)) == 0);
    CHECK_CONTAINS(err.msg, fragment);
}

static void write_set(const char *images, int n, int side, const char *labels,
                      int n_labels) {
    size_t len;
    uint8_t *b = fixture_images(&len, n, side, side, 0);
    fixture_write_gz(fixture_tmp(images), b, len);
    free(b);
    b = fixture_labels(&len, n_labels, 0);
    fixture_write_gz(fixture_tmp(labels), b, len);
    free(b);
}

static void test_set_errors(void) {
    write_set("images.gz", 10, 28, "nine-labels.gz", 9);
    char want[1024];
    snprintf(want, sizeof want, "%s: 10 images, but %s has 9 labels",
             fixture_tmp("images.gz"), fixture_tmp("nine-labels.gz"));
    expect_load_error("images.gz", "nine-labels.gz", want, want);
    size_t len;
    uint8_t *b = fixture_labels(&len, 10, 0);
    b[8 + 7] = 10;
    fixture_write_gz(fixture_tmp("label-ten.gz"), b, len);
    free(b);
    expect_load_error("images.gz", "label-ten.gz", fixture_tmp("label-ten.gz"),
                      "label 10 at index 7 is out of range 0..9 (the model "
                      "has 10 classes)");
    expect_load_error("images.gz", "no-labels.gz", fixture_tmp("no-labels.gz"),
                      "cannot open: No such file");
}

/* The split must be the permutation of 0..99 drawn from seed: train its
 * first entries, val its last N_VAL, in order. */
static void check_split(const nn_splits *f, uint64_t seed, int n_train) {
    int perm[FIXTURE_TRAIN_N], seen[FIXTURE_TRAIN_N] = {0};
    for (int i = 0; i < FIXTURE_TRAIN_N; i++) perm[i] = i;
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    nn_rng_shuffle(perm, FIXTURE_TRAIN_N, &rng);
    int wrong = 0;
    for (int k = 0; k < n_train; k++) {
        int id = fixture_id(f->train.images + k * FIXTURE_SIZE);
        wrong += id != perm[k] || f->train.labels[k] != fixture_label(id);
        seen[id]++;
    }
    for (int k = 0; k < N_VAL; k++) {
        int id = fixture_id(f->val.images + k * FIXTURE_SIZE);
        wrong += id != perm[N_TRAIN + k] ||
                 f->val.labels[k] != fixture_label(id);
        seen[id]++;
    }
    CHECK(f->train.n == n_train && f->val.n == N_VAL);
    CHECK(wrong == 0);
    int twice = 0, missing = 0;
    for (int i = 0; i < FIXTURE_TRAIN_N; i++) {
        twice += seen[i] > 1;
        missing += seen[i] == 0;
    }
    CHECK(twice == 0); /* train and val are disjoint */
    CHECK(missing == (n_train == N_TRAIN ? 0 : N_TRAIN - n_train));
    CHECK(f->test.n == FIXTURE_TEST_N);
    check_pattern(&f->test, FIXTURE_TEST_FIRST);
}

static int same_set(const nn_dataset *a, const nn_dataset *b) {
    return a->n == b->n &&
           memcmp(a->images, b->images,
                  (size_t)a->n * FIXTURE_SIZE * sizeof(float)) == 0 &&
           memcmp(a->labels, b->labels, (size_t)a->n) == 0;
}

static void test_split(const char *dir) {
    nn_splits a, b, c, limited, all;
    CHECK(nn_splits_load(&a, dir, N_VAL, 42, 0, CLASSES, &err) == 0);
    CHECK(nn_splits_load(&b, dir, N_VAL, 42, 0, CLASSES, &err) == 0);
    CHECK(nn_splits_load(&c, dir, N_VAL, 43, 0, CLASSES, &err) == 0);
    CHECK(nn_splits_load(&limited, dir, N_VAL, 42, 10, CLASSES, &err) == 0);
    CHECK(nn_splits_load(&all, dir, N_VAL, 42, 1000, CLASSES, &err) == 0);
    check_split(&a, 42, N_TRAIN);
    check_split(&c, 43, N_TRAIN);
    check_split(&limited, 42, 10);
    check_split(&all, 42, N_TRAIN);
    CHECK(same_set(&a.train, &b.train) && same_set(&a.val, &b.val));
    CHECK(!same_set(&a.train, &c.train) && !same_set(&a.val, &c.val));
    CHECK(memcmp(limited.train.images, a.train.images,
                 10 * FIXTURE_SIZE * sizeof(float)) == 0);
    CHECK(same_set(&limited.val, &a.val));
    nn_splits_free(&a);
    nn_splits_free(&b);
    nn_splits_free(&c);
    nn_splits_free(&limited);
    nn_splits_free(&all);
    CHECK(a.train.images == NULL && a.val.n == 0 && a.test.labels == NULL);
}

static void test_split_errors(const char *dir) {
    nn_splits f;
    const int bad_val[3] = {0, -5, FIXTURE_TRAIN_N};
    fixture_paths(dir, NN_TRAIN_IMAGES, NN_TRAIN_LABELS);
    for (int i = 0; i < 3; i++) {
        CHECK(nn_splits_load(&f, dir, bad_val[i], 1, 0, CLASSES, &err) == -1);
        printf("  %s\n", err.msg);
        CHECK(strncmp(err.msg, images_path, strlen(images_path)) == 0);
        CHECK_CONTAINS(err.msg, "out of range (expected 1..99 for 100 "
                       "training images)");
        CHECK(f.train.images == NULL && f.val.images == NULL);
    }
    const char *missing = fixture_tmp("no-such-folder");
    CHECK(nn_splits_load(&f, missing, N_VAL, 1, 0, CLASSES, &err) == -1);
    printf("  %s\n", err.msg);
    fixture_paths(missing, NN_TRAIN_IMAGES, NN_TRAIN_LABELS);
    CHECK(strncmp(err.msg, images_path, strlen(images_path)) == 0);
    CHECK_CONTAINS(err.msg, "cannot open: No such file or directory");
}

/* A data folder of images side x side (test_side for the test files) whose
 * labels are id % classes (plus `bump` on training label 3). */
static const char *write_dir(const char *name, int side, int test_side,
                             int classes, int bump) {
    static char dir[4096];
    snprintf(dir, sizeof dir, "%s", fixture_tmp(name));
    mkdir(dir, 0777);
    const struct {
        const char *images, *labels;
        int n, side, first;
    } files[2] = {{NN_TRAIN_IMAGES, NN_TRAIN_LABELS, 30, side, 0},
                  {NN_TEST_IMAGES, NN_TEST_LABELS, 9, test_side, 100}};
    char path[256]; /* relative to fixture_tmp, which removes it */
    for (int f = 0; f < 2; f++) {
        size_t len;
        uint8_t *b = fixture_images(&len, files[f].n, files[f].side,
                                    files[f].side, files[f].first);
        snprintf(path, sizeof path, "%s/%s", name, files[f].images);
        fixture_write_gz(fixture_tmp(path), b, len);
        free(b);
        b = fixture_labels(&len, files[f].n, files[f].first);
        for (int i = 0; i < files[f].n; i++)
            b[8 + i] = (uint8_t)((files[f].first + i) % classes);
        if (f == 0) b[8 + 3] = (uint8_t)(b[8 + 3] + bump);
        snprintf(path, sizeof path, "%s/%s", name, files[f].labels);
        fixture_write_gz(fixture_tmp(path), b, len);
        free(b);
    }
    return dir;
}

static void test_other_sizes(void) {
    nn_splits f;
    const char *dir = write_dir("set16", 16, 16, 3, 0);
    CHECK(nn_splits_load(&f, dir, 5, 1, 0, 3, &err) == 0);
    CHECK(f.rows == 16 && f.cols == 16 && f.n_train_file == 30);
    CHECK(f.train.n == 25 && f.val.n == 5 && f.test.n == 9);
    CHECK(f.train.rows == 16 && f.val.cols == 16 && f.test.rows == 16);
    int bad = 0;
    for (int i = 0; i < f.train.n; i++) {
        int id = fixture_id(f.train.images + (size_t)i * 16 * 16);
        bad += f.train.labels[i] != id % 3;
        /* the last pixel of a 16x16 image, not of a 28x28 one */
        bad += f.train.images[(size_t)i * 256 + 255] !=
               fixture_pixel(id, 255) / 255.0f;
    }
    for (int i = 0; i < f.test.n; i++)
        bad += f.test.labels[i] != (100 + i) % 3;
    CHECK(bad == 0);
    CHECK(!nn_splits_is_fashion_mnist(&f));
    nn_splits_free(&f);
    /* the same set is fine for more classes than its labels use */
    CHECK(nn_splits_load(&f, dir, 5, 1, 0, 256, &err) == 0);
    nn_splits_free(&f);
    char want[4400];
    snprintf(want, sizeof want, "%s/%s: 1 classes is out of range 2..256",
             dir, NN_TRAIN_LABELS);
    CHECK(nn_splits_load(&f, dir, 5, 1, 0, 1, &err) == -1);
    printf("  %s\n", err.msg);
    CHECK_CONTAINS(err.msg, want);
    CHECK(nn_splits_load(&f, dir, 5, 1, 0, 257, &err) == -1);
    CHECK_CONTAINS(err.msg, "257 classes is out of range 2..256");

    dir = write_dir("label3", 16, 16, 3, 3); /* label 0 of image 3 is 3 */
    snprintf(want, sizeof want, "%s/%s: label 3 at index 3 is out of range "
             "0..2 (the model has 3 classes)", dir, NN_TRAIN_LABELS);
    CHECK(nn_splits_load(&f, dir, 5, 1, 0, 3, &err) == -1);
    printf("  %s\n", err.msg);
    CHECK_CONTAINS(err.msg, want);
    CHECK(f.train.images == NULL && f.test.images == NULL);

    dir = write_dir("mixed", 16, 20, 3, 0);
    snprintf(want, sizeof want, "%s/%s: images are 20x20, the training "
             "images are 16x16", dir, NN_TEST_IMAGES);
    CHECK(nn_splits_load(&f, dir, 5, 1, 0, 3, &err) == -1);
    printf("  %s\n", err.msg);
    CHECK_CONTAINS(err.msg, want);
    CHECK(f.train.images == NULL && f.val.images == NULL);
}

/* An MNIST-shaped set that is not Fashion-MNIST gets the label numbers. */
static void test_default_names(const char *dir) {
    nn_splits f;
    nn_class_names names;
    CHECK(nn_splits_load(&f, dir, N_VAL, 1, 0, CLASSES, &err) == 0);
    CHECK(!nn_splits_is_fashion_mnist(&f));
    nn_class_names_default(&names, CLASSES, &f);
    CHECK(names.n == CLASSES);
    CHECK(strcmp(names.name[0], "0") == 0 && strcmp(names.name[9], "9") == 0);
    nn_splits_free(&f);
    nn_class_names_default(&names, 3, NULL);
    CHECK(names.n == 3 && strcmp(names.name[2], "2") == 0);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FIXTURES_DIR\n", argv[0]);
        return 2;
    }
    test_round_trip(argv[1]);
    test_set_errors();
    test_split(argv[1]);
    test_split_errors(argv[1]);
    test_other_sizes();
    test_default_names(argv[1]);
    fixture_tmp_clean();
    return test_summary();
}
