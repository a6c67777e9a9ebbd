/* batch.c: gathering shuffled (and, for training, augmented) images into
 * the batch buffer, and the loss of a batch. */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

#include "kernels.h"

int nn_batch_init(nn_batch *b, int capacity, int input, int classes,
                  nn_err *err) {
    memset(b, 0, sizeof *b);
    b->capacity = capacity, b->input = input, b->classes = classes;
    size_t rows = (size_t)capacity;
    b->src = calloc(rows * input, sizeof(float));
    b->labels = calloc(rows, 1);
    b->logits = calloc(rows * classes, sizeof(float));
    b->diff_logits = calloc(rows * classes, sizeof(float));
    b->sample_loss = calloc(rows, sizeof(float));
    b->pred = calloc(rows, 1);
    if (!b->src || !b->labels || !b->logits || !b->diff_logits ||
        !b->sample_loss || !b->pred) {
        nn_batch_free(b);
        return nn_errf(err, "batch of %d: out of memory", capacity);
    }
    return 0;
}

void nn_batch_free(nn_batch *b) {
    free(b->src);
    free(b->labels);
    free(b->logits);
    free(b->diff_logits);
    free(b->sample_loss);
    free(b->pred);
    memset(b, 0, sizeof *b);
}

/* dst (c, h, w) = src shifted by (dx, dy), mirrored first when flip; zero
 * where the shifted image does not reach (batch.h has the formula). Each
 * row is its zero ends and one copied span [x0, x1). */
static void augment_image(float *dst, const float *src, int c, int h, int w,
                          int dx, int dy, int flip) {
    int x0 = dx > 0 ? dx : 0, x1 = dx < 0 ? w + dx : w;
    if (x0 > w) x0 = w; /* a shift of the whole width or more */
    if (x1 < x0) x1 = x0;
    for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < h; y++) {
            float *out = dst + ((size_t)ch * h + y) * w;
            int sy = y - dy;
            if (sy < 0 || sy >= h) {
                memset(out, 0, (size_t)w * sizeof(float));
                continue;
            }
            const float *in = src + ((size_t)ch * h + sy) * w;
            memset(out, 0, (size_t)x0 * sizeof(float));
            if (flip)
                for (int x = x0; x < x1; x++) out[x] = in[w - 1 - (x - dx)];
            else
                memcpy(out + x0, in + x0 - dx,
                       (size_t)(x1 - x0) * sizeof(float));
            memset(out + x1, 0, (size_t)(w - x1) * sizeof(float));
        }
}

/* A shift in [-crop, crop] from u in [0, 1). */
static int shift_of(float u, int crop) {
    int k = (int)(u * (float)(2 * crop + 1));
    return (k > 2 * crop ? 2 * crop : k) - crop;
}

void nn_batch_gather_augmented(nn_batch *b, const nn_dataset *ds,
                               const int *idx, int start, int n,
                               const nn_augment *aug, long step) {
    size_t row = (size_t)b->input;
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) {
        int k = idx ? idx[start + i] : start + i;
        const float *src = ds->images + (size_t)k * row;
        if (aug) {
            uint64_t key = 3 * (uint64_t)(b->first + i), s = (uint64_t)step;
            int dx = 0, dy = 0, flip = 0;
            if (aug->crop) {
                dx = shift_of(nn_counter_uniform(aug->seed, s, key), aug->crop);
                dy = shift_of(nn_counter_uniform(aug->seed, s, key + 1),
                              aug->crop);
            }
            if (aug->flip) flip = nn_counter_uniform(aug->seed, s, key + 2) < 0.5f;
            augment_image(b->src + i * row, src, aug->c, aug->h, aug->w, dx,
                          dy, flip);
        } else {
            memcpy(b->src + i * row, src, row * sizeof(float));
        }
        b->labels[i] = ds->labels[k];
    }
    if (n < b->capacity) {
        memset(b->src + n * row, 0, (b->capacity - n) * row * sizeof(float));
        memset(b->labels + n, 0, (size_t)(b->capacity - n));
    }
    b->n = n;
}

void nn_batch_gather(nn_batch *b, const nn_dataset *ds, const int *idx,
                     int start, int n) {
    nn_batch_gather_augmented(b, ds, idx, start, n, NULL, 0);
}

double nn_batch_loss(nn_batch *b, nn_loss_kind kind, int want_grad,
                     long *correct) {
    loss_kind k = kind == NN_LOSS_MSE ? LOSS_MSE : LOSS_CROSS_ENTROPY;
    softmax_loss(want_grad ? b->diff_logits : NULL, b->sample_loss, b->pred,
                 b->logits, b->labels, b->n, b->classes, k);
    if (want_grad && b->n < b->capacity)
        memset(b->diff_logits + (size_t)b->n * b->classes, 0,
               (size_t)(b->capacity - b->n) * b->classes * sizeof(float));
    double sum = 0;
    long right = 0;
    for (int i = 0; i < b->n; i++) {
        sum += b->sample_loss[i];
        right += b->pred[i] == b->labels[i];
    }
    *correct += right;
    return sum;
}
