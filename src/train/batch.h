/* batch.h: the buffers of one batch and how images are gathered into them,
 * augmented for training (--augment). */
#ifndef NN_BATCH_H
#define NN_BATCH_H

#include <stdint.h>

#include "nn_data.h"
#include "nn_error.h"
#include "nn_train.h"

typedef struct {
    int capacity;        /* rows of every buffer: the executors' batch */
    int n;               /* rows that hold real images; the rest are zero */
    int first;           /* row 0's place in the global batch (an MPI
                            rank's slice), keying the augmentation; 0 */
    int input, classes;
    float *src;          /* (capacity, input) */
    uint8_t *labels;     /* (capacity) */
    float *logits;       /* (capacity, classes) */
    float *diff_logits;  /* (capacity, classes) */
    float *sample_loss;  /* (capacity) */
    uint8_t *pred;       /* (capacity) */
} nn_batch;

/* Random shifts and flips of training images. Image i of a batch (its row
 * in the global batch, 0-based: b->first + its row here) at global step s
 * draws u_j = nn_counter_uniform(seed, s, 3i + j):
 *   dx = floor(u_0 (2 crop + 1)) - crop,  dy likewise from u_1, each
 *   uniform in [-crop, crop];  flipped when flip and u_2 < 1/2
 * and becomes out(c, y, x) = f(c, y - dy, x - dx), where f is the image,
 * mirrored left-right (f(c, y, x) = in(c, y, w-1-x)) when flipped, and 0
 * outside it: a shift with zero padding, same size out. The draws depend on
 * (seed, step, row) alone, so neither the thread count nor a resume changes
 * them. */
typedef struct {
    int crop;      /* 0..NN_MAX_AUGMENT_CROP; 0: no shift */
    int flip;      /* 0 or 1 */
    int c, h, w;   /* the images' shape: input = c * h * w */
    uint64_t seed; /* the run's seed, mixed with the augmentation's stream */
} nn_augment;

int nn_batch_init(nn_batch *b, int capacity, int input, int classes,
                  nn_err *err);
void nn_batch_free(nn_batch *b);

/* Copies n images of ds into the batch: ds rows idx[start..start+n) or, with
 * idx NULL, rows start..start+n. Rows n..capacity are zeroed, so a short last
 * batch runs through the same executors and contributes nothing. */
void nn_batch_gather(nn_batch *b, const nn_dataset *ds, const int *idx,
                     int start, int n);
/* The same, each image augmented by aug (shape aug->c x h x w = b->input)
 * with the draws of global step `step`; one pass over the batch. */
void nn_batch_gather_augmented(nn_batch *b, const nn_dataset *ds,
                               const int *idx, int start, int n,
                               const nn_augment *aug, long step);

/* Softmax + loss of the first n rows; with want_grad the gradient of the
 * mean loss goes to diff_logits (padding rows zeroed). Returns the summed
 * loss (in row order, so repeatable) and adds correct predictions to
 * *correct. */
double nn_batch_loss(nn_batch *b, nn_loss_kind kind, int want_grad,
                     long *correct);

#endif
