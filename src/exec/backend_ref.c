/* backend_ref.c: an executor that runs every layer with the plain C + OpenMP
 * kernels of kernels/, in PyTorch's plain layouts. */
#include "backend_ref.h"

#include <stdint.h>
#include <stdlib.h>

#include "kernels.h"

struct ref_exec {
    const nn_model *m;
    int batch;
    const float *params;
    float *grads;
    /* act[i]: input of layer i, (batch, C, H, W); act[0] is the caller's
     * src and act[n_layers] the caller's logits during a pass. */
    float *act[NN_MAX_LAYERS + 1];
    /* diff[i]: dL/dact[i]; diff[n_layers] is the caller's diff_logits. */
    float *diff[NN_MAX_LAYERS + 1];
    int32_t *argmax[NN_MAX_LAYERS]; /* pooling layers: (batch, C, OH, OW) */
};

static size_t out_size(const nn_layer *l) {
    return (size_t)l->out_c * l->out_h * l->out_w;
}

int ref_exec_create(ref_exec **out, const nn_model *m, int batch,
                    const float *params, float *grads, nn_err *err) {
    ref_exec *e = calloc(1, sizeof *e);
    if (!e) return nn_errf(err, "reference executor: out of memory");
    e->m = m, e->batch = batch, e->params = params, e->grads = grads;
    int ok = 1;
    for (int i = 0; i + 1 < m->n_layers; i++) {
        size_t n = (size_t)batch * out_size(&m->layers[i]);
        e->act[i + 1] = malloc(n * sizeof(float));
        e->diff[i + 1] = malloc(n * sizeof(float));
        ok &= e->act[i + 1] && e->diff[i + 1];
        if (m->layers[i].spec.kind == NN_LAYER_MAXPOOL) {
            e->argmax[i] = malloc(n * sizeof(int32_t));
            ok &= e->argmax[i] != NULL;
        }
    }
    if (!ok) {
        ref_exec_free(e);
        return nn_errf(err, "reference executor: out of memory for "
                       "activations of batch %d", batch);
    }
    *out = e;
    return 0;
}

void ref_exec_free(ref_exec *e) {
    if (!e) return;
    for (int i = 0; i + 1 < e->m->n_layers; i++) {
        free(e->act[i + 1]);
        free(e->diff[i + 1]);
        free(e->argmax[i]);
    }
    free(e);
}

static conv_shape conv_shape_of(const nn_layer *l, int batch) {
    conv_shape s = {batch, l->in_c, l->in_h, l->in_w, l->out_c,
                    l->spec.kernel, l->spec.kernel, l->spec.stride,
                    l->spec.pad};
    return s;
}

static pool_shape pool_shape_of(const nn_layer *l, int batch) {
    pool_shape s = {batch, l->in_c, l->in_h, l->in_w, l->spec.kernel,
                    l->spec.stride};
    return s;
}

void ref_exec_forward(ref_exec *e, const float *src, float *logits) {
    const nn_model *m = e->m;
    int n = m->n_layers, b = e->batch;
    e->act[0] = (float *)src; /* read only: act[0] is never written */
    e->act[n] = logits;
    for (int i = 0; i < n; i++) {
        const nn_layer *l = &m->layers[i];
        const float *w = e->params + l->weights_off;
        const float *bias = e->params + l->bias_off;
        switch (l->spec.kind) {
        case NN_LAYER_CONV: {
            conv_shape s = conv_shape_of(l, b);
            conv2d_forward(e->act[i + 1], e->act[i], w, bias, &s);
            break;
        }
        case NN_LAYER_DENSE:
            dense_forward(e->act[i + 1], e->act[i], w, bias, b, l->fan_in,
                          l->out_c);
            break;
        case NN_LAYER_MAXPOOL: {
            pool_shape s = pool_shape_of(l, b);
            maxpool_forward(e->act[i + 1], e->argmax[i], e->act[i], &s);
            break;
        }
        }
        if (l->spec.relu)
            relu_forward(e->act[i + 1], e->act[i + 1], (size_t)b * out_size(l));
    }
}

void ref_exec_backward(ref_exec *e, const float *diff_logits) {
    const nn_model *m = e->m;
    int n = m->n_layers, b = e->batch;
    /* the last layer has no ReLU, so diff_logits is only read */
    e->diff[n] = (float *)diff_logits;
    for (int i = n - 1; i >= 0; i--) {
        const nn_layer *l = &m->layers[i];
        float *dd = e->diff[i + 1], *ds = e->diff[i]; /* ds NULL for i = 0 */
        if (l->spec.relu)
            relu_backward(dd, dd, e->act[i + 1], (size_t)b * out_size(l));
        const float *w = e->params + l->weights_off;
        float *gw = e->grads + l->weights_off, *gb = e->grads + l->bias_off;
        switch (l->spec.kind) {
        case NN_LAYER_CONV: {
            conv_shape s = conv_shape_of(l, b);
            conv2d_backward_weights(gw, gb, dd, e->act[i], &s);
            if (ds) conv2d_backward_data(ds, dd, w, &s);
            break;
        }
        case NN_LAYER_DENSE:
            dense_backward_weights(gw, gb, dd, e->act[i], b, l->fan_in,
                                   l->out_c);
            if (ds) dense_backward_data(ds, dd, w, b, l->fan_in, l->out_c);
            break;
        case NN_LAYER_MAXPOOL: {
            pool_shape s = pool_shape_of(l, b);
            if (ds) maxpool_backward(ds, dd, e->argmax[i], &s);
            break;
        }
        }
    }
}
