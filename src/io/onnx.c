/* onnx.c: the inference graph of a model as an ONNX file, encoded with our
 * own protobuf writer (protobuf.h). One ONNX node per module of the
 * PyTorch Sequential (nn_export.h), then a Softmax:
 *   input (N, C, H, W) -> Conv / Relu / MaxPool / AveragePool /
 *   BatchNormalization / Identity / Flatten / Gemm ... ->
 *   logits (N, classes) -> Softmax(axis 1) -> probabilities (N, classes)
 * Batch norm is the inference form (the running statistics normalise);
 * dropout, the identity at inference, an Identity node. Weights and running
 * statistics are initializers named as in the safetensors export
 * ("0.weight", "1.running_mean"), stored as raw little-endian floats. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_atomic_file.h"
#include "nn_export.h"
#include "nn_sysinfo.h"
#include "protobuf.h"

#define ONNX_IR_VERSION 8 /* IR_VERSION_2021_7_30, read by onnx >= 1.10 */
#define ONNX_OPSET 13

/* Field numbers of onnx.proto (onnx 1.12, proto2 syntax). */
enum { MODEL_IR_VERSION = 1, MODEL_PRODUCER_NAME = 2,
       MODEL_PRODUCER_VERSION = 3, MODEL_DOC_STRING = 6, MODEL_GRAPH = 7,
       MODEL_OPSET_IMPORT = 8, MODEL_METADATA_PROPS = 14 };
enum { OPSET_DOMAIN = 1, OPSET_VERSION = 2 };
enum { ENTRY_KEY = 1, ENTRY_VALUE = 2 };          /* StringStringEntryProto */
enum { GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5,
       GRAPH_INPUT = 11, GRAPH_OUTPUT = 12 };
enum { NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP_TYPE = 4,
       NODE_ATTRIBUTE = 5 };
enum { ATTR_NAME = 1, ATTR_F = 2, ATTR_I = 3, ATTR_INTS = 8, ATTR_TYPE = 20 };
enum { ATTR_TYPE_FLOAT = 1, ATTR_TYPE_INT = 2, ATTR_TYPE_INTS = 7 };
                                                   /* AttributeType */
enum { TENSOR_DIMS = 1, TENSOR_DATA_TYPE = 2, TENSOR_NAME = 8,
       TENSOR_RAW_DATA = 9 };
enum { DATA_TYPE_FLOAT = 1 };                      /* TensorProto.DataType */
enum { VALUE_NAME = 1, VALUE_TYPE = 2 };           /* ValueInfoProto */
enum { TYPE_TENSOR_TYPE = 1 };                     /* TypeProto */
enum { TENSOR_TYPE_ELEM = 1, TENSOR_TYPE_SHAPE = 2 }; /* TypeProto.Tensor */
enum { SHAPE_DIM = 1 };                            /* TensorShapeProto */
enum { DIM_VALUE = 1, DIM_PARAM = 2 };             /* .Dimension */

/* ---- small messages ---------------------------------------------------- */

static void attr_int(pb_buf *node, const char *name, int64_t v) {
    pb_buf a = {0};
    pb_string(&a, ATTR_NAME, name);
    pb_int(&a, ATTR_TYPE, ATTR_TYPE_INT);
    pb_int(&a, ATTR_I, v);
    pb_message(node, NODE_ATTRIBUTE, &a);
    pb_free(&a);
}

static void attr_float(pb_buf *node, const char *name, float v) {
    pb_buf a = {0};
    pb_string(&a, ATTR_NAME, name);
    pb_int(&a, ATTR_TYPE, ATTR_TYPE_FLOAT);
    pb_float(&a, ATTR_F, v);
    pb_message(node, NODE_ATTRIBUTE, &a);
    pb_free(&a);
}

/* repeated int64 written unpacked, as proto2 declares it */
static void attr_ints(pb_buf *node, const char *name, int n, int64_t v) {
    pb_buf a = {0};
    pb_string(&a, ATTR_NAME, name);
    pb_int(&a, ATTR_TYPE, ATTR_TYPE_INTS);
    for (int i = 0; i < n; i++) pb_int(&a, ATTR_INTS, v);
    pb_message(node, NODE_ATTRIBUTE, &a);
    pb_free(&a);
}

/* A node's inputs, output, name and type; attributes are added after. */
static void node_start(pb_buf *node, const char *op, const char *name,
                       const char *const *inputs, int n_in,
                       const char *output) {
    memset(node, 0, sizeof *node);
    for (int i = 0; i < n_in; i++) pb_string(node, NODE_INPUT, inputs[i]);
    pb_string(node, NODE_OUTPUT, output);
    pb_string(node, NODE_NAME, name);
    pb_string(node, NODE_OP_TYPE, op);
}

