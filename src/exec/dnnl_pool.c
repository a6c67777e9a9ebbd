/* dnnl_pool.c: max and average pooling, a max pool with the ReLU moved past
 * it as a post-op. Max pooling keeps a workspace (the
 * arg-max) for its backward when training; average pooling needs none. */
#include "dnnl_exec.h"

/* Pooling geometry shared by the forward and backward descriptors. */
typedef struct {
    dnnl_dims_t strides, kernel, dilation, pad;
    dnnl_alg_kind_t alg;
} pool_geometry;

static pool_geometry pool_geometry_of(const nn_layer *l) {
    pool_geometry g = {{l->spec.stride, l->spec.stride},
                       {l->spec.kernel, l->spec.kernel}, {0, 0}, {0, 0},
                       l->spec.kind == NN_LAYER_MAXPOOL
                           ? dnnl_pooling_max
                           : dnnl_pooling_avg_exclude_padding};
    return g;
}

int dx_pool_forward(dnnl_exec *e, int i, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    layer_rt *r = &e->rt[i];
    dnnl_plan *p = &e->plan;
    dnnl_dims_t dst_d = {e->batch, l->out_c, l->out_h, l->out_w};
    dnnl_memory_desc_t dst_any;
    if (dx_md_act(e, &dst_any, 4, dst_d, dnnl_format_tag_any, err)) return -1;
    pool_geometry g = pool_geometry_of(l);
    dnnl_pooling_v2_desc_t d;
    DNNL_CHECK(dnnl_pooling_v2_forward_desc_init(
        &d, e->prop, g.alg, dnnl_plan_mem_md(r->in), &dst_any, g.strides,
        g.kernel, g.dilation, g.pad, g.pad));
    if (dnnl_plan_pd(p, &r->fwd_pd, &d, dx_attr(e, r->relu), NULL, err))
        return -1;
    r->src = r->in, r->diff_src = r->in_diff;
    if (dx_make_dst(e, i, dnnl_plan_md(r->fwd_pd, dnnl_query_dst_md), err))
        return -1;
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, r->src}, {DNNL_ARG_DST, r->dst}};
    const dnnl_memory_desc_t *ws =
        dnnl_plan_md(r->fwd_pd, dnnl_query_workspace_md);
    int nargs = 2;
    if (ws && ws->ndims > 0) {
        if (dx_new_memory(e, &r->workspace, ws, err)) return -1;
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_WORKSPACE, r->workspace};
    }
    return dnnl_plan_step(p, &p->fwd, r->fwd_pd, args, nargs, err);
}

int dx_pool_backward(dnnl_exec *e, int i, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    layer_rt *r = &e->rt[i];
    if (!r->in_diff) return 0; /* first layer: nobody needs dL/dinput */
    pool_geometry g = pool_geometry_of(l);
    dnnl_pooling_v2_desc_t d;
    dnnl_primitive_desc_t pd;
    DNNL_CHECK(dnnl_pooling_v2_backward_desc_init(
        &d, g.alg, dnnl_plan_mem_md(r->diff_src),
        dnnl_plan_mem_md(r->diff_dst), g.strides, g.kernel, g.dilation, g.pad,
        g.pad));
    if (dnnl_plan_pd(&e->plan, &pd, &d, e->plan.attr, r->fwd_pd, err))
        return -1;
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_DIFF_DST, r->diff_dst},
                               {DNNL_ARG_DIFF_SRC, r->diff_src}};
    int nargs = 2;
    if (r->workspace)
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_WORKSPACE, r->workspace};
    return dnnl_plan_step(&e->plan, &e->plan.bwd, pd, args, nargs, err);
}
