/* protobuf.c: protocol buffers wire-format encoding (see protobuf.h). */
#include "protobuf.h"

#include <stdlib.h>
#include <string.h>

void pb_free(pb_buf *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

static int pb_reserve(pb_buf *b, size_t n) {
    if (b->failed) return -1;
    if (b->len + n <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->data = p, b->cap = cap;
    return 0;
}

void pb_raw(pb_buf *b, const void *bytes, size_t n) {
    if (!n || pb_reserve(b, n)) return;
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
}

void pb_varint(pb_buf *b, uint64_t v) {
    uint8_t out[10];
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        out[n++] = byte | (v ? 0x80 : 0);
    } while (v);
    pb_raw(b, out, n);
}

static void pb_key(pb_buf *b, int field, int wire) {
    pb_varint(b, (uint64_t)field << 3 | (uint64_t)wire);
}

void pb_int(pb_buf *b, int field, int64_t v) {
    pb_key(b, field, PB_VARINT);
    pb_varint(b, (uint64_t)v); /* two's complement: -1 is 10 bytes */
}

void pb_float(pb_buf *b, int field, float v) {
    uint32_t u;
    uint8_t le[4];
    memcpy(&u, &v, sizeof u);
    for (int i = 0; i < 4; i++) le[i] = (uint8_t)(u >> (8 * i));
    pb_key(b, field, PB_FIXED32);
    pb_raw(b, le, sizeof le);
}

void pb_bytes(pb_buf *b, int field, const void *p, size_t n) {
    pb_key(b, field, PB_LEN);
    pb_varint(b, n);
    pb_raw(b, p, n);
}

void pb_string(pb_buf *b, int field, const char *s) {
    pb_bytes(b, field, s, strlen(s));
}

void pb_message(pb_buf *b, int field, const pb_buf *sub) {
    if (sub->failed) b->failed = 1;
    pb_bytes(b, field, sub->data, sub->len);
}
