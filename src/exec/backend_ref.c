/* backend_ref.c: an executor that runs every layer with the plain C + OpenMP
 * kernels of kernels/, in PyTorch's plain layouts. */
#include "backend_ref.h"

#include <stdint.h>
#include <stdlib.h>

#include "bnorm_sync.h"
#include "kernels.h"

struct ref_exec {
    const nn_model *m;
    int batch;
    int training;
    long first;          /* element offset of this batch slice, per image */
    uint64_t seed, step; /* dropout's key */
    const float *params;
    float *grads;
    /* act[i]: input of layer i, (batch, C, H, W); act[0] is the caller's
     * src and act[n_layers] the caller's logits during a pass. */
    float *act[NN_MAX_LAYERS + 1];
    /* diff[i]: dL/dact[i]; diff[n_layers] is the caller's diff_logits. */
    float *diff[NN_MAX_LAYERS + 1];
    int32_t *argmax[NN_MAX_LAYERS]; /* max pooling: (batch, C, OH, OW) */
    float *mean[NN_MAX_LAYERS];     /* batch norm: the batch's mean, var */
    float *var[NN_MAX_LAYERS];
    long bn_total[NN_MAX_LAYERS]; /* values per channel behind them */
    int sync_bn;                  /* ... over every MPI rank's slice */
    double *bn_sums; /* 2 C + 1 of the widest batch norm: sums, sync */
    int bn_width;    /* that C */
};

static size_t out_size(const nn_layer *l) {
    return (size_t)l->out_c * l->out_h * l->out_w;
}

/* The buffers layer i needs besides its output. */
static int layer_buffers(ref_exec *e, int i) {
    const nn_layer *l = &e->m->layers[i];
    size_t n = (size_t)e->batch * out_size(l);
    if (l->spec.kind == NN_LAYER_MAXPOOL)
        return (e->argmax[i] = malloc(n * sizeof(int32_t))) != NULL;
    if (l->spec.kind == NN_LAYER_BATCHNORM) {
        e->mean[i] = malloc((size_t)l->out_c * sizeof(float));
        e->var[i] = malloc((size_t)l->out_c * sizeof(float));
        if (l->out_c > e->bn_width) { /* the widest layer's */
            free(e->bn_sums);
            e->bn_width = l->out_c;
            e->bn_sums = malloc((size_t)(2 * l->out_c + 1) * sizeof(double));
        }
        return e->mean[i] && e->var[i] && e->bn_sums;
    }
    return 1;
}

