/* backend_dnnl.c: an executor whose conv, dense, ReLU and pooling run as
 * oneDNN primitives, forward and backward, built once per (model, batch).
 *
 * Activations use the layouts oneDNN picks (format any); our flat params and
 * grads stay in PyTorch's plain layouts and are wrapped as memories. Where a
 * primitive wants another weights layout, a reorder in the sync list copies
 * params into it after each optimizer step; where backward-weights produces
 * another layout, a reorder after it writes the plain gradient. ReLU runs as
 * a forward post-op and backward from the layer's output.
 *
 * In bf16 (oneDNN's mixed-precision recipe) activations and the weights the
 * primitives read are bf16; the params, their gradients (backward-weights
 * writes f32), the biases, the logits and their gradient stay f32. The sync
 * list refreshes the bf16 weights from the f32 params after each update; the
 * input images and dL/dlogits are converted by reorders. */
#include "backend_dnnl.h"

#include <stdlib.h>
#include <string.h>

#include "dnnl_plan.h"

typedef struct {
    dnnl_primitive_desc_t fwd_pd; /* hint for the backward primitives */
    dnnl_memory_t in, in_diff;   /* previous layer's dst / diff_dst */
    dnnl_memory_t src, diff_src; /* as this layer's primitive sees them */
    dnnl_memory_t diff_unpack;   /* reordered into in_diff after bwd data */
    dnnl_memory_t weights, dst, diff_dst, workspace;
} layer_rt;

struct dnnl_exec {
    const nn_model *m;
    int batch;
    dnnl_data_type_t act; /* activations and weights the primitives read */
    const float *params;
    float *grads;
    dnnl_plan plan;
    dnnl_memory_t user_src, user_logits, user_diff_logits;
    layer_rt rt[NN_MAX_LAYERS];
};

static int md_typed(dnnl_memory_desc_t *md, int ndims, const dnnl_dim_t *dims,
                    dnnl_data_type_t type, dnnl_format_tag_t tag, nn_err *err) {
    DNNL_CHECK(dnnl_memory_desc_init_by_tag(md, ndims, dims, type, tag));
    return 0;
}

/* An f32 descriptor: params, gradients, logits, user images. */
static int md_init(dnnl_memory_desc_t *md, int ndims, const dnnl_dim_t *dims,
                   dnnl_format_tag_t tag, nn_err *err) {
    return md_typed(md, ndims, dims, dnnl_f32, tag, err);
}

/* An activation descriptor, in the executor's precision. */
static int md_act(const dnnl_exec *e, dnnl_memory_desc_t *md, int ndims,
                  const dnnl_dim_t *dims, dnnl_format_tag_t tag, nn_err *err) {
    return md_typed(md, ndims, dims, e->act, tag, err);
}

static int new_memory(dnnl_exec *e, dnnl_memory_t *mem,
                      const dnnl_memory_desc_t *md, nn_err *err) {
    return dnnl_plan_memory(&e->plan, mem, md, DNNL_MEMORY_ALLOCATE, err);
}

static void *handle_of(dnnl_memory_t mem) {
    void *h = NULL;
    dnnl_memory_get_data_handle(mem, &h);
    return h;
}

/* Weight and bias descriptors of layer l: w_plain is our f32 layout of the
 * params and grads, w_any the weights a primitive reads (layout of its
 * choice, the executor's precision), w_grad_any the f32 gradient it writes
 * (layout of its choice). */
static int param_mds(const dnnl_exec *e, const nn_layer *l,
                     dnnl_memory_desc_t *w_plain, dnnl_memory_desc_t *w_any,
                     dnnl_memory_desc_t *w_grad_any, dnnl_memory_desc_t *b_md,
                     nn_err *err) {
    dnnl_dims_t b_dims = {l->out_c};
    if (md_init(b_md, 1, b_dims, dnnl_x, err)) return -1;
    int k = l->spec.kernel, conv = l->spec.kind == NN_LAYER_CONV;
    dnnl_dims_t w_conv = {l->out_c, l->in_c, k, k};
    dnnl_dims_t w_dense = {l->out_c, (dnnl_dim_t)l->fan_in};
    int nd = conv ? 4 : 2;
    const dnnl_dim_t *w = conv ? w_conv : w_dense;
    if (md_init(w_plain, nd, w, conv ? dnnl_oihw : dnnl_oi, err) ||
        md_init(w_grad_any, nd, w, dnnl_format_tag_any, err))
        return -1;
    return md_act(e, w_any, nd, w, dnnl_format_tag_any, err);
}

