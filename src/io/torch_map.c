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
    mod->kind = kind, mod->layer = layer, mod->weight = mod->bias = -1;
    return map->n_modules - 1;
}

/* "i.weight" and "i.bias" of module i, which holds layer l's params. */
static void add_params(nn_torch_map *map, int i, const nn_layer *l) {
    nn_torch_module *mod = &map->modules[i];
    nn_torch_tensor *w = &map->tensors[map->n_tensors];
    nn_torch_tensor *b = w + 1;
    snprintf(w->name, sizeof w->name, "%d.weight", i);
    snprintf(b->name, sizeof b->name, "%d.bias", i);
    if (l->spec.kind == NN_LAYER_CONV) {
        /* (OC, IC, K, K) */
        w->ndim = 4;
        w->shape[0] = l->out_c, w->shape[1] = l->in_c;
        w->shape[2] = w->shape[3] = l->spec.kernel;
    } else {
        /* (OC, IC): IC in NCHW order, as nn.Flatten lays it out */
        w->ndim = 2;
        w->shape[0] = l->out_c, w->shape[1] = l->fan_in;
    }
    w->off = l->weights_off, w->count = l->n_weights;
    b->ndim = 1, b->shape[0] = l->out_c;
    b->off = l->bias_off, b->count = l->n_bias;
    mod->weight = map->n_tensors, mod->bias = map->n_tensors + 1;
    map->n_tensors += 2;
}

int nn_torch_map_build(nn_torch_map *map, const nn_model *m, nn_err *err) {
    memset(map, 0, sizeof *map);
    int flat = 0; /* a Flatten (and so a Linear) came before */
    for (int i = 0; i < m->n_layers; i++) {
        const nn_layer *l = &m->layers[i];
        switch (l->spec.kind) {
        case NN_LAYER_CONV:
        case NN_LAYER_MAXPOOL:
            if (flat)
                return nn_errf(err, "model %s: layer %d %s comes after a "
                               "dense layer: no nn.Sequential mapping",
                               m->name, i, nn_layer_kind_name(l->spec.kind));
            if (l->spec.kind == NN_LAYER_MAXPOOL) {
                add_module(map, NN_TORCH_MAXPOOL2D, i);
                continue;
            }
            add_params(map, add_module(map, NN_TORCH_CONV2D, i), l);
            break;
        case NN_LAYER_DENSE:
            if (!flat) add_module(map, NN_TORCH_FLATTEN, i);
            flat = 1;
            add_params(map, add_module(map, NN_TORCH_LINEAR, i), l);
            break;
        default:
            return nn_errf(err, "model %s: layer %d %s: export does not map "
                           "this layer kind yet", m->name, i,
                           nn_layer_kind_name(l->spec.kind));
        }
        if (l->spec.relu) add_module(map, NN_TORCH_RELU, i);
    }
    return 0;
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
        snprintf(buf, size, "nn.MaxPool2d(kernel_size=%d, stride=%d)",
                 s->kernel, s->stride);
        return;
    case NN_TORCH_FLATTEN: snprintf(buf, size, "nn.Flatten()"); return;
    case NN_TORCH_LINEAR:
        snprintf(buf, size, "nn.Linear(%d, %d)", l->fan_in, s->out);
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
        meta_add(meta, key, "%s out=%d kernel=%d stride=%d pad=%d relu=%d "
                 "input=%dx%dx%d output=%dx%dx%d", nn_layer_kind_name(s->kind),
                 s->out, s->kernel, s->stride, s->pad, s->relu, l->in_c,
                 l->in_h, l->in_w, l->out_c, l->out_h, l->out_w);
    }
}

/* "nn.Sequential(nn.Conv2d(...), nn.ReLU(), ...)" */
static void meta_sequential(nn_export_meta *meta, const nn_torch_map *map,
                            const nn_model *m) {
    char code[1536] = "nn.Sequential(", part[128];
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
    /* 9 fixed keys + 10 config keys + one per layer */
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
