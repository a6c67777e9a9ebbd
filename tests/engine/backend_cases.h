/* backend_cases.h: the oneDNN executor against the f32 reference kernels,
 * layer kind by layer kind and on the real models, shared by the f32 test
 * (test_backends.c) and the bf16 one (test_bf16.c). */
#ifndef NN_BACKEND_CASES_H
#define NN_BACKEND_CASES_H

#include <math.h>
#include <string.h>

#include "engine_util.h"
#include "test_util.h"

typedef struct {
    const char *name;
    nn_layer_spec layers[8];
    int n_layers, in_c, in_h, in_w, batch;
} case_spec;

static const case_spec cases[] = {
    {"conv3x3 pad1 relu -> dense",
     {{NN_LAYER_CONV, 4, 3, 1, 1, 1}, {NN_LAYER_DENSE, 5, 0, 0, 0, 0}},
     2, 2, 7, 7, 3},
    {"conv3x3 stride2 -> maxpool -> dense",
     {{NN_LAYER_CONV, 6, 3, 2, 0, 1}, {NN_LAYER_MAXPOOL, 0, 2, 2, 0, 0},
      {NN_LAYER_DENSE, 4, 0, 0, 0, 0}},
     3, 3, 9, 9, 5},
    {"dense relu -> dense",
     {{NN_LAYER_DENSE, 7, 0, 0, 0, 1}, {NN_LAYER_DENSE, 3, 0, 0, 0, 0}},
     2, 1, 5, 5, 4},
    {"small cnn: conv pool conv pool dense dense",
     {{NN_LAYER_CONV, 8, 3, 1, 1, 1}, {NN_LAYER_MAXPOOL, 0, 2, 2, 0, 0},
      {NN_LAYER_CONV, 16, 3, 1, 1, 1}, {NN_LAYER_MAXPOOL, 0, 2, 2, 0, 0},
      {NN_LAYER_DENSE, 12, 0, 0, 0, 1}, {NN_LAYER_DENSE, 10, 0, 0, 0, 0}},
     6, 1, 12, 12, 4},
};

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
static void compare(const char *name, nn_model *m, int batch,
                    nn_precision precision, tolerance tol, nn_rng *rng) {
    size_t in = (size_t)batch * nn_model_input_size(m);
    size_t out = (size_t)batch * m->classes, np = m->n_params;
    float *src = random_tensor(in, 0, 1, rng);
    float *dlogits = random_tensor(out, -1, 1, rng);
    float *want_logits = malloc(out * sizeof(float));
    float *got_logits = malloc(out * sizeof(float));
    float *want_grads = malloc(np * sizeof(float));
    CHECK(run_pass(m, NN_BACKEND_REF, NN_PRECISION_F32, NN_PARALLEL_INTRA, 2,
                   batch, src,
                   dlogits, want_logits) == 0);
    memcpy(want_grads, m->grads, np * sizeof(float));
    const nn_parallel_kind strategies[] = {NN_PARALLEL_INTRA,
                                           NN_PARALLEL_BATCH};
    for (int s = 0; s < 2; s++) {
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
            CHECK(within("bias grad", i, m->grads + l->bias_off,
                         want_grads + l->bias_off, l->n_bias, tol));
        }
    }
    free(src), free(dlogits), free(want_logits), free(got_logits);
    free(want_grads);
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
        if (pools) continue;
        nn_model m;
        nn_err err;
        CHECK(nn_model_init(&m, "case", k->layers, k->n_layers, k->in_c,
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
