/* dnnl_bnorm.c: batch normalization. Training normalises with the batch's
 * statistics, which a custom step then folds into the running statistics
 * (PyTorch's momentum, unbiased variance); inference normalises with the
 * running statistics. Scale and shift are params; a ReLU after it runs as
 * oneDNN's fused norm + ReLU (with a workspace for its backward).
 *
 * Synchronized (the batch spread over MPI ranks, e->sync_bn): the forward
 * computes this slice's statistics, combines every rank's
 * (bnorm_sync_stats) and normalises with the result as given statistics;
 * the backward with given statistics treats them as constants, so a
 * correction adds their paths back from the scale and shift gradients
 * summed over the ranks (see sync_correction). */
#include <math.h>
#include <stdlib.h>

#include "bnorm_sync.h"
#include "dnnl_exec.h"
#include "kernels.h"

static unsigned bnorm_flags(const dnnl_exec *e, const nn_layer *l) {
    unsigned f = dnnl_use_scale | dnnl_use_shift;
    if (l->spec.relu) f |= dnnl_fuse_norm_relu;
    if (!e->training || e->sync_bn) f |= dnnl_use_global_stats;
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

/* A training batch norm layer's statistics, shared by its custom steps
 * (owned by the plan's running-statistics step). */
struct bn_stats {
    dnnl_memory_t mean, var; /* the batch's, written by the forward */
    float *running_mean, *running_var;
    int c;
    long count; /* values per channel in this executor's batch */
    long total; /* ... in the whole batch, every rank's slice */
    double scratch[]; /* sync: 2c + 1 */
};
typedef struct bn_stats bn_stats;

static void sync_stats(void *ctx) {
    bn_stats *st = *(bn_stats **)ctx;
    st->total = bnorm_sync_stats(dx_handle(st->mean), dx_handle(st->var),
                                 st->c, st->count, st->scratch);
}

static void update_running(void *ctx) {
    bn_stats *st = ctx;
    bnorm_update_running(st->running_mean, st->running_var,
                         dx_handle(st->mean), dx_handle(st->var), st->c,
                         st->total, NN_BNORM_MOMENTUM);
}

/* Forward step of pd over the layer's src and dst with scale, shift and
 * the statistics (and workspace when pd has one). */
static int forward_step(dnnl_exec *e, layer_rt *r,
                        dnnl_primitive_desc_t pd, dnnl_memory_t scale,
                        dnnl_memory_t shift, dnnl_memory_t dst, nn_err *err) {
    dnnl_exec_arg_t args[7] = {{DNNL_ARG_SRC, r->src},
                               {DNNL_ARG_DST, dst},
                               {DNNL_ARG_SCALE, scale},
                               {DNNL_ARG_SHIFT, shift},
                               {DNNL_ARG_MEAN, r->mean},
                               {DNNL_ARG_VARIANCE, r->var}};
    int nargs = 6;
    const dnnl_memory_desc_t *ws = dnnl_plan_md(pd, dnnl_query_workspace_md);
    if (ws && ws->ndims > 0) {
        if (dx_new_memory(e, &r->workspace, ws, err)) return -1;
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_WORKSPACE, r->workspace};
    }
    return dnnl_plan_step(&e->plan, &e->plan.fwd, pd, args, nargs, err);
}

/* Synchronized: this slice's statistics (a plain training forward whose
 * dst the real one overwrites), then every rank's (a custom step whose ctx
 * only points to st, which another step owns). */
static int slice_stats(dnnl_exec *e, layer_rt *r, dnnl_memory_t scale,
                       dnnl_memory_t shift, bn_stats *st, nn_err *err) {
    dnnl_batch_normalization_desc_t d;
    dnnl_primitive_desc_t pd;
    DNNL_CHECK(dnnl_batch_normalization_forward_desc_init(
        &d, dnnl_forward_training, dnnl_plan_mem_md(r->src), NN_BNORM_EPS,
        dnnl_use_scale | dnnl_use_shift));
    if (dnnl_plan_pd(&e->plan, &pd, &d, e->plan.attr, NULL, err) ||
        forward_step(e, r, pd, scale, shift, r->dst, err))
        return -1;
    bn_stats **ctx = malloc(sizeof *ctx);
    if (!ctx) return nn_errf(err, "oneDNN executor: out of memory");
    *ctx = st;
    return dnnl_plan_custom(&e->plan, &e->plan.fwd, sync_stats, ctx, err);
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
    if (!e->training)
        return forward_step(e, r, r->fwd_pd, scale_mem, shift_mem, r->dst,
                            err);
    bn_stats *st = malloc(sizeof *st + (size_t)(2 * l->out_c + 1) *
                                           sizeof(double));
    if (!st) return nn_errf(err, "oneDNN executor: out of memory");
    long count = (long)e->batch * l->out_h * l->out_w;
    *st = (bn_stats){r->mean, r->var, running, running + l->out_c, l->out_c,
                     count, count};
    if ((e->sync_bn && slice_stats(e, r, scale_mem, shift_mem, st, err)) ||
        forward_step(e, r, r->fwd_pd, scale_mem, shift_mem, r->dst, err)) {
        free(st);
        return -1;
    }
    r->stats = st; /* owned by its step from here */
    return dnnl_plan_custom(p, &p->fwd, update_running, st, err);
}

