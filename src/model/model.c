/* model.c: shape inference over a layer table, the flat parameter and state
 * arenas, and PyTorch-default initialisation. */
#include "nn_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"

int nn_model_init(nn_model *m, const nn_model_desc *d, nn_err *err) {
    memset(m, 0, sizeof *m);
    if (d->n_layers <= 0 || d->n_layers > NN_MAX_LAYERS)
        return nn_errf(err, "model %s: %d layers (1..%d allowed)", d->name,
                       d->n_layers, NN_MAX_LAYERS);
    if (nn_input_check(d->in_c, d->in_h, d->in_w, err)) return -1;
    snprintf(m->name, sizeof m->name, "%s", d->name);
    m->in_c = d->in_c, m->in_h = d->in_h, m->in_w = d->in_w;
    int c = d->in_c, h = d->in_h, w = d->in_w;
    size_t off = 0, state = 0;
    for (int i = 0; i < d->n_layers; i++) {
        nn_layer *l = &m->layers[i];
        l->spec = d->layers[i];
        l->in_c = c, l->in_h = h, l->in_w = w;
        if (nn_layer_shape(l, i > 0 ? &m->layers[i - 1] : NULL, err)) {
            char why[sizeof err->msg];
            snprintf(why, sizeof why, "%s", err->msg);
            return nn_errf(err, "model %s: layer %d: %s", d->name, i, why);
        }
        l->weights_off = off;
        l->bias_off = off + l->n_weights;
        off += l->n_weights + l->n_bias;
        l->state_off = state;
        state += l->n_state;
        c = l->out_c, h = l->out_h, w = l->out_w;
    }
    const nn_layer *last = &m->layers[d->n_layers - 1];
    if (last->spec.kind != NN_LAYER_DENSE || last->spec.relu)
        return nn_errf(err, "model %s: the last layer must be dense without "
                       "ReLU (it produces the logits)", d->name);
    if (last->out_c < 2 || last->out_c > NN_MAX_CLASSES)
        return nn_errf(err, "model %s: the last layer has %d outputs; a "
                       "classifier has 2..%d classes", d->name, last->out_c,
                       NN_MAX_CLASSES);
    m->n_layers = d->n_layers;
    m->classes = last->out_c;
    m->n_params = off;
    m->n_state = state;
    m->params = calloc(off, sizeof(float));
    m->grads = calloc(off, sizeof(float));
    m->state = calloc(state ? state : 1, sizeof(float));
    if (!m->params || !m->grads || !m->state) {
        nn_model_free(m);
        return nn_errf(err, "model %s: out of memory for %zu parameters",
                       d->name, off);
    }
    return 0;
}

void nn_model_free(nn_model *m) {
    free(m->params);
    free(m->grads);
    free(m->state);
    m->params = m->grads = m->state = NULL;
}

int nn_model_has_batchnorm(const nn_model *m) {
    for (int i = 0; i < m->n_layers; i++)
        if (m->layers[i].spec.kind == NN_LAYER_BATCHNORM) return 1;
    return 0;
}

void nn_model_describe(const nn_model *m, nn_model_desc *d) {
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s", m->name);
    d->in_c = m->in_c, d->in_h = m->in_h, d->in_w = m->in_w;
    d->n_layers = m->n_layers;
    for (int i = 0; i < m->n_layers; i++) d->layers[i] = m->layers[i].spec;
}

void nn_model_init_params(nn_model *m, nn_rng *rng) {
    for (int i = 0; i < m->n_layers; i++) {
        const nn_layer *l = &m->layers[i];
        float *p = m->params + l->weights_off;
        if (l->spec.kind == NN_LAYER_BATCHNORM) {
            float *mean = m->state + l->state_off, *var = mean + l->out_c;
            for (int j = 0; j < l->out_c; j++)
                p[j] = 1, p[l->out_c + j] = 0, mean[j] = 0, var[j] = 1;
            continue;
        }
        if (!l->n_weights) continue;
        float bound = 1.0f / sqrtf((float)l->fan_in);
        /* weights then bias are contiguous: one loop draws both */
        for (size_t j = 0; j < l->n_weights + l->n_bias; j++)
            p[j] = (float)((2.0 * nn_rng_uniform(rng) - 1.0) * bound);
    }
}

double nn_model_train_flop(const nn_model *m) {
    double flop = 0;
    for (int i = 0; i < m->n_layers; i++) {
        const nn_layer *l = &m->layers[i];
        if (l->spec.kind != NN_LAYER_CONV && l->spec.kind != NN_LAYER_DENSE)
            continue;
        /* one pass = 2 flop per weight per output position */
        double pass = 2.0 * (double)l->n_weights * l->out_h * l->out_w;
        flop += pass * (i == 0 ? 2 : 3); /* fwd, bwd-weights, bwd-data */
    }
    return flop;
}
