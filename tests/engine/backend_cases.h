/* backend_cases.h: the oneDNN executor against the f32 reference kernels,
 * layer kind by layer kind and on the real models, shared by the f32 test
 * (test_backends.c) and the bf16 one (test_bf16.c). */
#ifndef NN_BACKEND_CASES_H
#define NN_BACKEND_CASES_H

#include <math.h>
#include <string.h>

#include "engine_util.h"
#include "model_util.h"
#include "test_util.h"

typedef struct {
    const char *name;
    nn_layer_spec layers[12];
    int n_layers, in_c, in_h, in_w, batch;
} case_spec;

static const case_spec cases[] = {
    {"conv3x3 pad1 relu -> dense",
     {{NN_LAYER_CONV, 4, 3, 1, 1, 1, 0}, {NN_LAYER_DENSE, 5, 0, 0, 0, 0, 0}},
     2, 2, 7, 7, 3},
    {"conv3x3 stride2 -> maxpool -> dense",
     {{NN_LAYER_CONV, 6, 3, 2, 0, 1, 0}, {NN_LAYER_MAXPOOL, 0, 2, 2, 0, 0, 0},
      {NN_LAYER_DENSE, 4, 0, 0, 0, 0, 0}},
     3, 3, 9, 9, 5},
    {"dense relu -> dense",
     {{NN_LAYER_DENSE, 7, 0, 0, 0, 1, 0}, {NN_LAYER_DENSE, 3, 0, 0, 0, 0, 0}},
     2, 1, 5, 5, 4},
    {"small cnn: conv pool conv pool dense dense",
     {{NN_LAYER_CONV, 8, 3, 1, 1, 1, 0}, {NN_LAYER_MAXPOOL, 0, 2, 2, 0, 0, 0},
      {NN_LAYER_CONV, 16, 3, 1, 1, 1, 0}, {NN_LAYER_MAXPOOL, 0, 2, 2, 0, 0, 0},
      {NN_LAYER_DENSE, 12, 0, 0, 0, 1, 0}, {NN_LAYER_DENSE, 10, 0, 0, 0, 0, 0}},
     6, 1, 12, 12, 4},
    /* 16-channel blocks: oneDNN runs conv2 as Winograd on AVX-512 */
    {"conv 16 relu -> conv 3x3 32 relu (Winograd) -> dense",
     {{NN_LAYER_CONV, 16, 3, 1, 1, 1, 0}, {NN_LAYER_CONV, 32, 3, 1, 1, 1, 0},
      {NN_LAYER_DENSE, 5, 0, 0, 0, 0, 0}},
     3, 2, 10, 10, 4},
    {"conv -> avgpool 2 -> avgpool 3 stride 2 -> dense",
     {{NN_LAYER_CONV, 5, 3, 1, 1, 0, 0}, {NN_LAYER_AVGPOOL, 0, 2, 2, 0, 0, 0},
      {NN_LAYER_AVGPOOL, 0, 3, 2, 0, 0, 0}, {NN_LAYER_DENSE, 4, 0, 0, 0, 0, 0}},
     4, 2, 14, 14, 3},
    {"conv -> batchnorm relu -> dense",
     {{NN_LAYER_CONV, 16, 3, 1, 1, 0, 0}, {NN_LAYER_BATCHNORM, 0, 0, 0, 0, 1, 0},
      {NN_LAYER_DENSE, 5, 0, 0, 0, 0, 0}},
     3, 1, 8, 8, 6},
    {"conv -> batchnorm (5 channels) -> maxpool -> dense",
     {{NN_LAYER_CONV, 5, 3, 1, 0, 0, 0}, {NN_LAYER_BATCHNORM, 0, 0, 0, 0, 0, 0},
      {NN_LAYER_MAXPOOL, 0, 2, 2, 0, 0, 0}, {NN_LAYER_DENSE, 3, 0, 0, 0, 0, 0}},
     4, 2, 9, 9, 5},
    {"dense -> batchnorm relu -> dense",
     {{NN_LAYER_DENSE, 12, 0, 0, 0, 0, 0}, {NN_LAYER_BATCHNORM, 0, 0, 0, 0, 1, 0},
      {NN_LAYER_DENSE, 4, 0, 0, 0, 0, 0}},
     3, 1, 6, 6, 7},
    {"conv relu -> dropout 0.3 -> maxpool -> relu -> dense",
     {{NN_LAYER_CONV, 16, 3, 1, 1, 1, 0}, {NN_LAYER_DROPOUT, 0, 0, 0, 0, 0, 0.3f},
      {NN_LAYER_MAXPOOL, 0, 2, 2, 0, 0, 0}, {NN_LAYER_RELU, 0, 0, 0, 0, 0, 0},
      {NN_LAYER_DENSE, 3, 0, 0, 0, 0, 0}},
     5, 1, 8, 8, 5},
    {"dense relu -> dropout 0.5 -> dense",
     {{NN_LAYER_DENSE, 20, 0, 0, 0, 1, 0}, {NN_LAYER_DROPOUT, 0, 0, 0, 0, 0, 0.5f},
      {NN_LAYER_DENSE, 3, 0, 0, 0, 0, 0}},
     3, 1, 5, 5, 7},
    {"every kind: conv bn relu, pools, dropout, relu, dense bn relu",
     {{NN_LAYER_CONV, 8, 3, 1, 1, 0, 0}, {NN_LAYER_BATCHNORM, 0, 0, 0, 0, 1, 0},
      {NN_LAYER_MAXPOOL, 0, 2, 2, 0, 0, 0}, {NN_LAYER_CONV, 16, 3, 1, 1, 1, 0},
      {NN_LAYER_AVGPOOL, 0, 2, 2, 0, 0, 0}, {NN_LAYER_DROPOUT, 0, 0, 0, 0, 0, 0.25f},
      {NN_LAYER_DENSE, 10, 0, 0, 0, 0, 0}, {NN_LAYER_BATCHNORM, 0, 0, 0, 0, 1, 0},
      {NN_LAYER_DROPOUT, 0, 0, 0, 0, 0, 0.5f}, {NN_LAYER_DENSE, 4, 0, 0, 0, 0, 0}},
     10, 1, 12, 12, 6},
};