/* ValueInfoProto of a float tensor: dims[i] < 0 is the batch ("N"). */
static void value_info(pb_buf *graph, int field, const char *name, int ndim,
                       const int64_t *dims) {
    pb_buf shape = {0}, tensor = {0}, type = {0}, value = {0};
    for (int i = 0; i < ndim; i++) {
        pb_buf dim = {0};
        if (dims[i] < 0) pb_string(&dim, DIM_PARAM, "N");
        else pb_int(&dim, DIM_VALUE, dims[i]);
        pb_message(&shape, SHAPE_DIM, &dim);
        pb_free(&dim);
    }
    pb_int(&tensor, TENSOR_TYPE_ELEM, DATA_TYPE_FLOAT);
    pb_message(&tensor, TENSOR_TYPE_SHAPE, &shape);
    pb_message(&type, TYPE_TENSOR_TYPE, &tensor);
    pb_string(&value, VALUE_NAME, name);
    pb_message(&value, VALUE_TYPE, &type);
    pb_message(graph, field, &value);
    pb_free(&shape), pb_free(&tensor), pb_free(&type), pb_free(&value);
}

/* A weight or running statistic as an initializer: dims, FLOAT, name, raw
 * LE bytes of x (t->count floats). */
static void initializer(pb_buf *graph, const nn_torch_tensor *t,
                        const float *x) {
    pb_buf tp = {0};
    for (int d = 0; d < t->ndim; d++) pb_int(&tp, TENSOR_DIMS, t->shape[d]);
    pb_int(&tp, TENSOR_DATA_TYPE, DATA_TYPE_FLOAT);
    pb_string(&tp, TENSOR_NAME, t->name);
    uint8_t *raw = malloc(4 * t->count + 1);
    if (!raw) graph->failed = 1;
    for (size_t i = 0; raw && i < t->count; i++) {
        uint32_t u;
        memcpy(&u, &x[i], sizeof u);
        for (int b = 0; b < 4; b++) raw[4 * i + b] = (uint8_t)(u >> (8 * b));
    }
    if (raw) pb_bytes(&tp, TENSOR_RAW_DATA, raw, 4 * t->count);
    free(raw);
    pb_message(graph, GRAPH_INITIALIZER, &tp);
    pb_free(&tp);
}

/* ---- the graph ----------------------------------------------------------- */

/* Module i as a node from tensor `in` to tensor `out`. */
static void module_node(pb_buf *graph, const nn_torch_map *map, int i,
                        const nn_model *m, const char *in, const char *out) {
    const nn_torch_module *mod = &map->modules[i];
    const nn_layer_spec *s = &m->layers[mod->layer].spec;
    static const char *const ops[] = {
        [NN_TORCH_CONV2D] = "Conv", [NN_TORCH_RELU] = "Relu",
        [NN_TORCH_MAXPOOL2D] = "MaxPool", [NN_TORCH_FLATTEN] = "Flatten",
        [NN_TORCH_LINEAR] = "Gemm", [NN_TORCH_AVGPOOL2D] = "AveragePool",
        [NN_TORCH_BATCHNORM2D] = "BatchNormalization",
        [NN_TORCH_BATCHNORM1D] = "BatchNormalization",
        [NN_TORCH_DROPOUT] = "Identity"};
    /* X, then W and B (Conv, Gemm) or scale, B, mean, var (batch norm) */
    const char *inputs[5] = {in};
    int n_in = 1;
    const int tensors[4] = {mod->weight, mod->bias, mod->mean, mod->var};
    for (int k = 0; k < 4; k++)
        if (tensors[k] >= 0) inputs[n_in++] = map->tensors[tensors[k]].name;
    char name[48];
    snprintf(name, sizeof name, "%d_%s", i, ops[mod->kind]);
    pb_buf node;
    node_start(&node, ops[mod->kind], name, inputs, n_in, out);
    switch (mod->kind) {
    case NN_TORCH_CONV2D:
    case NN_TORCH_MAXPOOL2D:
    case NN_TORCH_AVGPOOL2D:
        attr_ints(&node, "kernel_shape", 2, s->kernel);
        attr_ints(&node, "strides", 2, s->stride);
        attr_ints(&node, "pads", 4, mod->kind == NN_TORCH_CONV2D ? s->pad : 0);
        break;
    case NN_TORCH_FLATTEN: attr_int(&node, "axis", 1); break;
    case NN_TORCH_LINEAR: attr_int(&node, "transB", 1); break; /* W (OC, IC) */
    case NN_TORCH_BATCHNORM2D:
    case NN_TORCH_BATCHNORM1D:
        /* momentum only matters in training, which this graph never does */
        attr_float(&node, "epsilon", NN_BNORM_EPS);
        break;
    case NN_TORCH_RELU:
    case NN_TORCH_DROPOUT: break;
    }
    pb_message(graph, GRAPH_NODE, &node);
    pb_free(&node);
}

