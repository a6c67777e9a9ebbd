/* engine_util.h: small models, random tensors and gradient runs shared by
 * the engine tests. */
#ifndef NN_ENGINE_UTIL_H
#define NN_ENGINE_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "nn_model.h"
#include "nn_rng.h"
#include "runner.h"

static inline void fill_uniform(float *x, size_t n, float lo, float hi,
                                nn_rng *rng) {
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * (float)nn_rng_uniform(rng);
}

static inline float *random_tensor(size_t n, float lo, float hi, nn_rng *rng) {
    float *x = malloc(n * sizeof(float));
    if (!x) abort();
    fill_uniform(x, n, lo, hi, rng);
    return x;
}

/* Runs m on src through a runner of the given backend, precision and
 * strategy: forward and backward into logits (batch, classes) and m->grads;
 * with diff_logits NULL, an inference executor's forward only (evaluation
 * mode). */
static inline int run_pass(nn_model *m, nn_backend_kind backend,
                           nn_precision precision, nn_parallel_kind parallel,
                           int threads, int batch, const float *src,
                           const float *diff_logits, float *logits) {
    nn_runner r;
    nn_err err;
    nn_exec_opts o = {.backend = backend, .precision = precision,
                      .inference = diff_logits == NULL};
    if (nn_runner_init(&r, &o, parallel, m, batch, threads, &err) ||
        nn_runner_sync_params(&r, &err) ||
        (nn_runner_set_step(&r, 5, 3), 0) || /* a dropout mask */
        nn_runner_forward(&r, src, logits, &err) ||
        (diff_logits && nn_runner_backward(&r, diff_logits, &err))) {
        fprintf(stderr, "%s pass failed: %s\n", nn_backend_name(backend),
                err.msg);
        nn_runner_free(&r);
        return -1;
    }
    nn_runner_free(&r);
    return 0;
}

/* Logits of m on src from an inference executor (evaluation mode). */
static inline int run_inference(nn_model *m, nn_backend_kind backend,
                                nn_precision precision, int batch,
                                const float *src, float *logits) {
    return run_pass(m, backend, precision, NN_PARALLEL_INTRA, 2, batch, src,
                    NULL, logits);
}

/* max |a - b| / max(max |b|, 1e-3): an error relative to the tensor's scale,
 * so that tiny entries do not dominate. */
static inline double scaled_diff(const float *a, const float *b, size_t n) {
    double worst = 0, scale = 1e-3;
    for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs((double)b[i]));
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d > worst || d != d) worst = d;
    }
    return worst / scale;
}

/* ||a - b|| / ||b|| (0 when b is all zero and a equals it): a few large
 * local differences (a ReLU or max-pool choice flipped by rounding) barely
 * move it, a wrong layout or a missing pass moves it to ~1. */
static inline double relative_l2(const float *a, const float *b, size_t n) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        num += d * d, den += (double)b[i] * b[i];
    }
    if (num != num) return INFINITY;
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

#endif
