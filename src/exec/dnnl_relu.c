/* dnnl_relu.c: ReLU as an eltwise primitive: a layer of its own where it
 * cannot fuse into the layer before, and the backward of a fused one. Both
 * backwards read the forward's output (relu_use_dst_for_bwd), so nothing
 * else is kept. */
#include "dnnl_exec.h"

static const dnnl_alg_kind_t relu_alg = dnnl_eltwise_relu_use_dst_for_bwd;

/* diff_src = diff_dst where dst > 0, else 0 (diff_src may be diff_dst). */
static int relu_backward_step(dnnl_exec *e, dnnl_memory_t dst,
                              dnnl_memory_t diff_dst, dnnl_memory_t diff_src,
                              nn_err *err) {
    dnnl_plan *p = &e->plan;
    const dnnl_memory_desc_t *md = dnnl_plan_mem_md(dst);
    dnnl_eltwise_desc_t fwd, bwd;
    dnnl_primitive_desc_t hint, pd;
    DNNL_CHECK(dnnl_eltwise_forward_desc_init(&fwd, dnnl_forward_training,
                                              relu_alg, md, 0, 0));
    if (dnnl_plan_pd(p, &hint, &fwd, p->attr, NULL, err)) return -1;
    DNNL_CHECK(dnnl_eltwise_backward_desc_init(&bwd, relu_alg, md, md, 0, 0));
    if (dnnl_plan_pd(p, &pd, &bwd, p->attr, hint, err)) return -1;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_DST, dst},
                              {DNNL_ARG_DIFF_DST, diff_dst},
                              {DNNL_ARG_DIFF_SRC, diff_src}};
    return dnnl_plan_step(p, &p->bwd, pd, args, 3, err);
}

int dx_fused_relu_backward(dnnl_exec *e, layer_rt *r, nn_err *err) {
    return relu_backward_step(e, r->dst, r->diff_dst, r->diff_dst, err);
}

int dx_relu_forward(dnnl_exec *e, int i, nn_err *err) {
    layer_rt *r = &e->rt[i];
    dnnl_plan *p = &e->plan;
    const dnnl_memory_desc_t *md = dnnl_plan_mem_md(r->in);
    dnnl_eltwise_desc_t d;
    DNNL_CHECK(dnnl_eltwise_forward_desc_init(&d, e->prop, relu_alg, md, 0, 0));
    if (dnnl_plan_pd(p, &r->fwd_pd, &d, p->attr, NULL, err)) return -1;
    r->src = r->in, r->diff_src = r->in_diff;
    if (dx_make_dst(e, i, md, err)) return -1;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, r->src}, {DNNL_ARG_DST, r->dst}};
    return dnnl_plan_step(p, &p->fwd, r->fwd_pd, args, 2, err);
}

int dx_relu_backward(dnnl_exec *e, int i, nn_err *err) {
    layer_rt *r = &e->rt[i];
    if (!r->in_diff) return 0;
    return relu_backward_step(e, r->dst, r->diff_dst, r->in_diff, err);
}
