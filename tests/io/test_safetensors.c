/* test_safetensors.c: the safetensors reader and writer, and weights in and
 * out of a model: round trips, then every kind of broken or mismatched
 * file, each with its one-line message naming the file and the tensor. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nn_export.h"
#include "nn_safetensors.h"
#include "test_util.h"

static char dir[] = "/tmp/nntrain-st-XXXXXX";
static char path[256];

/* A file of 8-byte length + header + data_len bytes of data (value 0x3f). */
static size_t make(uint8_t *buf, const char *header, size_t data_len) {
    uint64_t n = strlen(header);
    for (int i = 0; i < 8; i++) buf[i] = (uint8_t)(n >> (8 * i));
    memcpy(buf + 8, header, n);
    memset(buf + 8 + n, 0x3f, data_len);
    return 8 + n + data_len;
}

/* Parses header + data_len bytes; returns the error ("" when it parsed). */
static const char *parse(const char *header, size_t data_len) {
    static uint8_t buf[1 << 16];
    static nn_err err;
    nn_safetensors st;
    size_t size = make(buf, header, data_len);
    err.msg[0] = '\0';
    int rc = nn_safetensors_parse(&st, "x.safetensors", buf, size, &err);
    nn_safetensors_free(&st);
    CHECK(rc == 0 || err.msg[0]);
    return rc ? err.msg : "";
}

#define T1 "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"

static void test_bad_headers(void) {
    uint8_t buf[16];
    nn_err err;
    nn_safetensors st;
    CHECK_CONTAINS(parse("{" T1 "}", 8), "");
    CHECK(nn_safetensors_parse(&st, "x.safetensors", buf, 5, &err) < 0);
    CHECK_CONTAINS(err.msg, "x.safetensors: 5 bytes is too short for a "
                   "safetensors file (expected an 8-byte header length)");
    make(buf, "{}", 0);
    buf[0] = 0xff, buf[1] = 0xff; /* length 65535, 2 bytes there */
    CHECK(nn_safetensors_parse(&st, "x.safetensors", buf, 10, &err) < 0);
    CHECK_CONTAINS(err.msg, "x.safetensors: header length 65535 runs past "
                   "the end of the file (2 bytes follow the length)");
    CHECK_CONTAINS(parse("[]", 0), "x.safetensors: header byte 0: expected "
                   "'{' to open the header, found '['");
    CHECK_CONTAINS(parse("{" T1, 8), "x.safetensors: header byte 53: "
                   "expected ',' or '}' after a member, found the end of "
                   "the header");
    CHECK_CONTAINS(parse("{\"a\" {}}", 0), "expected ':' after a key");
    CHECK_CONTAINS(parse("{" T1 "} x", 8), "unexpected text after the "
                   "header's object");
    CHECK_CONTAINS(parse("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],"
                         "\"data_offsets\":[0,8]}}", 8),
                   "x.safetensors: tensor a: header byte 29: expected a "
                   "non-negative integer, found '-'");
    CHECK_CONTAINS(parse("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],"
                         "\"data_offsets\":[0,8]}}", 8),
                   "tensor a: header byte 30: expected an integer, found a "
                   "fraction or exponent");
    CHECK_CONTAINS(parse("{\"a\\q\":{}}", 0), "unknown escape '\\q'");
    CHECK_CONTAINS(parse("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                         "\"data_offsets\":[0,8],\"x\":1}}", 8),
                   "tensor a: header byte 57: unknown member \"x\" "
                   "(expected dtype, shape, data_offsets)");
    CHECK_CONTAINS(parse("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8),
                   "x.safetensors: tensor a: no \"data_offsets\"");
    CHECK_CONTAINS(parse("{" T1 "," T1 "}", 8),
                   "x.safetensors: tensor a: appears twice in the header");
    CHECK_CONTAINS(parse("{\"__metadata__\":{\"k\":1}}", 0),
                   "expected a string, found '1'");
    CHECK_CONTAINS(parse("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                         "\"data_offsets\":[0,1,8]}}", 8),
                   "more than 2 values in data_offsets");
}

static void test_bad_tensors(void) {
    CHECK_CONTAINS(parse("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],"
                         "\"data_offsets\":[0,4]}}", 4),
                   "x.safetensors: tensor a: dtype F16 is not supported "
                   "(expected F32 or I64)");
    CHECK_CONTAINS(parse("{\"a\":{\"dtype\":\"I64\",\"shape\":[2],"
                         "\"data_offsets\":[0,8]}}", 8),
                   "x.safetensors: tensor a: shape needs 16 bytes of I64, "
                   "data_offsets [0, 8] hold 8");
    CHECK_CONTAINS(parse("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],"
                         "\"data_offsets\":[0,8]}}", 8),
                   "x.safetensors: tensor a: shape needs 12 bytes of F32, "
                   "data_offsets [0, 8] hold 8");
    CHECK_CONTAINS(parse("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                         "\"data_offsets\":[8,16]}}", 8),
                   "x.safetensors: tensor a: data_offsets [8, 16] end beyond "
                   "the 8 bytes of data");
    CHECK_CONTAINS(parse("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                         "\"data_offsets\":[8,0]}}", 8),
                   "x.safetensors: tensor a: data_offsets [8, 0] run "
                   "backwards");
    CHECK_CONTAINS(parse("{" T1 ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],"
                         "\"data_offsets\":[4,8]}}", 8),
                   "x.safetensors: tensor b: bytes [4, 8) overlap tensor "
                   "a's [0, 8)");
    CHECK_CONTAINS(parse("{\"b\":{\"dtype\":\"F32\",\"shape\":[1],"
                         "\"data_offsets\":[4,8]}}", 8),
                   "x.safetensors: tensor b: starts at byte 4, but the "
                   "header ends at 0 (a gap in the data)");
    CHECK_CONTAINS(parse("{" T1 "}", 12), "x.safetensors: the tensors end "
                   "at data byte 8, but the file holds 12 bytes of data (4 "
                   "unaccounted for)");
    CHECK_CONTAINS(parse("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427"
                         "387904,4],\"data_offsets\":[0,8]}}", 8),
                   "x.safetensors: tensor a: shape too large");
}