/* Synchronized backward. With given statistics oneDNN's backward treats
 * them as constants: diff_src = a dy for a = scale / sqrt(var + eps), and
 * the scale and shift gradients of this slice, sum dy xhat and sum dy. The
 * statistics' own paths add -a (sum dy + xhat sum dy xhat) / N, the sums
 * over every rank's N values. That is a batch norm forward with the same
 * statistics, scale -a sum dy xhat / N and shift -a sum dy / N, into corr,
 * then diff_src += corr. */
typedef struct {
    bn_stats *st;
    const float *scale, *diff_scale, *diff_shift; /* params, grads */
    dnnl_memory_t corr_scale, corr_shift;         /* (C) */
} correction;

static void sync_correction(void *ctx) {
    correction *k = ctx;
    const bn_stats *st = k->st;
    int c = st->c;
    double *sums = k->st->scratch; /* sum dy (C), sum dy xhat (C) */
    for (int ch = 0; ch < c; ch++) {
        sums[ch] = k->diff_shift[ch];
        sums[c + ch] = k->diff_scale[ch];
    }
    bnorm_sync_sums(sums, 2 * c);
    const float *var = dx_handle(st->var);
    float *cs = dx_handle(k->corr_scale), *ct = dx_handle(k->corr_shift);
    for (int ch = 0; ch < c; ch++) {
        double a = k->scale[ch] / sqrt((double)var[ch] + NN_BNORM_EPS);
        cs[ch] = (float)(-a * sums[c + ch] / (double)st->total);
        ct[ch] = (float)(-a * sums[ch] / (double)st->total);
    }
}

static int sync_backward(dnnl_exec *e, const nn_layer *l, layer_rt *r,
                         nn_err *err) {
    dnnl_plan *p = &e->plan;
    const dnnl_memory_desc_t *md = dnnl_plan_mem_md(r->src);
    correction *k = malloc(sizeof *k);
    if (!k) return nn_errf(err, "oneDNN executor: out of memory");
    *k = (correction){r->stats, e->params + l->weights_off,
                      e->grads + l->weights_off, e->grads + l->bias_off,
                      NULL, NULL};
    dnnl_memory_t corr;
    if (channel_memory(e, &k->corr_scale, l->out_c, NULL, err) ||
        channel_memory(e, &k->corr_shift, l->out_c, NULL, err) ||
        dx_new_memory(e, &corr, md, err)) {
        free(k);
        return -1;
    }
    dnnl_memory_t cs = k->corr_scale, ct = k->corr_shift;
    if (dnnl_plan_custom(p, &p->bwd, sync_correction, k, err)) return -1;
    dnnl_batch_normalization_desc_t d;
    dnnl_primitive_desc_t pd;
    DNNL_CHECK(dnnl_batch_normalization_forward_desc_init(
        &d, dnnl_forward_inference, md, NN_BNORM_EPS,
        dnnl_use_scale | dnnl_use_shift | dnnl_use_global_stats));
    if (dnnl_plan_pd(p, &pd, &d, p->attr, NULL, err)) return -1;
    dnnl_exec_arg_t fwd[] = {{DNNL_ARG_SRC, r->src},  {DNNL_ARG_DST, corr},
                             {DNNL_ARG_SCALE, cs},     {DNNL_ARG_SHIFT, ct},
                             {DNNL_ARG_MEAN, r->mean}, {DNNL_ARG_VARIANCE, r->var}};
    if (dnnl_plan_step(p, &p->bwd, pd, fwd, 6, err)) return -1;
    dnnl_binary_desc_t b;
    DNNL_CHECK(dnnl_binary_desc_init(&b, dnnl_binary_add,
                                     dnnl_plan_mem_md(r->diff_src), md,
                                     dnnl_plan_mem_md(r->diff_src)));
    if (dnnl_plan_pd(p, &pd, &b, p->attr, NULL, err)) return -1;
    dnnl_exec_arg_t add[] = {{DNNL_ARG_SRC_0, r->diff_src},
                             {DNNL_ARG_SRC_1, corr},
                             {DNNL_ARG_DST, r->diff_src}};
    return dnnl_plan_step(p, &p->bwd, pd, add, 3, err);
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
    if (dnnl_plan_step(p, &p->bwd, pd, args, nargs, err)) return -1;
    return e->sync_bn && r->diff_src ? sync_backward(e, l, r, err) : 0;
}
