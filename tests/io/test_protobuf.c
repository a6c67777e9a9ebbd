/* test_protobuf.c: the protobuf encoder against encodings worked out by
 * hand from the wire-format rules (and protobuf's documented example: field
 * 1 = 150 is 08 96 01). */
#include <string.h>

#include "io/protobuf.h"
#include "test_util.h"

static int bytes_are(const pb_buf *b, const uint8_t *want, size_t n) {
    return !b->failed && b->len == n && memcmp(b->data, want, n) == 0;
}

#define EXPECT(buf, ...)                                                  \
    do {                                                                  \
        const uint8_t want_[] = {__VA_ARGS__};                            \
        CHECK(bytes_are(&(buf), want_, sizeof want_));                    \
        pb_free(&(buf));                                                  \
    } while (0)

int main(void) {
    pb_buf b = {0};
    pb_varint(&b, 0);
    EXPECT(b, 0x00);
    pb_varint(&b, 127);
    EXPECT(b, 0x7f);
    pb_varint(&b, 128);
    EXPECT(b, 0x80, 0x01);
    pb_varint(&b, 300);
    EXPECT(b, 0xac, 0x02);
    pb_varint(&b, UINT64_MAX);
    EXPECT(b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    pb_int(&b, 1, 150);
    EXPECT(b, 0x08, 0x96, 0x01);
    pb_int(&b, 1, -1); /* int64 -1: ten bytes */
    EXPECT(b, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
           0x01);
    pb_int(&b, 20, 7); /* key (20 << 3) | 0 = 160: two bytes */
    EXPECT(b, 0xa0, 0x01, 0x07);
    pb_string(&b, 2, "hi");
    EXPECT(b, 0x12, 0x02, 'h', 'i');
    pb_string(&b, 2, "");
    EXPECT(b, 0x12, 0x00);
    pb_float(&b, 2, 1.0f);
    EXPECT(b, 0x15, 0x00, 0x00, 0x80, 0x3f);
    pb_buf sub = {0};
    pb_int(&sub, 1, 150);
    pb_message(&b, 7, &sub);
    pb_free(&sub);
    EXPECT(b, 0x3a, 0x03, 0x08, 0x96, 0x01);
    /* a 200-byte field: its length takes two bytes */
    uint8_t big[200] = {0};
    pb_bytes(&b, 9, big, sizeof big);
    CHECK(b.len == 3 + 200 && b.data[0] == 0x4a && b.data[1] == 0xc8 &&
          b.data[2] == 0x01);
    pb_free(&b);
    return test_summary();
}
