/* dnnl_conv_dense.c: the layers with weights, convolution and inner
 * product: their weights (plain params, or a copy in the layout a primitive
 * prefers), forward with an optional ReLU post-op, backward-weights into
 * the plain gradients and backward-data. */
#include <string.h>

#include "dnnl_exec.h"

/* Weight and bias descriptors of layer l: w_plain is our f32 layout of the
 * params and grads, w_any the weights a primitive reads (layout of its
 * choice, the executor's precision), w_grad_any the f32 gradient it writes
 * (layout of its choice). */
static int param_mds(const dnnl_exec *e, const nn_layer *l,
                     dnnl_memory_desc_t *w_plain, dnnl_memory_desc_t *w_any,
                     dnnl_memory_desc_t *w_grad_any, dnnl_memory_desc_t *b_md,
                     nn_err *err) {
    dnnl_dims_t b_dims = {l->out_c};
    if (dx_md_f32(b_md, 1, b_dims, dnnl_x, err)) return -1;
    int k = l->spec.kernel, conv = l->spec.kind == NN_LAYER_CONV;
    dnnl_dims_t w_conv = {l->out_c, l->in_c, k, k};
    dnnl_dims_t w_dense = {l->out_c, (dnnl_dim_t)l->fan_in};
    int nd = conv ? 4 : 2;
    const dnnl_dim_t *w = conv ? w_conv : w_dense;
    if (dx_md_f32(w_plain, nd, w, conv ? dnnl_oihw : dnnl_oi, err) ||
        dx_md_f32(w_grad_any, nd, w, dnnl_format_tag_any, err))
        return -1;
    return dx_md_act(e, w_any, nd, w, dnnl_format_tag_any, err);
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
    if (dx_new_memory(e, out, want, err)) return -1;
    return dnnl_plan_reorder(p, &p->sync, user, *out, err);
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
        dx_make_dst(e, i, dst_md, err))
        return -1;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, r->src},
                              {DNNL_ARG_WEIGHTS, r->weights},
                              {DNNL_ARG_BIAS, bias},
                              {DNNL_ARG_DST, r->dst}};
    return dnnl_plan_step(p, &p->fwd, r->fwd_pd, args, 4, err);
}

/* The pd of layer l's convolution desc d: Winograd F(4x4, 3x3) where
 * oneDNN has it (f32 on AVX-512) and the channels fill its 16-wide blocks,
 * direct convolution elsewhere. Winograd needs about 2.25x fewer
 * multiplications: the seed CNN's conv2 forward went from 1.9 to 1.3 ms and
 * its backward from 4.3 to 2.9 ms (batch 64, 2 threads, AVX-512). On conv1
 * (1 input channel) oneDNN pads the channels to 16, 16x the work. */
static int conv_pd(dnnl_plan *p, const nn_layer *l, dnnl_primitive_desc_t *pd,
                   dnnl_convolution_desc_t *d,
                   const_dnnl_primitive_attr_t attr,
                   const_dnnl_primitive_desc_t hint, nn_err *err) {
    if (l->spec.kernel == 3 && l->spec.stride == 1 && l->in_c % 16 == 0 &&
        l->out_c % 16 == 0) {
        d->alg_kind = dnnl_convolution_winograd;
        int rc = dnnl_plan_pd_if_any(p, pd, d, attr, hint, err);
        if (rc <= 0) return rc;
    }
    d->alg_kind = dnnl_convolution_direct;
    return dnnl_plan_pd(p, pd, d, attr, hint, err);
}

int dx_conv_forward(dnnl_exec *e, int i, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    layer_rt *r = &e->rt[i];
    dnnl_plan *p = &e->plan;
    dnnl_dims_t src_d = {e->batch, l->in_c, l->in_h, l->in_w};
    dnnl_dims_t dst_d = {e->batch, l->out_c, l->out_h, l->out_w};
    dnnl_dims_t strides = {l->spec.stride, l->spec.stride};
    dnnl_dims_t pad = {l->spec.pad, l->spec.pad};
    dnnl_memory_desc_t src_any, dst_any, w_plain, w_any, w_grad, b_md;
    if (dx_md_act(e, &src_any, 4, src_d, dnnl_format_tag_any, err) ||
        dx_md_act(e, &dst_any, 4, dst_d, dnnl_format_tag_any, err) ||
        param_mds(e, l, &w_plain, &w_any, &w_grad, &b_md, err))
        return -1;
    dnnl_convolution_desc_t d;
    const_dnnl_primitive_attr_t attr = dx_attr(e, r->relu);
    DNNL_CHECK(dnnl_convolution_forward_desc_init(
        &d, dnnl_forward_training, dnnl_convolution_direct, &src_any, &w_any,
        &b_md, &dst_any, strides, pad, pad));
    if (conv_pd(p, l, &r->fwd_pd, &d, attr, NULL, err)) return -1;
    /* A Winograd convolution infers with its training pd: oneDNN 2.6 has
     * no Winograd inference in these layouts, and a convolution's training
     * forward computes nothing more (it keeps no workspace). */
    if (!e->training && d.alg_kind == dnnl_convolution_direct) {
        /* inference in the layouts training chose: left to choose, it
         * takes channels-last brgconv kernels that ran slower here, and
         * reorders around pooling and the flatten */
        DNNL_CHECK(dnnl_convolution_forward_desc_init(
            &d, dnnl_forward_inference, dnnl_convolution_direct,
            dnnl_plan_md(r->fwd_pd, dnnl_query_src_md),
            dnnl_plan_md(r->fwd_pd, dnnl_query_weights_md), &b_md,
            dnnl_plan_md(r->fwd_pd, dnnl_query_dst_md), strides, pad, pad));
        if (dnnl_plan_pd(p, &r->fwd_pd, &d, attr, NULL, err)) return -1;
    }
    if (dx_adopt_src(e, r, dnnl_plan_md(r->fwd_pd, dnnl_query_src_md), err))
        return -1;
    return weighted_forward_step(e, i, &w_plain, &b_md,
                                 dnnl_plan_md(r->fwd_pd, dnnl_query_dst_md),
                                 err);
}

