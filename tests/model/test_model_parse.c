/* test_model_parse.c: model files: the built-in models match the seed's
 * tables (parameter counts, every layer), and each kind of broken file gets
 * its one-line message naming the file and the line (the table below is
 * listed in tests/README.md). */
#include <stdio.h>
#include <string.h>

#include "nn_model.h"
#include "test_util.h"

typedef struct {
    const char *text;
    const char *message; /* the whole error, source "x.txt" */
} broken_case;

static const broken_case broken[] = {
    {"", "x.txt: no 'input C H W' line (an empty model)"},
    {"# only a comment\n\n", "x.txt: no 'input C H W' line (an empty model)"},
    {"input 1 28 28\n", "x.txt: no layers"},
    {"dense 10\n",
     "x.txt:1: the first line must be 'input C H W' (the shape of one image)"},
    {"input 1 28\ndense 10\n",
     "x.txt:1: input: missing channels, height and width"},
    {"input 1 28 28 3\ndense 10\n", "x.txt:1: input: unexpected '3'"},
    {"input 1 0 28\ndense 10\n",
     "x.txt:1: input height: 0 is out of range 1..4096"},
    {"input 1 28 28\ninput 1 28 28\ndense 10\n",
     "x.txt:2: a second 'input' line"},
    {"input 1 28 28\ndense 10\ninput 1 28 28\n",
     "x.txt:3: 'input' must come before the layers"},
    {"input 1 28 28\nconvolution 8 3\ndense 10\n",
     "x.txt:2: unknown layer 'convolution' (expected input, conv, dense, "
     "maxpool, avgpool, batchnorm, dropout or relu)"},
    {"input 1 28 28\nconv 8\ndense 10\n",
     "x.txt:2: conv: missing output channels and kernel size"},
    {"input 1 28 28\nconv 8x 3\ndense 10\n",
     "x.txt:2: conv output channels: '8x' is not a whole number"},
    {"input 1 28 28\nconv -8 3\ndense 10\n",
     "x.txt:2: conv output channels: '-8' is not a whole number"},
    {"input 1 28 28\nconv 8 3 pad=x\ndense 10\n",
     "x.txt:2: conv pad: 'x' is not a whole number"},
    {"input 1 28 28\nconv 8 3 stride=0\ndense 10\n",
     "x.txt:2: conv stride: 0 is out of range 1..4096"},
    {"input 1 28 28\nconv 8 3 dilation=2\ndense 10\n",
     "x.txt:2: conv: unexpected 'dilation=2'"},
    {"input 1 28 28\nconv 8 99999999999\ndense 10\n",
     "x.txt:2: conv kernel: 99999999999 is out of range 1..4096"},
    {"input 1 28 28\nconv 8 999999999999999999999\ndense 10\n",
     "x.txt:2: conv kernel: '999999999999999999999' is not a whole number"},
    {"input 1 28 28\ndense\n", "x.txt:2: dense: missing output count"},
    {"input 1 28 28\ndense 10 20\n", "x.txt:2: dense: unexpected '20'"},
    {"input 1 28 28\ndropout 1\ndense 10\n",
     "x.txt:2: dropout: '1' is not a probability in [0, 1)"},
    {"input 1 28 28\ndropout nan\ndense 10\n",
     "x.txt:2: dropout: 'nan' is not a probability in [0, 1)"},
    {"input 1 28 28\nbatchnorm\ndense 10\n",
     "x.txt:2: batchnorm must follow a conv or dense layer"},
    {"input 1 28 28\nconv 4 3\nrelu\nbatchnorm\ndense 10\n",
     "x.txt:4: batchnorm after a ReLU: put the ReLU after the batchnorm"},
    {"input 1 28 28\nrelu extra\ndense 10\n",
     "x.txt:2: relu: unexpected 'extra'"},
    {"input 1 1 1\nmaxpool 2\ndense 10\n",
     "x.txt:2: maxpool 2 does not fit a 1x1 input"},
    {"input 1 28 28\nconv 4 29\ndense 10\n",
     "x.txt:2: conv 29 does not fit a 28x28 input"},
    {"input 1 28 28\nmaxpool 4\nmaxpool 4\navgpool 2\ndense 10\n",
     "x.txt:4: avgpool 2 does not fit a 1x1 input"},
    {"input 1 28 28\ndense 10\nrelu\n",
     "x.txt: no logits layer: the last layer must be 'dense N' (N classes) "
     "with no relu after it"},
    {"input 1 28 28\nconv 4 3\n",
     "x.txt: no logits layer: the last layer must be 'dense N' (N classes) "
     "with no relu after it"},
    {"input 1 28 28\ndense 1\n",
     "x.txt: the last layer has 1 outputs; a classifier has 2..256 classes"},
    {"input 1 28 28\ndense 300\n",
     "x.txt: the last layer has 300 outputs; a classifier has 2..256 classes"},
    {"input 1 28 28\ndense 10\tjunk\x01\n",
     "x.txt:2: not text (a control or non-ASCII byte)"},
    {"input 1 28 28\nconv 1 1 stride=1 pad=0 a b c d\ndense 10\n",
     "x.txt:2: too many words for a layer line"},
};

