/* protobuf.h: the few pieces of the protocol buffers wire format an ONNX
 * writer needs: a growing byte buffer and field encoders. A field is a key
 * (field_number << 3 | wire_type, as a varint) followed by its value:
 * wire type 0 a varint, 2 a varint length then that many bytes (strings,
 * bytes, nested messages), 5 four little-endian bytes (float). A nested
 * message is encoded into its own buffer first, then appended with its
 * length. */
#ifndef NN_PROTOBUF_H
#define NN_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *data; /* (len) encoded bytes; owned */
    size_t len, cap;
    int failed;    /* an allocation failed: the contents are incomplete */
} pb_buf;

enum { PB_VARINT = 0, PB_LEN = 2, PB_FIXED32 = 5 };

void pb_free(pb_buf *b);
/* Raw bytes and a raw varint (7 bits a byte, low group first, high bit set
 * on all but the last); negative int64 values take 10 bytes as in
 * protobuf's int64 type. */
void pb_raw(pb_buf *b, const void *bytes, size_t n);
void pb_varint(pb_buf *b, uint64_t v);
/* Fields. */
void pb_int(pb_buf *b, int field, int64_t v);                  /* int32/int64/enum */
void pb_float(pb_buf *b, int field, float v);                  /* float */
void pb_bytes(pb_buf *b, int field, const void *p, size_t n);  /* bytes */
void pb_string(pb_buf *b, int field, const char *s);           /* string */
void pb_message(pb_buf *b, int field, const pb_buf *sub);      /* nested */

#endif
