/* state.c: training states without data (see state.h). */
#include "state.h"

#include "model_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    const nn_layer_spec *specs;
    int n_layers, in_c, in_h, in_w;
} test_model;

static const nn_layer_spec mlp_narrow[] = {
    {NN_LAYER_DENSE, 256, 0, 0, 0, 1, 0},
    {NN_LAYER_DENSE, 64, 0, 0, 0, 1, 0},
    {NN_LAYER_DENSE, 10, 0, 0, 0, 0, 0},
};

static const nn_layer_spec cnn_narrow[] = {
    {NN_LAYER_CONV, 16, 3, 1, 1, 1, 0},
    {NN_LAYER_MAXPOOL, 0, 2, 2, 0, 0, 0},
    {NN_LAYER_CONV, 64, 3, 1, 1, 1, 0},
    {NN_LAYER_MAXPOOL, 0, 2, 2, 0, 0, 0},
    {NN_LAYER_DENSE, 128, 0, 0, 0, 1, 0},
    {NN_LAYER_DENSE, 10, 0, 0, 0, 0, 0},
};

static const nn_layer_spec dense6[] = {
    {NN_LAYER_DENSE, 32, 0, 0, 0, 1, 0}, {NN_LAYER_DENSE, 32, 0, 0, 0, 1, 0},
    {NN_LAYER_DENSE, 32, 0, 0, 0, 1, 0}, {NN_LAYER_DENSE, 32, 0, 0, 0, 1, 0},
    {NN_LAYER_DENSE, 32, 0, 0, 0, 1, 0}, {NN_LAYER_DENSE, 10, 0, 0, 0, 0, 0},
};

static const nn_layer_spec tiny[] = {
    {NN_LAYER_DENSE, 3, 0, 0, 0, 1, 0},
    {NN_LAYER_DENSE, 3, 0, 0, 0, 1, 0},
    {NN_LAYER_DENSE, 2, 0, 0, 0, 0, 0},
};

/* every layer kind; batch norm brings running statistics (model state) */
static const nn_layer_spec every_kind[] = {
    {NN_LAYER_CONV, 4, 3, 1, 1, 0, 0},   {NN_LAYER_BATCHNORM, 0, 0, 0, 0, 1, 0},
    {NN_LAYER_MAXPOOL, 0, 2, 2, 0, 0, 0}, {NN_LAYER_AVGPOOL, 0, 2, 1, 0, 0, 0},
    {NN_LAYER_RELU, 0, 0, 0, 0, 0, 0},    {NN_LAYER_DROPOUT, 0, 0, 0, 0, 0, 0.3f},
    {NN_LAYER_DENSE, 6, 0, 0, 0, 0, 0},   {NN_LAYER_BATCHNORM, 0, 0, 0, 0, 0, 0},
    {NN_LAYER_DENSE, 3, 0, 0, 0, 0, 0},
};

static const test_model test_models[] = {
    {"every-kind", every_kind, 9, 2, 6, 6},
    {"mlp-narrow", mlp_narrow, 3, 1, 28, 28},
    {"cnn-narrow", cnn_narrow, 6, 1, 28, 28},
    {"dense6", dense6, 6, 1, 28, 28},
    {"tiny", tiny, 3, 1, 2, 2},
};

static int model_init(nn_model *m, const char *name, nn_err *err) {
    for (size_t i = 0; i < sizeof test_models / sizeof *test_models; i++) {
        const test_model *t = &test_models[i];
        if (strcmp(name, t->name) == 0)
            return test_model_init(m, name, t->specs, t->n_layers, t->in_c,
                                   t->in_h, t->in_w, err);
    }
    return nn_model_init_named(m, name, err);
}

