/* nn_export.h: weights in and out of nntrain. A model as PyTorch would hold
 * it (the nn.Sequential of a documented mapping, its state_dict names and
 * shapes), saved weights loaded without the data set, and the exporters:
 * safetensors (weights) and ONNX (the inference graph with its weights).
 *
 * The mapping, layer by layer of the table, in order:
 *   conv      -> nn.Conv2d(in_c, out, kernel_size=k, stride=s, padding=p)
 *                then nn.ReLU() if the layer has relu
 *   maxpool   -> nn.MaxPool2d(kernel_size=k, stride=s)
 *   avgpool   -> nn.AvgPool2d(kernel_size=k, stride=s)
 *   dense     -> nn.Flatten() before the first dense layer, then
 *                nn.Linear(in_c*in_h*in_w, out), then nn.ReLU() if relu
 *   batchnorm -> nn.BatchNorm2d(C) before the first dense layer,
 *                nn.BatchNorm1d(C) after it (eps 1e-5, momentum 0.1:
 *                PyTorch's defaults), then nn.ReLU() if relu
 *   dropout   -> nn.Dropout(p)
 *   relu      -> nn.ReLU()
 * Module i of the Sequential owns the tensors "i.weight" and "i.bias"
 * (conv, linear, batch norm's scale and shift: params), and a batch norm
 * also "i.running_mean", "i.running_var" (C each: the model's state) and
 * "i.num_batches_tracked" (int64, shape ()). nntrain keeps no such count:
 * it is exported as 0 and ignored on import (PyTorch reads it only when
 * momentum is None, which this mapping never sets).
 * nntrain's params are already in PyTorch's layouts: conv (OC, IC, K, K),
 * dense (OC, IC) with IC in NCHW flatten order (c, h, w), bias (OC). */
#ifndef NN_EXPORT_H
#define NN_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "nn_error.h"
#include "nn_model.h"
#include "nn_train.h"

typedef enum {
    NN_TORCH_CONV2D,
    NN_TORCH_RELU,
    NN_TORCH_MAXPOOL2D,
    NN_TORCH_FLATTEN,
    NN_TORCH_LINEAR,
    NN_TORCH_AVGPOOL2D,
    NN_TORCH_BATCHNORM2D,
    NN_TORCH_BATCHNORM1D,
    NN_TORCH_DROPOUT,
} nn_torch_kind;

typedef struct {
    nn_torch_kind kind;
    int layer;          /* the model layer it comes from */
    int weight, bias;   /* indices into tensors, -1 when it has none */
    int mean, var;      /* batch norm: running_mean, running_var; else -1 */
    int count;          /* batch norm: num_batches_tracked; else -1 */
} nn_torch_module;

/* Where a tensor's values live in the model. */
typedef enum {
    NN_TORCH_IN_PARAMS, /* m->params + off: trained (weight, bias) */
    NN_TORCH_IN_STATE,  /* m->state + off: running statistics */
    NN_TORCH_IN_NONE,   /* nowhere: num_batches_tracked, int64, written 0 */
} nn_torch_store;

typedef struct {
    char name[24];      /* "7.weight" */
    nn_torch_store store;
    int ndim;           /* 0: a scalar (num_batches_tracked) */
    int64_t shape[4];   /* conv weight (OC, IC, K, K), linear (OC, IC), bias
                           and batch norm tensors (C) */
    size_t off, count;  /* into params or state (count 1, off 0 for NONE) */
} nn_torch_tensor;

/* A layer gives at most 3 modules (Flatten, Linear, ReLU) and 5 tensors
 * (batch norm). */
#define NN_TORCH_MAX_MODULES (3 * NN_MAX_LAYERS)
#define NN_TORCH_MAX_TENSORS (5 * NN_MAX_LAYERS)

typedef struct {
    int n_modules;
    nn_torch_module modules[NN_TORCH_MAX_MODULES];
    int n_tensors;
    nn_torch_tensor tensors[NN_TORCH_MAX_TENSORS]; /* in Sequential order */
} nn_torch_map;

/* The Sequential of model m. Fails for a table PyTorch's Sequential cannot
 * hold as is (a conv or pooling layer after a dense one). */
int nn_torch_map_build(nn_torch_map *map, const nn_model *m, nn_err *err);
/* A float tensor's values in m (params or state); NULL for NN_TORCH_IN_NONE. */
float *nn_torch_tensor_data(const nn_model *m, const nn_torch_tensor *t);
/* Module i as PyTorch code: "nn.Conv2d(1, 32, kernel_size=3, stride=1,
 * padding=1)". */
void nn_torch_module_code(char *buf, size_t size, const nn_torch_map *map,
                          int i, const nn_model *m);
/* "(32, 1, 3, 3)": a tensor's shape as PyTorch prints it. */
void nn_torch_shape_text(char *buf, size_t size, int ndim,
                         const int64_t *shape);

/* Descriptive key/value pairs stored with exported weights: the layer
 * table ("nntrain.layer.0": "conv out=32 kernel=3 stride=1 pad=1 relu=1
 * input=1x28x28 output=32x28x28"), the Sequential as code, class names, and the
 * run's recipe ("nntrain.config.loss": "mse", ...). */
#define NN_META_MAX (19 + NN_MAX_LAYERS) /* fixed, config, one a layer */
#define NN_META_VALUE 4096 /* the Sequential's code of NN_MAX_LAYERS layers */
typedef struct {
    int n;
    char key[NN_META_MAX][48];
    char value[NN_META_MAX][NN_META_VALUE];
    const char *kv[2 * NN_META_MAX]; /* key, value, key, ...: pointers into the above */
} nn_export_meta;

int nn_export_meta_build(nn_export_meta *meta, const nn_model *m,
                         const nn_torch_map *map, const nn_train_config *cfg,
                         nn_err *err);

/* Where a run's weights are: RUN_DIR/final.ckpt, else RUN_DIR/checkpoint.ckpt
 * (a run stopped early), or target itself when it is a file. */
int nn_saved_model_path(char *path, size_t size, const char *target,
                        nn_err *err);
/* Builds the model a checkpoint was trained with and loads its weights,
 * without the data set; *cfg gets the run's config. Free with
 * nn_model_free. */
int nn_saved_model_load(nn_model *m, nn_train_config *cfg,
                        const char *checkpoint, nn_err *err);

/* The model's weights as a safetensors file of the Sequential's
 * state_dict, with nn_export_meta as "__metadata__". Atomic. */
int nn_export_safetensors(const char *path, const nn_model *m,
                          const nn_train_config *cfg, nn_err *err);
/* Loads weights from a safetensors file into m->params and the running
 * statistics into m->state: every tensor of the Sequential must be there
 * with its exact shape and dtype (F32; num_batches_tracked I64, its value
 * ignored), and no other. On a mismatch m is untouched and the error names
 * the file and the tensor ("x.safetensors: tensor 0.weight: shape (16, 1,
 * 3, 3), model cnn wants (32, 1, 3, 3)"), adding how many more mismatches
 * there are. */
int nn_model_load_safetensors(nn_model *m, const char *path, nn_err *err);

/* The inference graph as an ONNX model (IR version 8, opset 13): input
 * "input" (N, C, H, W) float, outputs "logits" (N, classes) and
 * "probabilities" (softmax of the logits), the weights and running
 * statistics as initializers named as in the safetensors file (not
 * num_batches_tracked, which inference does not use). Batch norm is
 * BatchNormalization in inference form; dropout, the identity at
 * inference, an Identity node. Atomic. */
int nn_export_onnx(const char *path, const nn_model *m,
                   const nn_train_config *cfg, nn_err *err);

#endif
