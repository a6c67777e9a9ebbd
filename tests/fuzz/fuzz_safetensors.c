/* fuzz_safetensors.c: libFuzzer target for the safetensors reader. Each
 * input is parsed in memory; a failure must name the input, a success
 * must describe only bytes that are there: every tensor's range inside the
 * data, its size its dtype's size x its element count, the ranges tiling
 * the data, and every F32 value readable. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_safetensors.h"

#define NAME "fuzz.safetensors"

static void die(const char *why) {
    fprintf(stderr, "fuzz_safetensors: %s\n", why);
    abort();
}

static void check_parsed(const nn_safetensors *st) {
    size_t total = 0;
    for (int i = 0; i < st->n_tensors; i++) {
        const nn_st_tensor *t = &st->tensors[i];
        size_t n = nn_st_tensor_count(t);
        if (t->begin > t->end || t->end > st->data_size ||
            t->end - t->begin != nn_st_dtype_size(t->dtype) * n)
            die("a tensor's range does not fit its shape or the data");
        if (nn_safetensors_find(st, t->name) != t)
            die("two tensors share a name");
        if (t->dtype == NN_ST_F32) {
            float *v = malloc(4 * n + 4);
            if (!v) die("out of memory");
            nn_safetensors_get_f32(st, t, v); /* ASan checks every read */
            free(v);
        }
        total += t->end - t->begin;
    }
    if (total != st->data_size) die("the tensors do not tile the data");
    for (int i = 0; i < st->n_meta; i++)
        if (!st->meta[i].key || !st->meta[i].value ||
            nn_safetensors_meta(st, st->meta[i].key) != st->meta[i].value)
            die("bad metadata entry");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* a copy of exactly size bytes, so that ASan catches any over-read */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) die("out of memory");
    memcpy(copy, data, size);
    nn_safetensors st;
    nn_err err = {""};
    if (nn_safetensors_parse(&st, NAME, copy, size, &err) == 0)
        check_parsed(&st);
    else if (strncmp(err.msg, NAME ": ", strlen(NAME) + 2) != 0)
        die("an error does not name the input");
    nn_safetensors_free(&st);
    free(copy);
    return 0;
}