static void test_files(void) {
    nn_safetensors st;
    nn_err err;
    snprintf(path, sizeof path, "%s/missing.safetensors", dir);
    CHECK(nn_safetensors_read(&st, path, &err) < 0);
    CHECK_CONTAINS(err.msg, ": cannot open: No such file or directory");
    nn_safetensors_free(&st);
    CHECK(nn_safetensors_read(&st, dir, &err) < 0);
    CHECK_CONTAINS(err.msg, ": is a folder, expected a safetensors file");
    nn_safetensors_free(&st);
    snprintf(path, sizeof path, "%s/empty.safetensors", dir);
    fclose(fopen(path, "wb"));
    CHECK(nn_safetensors_read(&st, path, &err) < 0);
    CHECK_CONTAINS(err.msg, "empty.safetensors: empty file (not a "
                   "safetensors file)");
    nn_safetensors_free(&st);
}

/* Written, read back: names, shapes, values and metadata, with odd names. */
static void test_round_trip(void) {
    float a[6] = {1, -2, 3.5f, 0, 1e-30f, -1e30f}, b[1] = {42};
    int64_t c[2] = {-3, INT64_C(1) << 40};
    nn_st_out out[3] = {{"w\"e\\ird", 2, {2, 3}, a, NN_ST_F32},
                        {"s", 0, {0}, b, NN_ST_F32},
                        {"i", 1, {2}, c, NN_ST_I64}};
    const char *meta[4] = {"k", "v\n1", "é", "ü"};
    nn_err err;
    nn_safetensors st;
    snprintf(path, sizeof path, "%s/rt.safetensors", dir);
    CHECK(nn_safetensors_write(path, out, 3, meta, 2, &err) == 0);
    CHECK(nn_safetensors_read(&st, path, &err) == 0);
    CHECK(st.n_tensors == 3 && st.n_meta == 2);
    const nn_st_tensor *t = nn_safetensors_find(&st, "i");
    /* int64 little-endian, 8 bytes each */
    CHECK(t && t->dtype == NN_ST_I64 && t->end - t->begin == 16 &&
          st.data[t->begin] == 0xfd && st.data[t->begin + 7] == 0xff &&
          st.data[t->begin + 13] == 0x01 && st.data[t->begin + 15] == 0);
    t = nn_safetensors_find(&st, "w\"e\\ird");
    CHECK(t && t->dtype == NN_ST_F32 && t->ndim == 2 && t->shape[0] == 2 &&
          t->shape[1] == 3);
    float got[6] = {0};
    if (t) nn_safetensors_get_f32(&st, t, got);
    CHECK(memcmp(got, a, sizeof a) == 0);
    CHECK((t = nn_safetensors_find(&st, "s")) && t->ndim == 0);
    CHECK(nn_safetensors_meta(&st, "k") &&
          !strcmp(nn_safetensors_meta(&st, "k"), "v\n1"));
    CHECK(nn_safetensors_meta(&st, "é") &&
          !strcmp(nn_safetensors_meta(&st, "é"), "ü"));
    CHECK((8 + *(uint64_t *)st.buf) % 8 == 0); /* data 8-byte aligned */
    nn_safetensors_free(&st);
    snprintf(path, sizeof path, "%s/rt.safetensors.tmp", dir);
    CHECK(access(path, F_OK) != 0);
}