/* A memory over params + off in the layout `want`: the params themselves
 * when `want` is the plain layout, else a copy refreshed by the sync list. */
static int weights_memory(dnnl_exec *e, dnnl_memory_t *out, size_t off,
                          const dnnl_memory_desc_t *plain,
                          const dnnl_memory_desc_t *want, nn_err *err) {
    dnnl_plan *p = &e->plan;
    dnnl_memory_t user;
    if (dnnl_plan_memory(p, &user, plain, (void *)(e->params + off), err))
        return -1;
    if (dnnl_memory_desc_equal(plain, want)) {
        *out = user;
        return 0;
    }
    if (new_memory(e, out, want, err)) return -1;
    return dnnl_plan_reorder(p, &p->sync, user, *out, err);
}

/* The layer's dst and diff_dst: the caller's logits buffers (set per call)
 * for the last layer, else memories of our own in layout md. */
static int make_dst(dnnl_exec *e, int i, const dnnl_memory_desc_t *md,
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
    if (new_memory(e, &r->dst, md, err) || new_memory(e, &r->diff_dst, md, err))
        return -1;
    e->rt[i + 1].in = r->dst;
    e->rt[i + 1].in_diff = r->diff_dst;
    return 0;
}

/* src = in when the primitive takes in's layout, else a reordered copy (and
 * a diff in the primitive's layout, reordered back after backward-data). */
static int adopt_src(dnnl_exec *e, layer_rt *r, const dnnl_memory_desc_t *want,
                     nn_err *err) {
    r->src = r->in, r->diff_src = r->in_diff;
    if (dnnl_memory_desc_equal(dnnl_plan_mem_md(r->in), want)) return 0;
    if (new_memory(e, &r->src, want, err) ||
        dnnl_plan_reorder(&e->plan, &e->plan.fwd, r->in, r->src, err))
        return -1;
    if (!r->in_diff) return 0;
    if (new_memory(e, &r->diff_src, want, err)) return -1;
    r->diff_unpack = r->diff_src;
    return 0;
}

/* The forward step of a conv or dense layer whose fwd_pd and src are set:
 * its weights (reordered from params if needed), bias, dst and the step. */
static int weighted_forward_step(dnnl_exec *e, int i,
                                 const dnnl_memory_desc_t *w_plain,
                                 const dnnl_memory_desc_t *b_md,
                                 const dnnl_memory_desc_t *dst_md,
                                 nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    layer_rt *r = &e->rt[i];
    dnnl_plan *p = &e->plan;
    dnnl_memory_t bias;
    if (weights_memory(e, &r->weights, l->weights_off, w_plain,
                       dnnl_plan_md(r->fwd_pd, dnnl_query_weights_md), err) ||
        dnnl_plan_memory(p, &bias, b_md, (void *)(e->params + l->bias_off),
                         err) ||
        make_dst(e, i, dst_md, err))
        return -1;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, r->src},
                              {DNNL_ARG_WEIGHTS, r->weights},
                              {DNNL_ARG_BIAS, bias},
                              {DNNL_ARG_DST, r->dst}};
    return dnnl_plan_step(p, &p->fwd, r->fwd_pd, args, 4, err);
}

