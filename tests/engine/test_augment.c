/* test_augment.c: training-batch augmentation (batch.h). Hand-made images
 * give the expected pixels for a shift, a flip and both, in every channel;
 * a bright pixel's landing place shows dx, dy uniform over [-N, N] and a
 * flip half the time; the batch is the same bits with 1 and 2 threads; the
 * plain gather (validation, test) copies the images untouched. Prints the
 * gather time with and without augmentation. */
#include <omp.h>
#include <stdlib.h>

#include "batch.h"
#include "kernels.h"
#include "test_util.h"

/* The draws batch.h documents for row `row` at `step`. */
static void draws(const nn_augment *a, long step, int row, int *dx, int *dy,
                  int *flip) {
    int n = 2 * a->crop + 1;
    uint64_t key = 3 * (uint64_t)row;
    *dx = (int)(nn_counter_uniform(a->seed, (uint64_t)step, key) * n) - a->crop;
    *dy = (int)(nn_counter_uniform(a->seed, (uint64_t)step, key + 1) * n) -
          a->crop;
    *flip = a->flip &&
            nn_counter_uniform(a->seed, (uint64_t)step, key + 2) < 0.5f;
}

/* The first step whose row 0 draws (dx, dy, flip). */
static long step_with(const nn_augment *a, int dx, int dy, int flip) {
    for (long s = 0; s < 100000; s++) {
        int x, y, f;
        draws(a, s, 0, &x, &y, &f);
        if (x == dx && y == dy && f == flip) return s;
    }
    return -1;
}

/* Two channels of 3x4: 1..12, and 101..112. */
static const float image[2 * 12] = {
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112};
static const uint8_t label = 7;

static void check_case(const char *what, const nn_augment *a, int dx, int dy,
                       int flip, const float want[12]) {
    nn_dataset ds = {1, (float *)image, (uint8_t *)&label, 3, 4};
    nn_batch b;
    nn_err err;
    CHECK(nn_batch_init(&b, 2, 24, 10, &err) == 0);
    long step = step_with(a, dx, dy, flip);
    CHECK(step >= 0);
    nn_batch_gather_augmented(&b, &ds, NULL, 0, 1, a, step);
    int same = 1;
    for (int i = 0; i < 12; i++) {
        /* channel 1 is channel 0 + 100 where the image reaches */
        same &= b.src[i] == want[i];
        same &= b.src[12 + i] == (want[i] ? want[i] + 100 : 0);
    }
    for (int i = 24; i < 48; i++) same &= b.src[i] == 0; /* padding row */
    if (!same) fprintf(stderr, "%s: wrong pixels\n", what);
    CHECK(same);
    CHECK(b.labels[0] == 7 && b.n == 1);
    nn_batch_free(&b);
}