/* A model's export loads back bit for bit into a fresh model. */
static void test_model_round_trip(void) {
    nn_model a, b;
    nn_rng rng;
    nn_err err;
    CHECK(nn_model_init_named(&a, "cnn", &err) == 0);
    CHECK(nn_model_init_named(&b, "cnn", &err) == 0);
    nn_rng_seed(&rng, 7);
    nn_model_init_params(&a, &rng);
    snprintf(path, sizeof path, "%s/cnn.safetensors", dir);
    CHECK(nn_export_safetensors(path, &a, NULL, &err) == 0);
    CHECK(nn_model_load_safetensors(&b, path, &err) == 0);
    CHECK(memcmp(a.params, b.params, a.n_params * sizeof(float)) == 0);
    nn_safetensors st;
    CHECK(nn_safetensors_read(&st, path, &err) == 0);
    const nn_st_tensor *t = nn_safetensors_find(&st, "7.weight");
    CHECK(t && t->ndim == 2 && t->shape[0] == 128 && t->shape[1] == 3136);
    CHECK(st.n_tensors == 8 && nn_safetensors_find(&st, "0.bias"));
    CHECK_CONTAINS(nn_safetensors_meta(&st, "nntrain.layer.4"),
                   "dense out=128 kernel=0 stride=0 pad=0 relu=1 "
                   "input=64x7x7 output=128x1x1");
    nn_safetensors_free(&st);
    nn_model_free(&a);
    nn_model_free(&b);
}

/* A model of every layer kind (12x12 input: small), built from its text. */
static const char every_kind[] =
    "input 1 12 12\nconv 4 3 pad=1\nbatchnorm\nrelu\nmaxpool 2\n"
    "conv 6 3 pad=1\nrelu\navgpool 2\ndropout 0.25\ndense 8\nbatchnorm\n"
    "relu\ndropout 0.5\ndense 10\n";

static int model_from_text(nn_model *m, const char *text, const char *name) {
    nn_model_desc d;
    nn_err err;
    if (nn_model_parse(&d, text, "test", name, &err) ||
        nn_model_init(m, &d, &err)) {
        fprintf(stderr, "%s: %s\n", name, err.msg);
        return -1;
    }
    return 0;
}

/* Every kind's export: the Sequential, params and running statistics back
 * bit for bit, num_batches_tracked an int64 0 of shape (). */
static void test_every_kind_round_trip(void) {
    nn_model a, b;
    nn_rng rng;
    nn_err err;
    CHECK(model_from_text(&a, every_kind, "every") == 0);
    CHECK(model_from_text(&b, every_kind, "every") == 0);
    nn_rng_seed(&rng, 7);
    nn_model_init_params(&a, &rng);
    for (size_t i = 0; i < a.n_state; i++) a.state[i] = 0.5f + 0.01f * i;
    snprintf(path, sizeof path, "%s/every.safetensors", dir);
    CHECK(nn_export_safetensors(path, &a, NULL, &err) == 0);
    CHECK(nn_model_load_safetensors(&b, path, &err) == 0);
    CHECK(memcmp(a.params, b.params, a.n_params * sizeof(float)) == 0);
    CHECK(a.n_state == 24 &&
          memcmp(a.state, b.state, a.n_state * sizeof(float)) == 0);
    nn_safetensors st;
    CHECK(nn_safetensors_read(&st, path, &err) == 0);
    CHECK(st.n_tensors == 18);
    const nn_st_tensor *t = nn_safetensors_find(&st, "1.num_batches_tracked");
    static const uint8_t zero8[8];
    CHECK(t && t->dtype == NN_ST_I64 && t->ndim == 0 &&
          t->end - t->begin == 8 && !memcmp(st.data + t->begin, zero8, 8));
    t = nn_safetensors_find(&st, "10.running_var");
    float var[8] = {0};
    CHECK(t && t->dtype == NN_ST_F32 && t->ndim == 1 && t->shape[0] == 8);
    if (t) nn_safetensors_get_f32(&st, t, var);
    CHECK(!memcmp(var, a.state + a.layers[7].state_off + 8, sizeof var));
    t = nn_safetensors_find(&st, "9.weight");
    CHECK(t && t->ndim == 2 && t->shape[0] == 8 && t->shape[1] == 54);
    CHECK_CONTAINS(nn_safetensors_meta(&st, "nntrain.pytorch"),
                   "nn.Sequential(nn.Conv2d(1, 4, kernel_size=3, stride=1, "
                   "padding=1), nn.BatchNorm2d(4, eps=1e-05, momentum=0.1), "
                   "nn.ReLU(), nn.MaxPool2d(kernel_size=2, stride=2), "
                   "nn.Conv2d(4, 6, kernel_size=3, stride=1, padding=1), "
                   "nn.ReLU(), nn.AvgPool2d(kernel_size=2, stride=2), "
                   "nn.Dropout(p=0.25), nn.Flatten(), nn.Linear(54, 8), "
                   "nn.BatchNorm1d(8, eps=1e-05, momentum=0.1), nn.ReLU(), "
                   "nn.Dropout(p=0.5), nn.Linear(8, 10))");
    CHECK_CONTAINS(nn_safetensors_meta(&st, "nntrain.layer.5"),
                   "dropout out=0 kernel=0 stride=0 pad=0 relu=0 p=0.25 "
                   "input=6x3x3");
    nn_safetensors_free(&st);
    nn_model_free(&a);
    nn_model_free(&b);
}