static int conv_forward(dnnl_exec *e, int i, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    layer_rt *r = &e->rt[i];
    dnnl_plan *p = &e->plan;
    dnnl_dims_t src_d = {e->batch, l->in_c, l->in_h, l->in_w};
    dnnl_dims_t dst_d = {e->batch, l->out_c, l->out_h, l->out_w};
    dnnl_dims_t strides = {l->spec.stride, l->spec.stride};
    dnnl_dims_t pad = {l->spec.pad, l->spec.pad};
    dnnl_memory_desc_t src_any, dst_any, w_plain, w_any, w_grad, b_md;
    if (md_act(e, &src_any, 4, src_d, dnnl_format_tag_any, err) ||
        md_act(e, &dst_any, 4, dst_d, dnnl_format_tag_any, err) ||
        param_mds(e, l, &w_plain, &w_any, &w_grad, &b_md, err))
        return -1;
    dnnl_convolution_desc_t d;
    DNNL_CHECK(dnnl_convolution_forward_desc_init(
        &d, dnnl_forward_training, dnnl_convolution_direct, &src_any, &w_any,
        &b_md, &dst_any, strides, pad, pad));
    if (dnnl_plan_pd(p, &r->fwd_pd, &d, l->spec.relu ? p->attr_relu : p->attr,
                     NULL, err))
        return -1;
    if (adopt_src(e, r, dnnl_plan_md(r->fwd_pd, dnnl_query_src_md), err))
        return -1;
    return weighted_forward_step(e, i, &w_plain, &b_md,
                                 dnnl_plan_md(r->fwd_pd, dnnl_query_dst_md),
                                 err);
}

/* Pooling geometry shared by the forward and backward descriptors. */
typedef struct {
    dnnl_dims_t strides, kernel, dilation, pad;
} pool_geometry;

static pool_geometry pool_geometry_of(const nn_layer *l) {
    pool_geometry g = {{l->spec.stride, l->spec.stride},
                       {l->spec.kernel, l->spec.kernel}, {0, 0}, {0, 0}};
    return g;
}

static int pool_forward(dnnl_exec *e, int i, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    layer_rt *r = &e->rt[i];
    dnnl_plan *p = &e->plan;
    dnnl_dims_t dst_d = {e->batch, l->out_c, l->out_h, l->out_w};
    dnnl_memory_desc_t dst_any;
    if (md_act(e, &dst_any, 4, dst_d, dnnl_format_tag_any, err)) return -1;
    pool_geometry g = pool_geometry_of(l);
    dnnl_pooling_v2_desc_t d;
    DNNL_CHECK(dnnl_pooling_v2_forward_desc_init(
        &d, dnnl_forward_training, dnnl_pooling_max, dnnl_plan_mem_md(r->in),
        &dst_any, g.strides, g.kernel, g.dilation, g.pad, g.pad));
    if (dnnl_plan_pd(p, &r->fwd_pd, &d, p->attr, NULL, err)) return -1;
    r->src = r->in, r->diff_src = r->in_diff;
    if (new_memory(e, &r->workspace,
                   dnnl_plan_md(r->fwd_pd, dnnl_query_workspace_md), err) ||
        make_dst(e, i, dnnl_plan_md(r->fwd_pd, dnnl_query_dst_md), err))
        return -1;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, r->src},
                              {DNNL_ARG_DST, r->dst},
                              {DNNL_ARG_WORKSPACE, r->workspace}};
    return dnnl_plan_step(p, &p->fwd, r->fwd_pd, args, 3, err);
}

/* A dense layer reads its input as plain 2D (batch, C*H*W), flattened in
 * (channel, row, column) order like PyTorch. A 4D input in another layout
 * is reordered to plain NCHW first; the 2D memories are views of 4D ones. */
static int dense_flatten(dnnl_exec *e, layer_rt *r,
                         const dnnl_memory_desc_t *src2d, nn_err *err) {
    const dnnl_memory_desc_t *in_md = dnnl_plan_mem_md(r->in);
    if (in_md->ndims == 2) /* only the user's images: f32, maybe not e->act */
        return adopt_src(e, r, src2d, err);
    dnnl_memory_desc_t flat4;
    if (md_act(e, &flat4, 4, in_md->dims, dnnl_nchw, err)) return -1;
    dnnl_memory_t flat = r->in, flat_diff = r->in_diff;
    if (!dnnl_memory_desc_equal(in_md, &flat4)) {
        if (new_memory(e, &flat, &flat4, err) ||
            dnnl_plan_reorder(&e->plan, &e->plan.fwd, r->in, flat, err))
            return -1;
        if (r->in_diff && new_memory(e, &flat_diff, &flat4, err)) return -1;
        r->diff_unpack = r->in_diff ? flat_diff : NULL;
    }
    if (dnnl_plan_memory(&e->plan, &r->src, src2d, handle_of(flat), err))
        return -1;
    if (!flat_diff) return 0;
    return dnnl_plan_memory(&e->plan, &r->diff_src, src2d,
                            handle_of(flat_diff), err);
}

