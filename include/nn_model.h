/* nn_model.h: a model is a layer table (nn_model_desc: what a model file
 * says); every shape, offset and buffer size is derived from it once, at
 * build time. Trained parameters and their gradients live in two flat float
 * vectors (optimizer = one loop, MPI all-reduce = one call, checkpoint = one
 * write); the state that is not trained (batch norm's running statistics)
 * in a third. */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include <stddef.h>

#include "nn_error.h"
#include "nn_rng.h"

#define NN_MAX_LAYERS 32
#define NN_MODEL_NAME 64 /* bytes of a model's name, NUL included */
#define NN_MAX_CLASSES 256 /* labels are bytes */
#define NN_MAX_SIDE 4096   /* largest input height, width or channels */

typedef enum {
    NN_LAYER_CONV,      /* 2D convolution + bias, square kernel */
    NN_LAYER_DENSE,     /* inner product + bias over the flattened input */
    NN_LAYER_MAXPOOL,   /* max pooling, square window, no padding */
    NN_LAYER_AVGPOOL,   /* average pooling, square window, no padding */
    NN_LAYER_BATCHNORM, /* per-channel batch norm: scale, shift, running
                           mean and variance (PyTorch's eps and momentum) */
    NN_LAYER_DROPOUT,   /* zeroes each value with probability p, training
                           only; counter-based mask (seed, step, element) */
    NN_LAYER_RELU,      /* a ReLU that could not fuse into the layer before */
    NN_LAYER_KINDS
} nn_layer_kind;

typedef struct {
    nn_layer_kind kind;
    int out;    /* conv: output channels; dense: output features */
    int kernel; /* conv / pool window */
    int stride;
    int pad;    /* conv zero padding */
    int relu;   /* 1: ReLU follows (conv, dense, batchnorm) */
    float p;    /* dropout probability */
} nn_layer_spec;

/* The layer table: the input shape and the layers, as a model file states
 * them. It is all a trainer needs to build a model, and what a checkpoint
 * keeps to rebuild it. */
typedef struct {
    char name[NN_MODEL_NAME];
    int in_c, in_h, in_w;
    int n_layers;
    nn_layer_spec layers[NN_MAX_LAYERS];
} nn_model_desc;

typedef struct {
    nn_layer_spec spec;
    int in_c, in_h, in_w;    /* input of one image */
    int out_c, out_h, out_w; /* output of one image (dense: out_c x 1 x 1) */
    size_t weights_off;      /* into params: conv (OC, IC, K, K), dense
                                (OC, IC), batchnorm scale (C) */
    size_t bias_off;         /* into params: (OC); batchnorm shift (C) */
    size_t n_weights, n_bias;/* 0 for layers without parameters */
    size_t state_off;        /* into state: batchnorm running mean (C) then
                                running variance (C) */
    size_t n_state;
    int fan_in;              /* IC * K * K or IC: PyTorch's init bound */
} nn_layer;

typedef struct {
    char name[NN_MODEL_NAME];
    int n_layers;
    nn_layer layers[NN_MAX_LAYERS];
    int in_c, in_h, in_w; /* one input image */
    int classes;          /* outputs of the last layer (logits) */
    size_t n_params, n_state;
    float *params; /* (n_params) all weights and biases, PyTorch layouts */
    float *grads;  /* (n_params) dL/dparams, same offsets */
    float *state;  /* (n_state) not trained: running statistics */
} nn_model;

/* Batch norm's constants, PyTorch's defaults. */
#define NN_BNORM_EPS 1e-5f
#define NN_BNORM_MOMENTUM 0.1f

/* Derives shapes and offsets from the table and allocates params, grads and
 * state (zeroed; nn_model_init_params fills them). Checks that the table is
 * consistent, naming the layer ("layer 3 maxpool 2 does not fit a 1x1
 * input"). Free with nn_model_free. */
int nn_model_init(nn_model *m, const nn_model_desc *d, nn_err *err);
void nn_model_free(nn_model *m);
/* The table m was built from. */
void nn_model_describe(const nn_model *m, nn_model_desc *d);

/* Parses a model file's text (see models/README.md). Errors name where the
 * text came from and the line: "models/x.txt:5: maxpool 2 does not fit a
 * 1x1 input". name becomes the model's name. */
int nn_model_parse(nn_model_desc *d, const char *text, const char *source,
                   const char *name, nn_err *err);
/* Reads and parses a model file; the name is the file's without folder and
 * ".txt". */
int nn_model_load_file(nn_model_desc *d, const char *path, nn_err *err);
/* The built-in models ("mlp", "cnn", ...: models/NAME.txt compiled in). */
int nn_model_builtin(nn_model_desc *d, const char *name, nn_err *err);
/* Comma-separated names of the built-in models, for help and errors. */
const char *nn_model_builtin_names(void);
/* nn_model_builtin then nn_model_init: for tools and tests. */
int nn_model_init_named(nn_model *m, const char *name, nn_err *err);

/* PyTorch's default init: conv and dense weights and biases uniform in
 * +-1/sqrt(fan_in); batch norm scale 1, shift 0, running mean 0, running
 * variance 1. */
void nn_model_init_params(nn_model *m, nn_rng *rng);

/* Whether m normalises over the batch (a batch norm layer): its statistics
 * are those of the whole batch, which slices of it must share (across MPI
 * ranks they are synchronized; batch-split threads are refused). */
int nn_model_has_batchnorm(const nn_model *m);

/* Inputs of one image (in_c * in_h * in_w). */
static inline int nn_model_input_size(const nn_model *m) {
    return m->in_c * m->in_h * m->in_w;
}

/* Multiply-adds x2 to train one image: forward, backward-data (skipped for
 * the first layer) and backward-weights of conv and dense layers. */
double nn_model_train_flop(const nn_model *m);

const char *nn_layer_kind_name(nn_layer_kind kind);
/* Whether a ReLU after a layer of this kind runs fused into it. */
int nn_layer_fuses_relu(nn_layer_kind kind);
/* "conv 32 3 pad=1 +relu", the layer as a model file would say it. */
void nn_layer_spec_format(char *buf, size_t cap, const nn_layer_spec *s);

#endif
