/* safetensors_write.c: writes a safetensors file (format in
 * nn_safetensors.h): the JSON header built in memory, padded with spaces so
 * that the data starts 8-byte aligned, then the tensors' values (F32 or
 * I64) in little-endian order, all through an atomic temp file. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_atomic_file.h"
#include "nn_safetensors.h"

/* A growing text buffer; a failed allocation is remembered, not reported
 * at each append. */
typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} text;

__attribute__((format(printf, 2, 3)))
static void text_add(text *t, const char *fmt, ...) {
    if (t->failed) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || t->len + (size_t)n + 1 > t->cap) {
        size_t cap = (t->cap ? 2 * t->cap : 1024) + (size_t)(n > 0 ? n : 0);
        char *s = n < 0 ? NULL : realloc(t->s, cap);
        if (!s) {
            t->failed = 1;
            return;
        }
        t->s = s, t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* A JSON string literal: quotes, backslashes and control bytes escaped. */
static void text_json_string(text *t, const char *s) {
    text_add(t, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') text_add(t, "\\%c", c);
        else if (c < 0x20) text_add(t, "\\u%04x", c);
        else text_add(t, "%c", c);
    }
    text_add(t, "\"");
}

static size_t out_count(const nn_st_out *o) {
    size_t n = 1;
    for (int i = 0; i < o->ndim; i++) n *= (size_t)o->shape[i];
    return n;
}

/* {"__metadata__":{...},"NAME":{"dtype":"F32","shape":[..],
 * "data_offsets":[b,e]},...} then spaces up to a multiple of 8 bytes. */
static void build_header(text *h, const nn_st_out *tensors, int n,
                         const char *const *meta_kv, int n_meta) {
    text_add(h, "{");
    if (n_meta > 0) {
        text_add(h, "\"__metadata__\":{");
        for (int i = 0; i < n_meta; i++) {
            text_add(h, i ? "," : "");
            text_json_string(h, meta_kv[2 * i]);
            text_add(h, ":");
            text_json_string(h, meta_kv[2 * i + 1]);
        }
        text_add(h, "}%s", n ? "," : "");
    }
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        const nn_st_out *o = &tensors[i];
        size_t bytes = nn_st_dtype_size(o->dtype) * out_count(o);
        text_add(h, i ? "," : "");
        text_json_string(h, o->name);
        text_add(h, ":{\"dtype\":\"%s\",\"shape\":[",
                 nn_st_dtype_name(o->dtype));
        for (int d = 0; d < o->ndim; d++)
            text_add(h, "%s%" PRId64, d ? "," : "", o->shape[d]);
        text_add(h, "],\"data_offsets\":[%zu,%zu]}", at, at + bytes);
        at += bytes;
    }
    text_add(h, "}");
    while (!h->failed && h->len % 8) text_add(h, " ");
}

/* n values of size bytes (4: float, 8: int64_t) as little-endian bytes, a
 * chunk at a time */
static void write_values(FILE *f, const void *x, size_t n, size_t size) {
    uint8_t chunk[4096];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        if (size == 8) {
            memcpy(&u, (const uint8_t *)x + 8 * i, 8);
        } else {
            uint32_t u32;
            memcpy(&u32, (const uint8_t *)x + 4 * i, 4);
            u = u32;
        }
        for (size_t b = 0; b < size; b++)
            chunk[k++] = (uint8_t)(u >> (8 * b));
        if (k == sizeof chunk || i + 1 == n) {
            fwrite(chunk, 1, k, f); /* errors: ferror in nn_atomic_commit */
            k = 0;
        }
    }
}

int nn_safetensors_write(const char *path, const nn_st_out *tensors, int n,
                         const char *const *meta_kv, int n_meta,
                         nn_err *err) {
    for (int i = 0; i < n; i++)
        if (tensors[i].ndim < 0 || tensors[i].ndim > NN_ST_MAX_DIMS)
            return nn_errf(err, "%s: tensor %s: %d dimensions (at most %d)",
                           path, tensors[i].name, tensors[i].ndim,
                           NN_ST_MAX_DIMS);
    text h = {0};
    build_header(&h, tensors, n, meta_kv, n_meta);
    if (h.failed) {
        free(h.s);
        return nn_errf(err, "%s: out of memory for the header", path);
    }
    nn_atomic_file a;
    if (nn_atomic_open(&a, path, err)) return free(h.s), -1;
    uint8_t len[8];
    for (int b = 0; b < 8; b++) len[b] = (uint8_t)((uint64_t)h.len >> (8 * b));
    fwrite(len, 1, sizeof len, a.f);
    fwrite(h.s, 1, h.len, a.f);
    free(h.s);
    for (int i = 0; i < n; i++)
        write_values(a.f, tensors[i].data, out_count(&tensors[i]),
                     nn_st_dtype_size(tensors[i].dtype));
    return nn_atomic_commit(&a, err);
}
