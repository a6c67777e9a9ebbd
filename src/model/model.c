/* model.c: layer tables of the built-in models, shape inference, the flat
 * parameter arena and PyTorch-default initialisation. */
#include "nn_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MLP: 784 -> 256 -> 128 -> 10 (235,146 parameters). */
static const nn_layer_spec mlp_layers[] = {
    {NN_LAYER_DENSE, 256, 0, 0, 0, 1},
    {NN_LAYER_DENSE, 128, 0, 0, 0, 1},
    {NN_LAYER_DENSE, 10, 0, 0, 0, 0},
};

/* CNN: conv 32 3x3 p1, pool 2, conv 64 3x3 p1, pool 2, 3136 -> 128 -> 10
 * (421,642 parameters). */
static const nn_layer_spec cnn_layers[] = {
    {NN_LAYER_CONV, 32, 3, 1, 1, 1},
    {NN_LAYER_MAXPOOL, 0, 2, 2, 0, 0},
    {NN_LAYER_CONV, 64, 3, 1, 1, 1},
    {NN_LAYER_MAXPOOL, 0, 2, 2, 0, 0},
    {NN_LAYER_DENSE, 128, 0, 0, 0, 1},
    {NN_LAYER_DENSE, 10, 0, 0, 0, 0},
};

const char *nn_layer_kind_name(nn_layer_kind kind) {
    switch (kind) {
    case NN_LAYER_CONV: return "conv";
    case NN_LAYER_DENSE: return "dense";
    case NN_LAYER_MAXPOOL: return "maxpool";
    }
    return "?";
}

/* Fills l's output shape and parameter counts from its input shape. */
static int layer_shape(nn_layer *l, int index, nn_err *err) {
    const nn_layer_spec *s = &l->spec;
    int k = s->kernel, st = s->stride;
    switch (s->kind) {
    case NN_LAYER_CONV:
        if (s->out <= 0 || k <= 0 || st <= 0 || s->pad < 0)
            return nn_errf(err, "layer %d conv: bad spec", index);
        l->out_c = s->out;
        l->out_h = (l->in_h + 2 * s->pad - k) / st + 1;
        l->out_w = (l->in_w + 2 * s->pad - k) / st + 1;
        l->fan_in = l->in_c * k * k;
        l->n_weights = (size_t)s->out * l->fan_in;
        l->n_bias = (size_t)s->out;
        break;
    case NN_LAYER_MAXPOOL:
        if (k <= 0 || st <= 0 || k > l->in_h || k > l->in_w)
            return nn_errf(err, "layer %d maxpool: window %d does not fit "
                           "%dx%d input", index, k, l->in_h, l->in_w);
        l->out_c = l->in_c;
        l->out_h = (l->in_h - k) / st + 1;
        l->out_w = (l->in_w - k) / st + 1;
        break;
    case NN_LAYER_DENSE:
        if (s->out <= 0) return nn_errf(err, "layer %d dense: bad spec", index);
        l->out_c = s->out;
        l->out_h = l->out_w = 1;
        l->fan_in = l->in_c * l->in_h * l->in_w;
        l->n_weights = (size_t)s->out * l->fan_in;
        l->n_bias = (size_t)s->out;
        break;
    default:
        return nn_errf(err, "layer %d: unknown kind %d", index, (int)s->kind);
    }
    if (l->out_h <= 0 || l->out_w <= 0)
        return nn_errf(err, "layer %d %s: output would be empty", index,
                       nn_layer_kind_name(s->kind));
    return 0;
}

int nn_model_init(nn_model *m, const char *name, const nn_layer_spec *specs,
                  int n_layers, int in_c, int in_h, int in_w, nn_err *err) {
    memset(m, 0, sizeof *m);
    if (n_layers <= 0 || n_layers > NN_MAX_LAYERS)
        return nn_errf(err, "model %s: %d layers (1..%d allowed)", name,
                       n_layers, NN_MAX_LAYERS);
    snprintf(m->name, sizeof m->name, "%s", name);
    m->in_c = in_c, m->in_h = in_h, m->in_w = in_w;
    int c = in_c, h = in_h, w = in_w;
    size_t off = 0;
    for (int i = 0; i < n_layers; i++) {
        nn_layer *l = &m->layers[i];
        l->spec = specs[i];
        l->in_c = c, l->in_h = h, l->in_w = w;
        if (layer_shape(l, i, err)) return -1;
        l->weights_off = off;
        l->bias_off = off + l->n_weights;
        off += l->n_weights + l->n_bias;
        c = l->out_c, h = l->out_h, w = l->out_w;
    }
    const nn_layer *last = &m->layers[n_layers - 1];
    if (last->spec.kind != NN_LAYER_DENSE || last->spec.relu)
        return nn_errf(err, "model %s: the last layer must be dense without "
                       "ReLU (it produces the logits)", name);
    m->n_layers = n_layers;
    m->classes = last->out_c;
    m->n_params = off;
    m->params = calloc(off, sizeof(float));
    m->grads = calloc(off, sizeof(float));
    if (!m->params || !m->grads) {
        nn_model_free(m);
        return nn_errf(err, "model %s: out of memory for %zu parameters",
                       name, off);
    }
    return 0;
}

int nn_model_is_named(const char *name) {
    return strcmp(name, "mlp") == 0 || strcmp(name, "cnn") == 0;
}

int nn_model_init_named(nn_model *m, const char *name, nn_err *err) {
    if (strcmp(name, "mlp") == 0)
        return nn_model_init(m, name, mlp_layers, 3, 1, 28, 28, err);
    if (strcmp(name, "cnn") == 0)
        return nn_model_init(m, name, cnn_layers, 6, 1, 28, 28, err);
    return nn_errf(err, "unknown model '%s' (expected mlp or cnn)", name);
}

void nn_model_free(nn_model *m) {
    free(m->params);
    free(m->grads);
    m->params = m->grads = NULL;
}

void nn_model_init_params(nn_model *m, nn_rng *rng) {
    for (int i = 0; i < m->n_layers; i++) {
        const nn_layer *l = &m->layers[i];
        if (!l->n_weights) continue;
        float bound = 1.0f / sqrtf((float)l->fan_in);
        float *p = m->params + l->weights_off;
        /* weights then bias are contiguous: one loop draws both */
        for (size_t j = 0; j < l->n_weights + l->n_bias; j++)
            p[j] = (float)((2.0 * nn_rng_uniform(rng) - 1.0) * bound);
    }
}

double nn_model_train_flop(const nn_model *m) {
    double flop = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const nn_layer *l = &m->layers[i];
        if (!l->n_weights) continue;
        /* one pass = 2 flop per weight per output position */
        double pass = 2.0 * (double)l->n_weights * l->out_h * l->out_w;
        flop += pass * (i == 0 ? 2 : 3); /* fwd, bwd-weights, bwd-data */
    }
    return flop;
}