/* The model's own tensors written with one changed: name dropped (missing)
 * or num_batches_tracked as F32; then loaded into m. */
static void write_every_kind(const nn_model *m, const char *file,
                             const char *drop, int count_f32) {
    static const int64_t zero = 0;
    static const float fzero = 0;
    nn_torch_map map;
    nn_err err;
    nn_st_out out[NN_TORCH_MAX_TENSORS];
    int n = 0;
    CHECK(nn_torch_map_build(&map, m, &err) == 0);
    for (int i = 0; i < map.n_tensors; i++) {
        const nn_torch_tensor *t = &map.tensors[i];
        if (drop && !strcmp(t->name, drop)) continue;
        out[n] = (nn_st_out){t->name, t->ndim, {0},
                             nn_torch_tensor_data(m, t), NN_ST_F32};
        memcpy(out[n].shape, t->shape, sizeof t->shape);
        if (t->store == NN_TORCH_IN_NONE && count_f32) out[n].data = &fzero;
        else if (t->store == NN_TORCH_IN_NONE)
            out[n].data = &zero, out[n].dtype = NN_ST_I64;
        n++;
    }
    snprintf(path, sizeof path, "%s/%s", dir, file);
    CHECK(nn_safetensors_write(path, out, n, NULL, 0, &err) == 0);
}

/* Batch norm tensors checked like the others; the model untouched. */
static void test_every_kind_mismatches(void) {
    nn_model m;
    nn_err err;
    CHECK(model_from_text(&m, every_kind, "every") == 0);
    m.state[0] = 5.0f;
    write_every_kind(&m, "count.safetensors", NULL, 1);
    m.state[0] = 7.0f;
    CHECK(nn_model_load_safetensors(&m, path, &err) < 0);
    CHECK_CONTAINS(err.msg, "count.safetensors: tensor 1.num_batches_tracked: "
                   "dtype F32, model every wants I64 (and 1 more mismatch)");
    write_every_kind(&m, "mean.safetensors", "10.running_mean", 0);
    CHECK(nn_model_load_safetensors(&m, path, &err) < 0);
    CHECK_CONTAINS(err.msg, "mean.safetensors: tensor 10.running_mean: "
                   "missing (model every wants shape (8,))");
    CHECK(m.state[0] == 7.0f);
    nn_model_free(&m);
}

/* NN_MAX_LAYERS layers map: 31 conv + ReLU then a dense layer (the
 * longest code), 15 conv + batch norm + ReLU then two dense layers (the
 * most tensors a valid table has: batch norm follows conv or dense). */
