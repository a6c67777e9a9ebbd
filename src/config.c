/* config.c: the seed recipe's defaults and the names of config values. */
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
    c->lr = 0.001f;
    c->momentum = 0.9f;
    c->seed = 42;
    c->loss = NN_LOSS_MSE;
    c->optim = NN_OPTIM_ADAM;
    c->backend = NN_BACKEND_ONEDNN;
    c->parallel = NN_PARALLEL_AUTO;
    c->nan_policy = NN_NAN_STOP;
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
