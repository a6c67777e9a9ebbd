/* config.c: the seed recipe's defaults, the checks of a config, and the
 * digest of its recipe. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "nn_train.h"

void nn_train_config_default(nn_train_config *c) {
    memset(c, 0, sizeof *c);
    nn_err ignored; /* the built-in cnn always parses */
    nn_model_builtin(&c->model, "cnn", &ignored);
    c->epochs = 50;
    c->batch_size = 64;
    c->threads = omp_get_num_procs();
    c->save_every = 1;
    c->val = NN_DEFAULT_VAL;
    c->lr = 0.001f;
    c->momentum = 0.9f;
    c->seed = 42;
    c->loss = NN_LOSS_MSE;
    c->optim = NN_OPTIM_ADAM;
    c->backend = NN_BACKEND_ONEDNN;
    c->parallel = NN_PARALLEL_AUTO;
    c->nan_policy = NN_NAN_STOP;
}

static int in_range(const char *name, long v, long min, long max,
                    nn_err *err) {
    if (v >= min && v <= max) return 0;
    return nn_errf(err, "%s %ld is out of range %ld..%ld", name, v, min, max);
}

int nn_train_config_check(const nn_train_config *c, nn_err *err) {
    if (in_range("epochs", c->epochs, 1, NN_MAX_EPOCHS, err) ||
        in_range("batch_size", c->batch_size, 1, NN_MAX_BATCH, err) ||
        in_range("threads", c->threads, 1, NN_MAX_THREADS, err) ||
        in_range("limit", c->limit, 0, NN_MAX_LIMIT, err) ||
        in_range("val", c->val, 1, NN_MAX_VAL, err) ||
        in_range("save_every", c->save_every, 0, NN_MAX_SAVE_EVERY, err))
        return -1;
    if (!(c->lr > 0) || !isfinite(c->lr))
        return nn_errf(err, "lr %g is not a positive number", c->lr);
    if (!(c->momentum >= 0 && c->momentum < 1))
        return nn_errf(err, "momentum %g is out of range [0, 1)", c->momentum);
    if (!(c->weight_decay >= 0) || !isfinite(c->weight_decay))
        return nn_errf(err, "weight_decay %g is not a number >= 0",
                       c->weight_decay);
    /* enums are checked where they are read: the CLI's choices and the
     * checkpoint's check_enum */
    if (in_range("warmup_epochs", c->warmup_epochs, 0, c->epochs, err) ||
        in_range("augment_crop", c->augment_crop, 0, NN_MAX_AUGMENT_CROP,
                 err) ||
        in_range("augment_flip", c->augment_flip, 0, 1, err))
        return -1;
    return 0;
}

const char *nn_loss_name(nn_loss_kind kind) {
    switch (kind) {
    case NN_LOSS_MSE: return "mse";
    case NN_LOSS_CROSS_ENTROPY: return "cross-entropy";
    }
    return "?";
}

const char *nn_optim_name(nn_optim_kind kind) {
    switch (kind) {
    case NN_OPTIM_ADAM: return "adam";
    case NN_OPTIM_SGD: return "sgd";
    case NN_OPTIM_ADAMW: return "adamw";
    }
    return "?";
}

const char *nn_schedule_name(nn_schedule_kind kind) {
    switch (kind) {
    case NN_SCHEDULE_CONSTANT: return "constant";
    case NN_SCHEDULE_COSINE: return "cosine";
    case NN_SCHEDULE_STEP: return "step";
    }
    return "?";
}

void nn_augment_name(char *buf, size_t size, const nn_train_config *c) {
    if (!c->augment_crop && !c->augment_flip) {
        snprintf(buf, size, "none");
        return;
    }
    char crop[32] = "";
    if (c->augment_crop) snprintf(crop, sizeof crop, "crop=%d", c->augment_crop);
    snprintf(buf, size, "%s%s%s", crop,
             c->augment_crop && c->augment_flip ? "," : "",
             c->augment_flip ? "flip" : "");
}

const char *nn_parallel_name(nn_parallel_kind kind) {
    switch (kind) {
    case NN_PARALLEL_INTRA: return "intra";
    case NN_PARALLEL_BATCH: return "batch";
    case NN_PARALLEL_AUTO: return "auto";
    }
    return "?";
}

const char *const nn_phase_names[NN_PHASES] = {
    "batching", "forward", "loss", "backward", "allreduce", "optimizer"};

/* FNV-1a over n little-endian bytes of x. */
static uint64_t mix(uint64_t h, uint64_t x, int n) {
    for (int i = 0; i < n; i++)
        h = (h ^ (uint8_t)(x >> (8 * i))) * 1099511628211ull;
    return h;
}

static uint64_t mix_ints(uint64_t h, const int *v, size_t n) {
    for (size_t i = 0; i < n; i++) h = mix(h, (uint32_t)v[i], 4);
    return h;
}

static uint64_t mix_f32s(uint64_t h, const float *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], sizeof u);
        h = mix(h, u, 4);
    }
    return h;
}

uint64_t nn_train_config_recipe_digest(const nn_train_config *c) {
    const nn_model_desc *d = &c->model;
    uint64_t h = 1469598103934665603ull;
    const int shape[] = {d->in_c, d->in_h, d->in_w, d->n_layers};
    h = mix_ints(h, shape, 4);
    for (int i = 0; i < d->n_layers; i++) {
        const nn_layer_spec *l = &d->layers[i];
        const int layer[] = {(int)l->kind, l->out, l->kernel,
                             l->stride,    l->pad, l->relu};
        h = mix_f32s(mix_ints(h, layer, 6), &l->p, 1);
    }
    const int ints[] = {c->epochs,        c->batch_size,   c->limit,
                        c->val,           c->save_every,   (int)c->schedule,
                        c->warmup_epochs, c->augment_crop, c->augment_flip,
                        (int)c->loss,     (int)c->optim,   (int)c->backend,
                        (int)c->precision, (int)c->parallel,
                        (int)c->nan_policy};
    const float floats[] = {c->lr, c->momentum, c->weight_decay};
    h = mix_ints(h, ints, sizeof ints / sizeof *ints);
    h = mix_f32s(h, floats, sizeof floats / sizeof *floats);
    h = mix(h, c->seed, 8);
    for (int i = 0; i < NN_DATA_FILES; i++)
        h = mix(h, c->data_fp.size[i], 8), h = mix(h, c->data_fp.crc[i], 4);
    return h;
}
