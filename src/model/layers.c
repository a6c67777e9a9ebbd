/* layers.c: the layer kinds: names, shapes, parameter counts, ReLU fusion
 * and how a layer is written back as a model-file line. */
#include "layers.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[NN_LAYER_KINDS] = {
    [NN_LAYER_CONV] = "conv",           [NN_LAYER_DENSE] = "dense",
    [NN_LAYER_MAXPOOL] = "maxpool",     [NN_LAYER_AVGPOOL] = "avgpool",
    [NN_LAYER_BATCHNORM] = "batchnorm", [NN_LAYER_DROPOUT] = "dropout",
    [NN_LAYER_RELU] = "relu",
};

const char *nn_layer_kind_name(nn_layer_kind kind) {
    return (unsigned)kind < NN_LAYER_KINDS ? kind_names[kind] : "?";
}

int nn_layer_fuses_relu(nn_layer_kind kind) {
    /* oneDNN runs these with a ReLU post-op (conv, dense) or its fused
     * norm + ReLU flag (batchnorm) */
    return kind == NN_LAYER_CONV || kind == NN_LAYER_DENSE ||
           kind == NN_LAYER_BATCHNORM;
}

void nn_layer_spec_format(char *buf, size_t cap, const nn_layer_spec *s) {
    const char *name = nn_layer_kind_name(s->kind);
    const char *relu = s->relu ? " +relu" : "";
    switch (s->kind) {
    case NN_LAYER_CONV:
        snprintf(buf, cap, "%s %d %d stride=%d pad=%d%s", name, s->out,
                 s->kernel, s->stride, s->pad, relu);
        break;
    case NN_LAYER_DENSE: snprintf(buf, cap, "%s %d%s", name, s->out, relu); break;
    case NN_LAYER_MAXPOOL:
    case NN_LAYER_AVGPOOL:
        snprintf(buf, cap, "%s %d stride=%d", name, s->kernel, s->stride);
        break;
    case NN_LAYER_DROPOUT: snprintf(buf, cap, "%s %g", name, s->p); break;
    default: snprintf(buf, cap, "%s%s", name, relu); break;
    }
}

int nn_input_check(int c, int h, int w, nn_err *err) {
    if (c < 1 || h < 1 || w < 1 || c > NN_MAX_SIDE || h > NN_MAX_SIDE ||
        w > NN_MAX_SIDE)
        return nn_errf(err, "input %dx%dx%d: each of channels, height and "
                       "width must be 1..%d", c, h, w, NN_MAX_SIDE);
    return 0;
}

static int window_shape(nn_layer *l, int pad, nn_err *err) {
    const nn_layer_spec *s = &l->spec;
    int k = s->kernel, st = s->stride;
    if (k <= 0 || st <= 0 || pad < 0 || k > NN_MAX_SIDE || st > NN_MAX_SIDE ||
        pad > NN_MAX_SIDE)
        return nn_errf(err, "%s: window %d, stride %d, pad %d: each must be "
                       "1..%d (pad 0..)", nn_layer_kind_name(s->kind), k, st,
                       pad, NN_MAX_SIDE);
    if (k > l->in_h + 2 * pad || k > l->in_w + 2 * pad)
        return nn_errf(err, "%s %d does not fit a %dx%d input",
                       nn_layer_kind_name(s->kind), k, l->in_h, l->in_w);
    l->out_h = (l->in_h + 2 * pad - k) / st + 1;
    l->out_w = (l->in_w + 2 * pad - k) / st + 1;
    return 0;
}

int nn_layer_shape(nn_layer *l, const nn_layer *prev, nn_err *err) {
    const nn_layer_spec *s = &l->spec;
    const char *name = nn_layer_kind_name(s->kind);
    l->out_c = l->in_c, l->out_h = l->in_h, l->out_w = l->in_w;
    l->n_weights = l->n_bias = l->n_state = 0;
    if (s->relu && !nn_layer_fuses_relu(s->kind))
        return nn_errf(err, "%s cannot carry a fused ReLU", name);
    switch (s->kind) {
    case NN_LAYER_CONV:
        if (s->out <= 0 || s->out > NN_MAX_SIDE)
            return nn_errf(err, "conv: %d output channels (1..%d allowed)",
                           s->out, NN_MAX_SIDE);
        if (window_shape(l, s->pad, err)) return -1;
        l->out_c = s->out;
        l->fan_in = l->in_c * s->kernel * s->kernel;
        l->n_weights = (size_t)s->out * l->fan_in;
        l->n_bias = (size_t)s->out;
        return 0;
    case NN_LAYER_MAXPOOL:
    case NN_LAYER_AVGPOOL: return window_shape(l, 0, err);
    case NN_LAYER_DENSE:
        if (s->out <= 0 || s->out > (1 << 20))
            return nn_errf(err, "dense: %d outputs (1..%d allowed)", s->out,
                           1 << 20);
        l->out_c = s->out;
        l->out_h = l->out_w = 1;
        l->fan_in = l->in_c * l->in_h * l->in_w;
        l->n_weights = (size_t)s->out * l->fan_in;
        l->n_bias = (size_t)s->out;
        return 0;
    case NN_LAYER_BATCHNORM:
        if (!prev || (prev->spec.kind != NN_LAYER_CONV &&
                      prev->spec.kind != NN_LAYER_DENSE))
            return nn_errf(err, "batchnorm must follow a conv or dense layer");
        if (prev->spec.relu)
            return nn_errf(err, "batchnorm after a ReLU: put the ReLU after "
                           "the batchnorm");
        l->n_weights = l->n_bias = (size_t)l->in_c; /* scale, shift */
        l->n_state = 2 * (size_t)l->in_c;           /* running mean, var */
        return 0;
    case NN_LAYER_DROPOUT:
        if (!(s->p >= 0 && s->p < 1))
            return nn_errf(err, "dropout %g: p must be in [0, 1)", s->p);
        return 0;
    case NN_LAYER_RELU: return 0;
    default: return nn_errf(err, "unknown layer kind %d", (int)s->kind);
    }
}
