/* config.c: the seed recipe's defaults and the names of config values. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "nn_train.h"

void nn_train_config_default(nn_train_config *c) {
    memset(c, 0, sizeof *c);
    snprintf(c->model, sizeof c->model, "cnn");
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
    }
    return "?";
}

const char *nn_parallel_name(nn_parallel_kind kind) {
    switch (kind) {
    case NN_PARALLEL_INTRA: return "intra";
    case NN_PARALLEL_BATCH: return "batch";
    case NN_PARALLEL_AUTO: return "auto";
    }
    return "?";
}

const char *const nn_phase_names[NN_PHASES] = {"batching", "forward", "loss",
                                               "backward", "optimizer"};
