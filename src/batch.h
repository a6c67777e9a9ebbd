/* batch.h: the buffers of one batch and how images are gathered into them. */
#ifndef NN_BATCH_H
#define NN_BATCH_H

#include <stdint.h>

#include "nn_data.h"
#include "nn_error.h"
#include "nn_train.h"

typedef struct {
    int capacity;        /* rows of every buffer: the executors' batch */
    int n;               /* rows that hold real images; the rest are zero */
    int input, classes;
    float *src;          /* (capacity, input) */
    uint8_t *labels;     /* (capacity) */
    float *logits;       /* (capacity, classes) */
    float *diff_logits;  /* (capacity, classes) */
    float *sample_loss;  /* (capacity) */
    uint8_t *pred;       /* (capacity) */
} nn_batch;

int nn_batch_init(nn_batch *b, int capacity, int input, int classes,
                  nn_err *err);
void nn_batch_free(nn_batch *b);

/* Copies n images of ds into the batch: ds rows idx[start..start+n) or, with
 * idx NULL, rows start..start+n. Rows n..capacity are zeroed, so a short last
 * batch runs through the same executors and contributes nothing. */
void nn_batch_gather(nn_batch *b, const nn_dataset *ds, const int *idx,
                     int start, int n);

/* Softmax + loss of the first n rows; with want_grad the gradient of the
 * mean loss goes to diff_logits (padding rows zeroed). Returns the summed
 * loss (in row order, so repeatable) and adds correct predictions to
 * *correct. */
double nn_batch_loss(nn_batch *b, nn_loss_kind kind, int want_grad,
                     long *correct);

#endif
