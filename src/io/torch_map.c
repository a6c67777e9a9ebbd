/* torch_map.c: nntrain's layer table seen from outside: the PyTorch
 * nn.Sequential of the documented mapping (nn_export.h), its state_dict
 * names and shapes, and the metadata that travels with exported weights. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nn_data.h"
#include "nn_export.h"
#include "nn_sysinfo.h"

static int add_module(nn_torch_map *map, nn_torch_kind kind, int layer) {
    nn_torch_module *mod = &map->modules[map->n_modules++];
    mod->kind = kind, mod->layer = layer;
    mod->weight = mod->bias = mod->mean = mod->var = mod->count = -1;
    return map->n_modules - 1;
}

/* Tensor "i.what" of module i, one-dimensional (c) unless c is 0 (a
 * scalar); returns its index. */
static int add_tensor(nn_torch_map *map, int i, const char *what,
                      nn_torch_store store, size_t off, int c) {
    nn_torch_tensor *t = &map->tensors[map->n_tensors];
    snprintf(t->name, sizeof t->name, "%d.%s", i, what);
    t->store = store, t->off = off;
    t->ndim = c ? 1 : 0, t->shape[0] = c;
    t->count = c ? (size_t)c : 1;
    return map->n_tensors++;
}

/* "i.weight" and "i.bias" of module i, which holds layer l's params. */
static void add_params(nn_torch_map *map, int i, const nn_layer *l) {
    nn_torch_module *mod = &map->modules[i];
    mod->weight = add_tensor(map, i, "weight", NN_TORCH_IN_PARAMS,
                             l->weights_off, l->out_c);
    mod->bias = add_tensor(map, i, "bias", NN_TORCH_IN_PARAMS, l->bias_off,
                           l->out_c);
    nn_torch_tensor *w = &map->tensors[mod->weight];
    if (l->spec.kind == NN_LAYER_CONV) {
        /* (OC, IC, K, K) */
        w->ndim = 4;
        w->shape[1] = l->in_c, w->shape[2] = w->shape[3] = l->spec.kernel;
    } else if (l->spec.kind == NN_LAYER_DENSE) {
        /* (OC, IC): IC in NCHW order, as nn.Flatten lays it out */
        w->ndim = 2, w->shape[1] = l->fan_in;
    } /* batch norm: scale (C) */
    w->count = l->n_weights;
}

/* A batch norm's scale and shift, then its running statistics and the
 * count PyTorch keeps beside them. */
static void add_bnorm(nn_torch_map *map, int i, const nn_layer *l) {
    nn_torch_module *mod = &map->modules[i];
    int c = l->out_c;
    add_params(map, i, l);
    mod->mean = add_tensor(map, i, "running_mean", NN_TORCH_IN_STATE,
                           l->state_off, c);
    mod->var = add_tensor(map, i, "running_var", NN_TORCH_IN_STATE,
                          l->state_off + (size_t)c, c);
    mod->count = add_tensor(map, i, "num_batches_tracked", NN_TORCH_IN_NONE,
                            0, 0);
}

int nn_torch_map_build(nn_torch_map *map, const nn_model *m, nn_err *err) {
    memset(map, 0, sizeof *map);
    int flat = 0; /* a Flatten (and so a Linear) came before */
    for (int i = 0; i < m->n_layers; i++) {
        const nn_layer *l = &m->layers[i];
        nn_layer_kind kind = l->spec.kind;
        if (flat && (kind == NN_LAYER_CONV || kind == NN_LAYER_MAXPOOL ||
                     kind == NN_LAYER_AVGPOOL))
            return nn_errf(err, "model %s: layer %d %s comes after a dense "
                           "layer: no nn.Sequential mapping", m->name, i,
                           nn_layer_kind_name(kind));
        switch (kind) {
        case NN_LAYER_CONV:
            add_params(map, add_module(map, NN_TORCH_CONV2D, i), l);
            break;
        case NN_LAYER_MAXPOOL: add_module(map, NN_TORCH_MAXPOOL2D, i); break;
        case NN_LAYER_AVGPOOL: add_module(map, NN_TORCH_AVGPOOL2D, i); break;
        case NN_LAYER_DENSE:
            if (!flat) add_module(map, NN_TORCH_FLATTEN, i);
            flat = 1;
            add_params(map, add_module(map, NN_TORCH_LINEAR, i), l);
            break;
        case NN_LAYER_BATCHNORM:
            /* after a Flatten the features are (N, C): BatchNorm1d */
            add_bnorm(map, add_module(map, flat ? NN_TORCH_BATCHNORM1D
                                                : NN_TORCH_BATCHNORM2D, i),
                      l);
            break;
        case NN_LAYER_DROPOUT: add_module(map, NN_TORCH_DROPOUT, i); break;
        case NN_LAYER_RELU: add_module(map, NN_TORCH_RELU, i); break;
        default:
            return nn_errf(err, "model %s: layer %d: unknown kind %d",
                           m->name, i, (int)kind);
        }
        if (l->spec.relu) add_module(map, NN_TORCH_RELU, i);
    }
    return 0;
}