/* A dense layer reads its input as plain 2D (batch, C*H*W), flattened in
 * (channel, row, column) order like PyTorch. A 4D input in another layout
 * is reordered to plain NCHW first; the 2D memories are views of 4D ones. */
static int dense_flatten(dnnl_exec *e, layer_rt *r,
                         const dnnl_memory_desc_t *src2d, nn_err *err) {
    const dnnl_memory_desc_t *in_md = dnnl_plan_mem_md(r->in);
    if (in_md->ndims == 2) /* a dense layer's output, or the user's f32 images */
        return dx_adopt_src(e, r, src2d, err);
    dnnl_memory_desc_t flat4;
    if (dx_md_act(e, &flat4, 4, in_md->dims, dnnl_nchw, err)) return -1;
    dnnl_memory_t flat = r->in, flat_diff = r->in_diff;
    if (!dnnl_memory_desc_equal(in_md, &flat4)) {
        if (dx_new_memory(e, &flat, &flat4, err) ||
            dnnl_plan_reorder(&e->plan, &e->plan.fwd, r->in, flat, err))
            return -1;
        if (r->in_diff && dx_new_memory(e, &flat_diff, &flat4, err)) return -1;
        r->diff_unpack = r->in_diff ? flat_diff : NULL;
    }
    if (dnnl_plan_memory(&e->plan, &r->src, src2d, dx_handle(flat), err))
        return -1;
    if (!flat_diff) return 0;
    return dnnl_plan_memory(&e->plan, &r->diff_src, src2d,
                            dx_handle(flat_diff), err);
}

/* Whether oneDNN has an implementation of op desc d. */
static int implemented(const dnnl_exec *e, const void *d,
                       const_dnnl_primitive_desc_t hint) {
    dnnl_primitive_desc_t pd;
    if (dnnl_primitive_desc_create(&pd, d, e->plan.attr, e->plan.engine,
                                   hint) != dnnl_success)
        return 0;
    dnnl_primitive_desc_destroy(pd);
    return 1;
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
static int dense_forward_pd(dnnl_exec *e, layer_rt *r,
                            const dnnl_memory_desc_t *src_md,
                            const dnnl_memory_desc_t *w_plain,
                            const dnnl_memory_desc_t *w_any,
                            const dnnl_memory_desc_t *b_md,
                            const dnnl_memory_desc_t *dst_md, nn_err *err) {
    dnnl_plan *p = &e->plan;
    const_dnnl_primitive_attr_t attr = dx_attr(e, r->relu);
    dnnl_inner_product_desc_t d;
    dnnl_primitive_desc_t preferred;
    DNNL_CHECK(dnnl_inner_product_forward_desc_init(
        &d, e->prop, src_md, w_any, b_md, dst_md));
    if (dnnl_plan_pd(p, &preferred, &d, attr, NULL, err)) return -1;
    r->fwd_pd = preferred;
    if (e->act != dnnl_f32) return 0; /* bf16 weights are always a copy */
    DNNL_CHECK(dnnl_inner_product_forward_desc_init(
        &d, e->prop, src_md, w_plain, b_md, dst_md));
    dnnl_primitive_desc_t plain;
    if (dnnl_primitive_desc_create(&plain, &d, attr, p->engine, NULL) !=
        dnnl_success)
        return 0; /* no implementation takes plain weights: keep blocked */
    int same = strcmp(impl_name(plain), impl_name(preferred)) == 0;
    DNNL_CHECK(dnnl_primitive_desc_destroy(plain));
    if (same) return dnnl_plan_pd(p, &r->fwd_pd, &d, attr, NULL, err);
    return 0;
}

int dx_dense_forward(dnnl_exec *e, int i, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    layer_rt *r = &e->rt[i];
    dnnl_dims_t src_d = {e->batch, l->fan_in}, dst_d = {e->batch, l->out_c};
    dnnl_memory_desc_t src_md, dst_md, w_plain, w_any, w_grad, b_md;
    /* the logits stay f32: softmax and the loss read them */
    int logits = i == e->m->n_layers - 1;
    if (dx_md_act(e, &src_md, 2, src_d, dnnl_nc, err) ||
        dx_md_typed(&dst_md, 2, dst_d, logits ? dnnl_f32 : e->act, dnnl_nc,
                 err) ||
        param_mds(e, l, &w_plain, &w_any, &w_grad, &b_md, err) ||
        dense_flatten(e, r, &src_md, err))
        return -1;
    if (dense_forward_pd(e, r, &src_md, &w_plain, &w_any, &b_md, &dst_md,
                         err))
        return -1;
    return weighted_forward_step(e, i, &w_plain, &b_md, &dst_md, err);
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
    if (dx_new_memory(e, out, want, err)) return -1;
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
    if (!dnnl_memory_desc_equal(got, &w_plain) && dx_new_memory(e, &gw, got, err))
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
         dx_new_memory(e, &diff_src, got, err)))
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

