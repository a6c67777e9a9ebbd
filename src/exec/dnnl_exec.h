/* dnnl_exec.h: the insides of the oneDNN executor, shared by its core
 * (backend_dnnl.c) and the files that build each layer kind's steps. */
#ifndef NN_DNNL_EXEC_H
#define NN_DNNL_EXEC_H

#include <stdint.h>

#include "backend_dnnl.h"
#include "dnnl_plan.h"
#include "nn_backend.h"

typedef struct {
    dnnl_primitive_desc_t fwd_pd; /* hint for the backward primitives */
    dnnl_memory_t in, in_diff;   /* previous layer's dst / diff_dst */
    dnnl_memory_t src, diff_src; /* as this layer's primitive sees them */
    dnnl_memory_t diff_unpack;   /* reordered into in_diff after bwd data */
    dnnl_memory_t weights, dst, diff_dst, workspace;
    dnnl_memory_t mean, var;     /* batch norm: this batch's statistics */
    struct bn_stats *stats;      /* batch norm training (dnnl_bnorm.c) */
    int relu; /* a ReLU ends this conv, dense or max pool (post-op) */
} layer_rt;

/* Dropout's key for the current step, read by its custom steps. */
typedef struct {
    uint64_t seed, step;
} dropout_key;

struct dnnl_exec {
    const nn_model *m;
    int batch;
    int training;          /* 0: forward_inference, no backward list */
    dnnl_prop_kind_t prop; /* forward_training or forward_inference */
    int first_image;       /* of this executor in the whole batch */
    int sync_bn;           /* batch norm statistics span the MPI ranks */
    dropout_key key;
    dnnl_data_type_t act; /* activations and weights the primitives read */
    const float *params;
    float *grads;
    dnnl_plan plan;
    dnnl_memory_t user_src, user_logits, user_diff_logits;
    layer_rt rt[NN_MAX_LAYERS];
};

/* ---- shared helpers (backend_dnnl.c) ------------------------------------ */
int dx_md_typed(dnnl_memory_desc_t *md, int ndims, const dnnl_dim_t *dims,
                dnnl_data_type_t type, dnnl_format_tag_t tag, nn_err *err);
/* An f32 descriptor: params, gradients, statistics, logits, user images. */
int dx_md_f32(dnnl_memory_desc_t *md, int ndims, const dnnl_dim_t *dims,
              dnnl_format_tag_t tag, nn_err *err);
/* An activation descriptor, in the executor's precision. */
int dx_md_act(const dnnl_exec *e, dnnl_memory_desc_t *md, int ndims,
              const dnnl_dim_t *dims, dnnl_format_tag_t tag, nn_err *err);
/* A memory the plan allocates (and owns). */
int dx_new_memory(dnnl_exec *e, dnnl_memory_t *mem,
                  const dnnl_memory_desc_t *md, nn_err *err);
void *dx_handle(dnnl_memory_t mem);
/* The layer's dst (and, when training, diff_dst) in layout md: the
 * caller's logits buffers for the last layer, else memories of our own
 * that the next layer takes as its input. */
int dx_make_dst(dnnl_exec *e, int i, const dnnl_memory_desc_t *md,
                nn_err *err);
/* src = in when the primitive takes in's layout, else a reordered copy
 * (and a diff in the primitive's layout, reordered back after
 * backward-data). */
int dx_adopt_src(dnnl_exec *e, layer_rt *r, const dnnl_memory_desc_t *want,
                 nn_err *err);
/* The attribute for a primitive with (relu) or without a ReLU post-op. */
const_dnnl_primitive_attr_t dx_attr(const dnnl_exec *e, int relu);

/* ---- layer kinds: forward builds in layer order, backward in reverse ---- */
int dx_conv_forward(dnnl_exec *e, int i, nn_err *err);
int dx_conv_backward(dnnl_exec *e, int i, nn_err *err);
int dx_dense_forward(dnnl_exec *e, int i, nn_err *err);
int dx_dense_backward(dnnl_exec *e, int i, nn_err *err);
int dx_pool_forward(dnnl_exec *e, int i, nn_err *err);  /* max and avg */
int dx_pool_backward(dnnl_exec *e, int i, nn_err *err);
int dx_bnorm_forward(dnnl_exec *e, int i, nn_err *err);
int dx_bnorm_backward(dnnl_exec *e, int i, nn_err *err);
int dx_dropout_forward(dnnl_exec *e, int i, nn_err *err);
int dx_dropout_backward(dnnl_exec *e, int i, nn_err *err);
int dx_relu_forward(dnnl_exec *e, int i, nn_err *err); /* a ReLU layer */
int dx_relu_backward(dnnl_exec *e, int i, nn_err *err);
/* The backward of a ReLU fused into conv or dense, from the layer's output,
 * in place on its diff_dst. */
int dx_fused_relu_backward(dnnl_exec *e, layer_rt *r, nn_err *err);

#endif