float *nn_torch_tensor_data(const nn_model *m, const nn_torch_tensor *t) {
    switch (t->store) {
    case NN_TORCH_IN_PARAMS: return m->params + t->off;
    case NN_TORCH_IN_STATE: return m->state + t->off;
    case NN_TORCH_IN_NONE: break;
    }
    return NULL;
}

void nn_torch_module_code(char *buf, size_t size, const nn_torch_map *map,
                          int i, const nn_model *m) {
    const nn_torch_module *mod = &map->modules[i];
    const nn_layer *l = &m->layers[mod->layer];
    const nn_layer_spec *s = &l->spec;
    switch (mod->kind) {
    case NN_TORCH_CONV2D:
        snprintf(buf, size, "nn.Conv2d(%d, %d, kernel_size=%d, stride=%d, "
                 "padding=%d)", l->in_c, s->out, s->kernel, s->stride, s->pad);
        return;
    case NN_TORCH_RELU: snprintf(buf, size, "nn.ReLU()"); return;
    case NN_TORCH_MAXPOOL2D:
    case NN_TORCH_AVGPOOL2D:
        snprintf(buf, size, "nn.%s(kernel_size=%d, stride=%d)",
                 mod->kind == NN_TORCH_MAXPOOL2D ? "MaxPool2d" : "AvgPool2d",
                 s->kernel, s->stride);
        return;
    case NN_TORCH_FLATTEN: snprintf(buf, size, "nn.Flatten()"); return;
    case NN_TORCH_LINEAR:
        snprintf(buf, size, "nn.Linear(%d, %d)", l->fan_in, s->out);
        return;
    case NN_TORCH_BATCHNORM2D:
    case NN_TORCH_BATCHNORM1D:
        snprintf(buf, size, "nn.BatchNorm%s(%d, eps=%g, momentum=%g)",
                 mod->kind == NN_TORCH_BATCHNORM2D ? "2d" : "1d", l->out_c,
                 (double)NN_BNORM_EPS, (double)NN_BNORM_MOMENTUM);
        return;
    case NN_TORCH_DROPOUT:
        snprintf(buf, size, "nn.Dropout(p=%g)", (double)s->p);
        return;
    }
    snprintf(buf, size, "?");
}

void nn_torch_shape_text(char *buf, size_t size, int ndim,
                         const int64_t *shape) {
    size_t n = (size_t)snprintf(buf, size, "(");
    for (int d = 0; d < ndim && n < size; d++)
        n += (size_t)snprintf(buf + n, size - n, "%s%" PRId64, d ? ", " : "",
                              shape[d]);
    if (n < size) snprintf(buf + n, size - n, "%s)", ndim == 1 ? "," : "");
}

/* ---- metadata ------------------------------------------------------------ */