static void test_deepest(void) {
    static const struct {
        const char *repeat, *tail, *code_end;
        int times, tensors;
    } cases[] = {
        {"conv 4 3 pad=1\nrelu\n", "dense 10\n", "nn.Linear(64, 10))", 31,
         2 * 32},
        {"conv 4 3 pad=1\nbatchnorm\nrelu\n", "dense 8\ndense 10\n",
         "nn.Linear(8, 10))", 15, 15 * 7 + 2 * 2},
    };
    for (int k = 0; k < 2; k++) {
        char text[1024] = "input 1 4 4\n";
        nn_model m;
        nn_err err;
        nn_safetensors st;
        for (int i = 0; i < cases[k].times; i++)
            strncat(text, cases[k].repeat, sizeof text - strlen(text) - 1);
        strncat(text, cases[k].tail, sizeof text - strlen(text) - 1);
        if (model_from_text(&m, text, "deep") != 0) {
            CHECK(0);
            continue;
        }
        CHECK(m.n_layers == NN_MAX_LAYERS);
        snprintf(path, sizeof path, "%s/deep%d.safetensors", dir, k);
        CHECK(nn_export_safetensors(path, &m, NULL, &err) == 0);
        CHECK(nn_safetensors_read(&st, path, &err) == 0);
        CHECK(st.n_tensors == cases[k].tensors);
        const char *code = nn_safetensors_meta(&st, "nntrain.pytorch");
        const char *end = cases[k].code_end;
        CHECK(code && strlen(code) > strlen(end) &&
              !strcmp(code + strlen(code) - strlen(end), end));
        nn_safetensors_free(&st);
        nn_model_free(&m);
    }
}

/* Writes a file of the given tensors (shapes, zeros) for a mismatch. */
static void write_shapes(const char *name, const nn_st_out *t, int n) {
    nn_err err;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CHECK(nn_safetensors_write(path, t, n, NULL, 0, &err) == 0);
}

/* Loading into a model: each mismatch named; the model untouched. */
static void test_mismatches(void) {
    static float zeros[32 * 9 * 64];
    nn_model m;
    nn_err err;
    CHECK(nn_model_init_named(&m, "mlp", &err) == 0);
    m.params[0] = 5.0f;
    nn_st_out mlp[6] = {{"1.weight", 2, {256, 784}, NULL, NN_ST_F32},
                        {"1.bias", 1, {256}, zeros, NN_ST_F32},
                        {"3.weight", 2, {128, 256}, NULL, NN_ST_F32},
                        {"3.bias", 1, {128}, zeros, NN_ST_F32},
                        {"5.weight", 2, {10, 128}, zeros, NN_ST_F32},
                        {"5.bias", 1, {10}, zeros, NN_ST_F32}};
    float *big = calloc(256 * 784, sizeof(float));
    mlp[0].data = big, mlp[2].data = big;
    mlp[2].shape[0] = 64; /* 3.weight (64, 256) */
    write_shapes("shape.safetensors", mlp, 6);
    CHECK(nn_model_load_safetensors(&m, path, &err) < 0);
    CHECK_CONTAINS(err.msg, "shape.safetensors: tensor 3.weight: shape (64, "
                   "256), model mlp wants (128, 256)");
    mlp[2].shape[0] = 128;
    mlp[5].name = "6.bias";
    write_shapes("names.safetensors", mlp, 6);
    CHECK(nn_model_load_safetensors(&m, path, &err) < 0);
    CHECK_CONTAINS(err.msg, "names.safetensors: tensor 5.bias: missing "
                   "(model mlp wants shape (10,)) (and 1 more mismatch)");
    mlp[5].name = "5.bias";
    write_shapes("extra.safetensors", mlp, 6);
    nn_st_out cnn0 = {"0.weight", 4, {16, 1, 3, 3}, zeros, NN_ST_F32};
    nn_st_out seven[7];
    memcpy(seven, mlp, sizeof mlp);
    seven[6] = cnn0;
    write_shapes("extra.safetensors", seven, 7);
    CHECK(nn_model_load_safetensors(&m, path, &err) < 0);
    CHECK_CONTAINS(err.msg, "extra.safetensors: tensor 0.weight: model mlp "
                   "has no such tensor (it has 6: 1.weight ... 5.bias)");
    CHECK(m.params[0] == 5.0f);
    nn_model_free(&m);
    CHECK(nn_model_init_named(&m, "cnn", &err) == 0);
    write_shapes("cnn16.safetensors", &cnn0, 1);
    CHECK(nn_model_load_safetensors(&m, path, &err) < 0);
    CHECK_CONTAINS(err.msg, "cnn16.safetensors: tensor 0.weight: shape (16, "
                   "1, 3, 3), model cnn wants (32, 1, 3, 3) (and 7 more "
                   "mismatches)");
    nn_model_free(&m);
    free(big);
}

int main(void) {
    if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
    test_bad_headers();
    test_bad_tensors();
    test_files();
    test_round_trip();
    test_model_round_trip();
    test_mismatches();
    test_every_kind_round_trip();
    test_every_kind_mismatches();
    test_deepest();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return test_summary();
}