static double max_abs(const float *x, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)x[i]));
    return m;
}

/* Whether m has a layer of this kind. */
static int has_kind(const nn_model *m, nn_layer_kind kind) {
    for (int i = 0; i < m->n_layers; i++)
        if (m->layers[i].spec.kind == kind) return 1;
    return 0;
}

/* How close oneDNN must come to the reference: the largest difference
 * relative to the tensor's scale, and the relative L2 difference. */
typedef struct {
    double max, l2;
} tolerance;

static int within(const char *what, int layer, const float *got,
                  const float *want, size_t n, tolerance tol) {
    double dm = scaled_diff(got, want, n), d2 = relative_l2(got, want, n);
    if (dm < tol.max && d2 < tol.l2) return 1;
    printf("  %s (layer %d): max %.2e, l2 %.2e\n", what, layer, dm, d2);
    return 0;
}

/* Compares oneDNN (intra and batch-split) in `precision` with the f32
 * reference on model m: the logits and every gradient block. */
/* Inference (evaluation) executors: logits of both backends from the same
 * weights and running statistics. */
static void compare_inference(const char *name, nn_model *m, int batch,
                              const float *src, nn_precision precision,
                              tolerance tol) {
    size_t out = (size_t)batch * m->classes;
    float *want = malloc(out * sizeof(float)), *got = malloc(out * sizeof(float));
    CHECK(run_inference(m, NN_BACKEND_REF, NN_PRECISION_F32, batch, src,
                        want) == 0);
    CHECK(run_inference(m, NN_BACKEND_ONEDNN, precision, batch, src, got) == 0);
    printf("%-45s %-4s batch %3d infer logits %.2e\n", name,
           nn_precision_name(precision), batch, scaled_diff(got, want, out));
    CHECK(within("inference logits", -1, got, want, out, tol));
    free(want), free(got);
}

