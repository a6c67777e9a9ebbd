/* nn_model.h: a model is a small table of layer specs; every shape, offset
 * and buffer size is derived from it once, at build time. Parameters and
 * gradients live in two flat float vectors (optimizer = one loop, MPI
 * all-reduce = one call, checkpoint = one write). */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include <stddef.h>

#include "nn_error.h"
#include "nn_rng.h"

#define NN_MAX_LAYERS 16

typedef enum {
    NN_LAYER_CONV,    /* 2D convolution + bias, square kernel */
    NN_LAYER_DENSE,   /* inner product + bias over the flattened input */
    NN_LAYER_MAXPOOL, /* max pooling, square window, no padding */
} nn_layer_kind;

typedef struct {
    nn_layer_kind kind;
    int out;    /* conv: output channels; dense: output features; pool: unused */
    int kernel; /* conv / pool window */
    int stride;
    int pad;    /* conv zero padding */
    int relu;   /* 1: ReLU follows (conv, dense) */
} nn_layer_spec;

typedef struct {
    nn_layer_spec spec;
    int in_c, in_h, in_w;    /* input of one image */
    int out_c, out_h, out_w; /* output of one image (dense: out_c x 1 x 1) */
    size_t weights_off;      /* into params: conv (OC, IC, K, K), dense (OC, IC) */
    size_t bias_off;         /* into params: (OC) */
    size_t n_weights, n_bias;/* 0 for pooling */
    int fan_in;              /* IC * K * K or IC: PyTorch's init bound */
} nn_layer;

typedef struct {
    char name[16];
    int n_layers;
    nn_layer layers[NN_MAX_LAYERS];
    int in_c, in_h, in_w; /* one input image */
    int classes;          /* outputs of the last layer (logits) */
    size_t n_params;
    float *params; /* (n_params) all weights and biases, PyTorch layouts */
    float *grads;  /* (n_params) dL/dparams, same offsets */
} nn_model;

/* Derives shapes and offsets from the table and allocates params and grads
 * (zeroed). Checks that the table is consistent (pool window fits, no ReLU on
 * the logits, ...). Free with nn_model_free. */
int nn_model_init(nn_model *m, const char *name, const nn_layer_spec *specs,
                  int n_layers, int in_c, int in_h, int in_w, nn_err *err);
/* The built-in architectures: "mlp" and "cnn" (the seed's). */
int nn_model_init_named(nn_model *m, const char *name, nn_err *err);
/* Whether name is one of the built-in architectures. */
int nn_model_is_named(const char *name);
void nn_model_free(nn_model *m);

/* PyTorch's default init: weights and biases uniform in +-1/sqrt(fan_in). */
void nn_model_init_params(nn_model *m, nn_rng *rng);

/* Inputs of one image (in_c * in_h * in_w). */
static inline int nn_model_input_size(const nn_model *m) {
    return m->in_c * m->in_h * m->in_w;
}

/* Multiply-adds x2 to train one image: forward, backward-data (skipped for
 * the first layer) and backward-weights of conv and dense layers. */
double nn_model_train_flop(const nn_model *m);

const char *nn_layer_kind_name(nn_layer_kind kind);

#endif
