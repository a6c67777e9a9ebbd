/* dnnl_bnorm.c: batch normalization. Training normalises with the batch's
 * statistics, which a custom step then folds into the running statistics
 * (PyTorch's momentum, unbiased variance); inference normalises with the
 * running statistics. Scale and shift are params; a ReLU after it runs as
 * oneDNN's fused norm + ReLU (with a workspace for its backward). */
#include <stdlib.h>

#include "dnnl_exec.h"
#include "kernels.h"

static unsigned bnorm_flags(const dnnl_exec *e, const nn_layer *l) {
    unsigned f = dnnl_use_scale | dnnl_use_shift;
    if (l->spec.relu) f |= dnnl_fuse_norm_relu;
    if (!e->training) f |= dnnl_use_global_stats;
    return f;
}

/* A (C) f32 memory over buf, or allocated when buf is NULL. */
static int channel_memory(dnnl_exec *e, dnnl_memory_t *mem, int c, float *buf,
                          nn_err *err) {
    dnnl_dims_t d = {c};
    dnnl_memory_desc_t md;
    if (dx_md_f32(&md, 1, d, dnnl_x, err)) return -1;
    if (!buf) return dx_new_memory(e, mem, &md, err);
    return dnnl_plan_memory(&e->plan, mem, &md, buf, err);
}

typedef struct {
    dnnl_memory_t mean, var; /* the batch's, written by the forward */
    float *running_mean, *running_var;
    int c;
    long count; /* values per channel in a batch */
} running_update;

static void update_running(void *ctx) {
    running_update *u = ctx;
    bnorm_update_running(u->running_mean, u->running_var, dx_handle(u->mean),
                         dx_handle(u->var), u->c, u->count, NN_BNORM_MOMENTUM);
}

int dx_bnorm_forward(dnnl_exec *e, int i, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    layer_rt *r = &e->rt[i];
    dnnl_plan *p = &e->plan;
    float *running = e->m->state + l->state_off; /* mean (C), var (C) */
    float *scale = (float *)e->params + l->weights_off;
    float *shift = (float *)e->params + l->bias_off;
    dnnl_batch_normalization_desc_t d;
    DNNL_CHECK(dnnl_batch_normalization_forward_desc_init(
        &d, e->prop, dnnl_plan_mem_md(r->in), NN_BNORM_EPS,
        bnorm_flags(e, l)));
    if (dnnl_plan_pd(p, &r->fwd_pd, &d, p->attr, NULL, err)) return -1;
    r->src = r->in, r->diff_src = r->in_diff;
    dnnl_memory_t scale_mem, shift_mem;
    float *stats = e->training ? NULL : running;
    if (channel_memory(e, &scale_mem, l->out_c, scale, err) ||
        channel_memory(e, &shift_mem, l->out_c, shift, err) ||
        channel_memory(e, &r->mean, l->out_c, stats, err) ||
        channel_memory(e, &r->var, l->out_c, stats ? stats + l->out_c : NULL,
                       err) ||
        dx_make_dst(e, i, dnnl_plan_md(r->fwd_pd, dnnl_query_dst_md), err))
        return -1;
    dnnl_exec_arg_t args[8] = {{DNNL_ARG_SRC, r->src},
                               {DNNL_ARG_DST, r->dst},
                               {DNNL_ARG_SCALE, scale_mem},
                               {DNNL_ARG_SHIFT, shift_mem},
                               {DNNL_ARG_MEAN, r->mean},
                               {DNNL_ARG_VARIANCE, r->var}};
    int nargs = 6;
    const dnnl_memory_desc_t *ws =
        dnnl_plan_md(r->fwd_pd, dnnl_query_workspace_md);
    if (ws && ws->ndims > 0) {
        if (dx_new_memory(e, &r->workspace, ws, err)) return -1;
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_WORKSPACE, r->workspace};
    }
    if (dnnl_plan_step(p, &p->fwd, r->fwd_pd, args, nargs, err)) return -1;
    if (!e->training) return 0;
    running_update *u = malloc(sizeof *u);
    if (!u) return nn_errf(err, "oneDNN executor: out of memory");
    *u = (running_update){r->mean, r->var, running, running + l->out_c,
                          l->out_c, (long)e->batch * l->out_h * l->out_w};
    return dnnl_plan_custom(p, &p->fwd, update_running, u, err);
}

int dx_bnorm_backward(dnnl_exec *e, int i, nn_err *err) {
    const nn_layer *l = &e->m->layers[i];
    layer_rt *r = &e->rt[i];
    dnnl_plan *p = &e->plan;
    const dnnl_memory_desc_t *md = dnnl_plan_mem_md(r->src);
    dnnl_batch_normalization_desc_t d;
    DNNL_CHECK(dnnl_batch_normalization_backward_desc_init(
        &d, dnnl_backward, md, md, NN_BNORM_EPS, bnorm_flags(e, l)));
    dnnl_primitive_desc_t pd;
    if (dnnl_plan_pd(p, &pd, &d, p->attr, r->fwd_pd, err)) return -1;
    dnnl_memory_t scale, shift, diff_scale, diff_shift;
    if (channel_memory(e, &scale, l->out_c,
                       (float *)e->params + l->weights_off, err) ||
        channel_memory(e, &shift, l->out_c, (float *)e->params + l->bias_off,
                       err) ||
        channel_memory(e, &diff_scale, l->out_c, e->grads + l->weights_off,
                       err) ||
        channel_memory(e, &diff_shift, l->out_c, e->grads + l->bias_off, err))
        return -1;
    /* oneDNN 2.6 refuses the backward (invalid_arguments) without the
     * shift, although the gradients do not depend on it */
    dnnl_exec_arg_t args[10] = {{DNNL_ARG_SRC, r->src},
                                {DNNL_ARG_MEAN, r->mean},
                                {DNNL_ARG_VARIANCE, r->var},
                                {DNNL_ARG_DIFF_DST, r->diff_dst},
                                {DNNL_ARG_SCALE, scale},
                                {DNNL_ARG_SHIFT, shift},
                                {DNNL_ARG_DIFF_SRC, r->diff_src},
                                {DNNL_ARG_DIFF_SCALE, diff_scale},
                                {DNNL_ARG_DIFF_SHIFT, diff_shift}};
    int nargs = 9;
    if (r->workspace)
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_WORKSPACE, r->workspace};
    return dnnl_plan_step(p, &p->bwd, pd, args, nargs, err);
}