static void test_pixels(void) {
    nn_augment a = {1, 1, 2, 3, 4, 1234};
    static const float right[12] = {0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11};
    static const float up[12] = {5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 0, 0};
    static const float mirror[12] = {4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9};
    /* mirrored, then moved right and down by one */
    static const float both[12] = {0, 0, 0, 0, 0, 4, 3, 2, 0, 8, 7, 6};
    static const float same[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    check_case("dx 1", &a, 1, 0, 0, right);
    check_case("dy -1", &a, 0, -1, 0, up);
    check_case("flip", &a, 0, 0, 1, mirror);
    check_case("flip dx 1 dy 1", &a, 1, 1, 1, both);
    check_case("none drawn", &a, 0, 0, 0, same);
    /* shifts of the whole width or height or more leave nothing */
    static const float nothing[12] = {0};
    nn_augment wide = {5, 0, 2, 3, 4, 77};
    check_case("dx 5 of 4 columns", &wide, 5, 0, 0, nothing);
    check_case("dx -4 of 4 columns", &wide, -4, 1, 0, nothing);
    check_case("dy 3 of 3 rows", &wide, 0, 3, 0, nothing);
}

/* 5x11 images with one bright pixel at (2, 2): it lands at (2 + dy,
 * 2 + dx), or (2 + dy, 8 + dx) when flipped; crop 2 keeps it inside. */
static void test_distribution(void) {
    enum { H = 5, W = 11, ROWS = 500, STEPS = 10 };
    float *img = calloc(H * W, sizeof(float));
    uint8_t lab = 0;
    img[2 * W + 2] = 1;
    int *idx = calloc(ROWS, sizeof(int)); /* every row the same image */
    nn_dataset ds = {1, img, &lab, H, W};
    nn_augment a = {2, 1, 1, H, W, 99};
    nn_batch b;
    nn_err err;
    CHECK(nn_batch_init(&b, ROWS, H * W, 10, &err) == 0);
    long dx[5] = {0}, dy[5] = {0}, flips = 0, lost = 0;
    for (long s = 0; s < STEPS; s++) {
        nn_batch_gather_augmented(&b, &ds, idx, 0, ROWS, &a, s);
        for (int r = 0; r < ROWS; r++) {
            int at = -1;
            for (int p = 0; p < H * W; p++)
                if (b.src[(size_t)r * H * W + p] == 1) at = p;
            if (at < 0) { lost++; continue; }
            int y = at / W, x = at % W, f = x >= 6;
            flips += f;
            dy[y]++;                 /* y = 2 + dy: index dy + 2 */
            dx[x - (f ? 8 : 2) + 2]++;
        }
    }
    long n = ROWS * STEPS, lo = n / 5 * 85 / 100, hi = n / 5 * 115 / 100;
    CHECK(lost == 0);
    for (int k = 0; k < 5; k++) {
        printf("shift %+d: dx %ld, dy %ld of %ld\n", k - 2, dx[k], dy[k], n);
        CHECK(dx[k] >= lo && dx[k] <= hi);
        CHECK(dy[k] >= lo && dy[k] <= hi);
    }
    printf("flipped %ld of %ld\n", flips, n);
    CHECK(flips >= n / 2 * 90 / 100 && flips <= n / 2 * 110 / 100);
    nn_batch_free(&b);
    free(idx);
    free(img);
}

/* 28x28 images of noise, shuffled, crop 4 and flip. */
enum { N_IMAGES = 256, SIDE = 28, BATCH = 64 };

static void noise_set(nn_dataset *ds, int *order) {
    ds->n = N_IMAGES;
    ds->images = malloc((size_t)N_IMAGES * SIDE * SIDE * sizeof(float));
    ds->labels = malloc(N_IMAGES);
    uint64_t x = 1;
    for (size_t i = 0; i < (size_t)N_IMAGES * SIDE * SIDE; i++)
        ds->images[i] = nn_counter_uniform(5, 0, x++);
    for (int i = 0; i < N_IMAGES; i++)
        ds->labels[i] = (uint8_t)(i % 10), order[i] = (i * 37) % N_IMAGES;
}

static void test_threads_and_plain(void) {
    nn_dataset ds;
    int order[N_IMAGES];
    noise_set(&ds, order);
    nn_augment a = {4, 1, 1, SIDE, SIDE, 42};
    nn_batch b1, b2;
    nn_err err;
    size_t row = SIDE * SIDE;
    CHECK(nn_batch_init(&b1, BATCH, (int)row, 10, &err) == 0);
    CHECK(nn_batch_init(&b2, BATCH, (int)row, 10, &err) == 0);
    int same = 1, changed = 0;
    for (long step = 0; step < 4; step++) {
        omp_set_num_threads(1);
        nn_batch_gather_augmented(&b1, &ds, order, (int)step * BATCH, BATCH,
                                  &a, step);
        omp_set_num_threads(2);
        nn_batch_gather_augmented(&b2, &ds, order, (int)step * BATCH, BATCH,
                                  &a, step);
        same &= memcmp(b1.src, b2.src, BATCH * row * sizeof(float)) == 0;
        for (int i = 0; i < BATCH; i++)
            changed += memcmp(b1.src + i * row,
                              ds.images + (size_t)order[step * BATCH + i] * row,
                              row * sizeof(float)) != 0;
    }
    CHECK(same);
    printf("augmented rows that differ from their image: %d of %d\n", changed,
           4 * BATCH);
    CHECK(changed > 4 * BATCH * 3 / 4);
    /* the plain gather copies */
    nn_batch_gather(&b1, &ds, order, BATCH, BATCH);
    int copied = 1;
    for (int i = 0; i < BATCH; i++)
        copied &= memcmp(b1.src + i * row,
                         ds.images + (size_t)order[BATCH + i] * row,
                         row * sizeof(float)) == 0 &&
                  b1.labels[i] == ds.labels[order[BATCH + i]];
    CHECK(copied);
    nn_batch_free(&b1);
    nn_batch_free(&b2);
    nn_dataset_free(&ds);
}

/* Seconds per gather of a 64-image batch, plain and augmented. */
static void time_gather(int threads) {
    nn_dataset ds;
    int order[N_IMAGES];
    noise_set(&ds, order);
    nn_augment a = {4, 1, 1, SIDE, SIDE, 42};
    nn_batch b;
    nn_err err;
    CHECK(nn_batch_init(&b, BATCH, SIDE * SIDE, 10, &err) == 0);
    omp_set_num_threads(threads);
    enum { REPS = 2000 };
    double t[2];
    for (int aug = 0; aug < 2; aug++) {
        double t0 = omp_get_wtime();
        for (int r = 0; r < REPS; r++)
            nn_batch_gather_augmented(&b, &ds, order, (r % 4) * BATCH, BATCH,
                                      aug ? &a : NULL, r);
        t[aug] = (omp_get_wtime() - t0) / REPS;
    }
    printf("gather of %d 28x28 images, %d thread%s: plain %.1f us, crop=4,flip "
           "%.1f us\n", BATCH, threads, threads > 1 ? "s" : "", t[0] * 1e6,
           t[1] * 1e6);
    nn_batch_free(&b);
    nn_dataset_free(&ds);
}

int main(void) {
    test_pixels();
    test_distribution();
    test_threads_and_plain();
    time_gather(1);
    time_gather(2);
    return test_summary();
}