static const char *impl_name(const_dnnl_primitive_desc_t pd) {
    const char *name = "";
    dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name);
    return name;
}

/* The forward inner product, with weights in our plain (OC, IC) layout when
 * oneDNN runs the same implementation on it as on its preferred layout:
 * that saves a weights reorder after every step and a gradient reorder
 * after every backward (seen: on AVX2 `gemm:jit` takes plain weights; the
 * MLP step went from ~46k to ~60-79k images/s). brgemm kernels on AVX-512
 * want blocked weights, and then keep them. */
static int dense_forward_pd(dnnl_exec *e, const nn_layer *l, layer_rt *r,
                            const dnnl_memory_desc_t *src_md,
                            const dnnl_memory_desc_t *w_plain,
                            const dnnl_memory_desc_t *w_any,
                            const dnnl_memory_desc_t *b_md,
                            const dnnl_memory_desc_t *dst_md, nn_err *err) {
    dnnl_plan *p = &e->plan;
    const_dnnl_primitive_attr_t attr = l->spec.relu ? p->attr_relu : p->attr;
    dnnl_inner_product_desc_t d;
    dnnl_primitive_desc_t preferred;
    DNNL_CHECK(dnnl_inner_product_forward_desc_init(
        &d, dnnl_forward_training, src_md, w_any, b_md, dst_md));
    if (dnnl_plan_pd(p, &preferred, &d, attr, NULL, err)) return -1;
    r->fwd_pd = preferred;
    if (e->act != dnnl_f32) return 0; /* bf16 weights are always a copy */
    DNNL_CHECK(dnnl_inner_product_forward_desc_init(
        &d, dnnl_forward_training, src_md, w_plain, b_md, dst_md));
    dnnl_primitive_desc_t plain;
    if (dnnl_primitive_desc_create(&plain, &d, attr, p->engine, NULL) !=
        dnnl_success)
        return 0; /* no implementation takes plain weights: keep blocked */
    int same = strcmp(impl_name(plain), impl_name(preferred)) == 0;
    DNNL_CHECK(dnnl_primitive_desc_destroy(plain));
    if (same) return dnnl_plan_pd(p, &r->fwd_pd, &d, attr, NULL, err);
    return 0;
}

static int dense_forward(dnnl_exec *e, int i, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    layer_rt *r = &e->rt[i];
    dnnl_dims_t src_d = {e->batch, l->fan_in}, dst_d = {e->batch, l->out_c};
    dnnl_memory_desc_t src_md, dst_md, w_plain, w_any, w_grad, b_md;
    /* the logits stay f32: softmax and the loss read them */
    int logits = i == e->m->n_layers - 1;
    if (md_act(e, &src_md, 2, src_d, dnnl_nc, err) ||
        md_typed(&dst_md, 2, dst_d, logits ? dnnl_f32 : e->act, dnnl_nc,
                 err) ||
        param_mds(e, l, &w_plain, &w_any, &w_grad, &b_md, err) ||
        dense_flatten(e, r, &src_md, err))
        return -1;
    if (dense_forward_pd(e, l, r, &src_md, &w_plain, &w_any, &b_md, &dst_md,
                         err))
        return -1;
    return weighted_forward_step(e, i, &w_plain, &b_md, &dst_md, err);
}

/* ReLU backward from the layer's output, in place on diff_dst. */
static int relu_backward(dnnl_exec *e, layer_rt *r, nn_err *err) {
    dnnl_plan *p = &e->plan;
    const dnnl_memory_desc_t *md = dnnl_plan_mem_md(r->dst);
    const dnnl_alg_kind_t alg = dnnl_eltwise_relu_use_dst_for_bwd;
    dnnl_eltwise_desc_t fwd, bwd;
    dnnl_primitive_desc_t hint, pd;
    DNNL_CHECK(dnnl_eltwise_forward_desc_init(&fwd, dnnl_forward_training, alg,
                                              md, 0, 0));
    if (dnnl_plan_pd(p, &hint, &fwd, p->attr, NULL, err)) return -1;
    DNNL_CHECK(dnnl_eltwise_backward_desc_init(&bwd, alg, md, md, 0, 0));
    if (dnnl_plan_pd(p, &pd, &bwd, p->attr, hint, err)) return -1;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_DST, r->dst},
                              {DNNL_ARG_DIFF_DST, r->diff_dst},
                              {DNNL_ARG_DIFF_SRC, r->diff_dst}};
    return dnnl_plan_step(p, &p->bwd, pd, args, 3, err);
}

