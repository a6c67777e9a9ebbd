/* backend_dnnl.c: an executor whose layers run as oneDNN primitives,
 * forward and backward, built once per (model, batch, mode): the shared
 * plumbing and the dispatch over layer kinds. Each kind's steps are built in
 * its own file (dnnl_conv_dense.c, dnnl_pool.c, dnnl_bnorm.c,
 * dnnl_dropout.c, dnnl_relu.c).
 *
 * Activations use the layouts oneDNN picks (format any); our flat params and
 * grads stay in PyTorch's plain layouts and are wrapped as memories. Where a
 * primitive wants another weights layout, a reorder in the sync list copies
 * params into it after each optimizer step; where backward-weights produces
 * another layout, a reorder after it writes the plain gradient. A ReLU runs
 * as a forward post-op (conv, dense) or batch norm's fused ReLU, else as an
 * eltwise layer of its own.
 *
 * In bf16 (oneDNN's mixed-precision recipe) activations and the weights the
 * primitives read are bf16; the params, their gradients (backward-weights
 * writes f32), the biases, batch norm's scale, shift and statistics, the
 * logits and their gradient stay f32. The sync list refreshes the bf16
 * weights from the f32 params after each update; the input images and
 * dL/dlogits are converted by reorders.
 *
 * An inference executor (evaluation) is built with forward_inference
 * primitives and no backward list. */
#include "dnnl_exec.h"

#include <stdlib.h>
#include <string.h>

int dx_md_typed(dnnl_memory_desc_t *md, int ndims, const dnnl_dim_t *dims,
                dnnl_data_type_t type, dnnl_format_tag_t tag, nn_err *err) {
    DNNL_CHECK(dnnl_memory_desc_init_by_tag(md, ndims, dims, type, tag));
    return 0;
}

int dx_md_f32(dnnl_memory_desc_t *md, int ndims, const dnnl_dim_t *dims,
              dnnl_format_tag_t tag, nn_err *err) {
    return dx_md_typed(md, ndims, dims, dnnl_f32, tag, err);
}

int dx_md_act(const dnnl_exec *e, dnnl_memory_desc_t *md, int ndims,
              const dnnl_dim_t *dims, dnnl_format_tag_t tag, nn_err *err) {
    return dx_md_typed(md, ndims, dims, e->act, tag, err);
}

int dx_new_memory(dnnl_exec *e, dnnl_memory_t *mem,
                  const dnnl_memory_desc_t *md, nn_err *err) {
    if (dnnl_plan_memory(&e->plan, mem, md, DNNL_MEMORY_ALLOCATE, err))
        return -1;
    /* blocked layouts pad channels up to the block; primitives expect the
     * padding to hold zeros, and nothing else ever writes it */
    memset(dx_handle(*mem), 0, dnnl_memory_desc_get_size(md));
    return 0;
}

void *dx_handle(dnnl_memory_t mem) {
    void *h = NULL;
    dnnl_memory_get_data_handle(mem, &h);
    return h;
}

const_dnnl_primitive_attr_t dx_attr(const dnnl_exec *e, int relu) {
    return relu ? e->plan.attr_relu : e->plan.attr;
}

int dx_make_dst(dnnl_exec *e, int i, const dnnl_memory_desc_t *md,
                nn_err *err) {
    layer_rt *r = &e->rt[i];
    dnnl_plan *p = &e->plan;
    if (i == e->m->n_layers - 1) {
        if (dnnl_plan_memory(p, &e->user_logits, md, DNNL_MEMORY_NONE, err) ||
            dnnl_plan_memory(p, &e->user_diff_logits, md, DNNL_MEMORY_NONE,
                             err))
            return -1;
        r->dst = e->user_logits, r->diff_dst = e->user_diff_logits;
        return 0;
    }
    if (dx_new_memory(e, &r->dst, md, err) ||
        (e->training && dx_new_memory(e, &r->diff_dst, md, err)))
        return -1;
    e->rt[i + 1].in = r->dst;
    e->rt[i + 1].in_diff = r->diff_dst;
    return 0;
}

