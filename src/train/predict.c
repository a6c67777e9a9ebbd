/* predict.c: saved weights applied to images: batches gathered into the
 * runner's buffer, forward only, then softmax. */
#include "nn_predict.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "denormals.h"
#include "nn_export.h"
#include "runner.h"

struct nn_predictor {
    nn_model model;
    nn_train_config cfg;
    nn_runner runner;
    nn_batch batch;
};

int nn_predictor_open(nn_predictor **out, const char *checkpoint,
                      nn_err *err) {
    nn_predictor *p = calloc(1, sizeof *p);
    if (!p) return nn_errf(err, "predictor: out of memory");
    if (nn_saved_model_load(&p->model, &p->cfg, checkpoint, err)) {
        free(p);
        return -1;
    }
    *out = p;
    return 0;
}

int nn_predictor_start(nn_predictor *p, int batch, int threads, nn_err *err) {
    if (p->batch.capacity)
        return nn_errf(err, "predictor: already started");
    /* oneDNN reads the thread count when its primitives are created */
    p->cfg.threads = threads;
    omp_set_num_threads(threads);
    nn_flush_denormals();
    /* f32 from the f32 master weights, whatever precision trained them:
     * exact, and on any CPU */
    nn_exec_opts infer = {.backend = p->cfg.backend,
                          .precision = NN_PRECISION_F32, .inference = 1};
    if (nn_runner_init(&p->runner, &infer, NN_PARALLEL_INTRA, &p->model,
                       batch, threads, err) ||
        nn_batch_init(&p->batch, batch, nn_model_input_size(&p->model),
                      p->model.classes, err))
        return -1;
    return nn_runner_sync_params(&p->runner, err);
}

void nn_predictor_free(nn_predictor *p) {
    if (!p) return;
    nn_runner_free(&p->runner);
    nn_batch_free(&p->batch);
    nn_model_free(&p->model);
    free(p);
}

const nn_model *nn_predictor_model(const nn_predictor *p) { return &p->model; }
const nn_train_config *nn_predictor_config(const nn_predictor *p) {
    return &p->cfg;
}

/* One row: p_j = exp(z_j - max z) / sum_k exp(z_k - max z), arg-max. */
static void softmax_row(float *probs, uint8_t *pred, const float *z,
                        int classes) {
    int best = 0;
    for (int j = 1; j < classes; j++)
        if (z[j] > z[best]) best = j;
    float sum = 0.0f;
    for (int j = 0; j < classes; j++) sum += expf(z[j] - z[best]);
    if (probs)
        for (int j = 0; j < classes; j++)
            probs[j] = expf(z[j] - z[best]) / sum;
    if (pred) *pred = (uint8_t)best;
}

int nn_predictor_run(nn_predictor *p, const float *images, int n,
                     float *logits, float *probs, uint8_t *pred, nn_err *err) {
    nn_batch *b = &p->batch;
    if (!b->capacity) return nn_errf(err, "predictor: not started");
    int classes = p->model.classes;
    /* the gather reads a dataset: these images, labels unused (zeros) */
    uint8_t *labels = calloc((size_t)(n ? n : 1), 1);
    if (!labels) return nn_errf(err, "predictor: out of memory");
    nn_dataset ds = {n, (float *)images, labels, p->model.in_h,
                     p->model.in_w};
    for (int start = 0; start < n; start += b->capacity) {
        int k = n - start < b->capacity ? n - start : b->capacity;
        nn_batch_gather(b, &ds, NULL, start, k);
        if (nn_runner_forward(&p->runner, b->src, b->logits, err)) {
            free(labels);
            return -1;
        }
#pragma omp parallel for schedule(static)
        for (int i = 0; i < k; i++) {
            const float *z = b->logits + (size_t)i * classes; /* (classes) */
            size_t row = (size_t)(start + i) * classes;
            if (logits) memcpy(logits + row, z, classes * sizeof *z);
            softmax_row(probs ? probs + row : NULL,
                        pred ? pred + start + i : NULL, z, classes);
        }
    }
    free(labels);
    return 0;
}