int test_state_init(test_state *t, const char *model, nn_optim_kind optim,
                    int epochs, int n_order, nn_err *err) {
    memset(t, 0, sizeof *t);
    nn_train_config *c = &t->cfg;
    if (model_init(&t->model, model, err)) return -1;
    nn_model_describe(&t->model, &c->model);
    c->epochs = epochs;
    c->batch_size = 4;
    c->threads = 1;
    c->save_every = 1;
    c->val = 6000;
    c->lr = 0.01f;
    c->momentum = 0.9f;
    c->optim = optim;
    c->names.n = t->model.classes;
    for (int i = 0; i < c->names.n; i++)
        snprintf(c->names.name[i], sizeof c->names.name[i], "%d", i);
    if (nn_optimizer_init(&t->opt, optim, t->model.n_params, c->lr,
                          c->momentum, c->weight_decay, err)) {
        test_state_free(t);
        return -1;
    }
    t->capacity = epochs;
    t->history = calloc((size_t)epochs, sizeof *t->history);
    t->cursor.order = calloc((size_t)n_order, sizeof(int));
    t->cursor.n_order = n_order;
    if (!t->history || !t->cursor.order) {
        test_state_free(t);
        return nn_errf(err, "test state: out of memory");
    }
    return 0;
}

void test_state_free(test_state *t) {
    nn_model_free(&t->model);
    nn_optimizer_free(&t->opt);
    free(t->history);
    free(t->cursor.order);
    t->history = NULL, t->cursor.order = NULL;
}

/* Three optimizer steps on gradients uniform in [-0.5, 0.5). */
static void fake_steps(test_state *t, nn_rng *rng) {
    nn_model *m = &t->model;
    for (int step = 0; step < 3; step++) {
        for (size_t i = 0; i < m->n_params; i++)
            m->grads[i] = (float)(nn_rng_uniform(rng) - 0.5);
        nn_optimizer_step(&t->opt, m->params, m->grads);
    }
    for (size_t i = 0; i < m->n_state; i++)
        m->state[i] = (float)nn_rng_uniform(rng); /* as if trained */
}

void test_state_fill(test_state *t, uint64_t seed) {
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    nn_model_init_params(&t->model, &rng);
    fake_steps(t, &rng);
    nn_rng_seed(&t->shuffle_rng, seed ^ 0x53485546ull);
    t->epochs_done = t->capacity < 3 ? t->capacity : 3;
    t->elapsed = 0;
    for (int e = 0; e < t->epochs_done; e++) {
        nn_epoch_metrics *h = &t->history[e];
        h->train_loss = nn_rng_uniform(&rng), h->train_acc = 80 + e;
        h->val_loss = nn_rng_uniform(&rng), h->val_acc = 70 + e;
        h->seconds = 1.5 + e, h->train_images_per_s = 1000.25 * (e + 1);
        t->elapsed += h->seconds;
    }
    nn_epoch_cursor *c = &t->cursor;
    for (int i = 0; i < c->n_order; i++) c->order[i] = i;
    nn_rng_shuffle(c->order, c->n_order, &t->shuffle_rng);
    c->batches_done = 1, c->images = 4, c->correct = 3;
    c->loss_sum = nn_rng_uniform(&rng), c->train_seconds = 0.125;
    t->cfg.seed = seed, t->cfg.limit = 100, t->cfg.loss = NN_LOSS_CROSS_ENTROPY;
    t->cfg.backend = NN_BACKEND_REF, t->cfg.parallel = NN_PARALLEL_BATCH;
    t->cfg.nan_policy = NN_NAN_SKIP_BATCH;
    snprintf(t->cfg.data_dir, sizeof t->cfg.data_dir, "/data/%llu",
             (unsigned long long)seed);
    for (int i = 0; i < NN_DATA_FILES; i++) {
        t->cfg.data_fp.size[i] = 1000000007ull * (seed + (uint64_t)i);
        t->cfg.data_fp.crc[i] = (uint32_t)(0x9e3779b9u * (seed + (uint64_t)i));
    }
    t->cfg.val = 1 + (int)(seed % 1000);
    for (int i = 0; i < t->cfg.names.n; i++)
        snprintf(t->cfg.names.name[i], sizeof t->cfg.names.name[i],
                 "class %d of seed %llu", i, (unsigned long long)seed);
    t->cfg.threads_changed = (int)(seed & 1);
    t->cfg.precision = (nn_precision)((seed >> 1) & 1);
    /* the recipe: every value differs from the seed's default somewhere */
    t->cfg.weight_decay = 0.015625f * (float)(seed % 4);
    t->cfg.schedule = (nn_schedule_kind)(seed % 3);
    t->cfg.warmup_epochs = (int)(seed % 2);
    t->cfg.augment_crop = (int)(seed % 5);
    t->cfg.augment_flip = (int)((seed >> 2) & 1);
    /* out_dir is not saved: a resumed run writes where its checkpoint is */
}