/* mem as the backward primitive pd wants argument `what`: mem itself, or a
 * copy in the wanted layout made by a reorder appended to the backward list
 * now (so it runs before pd's step). */
static int bwd_input(dnnl_exec *e, dnnl_memory_t mem,
                     const_dnnl_primitive_desc_t pd, dnnl_query_t what,
                     dnnl_memory_t *out, nn_err *err) {
    const dnnl_memory_desc_t *want = dnnl_plan_md(pd, what);
    *out = mem;
    if (dnnl_memory_desc_equal(want, dnnl_plan_mem_md(mem))) return 0;
    if (new_memory(e, out, want, err)) return -1;
    return dnnl_plan_reorder(&e->plan, &e->plan.bwd, mem, *out, err);
}

/* Backward-weights step of pd, then a reorder of the weights gradient into
 * the plain grads when the primitive produced another layout. */
static int weights_grad_step(dnnl_exec *e, const nn_layer *l, layer_rt *r,
                             dnnl_primitive_desc_t pd, nn_err *err) {
    dnnl_plan *p = &e->plan;
    dnnl_memory_desc_t w_plain, w_any, w_grad, b_md;
    dnnl_memory_t gw_plain, gw, gb, src, diff_dst;
    if (param_mds(e, l, &w_plain, &w_any, &w_grad, &b_md, err) ||
        dnnl_plan_memory(p, &gw_plain, &w_plain, e->grads + l->weights_off,
                         err) ||
        dnnl_plan_memory(p, &gb, &b_md, e->grads + l->bias_off, err) ||
        bwd_input(e, r->src, pd, dnnl_query_src_md, &src, err) ||
        bwd_input(e, r->diff_dst, pd, dnnl_query_diff_dst_md, &diff_dst, err))
        return -1;
    const dnnl_memory_desc_t *got = dnnl_plan_md(pd, dnnl_query_diff_weights_md);
    gw = gw_plain;
    if (!dnnl_memory_desc_equal(got, &w_plain) && new_memory(e, &gw, got, err))
        return -1;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, src},
                              {DNNL_ARG_DIFF_DST, diff_dst},
                              {DNNL_ARG_DIFF_WEIGHTS, gw},
                              {DNNL_ARG_DIFF_BIAS, gb}};
    if (dnnl_plan_step(p, &p->bwd, pd, args, 4, err)) return -1;
    if (gw == gw_plain) return 0;
    return dnnl_plan_reorder(p, &p->bwd, gw, gw_plain, err);
}

/* Backward-data step of pd (conv or dense), then reorders of diff_src into
 * the layout the forward read (if pd chose another) and from there into the
 * previous layer's layout (if the forward needed one). */
static int data_grad_step(dnnl_exec *e, const nn_layer *l, layer_rt *r,
                          dnnl_primitive_desc_t pd, nn_err *err) {
    dnnl_plan *p = &e->plan;
    const dnnl_memory_desc_t *want = dnnl_plan_md(pd, dnnl_query_weights_md);
    dnnl_memory_t w = r->weights, diff_dst, diff_src = r->diff_src;
    if (!dnnl_memory_desc_equal(want, dnnl_plan_mem_md(w))) {
        dnnl_memory_desc_t w_plain, w_any, w_grad, b_md;
        if (param_mds(e, l, &w_plain, &w_any, &w_grad, &b_md, err) ||
            weights_memory(e, &w, l->weights_off, &w_plain, want, err))
            return -1;
    }
    const dnnl_memory_desc_t *got = dnnl_plan_md(pd, dnnl_query_diff_src_md);
    if (bwd_input(e, r->diff_dst, pd, dnnl_query_diff_dst_md, &diff_dst, err) ||
        (!dnnl_memory_desc_equal(got, dnnl_plan_mem_md(diff_src)) &&
         new_memory(e, &diff_src, got, err)))
        return -1;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_DIFF_DST, diff_dst},
                              {DNNL_ARG_WEIGHTS, w},
                              {DNNL_ARG_DIFF_SRC, diff_src}};
    if (dnnl_plan_step(p, &p->bwd, pd, args, 3, err)) return -1;
    if (diff_src != r->diff_src &&
        dnnl_plan_reorder(p, &p->bwd, diff_src, r->diff_src, err))
        return -1;
    if (!r->diff_unpack) return 0;
    return dnnl_plan_reorder(p, &p->bwd, r->diff_unpack, r->in_diff, err);
}