static void compare(const char *name, nn_model *m, int batch,
                    nn_precision precision, tolerance tol, nn_rng *rng) {
    size_t in = (size_t)batch * nn_model_input_size(m);
    size_t out = (size_t)batch * m->classes, np = m->n_params;
    size_t ns = m->n_state;
    float *src = random_tensor(in, 0, 1, rng);
    float *dlogits = random_tensor(out, -1, 1, rng);
    float *want_logits = malloc(out * sizeof(float));
    float *got_logits = malloc(out * sizeof(float));
    float *want_grads = malloc(np * sizeof(float));
    /* the running statistics a training forward leaves, from the same
     * starting values */
    float *state0 = malloc((ns + 1) * sizeof(float));
    float *want_state = malloc((ns + 1) * sizeof(float));
    memcpy(state0, m->state, ns * sizeof(float));
    CHECK(run_pass(m, NN_BACKEND_REF, NN_PRECISION_F32, NN_PARALLEL_INTRA, 2,
                   batch, src,
                   dlogits, want_logits) == 0);
    memcpy(want_grads, m->grads, np * sizeof(float));
    memcpy(want_state, m->state, ns * sizeof(float));
    const nn_parallel_kind strategies[] = {NN_PARALLEL_INTRA,
                                           NN_PARALLEL_BATCH};
    /* batch norm refuses batch-split (its statistics span the batch) */
    int n_strategies = has_kind(m, NN_LAYER_BATCHNORM) ? 1 : 2;
    for (int s = 0; s < n_strategies; s++) {
        memcpy(m->state, state0, ns * sizeof(float));
        memset(m->grads, 0xff, np * sizeof(float)); /* NaN: must be written */
        CHECK(run_pass(m, NN_BACKEND_ONEDNN, precision, strategies[s], 2,
                       batch, src,
                       dlogits, got_logits) == 0);
        double dl = scaled_diff(got_logits, want_logits, out);
        double dg = scaled_diff(m->grads, want_grads, np);
        printf("%-45s %-4s batch %3d %-5s logits %.2e grads %.2e\n", name,
               nn_precision_name(precision), batch,
               nn_parallel_name(strategies[s]), dl, dg);
        CHECK(within("logits", -1, got_logits, want_logits, out, tol));
        CHECK(within("all grads", -1, m->grads, want_grads, np, tol));
        /* every layer's gradient block individually, so a small layer
         * cannot hide behind a large one */
        for (int i = 0; i < m->n_layers; i++) {
            const nn_layer *l = &m->layers[i];
            if (!l->n_weights) continue;
            CHECK(within("weights grad", i, m->grads + l->weights_off,
                         want_grads + l->weights_off, l->n_weights, tol));
            if (i + 1 < m->n_layers &&
                m->layers[i + 1].spec.kind == NN_LAYER_BATCHNORM) {
                /* batch norm takes the mean out: the bias gradient is 0 up
                 * to rounding, in both backends */
                double g = max_abs(want_grads + l->weights_off, l->n_weights);
                CHECK(max_abs(m->grads + l->bias_off, l->n_bias) < tol.max * g);
                CHECK(max_abs(want_grads + l->bias_off, l->n_bias) <
                      tol.max * g);
                continue;
            }
            CHECK(within("bias grad", i, m->grads + l->bias_off,
                         want_grads + l->bias_off, l->n_bias, tol));
        }
        if (ns)
            CHECK(within("running statistics", -1, m->state, want_state, ns,
                         tol));
    }
    /* batch norm on statistics unlike the batch's own, as after training:
     * inference must use them, not the batch's */
    for (int i = 0; i < m->n_layers; i++) {
        const nn_layer *l = &m->layers[i];
        float *mean = m->state + l->state_off, *var = mean + l->out_c;
        for (int j = 0; l->n_state && j < l->out_c; j++)
            mean[j] = 0.02f * (j % 5) - 0.04f, var[j] = 0.6f + 0.1f * (j % 4);
    }
    compare_inference(name, m, batch, src, precision, tol);
    CHECK(scaled_diff(m->grads, m->grads, np) == 0); /* no NaN left */
    free(src), free(dlogits), free(want_logits), free(got_logits);
    free(want_grads), free(state0), free(want_state);
}

/* A ReLU (or dropout, whose zeros a max could pick) that no_relu cannot
 * take out. */
static int has_relu_layer(const case_spec *k) {
    for (int i = 0; i < k->n_layers; i++)
        if (k->layers[i].kind == NN_LAYER_RELU) return 1;
    return 0;
}

/* Every case and both real models (a full batch of 64 and an odd 7, whose
 * batch-split slices are 4 and 3) in `precision`; with no_relu, only the
 * cases without max pooling, their ReLUs left out: no choice that rounding
 * can flip. */
static void compare_all(nn_precision precision, tolerance tol, int no_relu) {
    nn_rng rng;
    nn_rng_seed(&rng, 7);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        case_spec k_copy = cases[c], *k = &k_copy;
        int pools = 0;
        for (int i = 0; no_relu && i < k->n_layers; i++) {
            k->layers[i].relu = 0;
            pools += k->layers[i].kind == NN_LAYER_MAXPOOL;
        }
        if (pools || (no_relu && has_relu_layer(k))) continue;
        nn_model m;
        nn_err err;
        CHECK(test_model_init(&m, "case", k->layers, k->n_layers, k->in_c,
                              k->in_h, k->in_w, &err) == 0);
        nn_model_init_params(&m, &rng);
        compare(k->name, &m, k->batch, precision, tol, &rng);
        nn_model_free(&m);
    }
    /* the real models, a full batch and an odd one (slices of 4 and 3) */
    const char *models[] = {"mlp", "cnn"};
    for (int i = 0; i < 2 && !no_relu; i++) {
        nn_model m;
        nn_err err;
        CHECK(nn_model_init_named(&m, models[i], &err) == 0);
        nn_model_init_params(&m, &rng);
        compare(models[i], &m, 64, precision, tol, &rng);
        compare(models[i], &m, 7, precision, tol, &rng);
        nn_model_free(&m);
    }
}

#endif
