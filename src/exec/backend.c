/* backend.c: nn_exec dispatches to the oneDNN or the reference executor. */
#include "nn_backend.h"

#include <omp.h>
#include <stdlib.h>

#include <oneapi/dnnl/dnnl.h>

#include "backend_dnnl.h"
#include "backend_ref.h"
#include "nn_sysinfo.h"

struct nn_exec {
    nn_backend_kind kind;
    union {
        dnnl_exec *dnnl;
        ref_exec *ref;
    } impl;
};

const char *nn_backend_name(nn_backend_kind kind) {
    switch (kind) {
    case NN_BACKEND_ONEDNN: return "onednn";
    case NN_BACKEND_REF: return "ref";
    }
    return "?";
}

const char *nn_precision_name(nn_precision p) {
    switch (p) {
    case NN_PRECISION_F32: return "f32";
    case NN_PRECISION_BF16: return "bf16";
    }
    return "?";
}

int nn_precision_check(nn_precision p, nn_backend_kind kind, nn_err *err) {
    if (p == NN_PRECISION_F32) return 0;
    if (kind != NN_BACKEND_ONEDNN)
        return nn_errf(err, "bf16 runs on the oneDNN backend only (--backend "
                       "%s computes in f32)", nn_backend_name(kind));
    nn_sysinfo s;
    nn_sysinfo_get(&s);
    /* the ISA values are masks: bf16 hardware includes avx512_core_bf16's */
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    if ((isa & dnnl_cpu_isa_avx512_core_bf16) != dnnl_cpu_isa_avx512_core_bf16)
        return nn_errf(err, "bf16 needs AVX512_BF16; this CPU's oneDNN ISA is "
                       "%s", s.onednn_isa);
    return 0;
}

int nn_exec_create(nn_exec **out, const nn_exec_opts *o, const nn_model *m,
                   int batch, const float *params, float *grads, nn_err *err) {
    if (batch <= 0) return nn_errf(err, "batch size %d must be positive", batch);
    if (nn_precision_check(o->precision, o->backend, err)) return -1;
    nn_exec *e = calloc(1, sizeof *e);
    if (!e) return nn_errf(err, "executor: out of memory");
    e->kind = o->backend;
    /* oneDNN fixes a primitive's thread count when it is created. */
    int threads = omp_get_max_threads();
    if (o->single_thread) omp_set_num_threads(1);
    int rc = -1;
    switch (o->backend) {
    case NN_BACKEND_ONEDNN:
        rc = dnnl_exec_create(&e->impl.dnnl, m, batch, o, params, grads, err);
        break;
    case NN_BACKEND_REF:
        rc = ref_exec_create(&e->impl.ref, m, batch, o, params, grads, err);
        break;
    }
    if (o->single_thread) omp_set_num_threads(threads);
    if (rc) {
        free(e);
        return -1;
    }
    *out = e;
    return 0;
}

void nn_exec_free(nn_exec *e) {
    if (!e) return;
    switch (e->kind) {
    case NN_BACKEND_ONEDNN: dnnl_exec_free(e->impl.dnnl); break;
    case NN_BACKEND_REF: ref_exec_free(e->impl.ref); break;
    }
    free(e);
}

void nn_exec_set_step(nn_exec *e, uint64_t seed, uint64_t step) {
    switch (e->kind) {
    case NN_BACKEND_ONEDNN: dnnl_exec_set_step(e->impl.dnnl, seed, step); break;
    case NN_BACKEND_REF: ref_exec_set_step(e->impl.ref, seed, step); break;
    }
}

void nn_exec_set_first_image(nn_exec *e, int first_image) {
    switch (e->kind) {
    case NN_BACKEND_ONEDNN: dnnl_exec_set_first_image(e->impl.dnnl, first_image); break;
    case NN_BACKEND_REF: ref_exec_set_first_image(e->impl.ref, first_image); break;
    }
}

int nn_exec_sync_params(nn_exec *e, nn_err *err) {
    switch (e->kind) {
    case NN_BACKEND_ONEDNN: return dnnl_exec_sync_params(e->impl.dnnl, err);
    case NN_BACKEND_REF: return 0; /* reads params directly */
    }
    return 0;
}

int nn_exec_forward(nn_exec *e, const float *src, float *logits, nn_err *err) {
    switch (e->kind) {
    case NN_BACKEND_ONEDNN:
        return dnnl_exec_forward(e->impl.dnnl, src, logits, err);
    case NN_BACKEND_REF: ref_exec_forward(e->impl.ref, src, logits); return 0;
    }
    return 0;
}

int nn_exec_backward(nn_exec *e, const float *diff_logits, nn_err *err) {
    switch (e->kind) {
    case NN_BACKEND_ONEDNN:
        return dnnl_exec_backward(e->impl.dnnl, diff_logits, err);
    case NN_BACKEND_REF: return ref_exec_backward(e->impl.ref, diff_logits, err);
    }
    return 0;
}


void nn_exec_profile(nn_exec *e, int enable) {
    if (e->kind == NN_BACKEND_ONEDNN) dnnl_exec_profile(e->impl.dnnl, enable);
}

int nn_exec_layer_seconds(const nn_exec *e, double *fwd, double *bwd) {
    if (e->kind != NN_BACKEND_ONEDNN) return -1;
    dnnl_exec_layer_seconds(e->impl.dnnl, fwd, bwd);
    return 0;
}