void test_state_copy(test_state *dst, const test_state *src) {
    size_t n = src->model.n_params;
    memcpy(&dst->cfg, &src->cfg, sizeof dst->cfg); /* padding too */
    memcpy(dst->model.params, src->model.params, n * sizeof(float));
    memcpy(dst->model.state, src->model.state,
           src->model.n_state * sizeof(float));
    dst->opt.step = src->opt.step;
    memcpy(dst->opt.m, src->opt.m, n * sizeof(float));
    if (src->opt.v) memcpy(dst->opt.v, src->opt.v, n * sizeof(float));
    dst->shuffle_rng = src->shuffle_rng;
    dst->epochs_done = src->epochs_done;
    dst->elapsed = src->elapsed;
    memcpy(dst->history, src->history,
           (size_t)src->capacity * sizeof *src->history);
    int *order = dst->cursor.order;
    dst->cursor = src->cursor;
    dst->cursor.order = order;
    memcpy(order, src->cursor.order, (size_t)src->cursor.n_order * sizeof(int));
}

static int floats_differ(const float *a, const float *b, size_t n) {
    if (!a || !b) return a != b;
    return memcmp(a, b, n * sizeof(float)) != 0;
}

const char *test_state_diff(const test_state *a, const test_state *b) {
    size_t n = a->model.n_params;
    const nn_epoch_cursor *p = &a->cursor, *q = &b->cursor;
    if (memcmp(&a->cfg, &b->cfg, sizeof a->cfg)) return "config";
    if (n != b->model.n_params ||
        floats_differ(a->model.params, b->model.params, n))
        return "params";
    if (a->model.n_state != b->model.n_state ||
        floats_differ(a->model.state, b->model.state, a->model.n_state))
        return "model state";
    if (a->opt.kind != b->opt.kind || a->opt.step != b->opt.step ||
        floats_differ(a->opt.m, b->opt.m, n) ||
        floats_differ(a->opt.v, b->opt.v, n))
        return "optimizer";
    if (memcmp(&a->shuffle_rng, &b->shuffle_rng, sizeof a->shuffle_rng))
        return "rng";
    if (a->epochs_done != b->epochs_done ||
        memcmp(&a->elapsed, &b->elapsed, sizeof a->elapsed))
        return "epoch counters";
    if (a->capacity != b->capacity ||
        memcmp(a->history, b->history,
               (size_t)a->capacity * sizeof *a->history))
        return "history";
    if (p->batches_done != q->batches_done || p->correct != q->correct ||
        p->images != q->images || p->n_order != q->n_order ||
        memcmp(&p->loss_sum, &q->loss_sum, sizeof p->loss_sum) ||
        memcmp(&p->train_seconds, &q->train_seconds, sizeof p->loss_sum) ||
        memcmp(p->order, q->order, (size_t)p->n_order * sizeof *p->order))
        return "epoch position";
    return NULL;
}

nn_train_state test_state_view(test_state *t) {
    nn_train_state s = {&t->cfg,         &t->model,    &t->opt,
                        &t->shuffle_rng, &t->epochs_done, &t->elapsed,
                        t->history,      &t->cursor};
    return s;
}