int dx_adopt_src(dnnl_exec *e, layer_rt *r, const dnnl_memory_desc_t *want,
                 nn_err *err) {
    r->src = r->in, r->diff_src = r->in_diff;
    if (dnnl_memory_desc_equal(dnnl_plan_mem_md(r->in), want)) return 0;
    if (dx_new_memory(e, &r->src, want, err) ||
        dnnl_plan_reorder(&e->plan, &e->plan.fwd, r->in, r->src, err))
        return -1;
    if (!r->in_diff) return 0;
    if (dx_new_memory(e, &r->diff_src, want, err)) return -1;
    r->diff_unpack = r->diff_src;
    return 0;
}

/* The caller's input buffer: (batch, C, H, W), or the same bytes seen as
 * (batch, C*H*W) when a dense layer reads it first. */
static int make_user_src(dnnl_exec *e, nn_err *err) {
    const nn_model *m = e->m;
    dnnl_memory_desc_t md;
    if (m->layers[0].spec.kind == NN_LAYER_DENSE) {
        dnnl_dims_t d = {e->batch, nn_model_input_size(m)};
        if (dx_md_f32(&md, 2, d, dnnl_nc, err)) return -1;
    } else {
        dnnl_dims_t d = {e->batch, m->in_c, m->in_h, m->in_w};
        if (dx_md_f32(&md, 4, d, dnnl_nchw, err)) return -1;
    }
    if (dnnl_plan_memory(&e->plan, &e->user_src, &md, DNNL_MEMORY_NONE, err))
        return -1;
    e->rt[0].in = e->user_src;
    e->rt[0].in_diff = NULL;
    nn_layer_kind first = m->layers[0].spec.kind;
    if (e->act == dnnl_f32 || first == NN_LAYER_CONV || first == NN_LAYER_DENSE)
        return 0; /* f32, or a primitive that converts as it reads */
    /* layers that keep their input's type read the images converted */
    dnnl_memory_desc_t act = md;
    act.data_type = e->act;
    dnnl_memory_desc_t plain;
    if (dx_md_act(e, &plain, act.ndims, act.dims,
                  act.ndims == 2 ? dnnl_nc : dnnl_nchw, err) ||
        dx_new_memory(e, &e->rt[0].in, &plain, err))
        return -1;
    return dnnl_plan_reorder(&e->plan, &e->plan.fwd, e->user_src,
                             e->rt[0].in, err);
}

static int layer_forward(dnnl_exec *e, int i, nn_err *err) {
    switch (e->m->layers[i].spec.kind) {
    case NN_LAYER_CONV: return dx_conv_forward(e, i, err);
    case NN_LAYER_DENSE: return dx_dense_forward(e, i, err);
    case NN_LAYER_MAXPOOL:
    case NN_LAYER_AVGPOOL: return dx_pool_forward(e, i, err);
    case NN_LAYER_BATCHNORM: return dx_bnorm_forward(e, i, err);
    case NN_LAYER_DROPOUT: return dx_dropout_forward(e, i, err);
    case NN_LAYER_RELU: return dx_relu_forward(e, i, err);
    default: return nn_errf(err, "oneDNN executor: layer %d: unknown kind", i);
    }
}

static int layer_backward(dnnl_exec *e, int i, nn_err *err) {
    const nn_layer_spec *s = &e->m->layers[i].spec;
    /* a ReLU post-op is undone first (batch norm's fused ReLU is part of
     * its own backward) */
    if (e->rt[i].relu && dx_fused_relu_backward(e, &e->rt[i], err))
        return -1;
    switch (s->kind) {
    case NN_LAYER_CONV: return dx_conv_backward(e, i, err);
    case NN_LAYER_DENSE: return dx_dense_backward(e, i, err);
    case NN_LAYER_MAXPOOL:
    case NN_LAYER_AVGPOOL: return dx_pool_backward(e, i, err);
    case NN_LAYER_BATCHNORM: return dx_bnorm_backward(e, i, err);
    case NN_LAYER_DROPOUT: return dx_dropout_backward(e, i, err);
    case NN_LAYER_RELU: return dx_relu_backward(e, i, err);
    default: return nn_errf(err, "oneDNN executor: layer %d: unknown kind", i);
    }
}