int ref_exec_create(ref_exec **out, const nn_model *m, int batch,
                    const nn_exec_opts *o, const float *params, float *grads,
                    nn_err *err) {
    ref_exec *e = calloc(1, sizeof *e);
    if (!e) return nn_errf(err, "reference executor: out of memory");
    e->m = m, e->batch = batch, e->params = params, e->grads = grads;
    e->training = !o->inference;
    e->first = o->first_image;
    e->sync_bn = o->sync_batchnorm;
    int ok = 1;
    for (int i = 0; i < m->n_layers; i++) {
        ok &= layer_buffers(e, i);
        if (i + 1 == m->n_layers) break;
        size_t n = (size_t)batch * out_size(&m->layers[i]);
        e->act[i + 1] = malloc(n * sizeof(float));
        e->diff[i + 1] = malloc(n * sizeof(float));
        ok &= e->act[i + 1] && e->diff[i + 1];
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
    for (int i = 0; i < e->m->n_layers; i++) {
        if (i + 1 < e->m->n_layers) { /* act[n], diff[n]: the caller's */
            free(e->act[i + 1]);
            free(e->diff[i + 1]);
        }
        free(e->argmax[i]);
        free(e->mean[i]);
        free(e->var[i]);
    }
    free(e->bn_sums);
    free(e);
}

void ref_exec_set_step(ref_exec *e, uint64_t seed, uint64_t step) {
    e->seed = seed, e->step = step;
}

void ref_exec_set_first_image(ref_exec *e, int first_image) {
    e->first = first_image;
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

static bnorm_shape bnorm_shape_of(const nn_layer *l, int batch) {
    bnorm_shape s = {batch, l->in_c, l->in_h * l->in_w, NN_BNORM_EPS};
    return s;
}

/* Index of the first element of this executor's batch in the whole batch
 * (dropout's key), for layer l's input. */
static size_t first_element(const ref_exec *e, const nn_layer *l) {
    return (size_t)e->first * l->in_c * l->in_h * l->in_w;
}

static void layer_forward(ref_exec *e, int i) {
    const nn_layer *l = &e->m->layers[i];
    int b = e->batch;
    const float *src = e->act[i], *w = e->params + l->weights_off;
    const float *bias = e->params + l->bias_off;
    float *dst = e->act[i + 1];
    size_t n = (size_t)b * out_size(l);
    switch (l->spec.kind) {
    case NN_LAYER_CONV: {
        conv_shape s = conv_shape_of(l, b);
        conv2d_forward(dst, src, w, bias, &s);
        break;
    }
    case NN_LAYER_DENSE:
        dense_forward(dst, src, w, bias, b, l->fan_in, l->out_c);
        break;
    case NN_LAYER_MAXPOOL: {
        pool_shape s = pool_shape_of(l, b);
        maxpool_forward(dst, e->argmax[i], src, &s);
        break;
    }
    case NN_LAYER_AVGPOOL: {
        pool_shape s = pool_shape_of(l, b);
        avgpool_forward(dst, src, &s);
        break;
    }
    case NN_LAYER_BATCHNORM: {
        bnorm_shape s = bnorm_shape_of(l, b);
        float *running = e->m->state + l->state_off;
        if (!e->training) {
            bnorm_forward_inference(dst, src, running, running + l->out_c, w,
                                    bias, &s);
            break;
        }
        float *mean = e->mean[i], *var = e->var[i];
        bnorm_batch_stats(mean, var, src, &s);
        e->bn_total[i] = (long)b * s.hw;
        if (e->sync_bn)
            e->bn_total[i] = bnorm_sync_stats(mean, var, l->out_c,
                                              e->bn_total[i], e->bn_sums);
        bnorm_forward_inference(dst, src, mean, var, w, bias, &s);
        bnorm_update_running(running, running + l->out_c, mean, var,
                             l->out_c, e->bn_total[i], NN_BNORM_MOMENTUM);
        break;
    }
    case NN_LAYER_DROPOUT:
        if (e->training)
            dropout_forward(dst, src, n, first_element(e, l), l->spec.p,
                            e->seed, e->step);
        else
            for (size_t j = 0; j < n; j++) dst[j] = src[j];
        break;
    case NN_LAYER_RELU: relu_forward(dst, src, n); break;
    default: break; /* nn_model_init admits no other kind */
    }
    if (l->spec.relu) relu_forward(dst, dst, n);
}

void ref_exec_forward(ref_exec *e, const float *src, float *logits) {
    int n = e->m->n_layers;
    e->act[0] = (float *)src; /* read only: act[0] is never written */
    e->act[n] = logits;
    for (int i = 0; i < n; i++) layer_forward(e, i);
}

/* dd is dL/d(layer output) (a fused ReLU already undone); ds, NULL for the
 * first layer, receives dL/d(layer input). */
static void layer_backward(ref_exec *e, int i, const float *dd, float *ds) {
    const nn_layer *l = &e->m->layers[i];
    int b = e->batch;
    const float *src = e->act[i], *w = e->params + l->weights_off;
    float *gw = e->grads + l->weights_off, *gb = e->grads + l->bias_off;
    size_t n = (size_t)b * out_size(l);
    switch (l->spec.kind) {
    case NN_LAYER_CONV: {
        conv_shape s = conv_shape_of(l, b);
        conv2d_backward_weights(gw, gb, dd, src, &s);
        if (ds) conv2d_backward_data(ds, dd, w, &s);
        break;
    }
    case NN_LAYER_DENSE:
        dense_backward_weights(gw, gb, dd, src, b, l->fan_in, l->out_c);
        if (ds) dense_backward_data(ds, dd, w, b, l->fan_in, l->out_c);
        break;
    case NN_LAYER_MAXPOOL: {
        pool_shape s = pool_shape_of(l, b);
        if (ds) maxpool_backward(ds, dd, e->argmax[i], &s);
        break;
    }
    case NN_LAYER_AVGPOOL: {
        pool_shape s = pool_shape_of(l, b);
        if (ds) avgpool_backward(ds, dd, &s);
        break;
    }
    case NN_LAYER_BATCHNORM: {
        /* the scale and shift gradients are this slice's (the step sums
         * every gradient over the ranks); diff_src needs the sums over
         * every image the statistics came from */
        bnorm_shape s = bnorm_shape_of(l, b);
        double *dy = e->bn_sums, *dy_xhat = dy + l->out_c;
        bnorm_backward_sums(dy, dy_xhat, dd, src, e->mean[i], e->var[i], &s);
        for (int ch = 0; ch < l->out_c; ch++) {
            gw[ch] = (float)dy_xhat[ch];
            gb[ch] = (float)dy[ch];
        }
        if (!ds) break;
        if (e->sync_bn) bnorm_sync_sums(dy, 2 * l->out_c);
        bnorm_backward_data(ds, dd, src, e->mean[i], e->var[i], w, dy,
                            dy_xhat, (double)e->bn_total[i], &s);
        break;
    }
    case NN_LAYER_DROPOUT:
        if (ds)
            dropout_backward(ds, dd, n, first_element(e, l), l->spec.p,
                             e->seed, e->step);
        break;
    case NN_LAYER_RELU:
        if (ds) relu_backward(ds, dd, e->act[i + 1], n);
        break;
    default: break;
    }
}

int ref_exec_backward(ref_exec *e, const float *diff_logits, nn_err *err) {
    if (!e->training)
        return nn_errf(err, "reference executor: backward on an inference "
                       "executor");
    const nn_model *m = e->m;
    int n = m->n_layers, b = e->batch;
    /* the last layer has no ReLU, so diff_logits is only read */
    e->diff[n] = (float *)diff_logits;
    for (int i = n - 1; i >= 0; i--) {
        const nn_layer *l = &m->layers[i];
        float *dd = e->diff[i + 1];
        if (l->spec.relu)
            relu_backward(dd, dd, e->act[i + 1], (size_t)b * out_size(l));
        layer_backward(e, i, dd, e->diff[i]);
    }
    return 0;
}