/* The pd of layer l's backward op desc (convolution or inner product). */
static int grad_pd(dnnl_exec *e, const nn_layer *l, dnnl_primitive_desc_t *pd,
                   void *desc, const_dnnl_primitive_desc_t hint, nn_err *err) {
    if (l->spec.kind == NN_LAYER_CONV)
        return conv_pd(&e->plan, l, pd, desc, e->plan.attr, hint, err);
    return dnnl_plan_pd(&e->plan, pd, desc, e->plan.attr, hint, err);
}

/* Backward-weights from the op descriptor weights_desc, then backward-data
 * from data_desc unless this is the first layer. */
static int grad_steps(dnnl_exec *e, int i, void *weights_desc,
                      void *data_desc, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    layer_rt *r = &e->rt[i];
    dnnl_primitive_desc_t pd;
    if (grad_pd(e, l, &pd, weights_desc, r->fwd_pd, err) ||
        weights_grad_step(e, l, r, pd, err))
        return -1;
    if (!r->in_diff) return 0; /* first layer: nobody needs dL/dinput */
    if (grad_pd(e, l, &pd, data_desc, r->fwd_pd, err)) return -1;
    return data_grad_step(e, l, r, pd, err);
}

/* Convolution backward lets oneDNN choose every activation layout (format
 * any), as a forward-chosen layout can leave backward without a jit kernel:
 * conv1's plain NCHW src (1 channel) gave `ref:any` backward-weights at
 * 500 ms a call. */
int dx_conv_backward(dnnl_exec *e, int i, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    dnnl_dims_t strides = {l->spec.stride, l->spec.stride};
    dnnl_dims_t pad = {l->spec.pad, l->spec.pad};
    dnnl_dims_t src_d = {e->batch, l->in_c, l->in_h, l->in_w};
    dnnl_dims_t dst_d = {e->batch, l->out_c, l->out_h, l->out_w};
    dnnl_memory_desc_t w_plain, w_any, w_grad, b_md, src_any, dst_any;
    if (param_mds(e, l, &w_plain, &w_any, &w_grad, &b_md, err) ||
        dx_md_act(e, &src_any, 4, src_d, dnnl_format_tag_any, err) ||
        dx_md_act(e, &dst_any, 4, dst_d, dnnl_format_tag_any, err))
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

int dx_dense_backward(dnnl_exec *e, int i, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    layer_rt *r = &e->rt[i];
    const dnnl_memory_desc_t *src_md = dnnl_plan_mem_md(r->src);
    dnnl_memory_desc_t w_plain, w_any, w_grad, b_md, dst_md;
    /* dL/dlogits arrives f32; bf16 primitives read it as bf16 (bwd_input
     * reorders it) */
    dnnl_dims_t dst_d = {e->batch, l->out_c};
    if (param_mds(e, l, &w_plain, &w_any, &w_grad, &b_md, err) ||
        dx_md_act(e, &dst_md, 2, dst_d, dnnl_nc, err))
        return -1;
    /* Plain gradients where an implementation writes them: on AVX-512
     * gemm:jit does, where brgemm wants blocked ones and a reorder after
     * (MLP step 0.54 -> 0.49 ms, CNN 8.4-8.9 -> 6.9-8.4 ms, batch 64, 2
     * threads). Plain forward weights: plain ones in backward-data too. */
    int plain = dnnl_memory_desc_equal(dnnl_plan_mem_md(r->weights), &w_plain);
    dnnl_inner_product_desc_t wd, dd;
    DNNL_CHECK(dnnl_inner_product_backward_weights_desc_init(
        &wd, src_md, &w_plain, &b_md, &dst_md));
    if (!implemented(e, &wd, r->fwd_pd))
        DNNL_CHECK(dnnl_inner_product_backward_weights_desc_init(
            &wd, src_md, &w_grad, &b_md, &dst_md));
    DNNL_CHECK(dnnl_inner_product_backward_data_desc_init(
        &dd, src_md, plain ? &w_plain : &w_any, &dst_md));
    return grad_steps(e, i, &wd, &dd, err);
}

