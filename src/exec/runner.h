/* runner.h: runs training steps of one model and batch size with one of two
 * parallel strategies:
 *   intra: one executor over the whole batch; oneDNN's OpenMP threads split
 *          each primitive.
 *   batch: the batch is cut into one slice per thread; each thread runs its
 *          own single-threaded executor on its slice into private gradients,
 *          which are then summed (in a fixed order) into the model's grads.
 * Both leave the same dL/dparams in the runner's grads.
 *
 * With packed weights (intra only, see nn_exec_opts) the executor reads and
 * writes params and grads of the runner's own, in its layout; m->params is
 * then a plain copy made on demand (nn_runner_publish_params). Otherwise
 * params and grads are m->params and m->grads. */
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
    float *params, *grads; /* what the executors read and write */
    float *own; /* packed: params, grads and scratch, 64-byte aligned each */
} nn_runner;

/* Executors of m as o says (its single_thread and first_image are the
 * runner's to set). kind AUTO resolves to INTRA (measured: see runner.c).
 * threads > 0. Batch norm needs the whole batch's statistics: with it,
 * batch-split is refused. */
int nn_runner_init(nn_runner *r, const nn_exec_opts *o, nn_parallel_kind kind,
                   nn_model *m, int batch, int threads, nn_err *err);
void nn_runner_free(nn_runner *r);

/* Dropout's key for the next training step (see nn_exec_set_step). */
void nn_runner_set_step(nn_runner *r, uint64_t seed, uint64_t step);
/* The runner's batch begins at image `first` of a larger batch (an MPI
 * rank's slice): dropout masks follow the image's place in that batch. */
void nn_runner_set_first_image(nn_runner *r, int first);

/* m->params changed (init, load): the runner takes them. */
int nn_runner_sync_params(nn_runner *r, nn_err *err);
/* r->params changed in place (an optimizer step): the executors refresh
 * the copies they keep. */
int nn_runner_params_updated(nn_runner *r, nn_err *err);
/* m->params = r->params in our plain layout, for whatever reads them next
 * (evaluation, a checkpoint, an export). */
int nn_runner_publish_params(nn_runner *r, nn_err *err);
/* A params-shaped vector of the optimizer's state, in place, into the
 * plain layout (to_plain 1) or back into the runner's. */
int nn_runner_convert_state(nn_runner *r, float *v, int to_plain, nn_err *err);
/* 0, or the id of the packed layouts (nn_exec_layout_id). */
uint64_t nn_runner_layout_id(const nn_runner *r);
/* src (batch, C, H, W) -> logits (batch, classes) */
int nn_runner_forward(nn_runner *r, const float *src, float *logits,
                      nn_err *err);
/* diff_logits (batch, classes) -> r->grads (overwritten) */
int nn_runner_backward(nn_runner *r, const float *diff_logits, nn_err *err);

#endif
