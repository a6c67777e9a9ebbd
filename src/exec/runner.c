/* runner.c: intra-op and batch-split execution of training steps. */
#include "runner.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

int nn_runner_init(nn_runner *r, const nn_exec_opts *o, nn_parallel_kind kind,
                   nn_model *m, int batch, int threads, nn_err *err) {
    memset(r, 0, sizeof *r);
    /* `auto` is intra-op: on the 2-core development machine (AVX2, nntrain
     * bench) intra beat batch-split for both models at batch 64 and 256
     * (MLP 86.6k vs 50.0k images/s at batch 64, CNN 2,643 vs 2,371):
     * oneDNN already splits these batches well, and batch-split pays for a
     * gradient copy per thread and their reduction. benchmarks/README.md
     * has the table to revisit on more cores. */
    if (kind == NN_PARALLEL_AUTO) kind = NN_PARALLEL_INTRA;
    r->kind = kind, r->batch = batch, r->m = m;
    r->collective = o->sync_batchnorm && nn_model_has_batchnorm(m);
    r->slices = kind == NN_PARALLEL_BATCH ? threads : 1;
    if (r->slices > batch) r->slices = batch;
    if (r->slices > NN_MAX_SLICES)
        return nn_errf(err, "batch-split: at most %d threads", NN_MAX_SLICES);
    if (r->slices > 1 && nn_model_has_batchnorm(m))
        return nn_errf(err, "model %s: batch norm needs the statistics of "
                       "the whole batch: use --parallel intra", m->name);
    if (r->slices > 1) {
        r->slice_grads = calloc((size_t)r->slices * m->n_params, sizeof(float));
        if (!r->slice_grads)
            return nn_errf(err, "batch-split: out of memory for %d gradient "
                           "copies", r->slices);
    }
    for (int s = 0, off = 0; s < r->slices; s++) {
        /* slices differ by at most one image */
        int n = batch / r->slices + (s < batch % r->slices);
        float *grads = s == 0 ? m->grads
                              : r->slice_grads + (size_t)s * m->n_params;
        r->slice_off[s] = off, r->slice_n[s] = n;
        off += n;
        nn_exec_opts so = *o;
        so.single_thread = r->slices > 1, so.first_image = r->slice_off[s];
        if (nn_exec_create(&r->execs[s], &so, m, n, m->params, grads, err)) {
            nn_runner_free(r);
            return -1;
        }
    }
    return 0;
}

int nn_runner_add_short(nn_runner *r, const nn_exec_opts *o, int n,
                        nn_err *err) {
    if (n <= 0 || n >= r->batch || !nn_model_has_batchnorm(r->m)) return 0;
    nn_exec_opts so = *o;
    so.single_thread = 0, so.first_image = 0;
    if (nn_exec_create(&r->short_exec, &so, r->m, n, r->m->params,
                       r->m->grads, err))
        return -1;
    r->short_n = n, r->short_stale = 1;
    return 0;
}

void nn_runner_set_images(nn_runner *r, int n) {
    r->use_short = r->short_exec && n == r->short_n;
}

void nn_runner_free(nn_runner *r) {
    nn_exec_free(r->short_exec);
    for (int s = 0; s < r->slices; s++) nn_exec_free(r->execs[s]);
    free(r->slice_grads);
    memset(r, 0, sizeof *r);
}

void nn_runner_set_step(nn_runner *r, uint64_t seed, uint64_t step) {
    for (int s = 0; s < r->slices; s++) nn_exec_set_step(r->execs[s], seed, step);
    if (r->short_exec) nn_exec_set_step(r->short_exec, seed, step);
}

void nn_runner_set_first_image(nn_runner *r, int first) {
    for (int s = 0; s < r->slices; s++)
        nn_exec_set_first_image(r->execs[s], first + r->slice_off[s]);
    if (r->short_exec) nn_exec_set_first_image(r->short_exec, first);
}

/* What one slice does in a pass; the error of the first failing slice wins. */
typedef enum { PASS_SYNC, PASS_FORWARD, PASS_BACKWARD } pass_kind;

static int run_slice(nn_runner *r, int s, pass_kind pass, const float *in,
                     float *out, nn_err *err) {
    int classes = r->m->classes, input = nn_model_input_size(r->m);
    size_t off = (size_t)r->slice_off[s];
    switch (pass) {
    case PASS_SYNC: return nn_exec_sync_params(r->execs[s], err);
    case PASS_FORWARD:
        return nn_exec_forward(r->execs[s], in + off * input,
                               out + off * classes, err);
    case PASS_BACKWARD:
        return nn_exec_backward(r->execs[s], in + off * classes, err);
    }
    return 0;
}

static int run_pass(nn_runner *r, pass_kind pass, const float *in, float *out,
                    nn_err *err) {
    if (r->slices == 1) return run_slice(r, 0, pass, in, out, err);
    int failed = 0;
    nn_err errs[NN_MAX_SLICES];
    int rcs[NN_MAX_SLICES];
#pragma omp parallel for num_threads(r->slices) schedule(static, 1)
    for (int s = 0; s < r->slices; s++)
        rcs[s] = run_slice(r, s, pass, in, out, &errs[s]);
    for (int s = 0; s < r->slices && !failed; s++)
        if (rcs[s]) {
            failed = 1;
            if (err) *err = errs[s];
        }
    return failed ? -1 : 0;
}

/* The short batch's executor refreshes its weight copies only when it
 * runs: once an epoch, not after every step. */
int nn_runner_sync_params(nn_runner *r, nn_err *err) {
    r->short_stale = r->short_exec != NULL;
    return run_pass(r, PASS_SYNC, NULL, NULL, err);
}

int nn_runner_forward(nn_runner *r, const float *src, float *logits,
                      nn_err *err) {
    if (!r->use_short) return run_pass(r, PASS_FORWARD, src, logits, err);
    if (r->short_stale && nn_exec_sync_params(r->short_exec, err)) return -1;
    r->short_stale = 0;
    return nn_exec_forward(r->short_exec, src, logits, err);
}

int nn_runner_backward(nn_runner *r, const float *diff_logits, nn_err *err) {
    if (r->use_short) return nn_exec_backward(r->short_exec, diff_logits, err);
    if (run_pass(r, PASS_BACKWARD, diff_logits, NULL, err)) return -1;
    if (r->slices == 1) return 0;
    /* grads += the other slices' gradients, summed in slice order so the
     * result does not depend on thread timing. */
    float *g = r->m->grads;
    size_t n = r->m->n_params;
    int slices = r->slices;
    const float *sg = r->slice_grads;
#pragma omp parallel for schedule(static)
    for (size_t j = 0; j < n; j++) {
        float sum = g[j];
        for (int s = 1; s < slices; s++) sum += sg[(size_t)s * n + j];
        g[j] = sum;
    }
    return 0;
}