static void build_graph(pb_buf *graph, const nn_torch_map *map,
                        const nn_model *m) {
    char name[NN_MODEL_NAME + 16], prev[16] = "input", cur[16];
    snprintf(name, sizeof name, "nntrain_%s", m->name);
    for (int i = 0; i < map->n_modules; i++) {
        if (i + 1 == map->n_modules) snprintf(cur, sizeof cur, "logits");
        else snprintf(cur, sizeof cur, "h%d", i);
        module_node(graph, map, i, m, prev, cur);
        snprintf(prev, sizeof prev, "%s", cur);
    }
    pb_buf softmax;
    const char *logits[] = {"logits"};
    node_start(&softmax, "Softmax", "softmax", logits, 1, "probabilities");
    attr_int(&softmax, "axis", 1);
    pb_message(graph, GRAPH_NODE, &softmax);
    pb_free(&softmax);
    pb_string(graph, GRAPH_NAME, name);
    for (int i = 0; i < map->n_tensors; i++) /* not num_batches_tracked */
        if (map->tensors[i].store != NN_TORCH_IN_NONE)
            initializer(graph, &map->tensors[i],
                        nn_torch_tensor_data(m, &map->tensors[i]));
    int64_t in[4] = {-1, m->in_c, m->in_h, m->in_w}, out[2] = {-1, m->classes};
    value_info(graph, GRAPH_INPUT, "input", 4, in);
    value_info(graph, GRAPH_OUTPUT, "logits", 2, out);
    value_info(graph, GRAPH_OUTPUT, "probabilities", 2, out);
}

static void build_model(pb_buf *model, const pb_buf *graph,
                        const nn_export_meta *meta) {
    nn_sysinfo s;
    nn_sysinfo_get(&s);
    pb_int(model, MODEL_IR_VERSION, ONNX_IR_VERSION);
    pb_string(model, MODEL_PRODUCER_NAME, "nntrain");
    pb_string(model, MODEL_PRODUCER_VERSION, s.version);
    pb_string(model, MODEL_DOC_STRING,
              "input: pixel / 255 in [0, 1], NCHW; outputs: logits and "
              "softmax probabilities");
    pb_message(model, MODEL_GRAPH, graph);
    pb_buf opset = {0};
    pb_string(&opset, OPSET_DOMAIN, ""); /* the default ai.onnx domain */
    pb_int(&opset, OPSET_VERSION, ONNX_OPSET);
    pb_message(model, MODEL_OPSET_IMPORT, &opset);
    pb_free(&opset);
    for (int i = 0; i < meta->n; i++) {
        pb_buf e = {0};
        pb_string(&e, ENTRY_KEY, meta->key[i]);
        pb_string(&e, ENTRY_VALUE, meta->value[i]);
        pb_message(model, MODEL_METADATA_PROPS, &e);
        pb_free(&e);
    }
}

static int write_bytes(const char *path, const pb_buf *b, nn_err *err) {
    nn_atomic_file a;
    if (nn_atomic_open(&a, path, err)) return -1;
    fwrite(b->data, 1, b->len, a.f); /* checked by commit (ferror) */
    return nn_atomic_commit(&a, err);
}

int nn_export_onnx(const char *path, const nn_model *m,
                   const nn_train_config *cfg, nn_err *err) {
    nn_torch_map map;
    if (nn_torch_map_build(&map, m, err)) return -1;
    nn_export_meta *meta = malloc(sizeof *meta);
    if (!meta) return nn_errf(err, "%s: out of memory", path);
    if (nn_export_meta_build(meta, m, &map, cfg, err)) return free(meta), -1;
    pb_buf graph = {0}, model = {0};
    build_graph(&graph, &map, m);
    build_model(&model, &graph, meta);
    free(meta);
    int rc = model.failed ? nn_errf(err, "%s: out of memory", path)
                          : write_bytes(path, &model, err);
    pb_free(&graph), pb_free(&model);
    return rc;
}
