/* runner.h: runs training steps of one model and batch size with one of two
 * parallel strategies:
 *   intra: one executor over the whole batch; oneDNN's OpenMP threads split
 *          each primitive.
 *   batch: the batch is cut into one slice per thread; each thread runs its
 *          own single-threaded executor on its slice into private gradients,
 *          which are then summed (in a fixed order) into the model's grads.
 * Both leave the same dL/dparams in m->grads. */
#ifndef NN_RUNNER_H
#define NN_RUNNER_H

#include "nn_backend.h"
#include "nn_train.h"

#define NN_MAX_SLICES 64

typedef struct {
    nn_parallel_kind kind; /* INTRA or BATCH, never AUTO */
    int batch, slices;
    nn_model *m;
    nn_exec *execs[NN_MAX_SLICES];
    int slice_off[NN_MAX_SLICES], slice_n[NN_MAX_SLICES];
    float *slice_grads; /* batch: (slices, n_params), slice 0 unused */
    /* batch norm: an executor for the short last batch of an epoch, whose
     * statistics must span its own images only (see nn_runner_add_short) */
    nn_exec *short_exec;
    int short_n;
    int short_stale; /* params changed since its weight copies were made */
    int use_short;   /* the next pass has short_n images and runs on it */
    /* its passes hold collectives over the MPI ranks (batch norm
     * synchronized): every rank must run each pass */
    int collective;
} nn_runner;

/* Executors of m as o says (its single_thread and first_image are the
 * runner's to set). kind AUTO resolves to INTRA (measured: see runner.c).
 * threads > 0. Batch norm needs the whole batch's statistics: with it,
 * batch-split is refused. */
int nn_runner_init(nn_runner *r, const nn_exec_opts *o, nn_parallel_kind kind,
                   nn_model *m, int batch, int threads, nn_err *err);
void nn_runner_free(nn_runner *r);

/* A batch shorter than the runner's is padded with zero images; that is
 * exact where images do not meet, but batch norm would count the padding
 * in its statistics. For a model with batch norm (intra only), this adds
 * an executor for batches of exactly n images (0 < n < batch), which a
 * pass of n images (nn_runner_set_images) then runs on. Otherwise it adds
 * nothing. o as given to nn_runner_init. */
int nn_runner_add_short(nn_runner *r, const nn_exec_opts *o, int n,
                        nn_err *err);
/* The next forward and backward are over the first n images of the
 * runner's batch (n <= batch). */
void nn_runner_set_images(nn_runner *r, int n);

/* Dropout's key for the next training step (see nn_exec_set_step). */
void nn_runner_set_step(nn_runner *r, uint64_t seed, uint64_t step);
/* The runner's batch begins at image `first` of a larger batch (an MPI
 * rank's slice): dropout masks follow the image's place in that batch. */
void nn_runner_set_first_image(nn_runner *r, int first);

int nn_runner_sync_params(nn_runner *r, nn_err *err);
/* src (batch, C, H, W) -> logits (batch, classes) */
int nn_runner_forward(nn_runner *r, const float *src, float *logits,
                      nn_err *err);
/* diff_logits (batch, classes) -> m->grads (overwritten) */
int nn_runner_backward(nn_runner *r, const float *diff_logits, nn_err *err);

#endif
