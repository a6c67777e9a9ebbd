/* dnnl_plan.h: the oneDNN plumbing of one executor: an engine and stream,
 * every memory and primitive it owns (destroyed together), and lists of
 * (primitive, args) steps built once and executed per batch. */
#ifndef NN_DNNL_PLAN_H
#define NN_DNNL_PLAN_H

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

#include "nn_error.h"

/* Every oneDNN call is checked; a failure names the call and the status.
 * Used inside functions that take `nn_err *err` and return int. */
#define DNNL_CHECK(call)                                                      \
    do {                                                                      \
        dnnl_status_t s_ = (call);                                            \
        if (s_ != dnnl_success)                                               \
            return nn_errf(err, "oneDNN: %s failed: %s (%s:%d)", #call,       \
                           dnnl_status2str(s_), __FILE__, __LINE__);          \
    } while (0)

#define DNNL_PLAN_MAX_ARGS 12

/* A step of our own between primitives (dropout, running statistics). */
typedef void (*dnnl_custom_fn)(void *ctx);

typedef struct {
    dnnl_primitive_t prim; /* NULL: a custom step */
    dnnl_custom_fn fn;
    void *ctx;             /* owned by the plan (freed with it) */
    int nargs;
    dnnl_exec_arg_t args[DNNL_PLAN_MAX_ARGS];
    int layer;      /* the model layer this step belongs to */
    double seconds; /* time spent in it while profiling */
} dnnl_step;

typedef struct {
    int n, cap;
    dnnl_step *steps;
} dnnl_steps;

typedef struct {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    dnnl_primitive_attr_t attr;      /* user scratchpad, no post-ops */
    dnnl_primitive_attr_t attr_relu; /* user scratchpad, ReLU post-op */
    dnnl_steps sync, fwd, bwd;       /* weight reorders; forward; backward */
    /* everything the plan owns, sized by the model as it is built */
    int n_mems, n_pds, cap_mems, cap_pds;
    dnnl_memory_t *mems;
    dnnl_primitive_desc_t *pds; /* kept as backward hints */
    void *scratchpad;                /* shared by every step, max size */
    int layer;                       /* layer being built: tags new steps */
    int profile;                     /* time every step in dnnl_plan_run */
} dnnl_plan;

int dnnl_plan_init(dnnl_plan *p, nn_err *err);
void dnnl_plan_free(dnnl_plan *p);

/* A memory of descriptor md over `handle` (DNNL_MEMORY_ALLOCATE: oneDNN
 * allocates; DNNL_MEMORY_NONE: set later with dnnl_memory_set_data_handle). */
int dnnl_plan_memory(dnnl_plan *p, dnnl_memory_t *mem,
                     const dnnl_memory_desc_t *md, void *handle, nn_err *err);
/* Creates a primitive desc from an op descriptor and keeps it (hint). */
int dnnl_plan_pd(dnnl_plan *p, dnnl_primitive_desc_t *pd, const void *op_desc,
                 const_dnnl_primitive_attr_t attr,
                 const_dnnl_primitive_desc_t hint, nn_err *err);
/* The same, but 1 (and no error) when oneDNN has no implementation of it. */
int dnnl_plan_pd_if_any(dnnl_plan *p, dnnl_primitive_desc_t *pd,
                        const void *op_desc, const_dnnl_primitive_attr_t attr,
                        const_dnnl_primitive_desc_t hint, nn_err *err);
/* Creates the primitive of pd and appends it to list with its args. */
int dnnl_plan_step(dnnl_plan *p, dnnl_steps *list,
                   const_dnnl_primitive_desc_t pd,
                   const dnnl_exec_arg_t *args, int nargs, nn_err *err);
/* Appends a custom step: fn(ctx) runs in its place in the list. ctx was
 * malloc'd; the plan frees it. */
int dnnl_plan_custom(dnnl_plan *p, dnnl_steps *list, dnnl_custom_fn fn,
                     void *ctx, nn_err *err);
/* Appends a reorder from -> to (their descriptors must differ only in
 * layout). */
int dnnl_plan_reorder(dnnl_plan *p, dnnl_steps *list, dnnl_memory_t from,
                      dnnl_memory_t to, nn_err *err);
/* Allocates the shared scratchpad and hands it to every step: call once
 * after the last step is added. */
int dnnl_plan_finish(dnnl_plan *p, nn_err *err);
/* Executes the steps of list in order; with p->profile each step's time is
 * added to its `seconds`. */
int dnnl_plan_run(dnnl_plan *p, dnnl_steps *list, nn_err *err);
/* Profiled seconds per layer: forward (weight reorders of the sync list
 * included) and backward. */
void dnnl_plan_layer_seconds(const dnnl_plan *p, double *fwd, double *bwd,
                             int n_layers);

const dnnl_memory_desc_t *dnnl_plan_md(const_dnnl_primitive_desc_t pd,
                                       dnnl_query_t what);
const dnnl_memory_desc_t *dnnl_plan_mem_md(const_dnnl_memory_t mem);

#endif
