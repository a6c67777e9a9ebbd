/* dnnl_plan.c: ownership, step lists and the shared user scratchpad of a
 * oneDNN executor. */
#include "dnnl_plan.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

int dnnl_plan_init(dnnl_plan *p, nn_err *err) {
    memset(p, 0, sizeof *p);
    DNNL_CHECK(dnnl_engine_create(&p->engine, dnnl_cpu, 0));
    DNNL_CHECK(
        dnnl_stream_create(&p->stream, p->engine, dnnl_stream_default_flags));
    /* User scratchpad: primitives may then run on any thread, one buffer
     * per executor, allocated once. */
    DNNL_CHECK(dnnl_primitive_attr_create(&p->attr));
    DNNL_CHECK(dnnl_primitive_attr_set_scratchpad_mode(
        p->attr, dnnl_scratchpad_mode_user));
    DNNL_CHECK(dnnl_primitive_attr_create(&p->attr_relu));
    DNNL_CHECK(dnnl_primitive_attr_set_scratchpad_mode(
        p->attr_relu, dnnl_scratchpad_mode_user));
    dnnl_post_ops_t ops;
    DNNL_CHECK(dnnl_post_ops_create(&ops));
    dnnl_status_t s =
        dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, 0, 0);
    if (s == dnnl_success)
        s = dnnl_primitive_attr_set_post_ops(p->attr_relu, ops);
    DNNL_CHECK(dnnl_post_ops_destroy(ops));
    DNNL_CHECK(s);
    return 0;
}

/* Room for one more of n items of `size` bytes in *arr (capacity *cap). */
static int grow(void **arr, int n, int *cap, size_t size, nn_err *err) {
    if (n < *cap) return 0;
    int want = *cap ? 2 * *cap : 32;
    void *more = realloc(*arr, (size_t)want * size);
    if (!more) return nn_errf(err, "oneDNN plan: out of memory");
    *arr = more, *cap = want;
    return 0;
}

static void free_steps(dnnl_steps *list) {
    for (int i = 0; i < list->n; i++) {
        if (list->steps[i].prim) dnnl_primitive_destroy(list->steps[i].prim);
        free(list->steps[i].ctx);
    }
    free(list->steps);
}

void dnnl_plan_free(dnnl_plan *p) {
    /* Teardown of objects we created cannot meaningfully fail; statuses are
     * ignored here on purpose. */
    free_steps(&p->sync);
    free_steps(&p->fwd);
    free_steps(&p->bwd);
    for (int i = 0; i < p->n_mems; i++) dnnl_memory_destroy(p->mems[i]);
    for (int i = 0; i < p->n_pds; i++) dnnl_primitive_desc_destroy(p->pds[i]);
    free(p->mems);
    free(p->pds);
    if (p->attr) dnnl_primitive_attr_destroy(p->attr);
    if (p->attr_relu) dnnl_primitive_attr_destroy(p->attr_relu);
    if (p->stream) dnnl_stream_destroy(p->stream);
    if (p->engine) dnnl_engine_destroy(p->engine);
    free(p->scratchpad);
    memset(p, 0, sizeof *p);
}

int dnnl_plan_memory(dnnl_plan *p, dnnl_memory_t *mem,
                     const dnnl_memory_desc_t *md, void *handle, nn_err *err) {
    if (grow((void **)&p->mems, p->n_mems, &p->cap_mems, sizeof *p->mems,
             err))
        return -1;
    DNNL_CHECK(dnnl_memory_create(mem, md, p->engine, handle));
    p->mems[p->n_mems++] = *mem;
    return 0;
}

int dnnl_plan_pd(dnnl_plan *p, dnnl_primitive_desc_t *pd, const void *op_desc,
                 const_dnnl_primitive_attr_t attr,
                 const_dnnl_primitive_desc_t hint, nn_err *err) {
    int rc = dnnl_plan_pd_if_any(p, pd, op_desc, attr, hint, err);
    if (rc <= 0) return rc;
    return nn_errf(err, "oneDNN: dnnl_primitive_desc_create failed: "
                        "unimplemented (%s:%d)", __FILE__, __LINE__);
}

int dnnl_plan_pd_if_any(dnnl_plan *p, dnnl_primitive_desc_t *pd,
                        const void *op_desc, const_dnnl_primitive_attr_t attr,
                        const_dnnl_primitive_desc_t hint, nn_err *err) {
    if (grow((void **)&p->pds, p->n_pds, &p->cap_pds, sizeof *p->pds, err))
        return -1;
    dnnl_status_t s = dnnl_primitive_desc_create(
        pd, (const_dnnl_op_desc_t)op_desc, attr, p->engine, hint);
    if (s == dnnl_unimplemented) return 1;
    DNNL_CHECK(s);
    p->pds[p->n_pds++] = *pd;
    return 0;
}

int dnnl_plan_step(dnnl_plan *p, dnnl_steps *list,
                   const_dnnl_primitive_desc_t pd, const dnnl_exec_arg_t *args,
                   int nargs, nn_err *err) {
    if (nargs >= DNNL_PLAN_MAX_ARGS)
        return nn_errf(err, "oneDNN plan: %d arguments (at most %d)", nargs,
                       DNNL_PLAN_MAX_ARGS - 1);
    if (grow((void **)&list->steps, list->n, &list->cap, sizeof *list->steps,
             err))
        return -1;
    dnnl_step *s = &list->steps[list->n];
    memset(s, 0, sizeof *s);
    DNNL_CHECK(dnnl_primitive_create(&s->prim, pd));
    memcpy(s->args, args, (size_t)nargs * sizeof *args);
    s->nargs = nargs;
    s->layer = p->layer;
    list->n++;
    return 0;
}