/* Backward-weights from the op descriptor weights_desc, then backward-data
 * from data_desc unless this is the first layer. */
static int grad_steps(dnnl_exec *e, int i, const void *weights_desc,
                      const void *data_desc, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    layer_rt *r = &e->rt[i];
    dnnl_primitive_desc_t pd;
    if (dnnl_plan_pd(&e->plan, &pd, weights_desc, e->plan.attr, r->fwd_pd,
                     err) ||
        weights_grad_step(e, l, r, pd, err))
        return -1;
    if (!r->in_diff) return 0; /* first layer: nobody needs dL/dinput */
    if (dnnl_plan_pd(&e->plan, &pd, data_desc, e->plan.attr, r->fwd_pd, err))
        return -1;
    return data_grad_step(e, l, r, pd, err);
}

/* Convolution backward lets oneDNN choose every activation layout (format
 * any), as a forward-chosen layout can leave backward without a jit kernel:
 * conv1's plain NCHW src (1 channel) gave `ref:any` backward-weights at
 * 500 ms a call. */
static int conv_backward(dnnl_exec *e, int i, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    dnnl_dims_t strides = {l->spec.stride, l->spec.stride};
    dnnl_dims_t pad = {l->spec.pad, l->spec.pad};
    dnnl_dims_t src_d = {e->batch, l->in_c, l->in_h, l->in_w};
    dnnl_dims_t dst_d = {e->batch, l->out_c, l->out_h, l->out_w};
    dnnl_memory_desc_t w_plain, w_any, w_grad, b_md, src_any, dst_any;
    if (param_mds(e, l, &w_plain, &w_any, &w_grad, &b_md, err) ||
        md_act(e, &src_any, 4, src_d, dnnl_format_tag_any, err) ||
        md_act(e, &dst_any, 4, dst_d, dnnl_format_tag_any, err))
        return -1;
    dnnl_convolution_desc_t wd, dd;
    DNNL_CHECK(dnnl_convolution_backward_weights_desc_init(
        &wd, dnnl_convolution_direct, &src_any, &w_grad, &b_md, &dst_any,
        strides, pad, pad));
    DNNL_CHECK(dnnl_convolution_backward_data_desc_init(
        &dd, dnnl_convolution_direct, &src_any, &w_any, &dst_any, strides, pad,
        pad));
    return grad_steps(e, i, &wd, &dd, err);
}

static int dense_backward(dnnl_exec *e, int i, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    layer_rt *r = &e->rt[i];
    const dnnl_memory_desc_t *src_md = dnnl_plan_mem_md(r->src);
    dnnl_memory_desc_t w_plain, w_any, w_grad, b_md, dst_md;
    /* dL/dlogits arrives f32; bf16 primitives read it as bf16 (bwd_input
     * reorders it) */
    dnnl_dims_t dst_d = {e->batch, l->out_c};
    if (param_mds(e, l, &w_plain, &w_any, &w_grad, &b_md, err) ||
        md_act(e, &dst_md, 2, dst_d, dnnl_nc, err))
        return -1;
    /* plain forward weights: ask for plain gradients and plain weights in
     * backward-data too, so neither needs a reorder */
    int plain = dnnl_memory_desc_equal(dnnl_plan_mem_md(r->weights), &w_plain);
    dnnl_inner_product_desc_t wd, dd;
    DNNL_CHECK(dnnl_inner_product_backward_weights_desc_init(
        &wd, src_md, plain ? &w_plain : &w_grad, &b_md, &dst_md));
    DNNL_CHECK(dnnl_inner_product_backward_data_desc_init(
        &dd, src_md, plain ? &w_plain : &w_any, &dst_md));
    return grad_steps(e, i, &wd, &dd, err);
}

