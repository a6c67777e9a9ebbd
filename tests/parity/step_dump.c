/* step_dump.c: one nntrain training step on given weights and images, for
 * the PyTorch parity test (test_parity.py). Loads MODEL's weights from a
 * safetensors file, runs nn_step_run (gather, forward, softmax + loss,
 * backward, Adam: the trainer's own step) on the first N images of an IDX
 * pair, and writes a safetensors file with, per parameter tensor NAME:
 *   grad.NAME   dL/dNAME at the loaded weights (L: the batch-mean loss)
 *   NAME        the weights after one Adam step (fresh state, step 1)
 * per running statistic NAME (batch norm) its value after the step's
 * training-mode forward, and "logits" (N, classes) of the forward pass,
 * "loss" (1) the mean loss.
 *
 * Usage: step_dump MODEL mse|cross-entropy WEIGHTS IMAGES LABELS N LR OUT
 *                  [onednn|ref [CAPACITY]]
 * MODEL: a built-in model's name, or a model file (a path with a '/').
 * CAPACITY (default N): the runner's batch, as the trainer builds it; N
 * images below it are the epoch's short last batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "denormals.h"
#include "nn_export.h"
#include "nn_safetensors.h"
#include "step.h"

typedef struct {
    nn_model model;
    nn_dataset data;
    nn_runner runner;
    nn_batch batch;
    nn_optimizer opt;
} step_setup;

static int setup(step_setup *s, char **argv, int n, int capacity, float lr,
                 nn_backend_kind backend, nn_err *err) {
    memset(s, 0, sizeof *s);
    nn_flush_denormals(); /* as the trainer does */
    nn_model_desc d;
    int named = !strchr(argv[1], '/');
    if ((named ? nn_model_builtin(&d, argv[1], err)
               : nn_model_load_file(&d, argv[1], err)) ||
        nn_model_init(&s->model, &d, err) ||
        nn_model_load_safetensors(&s->model, argv[3], err) ||
        nn_dataset_load(&s->data, argv[4], argv[5], s->model.classes, err))
        return -1;
    if (n > s->data.n)
        return nn_errf(err, "%s: %d images, fewer than N = %d", argv[4],
                       s->data.n, n);
    nn_exec_opts o = {.backend = backend, .precision = NN_PRECISION_F32};
    if (nn_runner_init(&s->runner, &o, NN_PARALLEL_INTRA, &s->model,
                       capacity, 1, err) ||
        nn_runner_add_short(&s->runner, &o, n, err) ||
        nn_batch_init(&s->batch, capacity, nn_model_input_size(&s->model),
                      s->model.classes, err) ||
        nn_optimizer_init(&s->opt, NN_OPTIM_ADAM, s->model.n_params, lr, 0,
                          0, err))
        return -1;
    return nn_runner_sync_params(&s->runner, err);
}

/* grads, weights and running statistics after the step, logits and loss
 * into one file. */
static int dump(const char *path, step_setup *s, int n, float loss,
                nn_err *err) {
    nn_torch_map map;
    if (nn_torch_map_build(&map, &s->model, err)) return -1;
    nn_st_out out[2 * NN_TORCH_MAX_TENSORS + 2];
    char names[NN_TORCH_MAX_TENSORS][40];
    int k = 0;
    for (int i = 0; i < map.n_tensors; i++) {
        const nn_torch_tensor *t = &map.tensors[i];
        if (t->store == NN_TORCH_IN_NONE) continue; /* num_batches_tracked */
        int grad = t->store == NN_TORCH_IN_PARAMS; /* 0: running statistic */
        snprintf(names[i], sizeof names[i], "grad.%s", t->name);
        for (int g = !grad; g < 2; g++, k++) {
            out[k] = (nn_st_out){g ? t->name : names[i], t->ndim, {0},
                                 nn_torch_tensor_data(&s->model, t),
                                 NN_ST_F32};
            memcpy(out[k].shape, t->shape, sizeof t->shape);
            if (!g) out[k].data = s->model.grads + t->off;
        }
    }
    out[k++] = (nn_st_out){"logits", 2, {n, s->model.classes}, s->batch.logits,
                           NN_ST_F32};
    out[k++] = (nn_st_out){"loss", 1, {1}, &loss, NN_ST_F32};
    return nn_safetensors_write(path, out, k, NULL, 0, err);
}

int main(int argc, char **argv) {
    if (argc < 9 || argc > 11) {
        fprintf(stderr, "usage: %s MODEL mse|cross-entropy WEIGHTS IMAGES "
                "LABELS N LR OUT [onednn|ref [CAPACITY]]\n", argv[0]);
        return 2;
    }
    nn_loss_kind loss = strcmp(argv[2], "mse") ? NN_LOSS_CROSS_ENTROPY
                                                 : NN_LOSS_MSE;
    nn_backend_kind backend = argc >= 10 && !strcmp(argv[9], "ref")
                                  ? NN_BACKEND_REF : NN_BACKEND_ONEDNN;
    int n = atoi(argv[6]);
    int capacity = argc == 11 ? atoi(argv[10]) : n;
    float lr = strtof(argv[7], NULL);
    if (n < 1 || capacity < n || !(lr > 0)) {
        fprintf(stderr, "step_dump: bad N '%s', LR '%s' or CAPACITY\n",
                argv[6], argv[7]);
        return 2;
    }
    step_setup s;
    nn_err err = {""};
    double loss_sum = 0;
    long correct = 0;
    int rc = setup(&s, argv, n, capacity, lr, backend, &err);
    if (!rc) {
        nn_stepper st = {&s.runner, &s.batch, &s.opt, &s.model, loss, NULL,
                         0, 1, NULL, 0};
        rc = nn_step_run(&st, &s.data, NULL, 0, n, &loss_sum, &correct, NULL,
                         &err);
        if (rc == 1) rc = nn_errf(&err, "non-finite loss or gradient");
    }
    if (!rc) rc = dump(argv[8], &s, n, (float)(loss_sum / n), &err);
    if (rc) fprintf(stderr, "step_dump: %s\n", err.msg);
    nn_optimizer_free(&s.opt);
    nn_batch_free(&s.batch);
    nn_runner_free(&s.runner);
    nn_dataset_free(&s.data);
    nn_model_free(&s.model);
    return rc ? 1 : 0;
}