__attribute__((format(printf, 3, 4)))
static void meta_add(nn_export_meta *meta, const char *key, const char *fmt,
                     ...) {
    if (meta->n == NN_META_MAX) return; /* checked by the caller: cannot */
    int i = meta->n++;
    snprintf(meta->key[i], sizeof meta->key[i], "%s", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(meta->value[i], sizeof meta->value[i], fmt, ap);
    va_end(ap);
    meta->kv[2 * i] = meta->key[i], meta->kv[2 * i + 1] = meta->value[i];
}

static void meta_layers(nn_export_meta *meta, const nn_model *m) {
    for (int i = 0; i < m->n_layers; i++) {
        const nn_layer *l = &m->layers[i];
        const nn_layer_spec *s = &l->spec;
        char key[48];
        snprintf(key, sizeof key, "nntrain.layer.%d", i);
        char p[32] = ""; /* dropout's probability */
        if (s->kind == NN_LAYER_DROPOUT)
            snprintf(p, sizeof p, " p=%g", (double)s->p);
        meta_add(meta, key, "%s out=%d kernel=%d stride=%d pad=%d relu=%d%s "
                 "input=%dx%dx%d output=%dx%dx%d", nn_layer_kind_name(s->kind),
                 s->out, s->kernel, s->stride, s->pad, s->relu, p, l->in_c,
                 l->in_h, l->in_w, l->out_c, l->out_h, l->out_w);
    }
}

/* "nn.Sequential(nn.Conv2d(...), nn.ReLU(), ...)" */
static void meta_sequential(nn_export_meta *meta, const nn_torch_map *map,
                            const nn_model *m) {
    char code[NN_META_VALUE] = "nn.Sequential(", part[128];
    for (int i = 0; i < map->n_modules; i++) {
        nn_torch_module_code(part, sizeof part, map, i, m);
        size_t n = strlen(code);
        snprintf(code + n, sizeof code - n, "%s%s", i ? ", " : "", part);
    }
    size_t n = strlen(code);
    snprintf(code + n, sizeof code - n, ")");
    meta_add(meta, "nntrain.pytorch", "%s", code);
}

static void meta_config(nn_export_meta *meta, const nn_train_config *c) {
    meta_add(meta, "nntrain.config.loss", "%s", nn_loss_name(c->loss));
    meta_add(meta, "nntrain.config.optimizer", "%s", nn_optim_name(c->optim));
    meta_add(meta, "nntrain.config.lr", "%g", c->lr);
    meta_add(meta, "nntrain.config.momentum", "%g", c->momentum);
    meta_add(meta, "nntrain.config.batch_size", "%d", c->batch_size);
    meta_add(meta, "nntrain.config.epochs", "%d", c->epochs);
    meta_add(meta, "nntrain.config.limit", "%d", c->limit);
    meta_add(meta, "nntrain.config.val", "%d", c->val);
    meta_add(meta, "nntrain.config.seed", "%llu",
             (unsigned long long)c->seed);
    meta_add(meta, "nntrain.config.backend", "%s", nn_backend_name(c->backend));
}

int nn_export_meta_build(nn_export_meta *meta, const nn_model *m,
                         const nn_torch_map *map, const nn_train_config *cfg,
                         nn_err *err) {
    /* 9 fixed keys + 10 config keys + one per layer (NN_META_MAX) */
    if (9 + 10 + m->n_layers > NN_META_MAX)
        return nn_errf(err, "model %s: too many layers for the metadata",
                       m->name);
    memset(meta, 0, sizeof *meta);
    nn_sysinfo s;
    nn_sysinfo_get(&s);
    /* the run's names, comma-joined; left empty when they do not fit */
    char classes[sizeof meta->value[0]] = "";
    const nn_class_names *names = cfg ? &cfg->names : NULL;
    for (int i = 0; names && names->n == m->classes && i < names->n; i++) {
        size_t n = strlen(classes);
        if (snprintf(classes + n, sizeof classes - n, "%s%s", i ? "," : "",
                     names->name[i]) >= (int)(sizeof classes - n)) {
            classes[0] = '\0';
            break;
        }
    }
    meta_add(meta, "format", "pt");
    meta_add(meta, "nntrain.version", "%s (%s)", s.version, s.commit);
    meta_add(meta, "nntrain.model", "%s", m->name);
    meta_add(meta, "nntrain.input", "%dx%dx%d", m->in_c, m->in_h, m->in_w);
    meta_add(meta, "nntrain.input_scale", "pixel / 255, in [0, 1], NCHW");
    meta_add(meta, "nntrain.classes", "%d", m->classes);
    meta_add(meta, "nntrain.class_names", "%s", classes);
    meta_add(meta, "nntrain.output", "logits (softmax gives the "
             "probabilities)");
    meta_sequential(meta, map, m);
    meta_layers(meta, m);
    if (cfg) meta_config(meta, cfg);
    return 0;
}