static int pool_backward(dnnl_exec *e, int i, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    layer_rt *r = &e->rt[i];
    if (!r->in_diff) return 0;
    pool_geometry g = pool_geometry_of(l);
    dnnl_pooling_v2_desc_t d;
    dnnl_primitive_desc_t pd;
    DNNL_CHECK(dnnl_pooling_v2_backward_desc_init(
        &d, dnnl_pooling_max, dnnl_plan_mem_md(r->diff_src),
        dnnl_plan_mem_md(r->diff_dst), g.strides, g.kernel, g.dilation, g.pad,
        g.pad));
    if (dnnl_plan_pd(&e->plan, &pd, &d, e->plan.attr, r->fwd_pd, err))
        return -1;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_DIFF_DST, r->diff_dst},
                              {DNNL_ARG_DIFF_SRC, r->diff_src},
                              {DNNL_ARG_WORKSPACE, r->workspace}};
    return dnnl_plan_step(&e->plan, &e->plan.bwd, pd, args, 3, err);
}

/* The caller's input buffer: (batch, C, H, W) for a conv first layer, the
 * same bytes seen as (batch, C*H*W) for a dense one. */
static int make_user_src(dnnl_exec *e, nn_err *err) {
    const nn_model *m = e->m;
    dnnl_memory_desc_t md;
    if (m->layers[0].spec.kind == NN_LAYER_DENSE) {
        dnnl_dims_t d = {e->batch, nn_model_input_size(m)};
        if (md_init(&md, 2, d, dnnl_nc, err)) return -1;
    } else {
        dnnl_dims_t d = {e->batch, m->in_c, m->in_h, m->in_w};
        if (md_init(&md, 4, d, dnnl_nchw, err)) return -1;
    }
    if (dnnl_plan_memory(&e->plan, &e->user_src, &md, DNNL_MEMORY_NONE, err))
        return -1;
    e->rt[0].in = e->user_src;
    e->rt[0].in_diff = NULL;
    return 0;
}

static int build(dnnl_exec *e, nn_err *err) {
    const nn_model *m = e->m;
    if (dnnl_plan_init(&e->plan, err) || make_user_src(e, err)) return -1;
    for (int i = 0; i < m->n_layers; i++) {
        int rc = 0;
        e->plan.layer = i;
        switch (m->layers[i].spec.kind) {
        case NN_LAYER_CONV: rc = conv_forward(e, i, err); break;
        case NN_LAYER_DENSE: rc = dense_forward(e, i, err); break;
        case NN_LAYER_MAXPOOL: rc = pool_forward(e, i, err); break;
        }
        if (rc) return -1;
    }
    for (int i = m->n_layers - 1; i >= 0; i--) {
        e->plan.layer = i;
        if (m->layers[i].spec.relu && relu_backward(e, &e->rt[i], err))
            return -1;
        int rc = 0;
        switch (m->layers[i].spec.kind) {
        case NN_LAYER_CONV: rc = conv_backward(e, i, err); break;
        case NN_LAYER_DENSE: rc = dense_backward(e, i, err); break;
        case NN_LAYER_MAXPOOL: rc = pool_backward(e, i, err); break;
        }
        if (rc) return -1;
    }
    return dnnl_plan_finish(&e->plan, err);
}

int dnnl_exec_create(dnnl_exec **out, const nn_model *m, int batch,
                     int bf16, const float *params, float *grads,
                     nn_err *err) {
    dnnl_exec *e = calloc(1, sizeof *e);
    if (!e) return nn_errf(err, "oneDNN executor: out of memory");
    e->m = m, e->batch = batch, e->params = params, e->grads = grads;
    e->act = bf16 ? dnnl_bf16 : dnnl_f32;
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
    DNNL_CHECK(dnnl_memory_set_data_handle(e->user_diff_logits,
                                           (void *)diff_logits));
    return dnnl_plan_run(&e->plan, &e->plan.bwd, err);
}
