/* nn_backend.h: an executor runs one model's forward and backward passes for
 * a fixed batch size. Everything it needs (primitives, memories, activation
 * buffers, scratchpads) is created once by nn_exec_create; the calls that run
 * per batch allocate nothing. */
#ifndef NN_BACKEND_H
#define NN_BACKEND_H

#include <stdint.h>

#include "nn_error.h"
#include "nn_model.h"

typedef enum {
    NN_BACKEND_ONEDNN, /* oneDNN primitives (default) */
    NN_BACKEND_REF,    /* kernels/: plain C + OpenMP, the test oracle */
} nn_backend_kind;

/* The precision the primitives compute in. bf16 follows oneDNN's mixed-
 * precision recipe: bf16 activations and weight copies, f32 params,
 * gradients, optimizer, logits and loss. */
typedef enum {
    NN_PRECISION_F32,
    NN_PRECISION_BF16, /* needs AVX512_BF16 (or AMX) and the oneDNN backend */
} nn_precision;

const char *nn_precision_name(nn_precision p);
/* 0 when this CPU and backend run precision p at speed; else -1 with the
 * reason ("bf16 needs AVX512_BF16; this CPU's oneDNN ISA is avx2"): oneDNN
 * would emulate bf16 at a fraction of f32's speed on plain AVX-512, and has
 * no bf16 at all on AVX2. */
int nn_precision_check(nn_precision p, nn_backend_kind kind, nn_err *err);

typedef struct nn_exec nn_exec;

/* How an executor runs. */
typedef struct {
    nn_backend_kind backend;
    nn_precision precision;
    /* forward only, as for evaluation: batch norm normalises with its
     * running statistics, dropout passes values through, pooling keeps no
     * workspace (oneDNN's forward_inference) */
    int inference;
    /* the primitives run on one thread, for use inside an OpenMP parallel
     * region (batch-split parallelism); otherwise they use the OpenMP
     * threads available when the executor is created */
    int single_thread;
    /* index of this executor's first image in the whole batch: dropout
     * keys its mask by the element's index in the batch, so a batch split
     * into slices draws the same mask as the whole */
    int first_image;
    /* the batch is spread over MPI ranks, one executor each: batch norm's
     * training statistics and their gradients span every rank's images
     * (collective: every rank's executor runs each pass with the others) */
    int sync_batchnorm;
} nn_exec_opts;

/* Builds an executor of model m for `batch` images. It reads weights from
 * `params` and writes gradients to `grads` (both laid out like m->params;
 * they may be m->params / m->grads or private copies); batch norm's running
 * statistics are m->state, updated by every training forward. */
int nn_exec_create(nn_exec **out, const nn_exec_opts *o, const nn_model *m,
                   int batch, const float *params, float *grads, nn_err *err);

/* The dropout mask of the next forward and its backward: a function of the
 * run's seed, the training step and the element (nn_counter_uniform). */
void nn_exec_set_step(nn_exec *e, uint64_t seed, uint64_t step);
/* Moves the executor to another place in the whole batch (first_image of
 * nn_exec_opts), for the next forward and its backward: an MPI rank's
 * slice starts elsewhere in a short last batch. */
void nn_exec_set_first_image(nn_exec *e, int first_image);
void nn_exec_free(nn_exec *e);

/* Must be called after params changed (init, load, optimizer step) and
 * before the next forward: backends that keep weights in another layout
 * refresh their copy here. */
int nn_exec_sync_params(nn_exec *e, nn_err *err);

/* logits (batch, classes) from src (batch, in_c, in_h, in_w). Keeps what the
 * backward pass needs. */
int nn_exec_forward(nn_exec *e, const float *src, float *logits, nn_err *err);

/* From diff_logits (batch, classes), dL/dlogits of the same batch as the
 * last forward: OVERWRITES grads with dL/dparams. */
int nn_exec_backward(nn_exec *e, const float *diff_logits, nn_err *err);

/* Per-layer timing: while enabled (which resets the counts), every oneDNN
 * step's time goes to its layer. Fills fwd[i] and bwd[i] (seconds, n_layers
 * entries) and returns 0, or returns -1 for a backend that cannot. */
void nn_exec_profile(nn_exec *e, int enable);
int nn_exec_layer_seconds(const nn_exec *e, double *fwd, double *bwd);

const char *nn_backend_name(nn_backend_kind kind);

#endif