/* The seed's tables, as nntrain compiled them in before model files. */
static const nn_layer_spec seed_mlp[] = {
    {NN_LAYER_DENSE, 256, 0, 0, 0, 1, 0},
    {NN_LAYER_DENSE, 128, 0, 0, 0, 1, 0},
    {NN_LAYER_DENSE, 10, 0, 0, 0, 0, 0},
};
static const nn_layer_spec seed_cnn[] = {
    {NN_LAYER_CONV, 32, 3, 1, 1, 1, 0},  {NN_LAYER_MAXPOOL, 0, 2, 2, 0, 0, 0},
    {NN_LAYER_CONV, 64, 3, 1, 1, 1, 0},  {NN_LAYER_MAXPOOL, 0, 2, 2, 0, 0, 0},
    {NN_LAYER_DENSE, 128, 0, 0, 0, 1, 0}, {NN_LAYER_DENSE, 10, 0, 0, 0, 0, 0},
};

static void check_builtin(const char *name, const nn_layer_spec *want, int n,
                          size_t params) {
    nn_model_desc d;
    nn_model m;
    nn_err err;
    CHECK(nn_model_builtin(&d, name, &err) == 0);
    CHECK(d.n_layers == n && d.in_c == 1 && d.in_h == 28 && d.in_w == 28);
    for (int i = 0; i < n && i < d.n_layers; i++)
        CHECK(memcmp(&d.layers[i], &want[i], sizeof want[i]) == 0);
    CHECK(nn_model_init(&m, &d, &err) == 0);
    CHECK(m.n_params == params && m.n_state == 0 && m.classes == 10);
    printf("%s: %d layers, %zu parameters\n", name, m.n_layers, m.n_params);
    nn_model_free(&m);
}

/* A ReLU fuses into conv, dense and batchnorm; elsewhere it is a layer. */
static void check_relu_placement(void) {
    nn_model_desc d;
    nn_err err;
    const char *text = "input 3 16 16 # RGB\n"
                       "conv 8 3 pad=1 stride=2\n batchnorm \nrelu\n"
                       "maxpool 2\nrelu\n\tdropout 0.1\nrelu\n"
                       "avgpool 2 stride=1 # overlapping\n"
                       "dense 12\nrelu\ndense 3\n";
    CHECK(nn_model_parse(&d, text, "ok.txt", "ok", &err) == 0);
    const nn_layer_kind kinds[] = {
        NN_LAYER_CONV, NN_LAYER_BATCHNORM, NN_LAYER_MAXPOOL, NN_LAYER_RELU,
        NN_LAYER_DROPOUT, NN_LAYER_RELU, NN_LAYER_AVGPOOL, NN_LAYER_DENSE,
        NN_LAYER_DENSE};
    const int relu[] = {0, 1, 0, 0, 0, 0, 0, 1, 0};
    CHECK(d.n_layers == 9 && d.in_c == 3 && d.in_h == 16);
    for (int i = 0; i < 9 && i < d.n_layers; i++)
        CHECK(d.layers[i].kind == kinds[i] && d.layers[i].relu == relu[i]);
    CHECK(d.layers[0].stride == 2 && d.layers[0].pad == 1);
    CHECK(d.layers[6].kernel == 2 && d.layers[6].stride == 1);
    CHECK(d.layers[4].p == 0.1f);
    nn_model m;
    CHECK(nn_model_init(&m, &d, &err) == 0);
    CHECK(m.classes == 3 && m.n_state == 2 * 8);
    /* conv: 8*3*9 + 8, batchnorm 8 + 8, dense: 8*3*3 -> 12 */
    CHECK(m.n_params == 8 * 27 + 8 + 16 + (8 * 3 * 3) * 12 + 12 + 12 * 3 + 3);
    nn_model_free(&m);
}

static void check_too_many_layers(void) {
    char text[4096] = "input 1 8 8\n";
    for (int i = 0; i < NN_MAX_LAYERS; i++) strcat(text, "dense 4\n");
    strcat(text, "dense 2\n");
    nn_model_desc d;
    nn_err err;
    CHECK(nn_model_parse(&d, text, "x.txt", "x", &err) == -1);
    CHECK(strcmp(err.msg, "x.txt:34: too many layers (at most 32)") == 0);
}

int main(void) {
    check_builtin("mlp", seed_mlp, 3, 235146);
    check_builtin("cnn", seed_cnn, 6, 421642);
    check_relu_placement();
    check_too_many_layers();
    nn_model_desc d;
    nn_err err;
    CHECK(nn_model_builtin(&d, "resnet", &err) == -1);
    CHECK(strstr(err.msg, "unknown model 'resnet' (built in: mlp, cnn") != NULL);
    for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) {
        int rc = nn_model_parse(&d, broken[i].text, "x.txt", "x", &err);
        int ok = rc == -1 && strcmp(err.msg, broken[i].message) == 0;
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "  case %zu: got \"%s\"\n  want \"%s\"\n", i,
                    rc ? err.msg : "(parsed)", broken[i].message);
    }
    return test_summary();
}
