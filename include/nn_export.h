/* nn_export.h: weights in and out of nntrain. A model as PyTorch would hold
 * it (the nn.Sequential of a documented mapping, its state_dict names and
 * shapes), saved weights loaded without the data set, and the exporters:
 * safetensors (weights) and ONNX (the inference graph with its weights).
 *
 * The mapping, layer by layer of the table, in order:
 *   conv    -> nn.Conv2d(in_c, out, kernel_size=k, stride=s, padding=p)
 *              then nn.ReLU() if the layer has relu
 *   maxpool -> nn.MaxPool2d(kernel_size=k, stride=s)
 *   dense   -> nn.Flatten() before the first dense layer, then
 *              nn.Linear(in_c*in_h*in_w, out), then nn.ReLU() if relu
 * Module i of the Sequential owns the tensors "i.weight" and "i.bias".
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
} nn_torch_kind;

typedef struct {
    nn_torch_kind kind;
    int layer;          /* the model layer it comes from */
    int weight, bias;   /* indices into tensors, -1 when it has none */
} nn_torch_module;

typedef struct {
    char name[24];      /* "7.weight" */
    int ndim;
    int64_t shape[4];   /* conv weight (OC, IC, K, K), linear (OC, IC), bias (OC) */
    size_t off, count;  /* into the model's params */
} nn_torch_tensor;

#define NN_TORCH_MAX_MODULES (3 * NN_MAX_LAYERS)

typedef struct {
    int n_modules;
    nn_torch_module modules[NN_TORCH_MAX_MODULES];
    int n_tensors;
    nn_torch_tensor tensors[2 * NN_MAX_LAYERS]; /* in Sequential order */
} nn_torch_map;

/* The Sequential of model m. Fails for a table PyTorch's Sequential cannot
 * hold as is (a conv or pooling layer after a dense one). */
int nn_torch_map_build(nn_torch_map *map, const nn_model *m, nn_err *err);
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
#define NN_META_MAX 48
typedef struct {
    int n;
    char key[NN_META_MAX][48];
    char value[NN_META_MAX][1536];
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
/* Loads weights from a safetensors file into m->params: every tensor of
 * the Sequential must be there with its exact shape and dtype F32, and no
 * other. On a mismatch m is untouched and the error names the file and the
 * tensor ("x.safetensors: tensor 0.weight: shape (16, 1, 3, 3), model cnn
 * wants (32, 1, 3, 3)"), adding how many more mismatches there are. */
int nn_model_load_safetensors(nn_model *m, const char *path, nn_err *err);

/* The inference graph as an ONNX model (IR version 8, opset 13): input
 * "input" (N, C, H, W) float, outputs "logits" (N, classes) and
 * "probabilities" (softmax of the logits), the weights as initializers
 * named as in the safetensors file. Atomic. */
int nn_export_onnx(const char *path, const nn_model *m,
                   const nn_train_config *cfg, nn_err *err);

#endif