int dnnl_plan_custom(dnnl_plan *p, dnnl_steps *list, dnnl_custom_fn fn,
                     void *ctx, nn_err *err) {
    if (grow((void **)&list->steps, list->n, &list->cap, sizeof *list->steps,
             err)) {
        free(ctx);
        return -1;
    }
    dnnl_step *s = &list->steps[list->n++];
    memset(s, 0, sizeof *s);
    s->fn = fn, s->ctx = ctx, s->layer = p->layer;
    return 0;
}

int dnnl_plan_reorder(dnnl_plan *p, dnnl_steps *list, dnnl_memory_t from,
                      dnnl_memory_t to, nn_err *err) {
    dnnl_primitive_desc_t pd;
    DNNL_CHECK(dnnl_reorder_primitive_desc_create(
        &pd, dnnl_plan_mem_md(from), p->engine, dnnl_plan_mem_md(to), p->engine,
        p->attr));
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    int rc = dnnl_plan_step(p, list, pd, args, 2, err);
    DNNL_CHECK(dnnl_primitive_desc_destroy(pd));
    return rc;
}

static size_t step_scratchpad_size(const dnnl_step *s) {
    const_dnnl_primitive_desc_t pd;
    if (!s->prim) return 0;
    if (dnnl_primitive_get_primitive_desc(s->prim, &pd) != dnnl_success)
        return 0;
    return dnnl_memory_desc_get_size(
        dnnl_plan_md(pd, dnnl_query_scratchpad_md));
}

/* Gives every step of list that needs scratch space a memory over the
 * shared buffer, described as its own primitive expects. */
static int attach_scratchpad(dnnl_plan *p, dnnl_steps *list, nn_err *err) {
    for (int i = 0; i < list->n; i++) {
        dnnl_step *s = &list->steps[i];
        if (step_scratchpad_size(s) == 0) continue;
        const_dnnl_primitive_desc_t pd;
        DNNL_CHECK(dnnl_primitive_get_primitive_desc(s->prim, &pd));
        dnnl_memory_t mem;
        if (dnnl_plan_memory(p, &mem,
                             dnnl_plan_md(pd, dnnl_query_scratchpad_md),
                             p->scratchpad, err))
            return -1;
        s->args[s->nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, mem};
    }
    return 0;
}

int dnnl_plan_finish(dnnl_plan *p, nn_err *err) {
    dnnl_steps *lists[] = {&p->sync, &p->fwd, &p->bwd};
    size_t bytes = 0;
    for (int l = 0; l < 3; l++)
        for (int i = 0; i < lists[l]->n; i++) {
            size_t b = step_scratchpad_size(&lists[l]->steps[i]);
            if (b > bytes) bytes = b;
        }
    if (bytes == 0) return 0;
    p->scratchpad = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!p->scratchpad)
        return nn_errf(err,
                       "oneDNN plan: out of memory for a %zu-byte "
                       "scratchpad",
                       bytes);
    for (int l = 0; l < 3; l++)
        if (attach_scratchpad(p, lists[l], err)) return -1;
    return 0;
}

int dnnl_plan_run(dnnl_plan *p, dnnl_steps *list, nn_err *err) {
    for (int i = 0; i < list->n; i++) {
        dnnl_step *s = &list->steps[i];
        double t0 = p->profile ? omp_get_wtime() : 0;
        if (s->prim) {
            dnnl_status_t st =
                dnnl_primitive_execute(s->prim, p->stream, s->nargs, s->args);
            if (st != dnnl_success)
                return nn_errf(err, "oneDNN: step %d (layer %d) failed: %s", i,
                               s->layer, dnnl_status2str(st));
        } else {
            /* the primitives before it must have finished */
            DNNL_CHECK(dnnl_stream_wait(p->stream));
            s->fn(s->ctx);
        }
        if (!p->profile) continue;
        DNNL_CHECK(dnnl_stream_wait(p->stream));
        s->seconds += omp_get_wtime() - t0;
    }
    DNNL_CHECK(dnnl_stream_wait(p->stream));
    return 0;
}

void dnnl_plan_layer_seconds(const dnnl_plan *p, double *fwd, double *bwd,
                             int n_layers) {
    for (int i = 0; i < n_layers; i++) fwd[i] = bwd[i] = 0;
    const dnnl_steps *into_fwd[] = {&p->sync, &p->fwd};
    for (int l = 0; l < 2; l++)
        for (int i = 0; i < into_fwd[l]->n; i++)
            fwd[into_fwd[l]->steps[i].layer] += into_fwd[l]->steps[i].seconds;
    for (int i = 0; i < p->bwd.n; i++)
        bwd[p->bwd.steps[i].layer] += p->bwd.steps[i].seconds;
}

const dnnl_memory_desc_t *dnnl_plan_md(const_dnnl_primitive_desc_t pd,
                                       dnnl_query_t what) {
    return dnnl_primitive_desc_query_md(pd, what, 0);
}

const dnnl_memory_desc_t *dnnl_plan_mem_md(const_dnnl_memory_t mem) {
    const dnnl_memory_desc_t *md = NULL;
    dnnl_memory_get_memory_desc(mem, &md);
    return md;
}