/* Which layers end with a ReLU post-op. ReLU commutes with max pooling
 * (the max of ReLUs is the ReLU of the max, and the backward passes the
 * same gradients, ties included), so the ReLU of a convolution followed by
 * a max pool runs after the pool, on a tensor the pool made 4x smaller:
 * the backward ReLU of the seed CNN's conv1 output alone took 0.57 ms of a
 * 7 ms step (batch 64, 2 threads, AVX-512). */
static void place_relus(dnnl_exec *e) {
    const nn_model *m = e->m;
    for (int i = 0; i < m->n_layers; i++) {
        const nn_layer_spec *s = &m->layers[i].spec;
        e->rt[i].relu = s->relu && s->kind != NN_LAYER_BATCHNORM;
    }
    for (int i = 0; i + 1 < m->n_layers; i++)
        if (e->rt[i].relu && m->layers[i].spec.kind == NN_LAYER_CONV &&
            m->layers[i + 1].spec.kind == NN_LAYER_MAXPOOL)
            e->rt[i].relu = 0, e->rt[i + 1].relu = 1;
}

static int build(dnnl_exec *e, nn_err *err) {
    const nn_model *m = e->m;
    place_relus(e);
    if (dnnl_plan_init(&e->plan, err) || make_user_src(e, err)) return -1;
    for (int i = 0; i < m->n_layers; i++) {
        e->plan.layer = i;
        if (layer_forward(e, i, err)) return -1;
    }
    for (int i = m->n_layers - 1; i >= 0 && e->training; i--) {
        e->plan.layer = i;
        if (layer_backward(e, i, err)) return -1;
    }
    return dnnl_plan_finish(&e->plan, err);
}

int dnnl_exec_create(dnnl_exec **out, const nn_model *m, int batch,
                     const nn_exec_opts *o, const float *params, float *grads,
                     nn_err *err) {
    dnnl_exec *e = calloc(1, sizeof *e);
    if (!e) return nn_errf(err, "oneDNN executor: out of memory");
    e->m = m, e->batch = batch, e->params = params, e->grads = grads;
    e->act = o->precision == NN_PRECISION_BF16 ? dnnl_bf16 : dnnl_f32;
    e->training = !o->inference;
    e->prop = e->training ? dnnl_forward_training : dnnl_forward_inference;
    e->first_image = o->first_image;
    e->sync_bn = o->sync_batchnorm;
    if (build(e, err)) {
        dnnl_exec_free(e);
        return -1;
    }
    *out = e;
    return 0;
}

void dnnl_exec_free(dnnl_exec *e) {
    if (!e) return;
    dnnl_plan_free(&e->plan);
    free(e);
}

void dnnl_exec_set_step(dnnl_exec *e, uint64_t seed, uint64_t step) {
    e->key.seed = seed, e->key.step = step;
}

void dnnl_exec_set_first_image(dnnl_exec *e, int first_image) {
    e->first_image = first_image;
}

void dnnl_exec_profile(dnnl_exec *e, int enable) {
    e->plan.profile = enable;
    dnnl_steps *lists[] = {&e->plan.sync, &e->plan.fwd, &e->plan.bwd};
    for (int l = 0; l < 3; l++)
        for (int i = 0; i < lists[l]->n; i++) lists[l]->steps[i].seconds = 0;
}

void dnnl_exec_layer_seconds(const dnnl_exec *e, double *fwd, double *bwd) {
    dnnl_plan_layer_seconds(&e->plan, fwd, bwd, e->m->n_layers);
}

int dnnl_exec_sync_params(dnnl_exec *e, nn_err *err) {
    return dnnl_plan_run(&e->plan, &e->plan.sync, err);
}

int dnnl_exec_forward(dnnl_exec *e, const float *src, float *logits,
                      nn_err *err) {
    DNNL_CHECK(dnnl_memory_set_data_handle(e->user_src, (void *)src));
    DNNL_CHECK(dnnl_memory_set_data_handle(e->user_logits, logits));
    return dnnl_plan_run(&e->plan, &e->plan.fwd, err);
}

int dnnl_exec_backward(dnnl_exec *e, const float *diff_logits, nn_err *err) {
    if (!e->training)
        return nn_errf(err, "oneDNN executor: backward on an inference "
                       "executor");
    DNNL_CHECK(dnnl_memory_set_data_handle(e->user_diff_logits,
                                           (void *)diff_logits));
    return dnnl_plan_run(&e->plan, &e->plan.bwd, err);
}
