/* test_idx.c: the IDX readers on valid files (gzipped and plain) and on each
 * kind of broken file, which must get its own one-line message. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "nn_data.h"
#include "test_util.h"

#define N_IMAGES 10
#define PIXELS (N_IMAGES * 28 * 28)

static nn_err err;

/* A failed read: -1, and one line that starts with the path and holds the
 * distinguishing words. */
static void expect_error(int rc, const char *path, const char *fragment) {
    printf("  %s\n", err.msg);
    CHECK(rc == -1);
    CHECK(strncmp(err.msg, path, strlen(path)) == 0);
    CHECK(strchr(err.msg, '\n') == NULL);
    CHECK_CONTAINS(err.msg, fragment);
}

/* Reads images, frees them, and checks that a failure leaves no output. */
static int read_images(const char *path) {
    uint8_t *pixels;
    int n, rows, cols;
    memset(&err, 0, sizeof err);
    int rc = nn_idx_read_images(path, &pixels, &n, &rows, &cols, &err);
    if (rc != 0) CHECK(pixels == NULL && n == 0 && rows == 0 && cols == 0);
    free(pixels);
    return rc;
}

static int read_labels(const char *path) {
    uint8_t *labels;
    int n;
    memset(&err, 0, sizeof err);
    int rc = nn_idx_read_labels(path, &labels, &n, &err);
    if (rc != 0) CHECK(labels == NULL && n == 0);
    free(labels);
    return rc;
}

/* A valid images file (10 images, 28x28) with one edit, gzipped. */
static const char *images_with(const char *name, int at, uint8_t value,
                               long delta_len) {
    size_t len;
    uint8_t *b = fixture_images(&len, N_IMAGES, 28, 28, 0);
    if (at >= 0) b[at] = value;
    const char *path = fixture_tmp(name);
    fixture_write_gz(path, b, (size_t)((long)len + delta_len));
    free(b);
    return path;
}

static void test_valid(void) {
    size_t len;
    uint8_t *b = fixture_images(&len, N_IMAGES, 28, 28, 0);
    const char *paths[2] = {fixture_tmp("valid.gz"), fixture_tmp("valid.raw")};
    fixture_write_gz(paths[0], b, len);
    fixture_write_raw(paths[1], b, len);
    for (int k = 0; k < 2; k++) {
        uint8_t *pixels;
        int n, rows, cols;
        CHECK(nn_idx_read_images(paths[k], &pixels, &n, &rows, &cols,
                                 &err) == 0);
        CHECK(n == N_IMAGES && rows == 28 && cols == 28);
        CHECK(pixels && memcmp(pixels, b + 16, PIXELS) == 0);
        free(pixels);
    }
    free(b);
    b = fixture_labels(&len, N_IMAGES, 0);
    fixture_write_gz(fixture_tmp("labels.gz"), b, len);
    uint8_t *labels;
    int n;
    CHECK(nn_idx_read_labels(fixture_tmp("labels.gz"), &labels, &n,
                             &err) == 0);
    CHECK(n == N_IMAGES && labels && memcmp(labels, b + 8, N_IMAGES) == 0);
    free(labels);
    free(b);
}

static void test_file_level(void) {
    const char *path = fixture_tmp("missing.gz");
    expect_error(read_images(path), path, "cannot open: No such file");
    expect_error(read_images(fixture_tmp(NULL)), fixture_tmp(NULL),
                 "is a folder, expected a gzipped IDX file");
    /* a FIFO with no writer would block a plain open() forever */
    path = fixture_tmp("fifo.gz");
    CHECK(mkfifo(path, 0600) == 0);
    expect_error(read_images(path), path, "is a FIFO, expected a gzipped IDX "
                 "file");
    expect_error(read_images("/dev/zero"), "/dev/zero",
                 "is a character device, expected a gzipped IDX file");
    path = fixture_tmp("empty.gz");
    fixture_write_raw(path, (const uint8_t *)"", 0);
    expect_error(read_images(path), path, "file is empty");
    expect_error(read_labels(path), path, "file is empty");
    path = fixture_tmp("nothing-inside.gz");
    fixture_write_gz(path, (const uint8_t *)"", 0);
    expect_error(read_images(path), path,
                 "too short for an IDX header (expected 16 bytes, found 0)");
    path = fixture_tmp("text.gz");
    const char *text = "this is not a dataset\n";
    fixture_write_raw(path, (const uint8_t *)text, strlen(text));
    expect_error(read_images(path), path,
                 "not a gzip file and not an IDX file (expected magic "
                 "0x00000803, found 0x74686973)");
    expect_error(read_labels(path), path, "expected magic 0x00000801");
    if (geteuid() != 0) { /* root reads anything */
        path = images_with("unreadable.gz", -1, 0, 0);
        chmod(path, 0);
        expect_error(read_images(path), path, "Permission denied");
    }
}

static void test_header(void) {
    const char *path = images_with("magic.gz", 0, 0x12, 0);
    expect_error(read_images(path), path,
                 "bad IDX magic (expected 0x00000803, found 0x12000803)");
    path = images_with("dtype.gz", 2, 0x0d, 0);
    expect_error(read_images(path), path, "unsupported IDX data type "
                 "(expected 0x08 for unsigned byte, found 0x0d)");
    path = images_with("rank.gz", 3, 2, 0);
    expect_error(read_images(path), path,
                 "wrong IDX rank (expected 3 for images, found 2)");
    expect_error(read_labels(path), path,
                 "wrong IDX rank (expected 1 for labels, found 2)");
    path = images_with("short-header.gz", -1, 0, 10 - 16 - PIXELS);
    expect_error(read_images(path), path,
                 "too short for an IDX header (expected 16 bytes, found 10)");
}

static void test_dimensions(void) {
    const char *path = images_with("count-zero.gz", 7, 0, 0);
    expect_error(read_images(path), path,
                 "bad image count (expected 1..10000000, found 0)");
    size_t len;
    uint8_t *b = fixture_images(&len, N_IMAGES, 28, 28, 0);
    memset(b + 4, 0xff, 4);
    path = fixture_tmp("count-huge.gz");
    fixture_write_gz(path, b, len);
    expect_error(read_images(path), path,
                 "bad image count (expected 1..10000000, found 4294967295)");
    memcpy(b + 4, "\x00\x00\x00\x0a\x00\x00\x13\x88", 8); /* rows 5000 */
    path = fixture_tmp("rows-huge.gz");
    fixture_write_gz(path, b, len);
    expect_error(read_images(path), path,
                 "bad image row count (expected 1..4096, found 5000)");
    memcpy(b + 8, "\x00\x00\x00\x1c\x00\x00\x00\x00", 8); /* cols 0 */
    path = fixture_tmp("cols-zero.gz");
    fixture_write_gz(path, b, len);
    expect_error(read_images(path), path,
                 "bad image column count (expected 1..4096, found 0)");
    /* Largest allowed header on a small file: refused before allocating. */
    memcpy(b + 4, "\x00\x98\x96\x80\x00\x00\x10\x00\x00\x00\x10\x00", 12);
    path = fixture_tmp("lying-header.gz");
    fixture_write_gz(path, b, len);
    expect_error(read_images(path), path, "header promises 167772160000000 "
                 "bytes of pixels, more than the 1073741824 nntrain reads "
                 "from one file");
    /* 100,000 images in a gzip file of a few KB, and in a plain file */
    memcpy(b + 4, "\x00\x01\x86\xa0\x00\x00\x00\x1c\x00\x00\x00\x1c", 12);
    path = fixture_tmp("lying-count.gz");
    fixture_write_gz(path, b, len);
    expect_error(read_images(path), path, "header promises 78400000 bytes of "
                 "pixels, more than a gzip file of");
    path = fixture_tmp("lying-count.raw");
    fixture_write_raw(path, b, len);
    expect_error(read_images(path), path, "header promises 78400000 bytes of "
                 "pixels, the file holds 7840 after the header");
    free(b);
    b = fixture_labels(&len, N_IMAGES, 0);
    memcpy(b + 4, "\x00\x98\x96\x81", 4);
    path = fixture_tmp("labels-count-huge.gz");
    fixture_write_gz(path, b, len);
    expect_error(read_labels(path), path,
                 "bad label count (expected 1..10000000, found 10000001)");
    free(b);
}

static void test_payload_length(void) {
    const char *path = images_with("short.gz", -1, 0, -100);
    expect_error(read_images(path), path, "payload too short (expected 7840 "
                 "bytes of pixels after the header, found 7740)");
    path = images_with("long.gz", -1, 0, 10);
    expect_error(read_images(path), path, "payload too long (expected 7840 "
                 "bytes of pixels after the header, found more)");
    size_t len;
    uint8_t *b = fixture_labels(&len, N_IMAGES, 0);
    path = fixture_tmp("labels-short.gz");
    fixture_write_gz(path, b, len - 1);
    expect_error(read_labels(path), path, "payload too short (expected 10 "
                 "bytes of labels after the header, found 9)");
    path = fixture_tmp("labels-long.raw");
    fixture_write_raw(path, b, len + 3);
    expect_error(read_labels(path), path, "payload too long (expected 10 "
                 "bytes of labels after the header, found more)");
    free(b);
    /* A gzip bomb behind a true header: 10 images, then 256 MB of zeros
     * (256 KB compressed). Refused at the first byte too many. */
    size_t bomb_len = PIXELS + 16 + (256u << 20);
    b = calloc(1, bomb_len);
    size_t head_len;
    uint8_t *head = fixture_images(&head_len, N_IMAGES, 28, 28, 0);
    memcpy(b, head, head_len);
    path = fixture_tmp("bomb.gz");
    fixture_write_gz(path, b, bomb_len);
    expect_error(read_images(path), path, "payload too long (expected 7840 "
                 "bytes of pixels after the header, found more)");
    free(head);
    free(b);
}

/* The valid gzipped images file with its compressed bytes edited: cut to
 * keep bytes, then byte at (from the end when negative) xor-ed with flip. */
static const char *gz_damaged(const char *name, size_t keep, long at,
                              uint8_t flip) {
    uint8_t *gz;
    size_t len;
    fixture_read_raw(fixture_tmp("valid.gz"), &gz, &len);
    if (keep > len) keep = len;
    if (flip) gz[at < 0 ? (long)keep + at : at] ^= flip;
    const char *path = fixture_tmp(name);
    fixture_write_raw(path, gz, keep);
    free(gz);
    return path;
}

static void test_gzip_damage(void) {
    uint8_t *gz;
    size_t len;
    fixture_read_raw(fixture_tmp("valid.gz"), &gz, &len);
    free(gz);
    const char *path = gz_damaged("cut-half.gz", len / 2, 0, 0);
    expect_error(read_images(path), path,
                 "gzip stream is truncated (zlib: unexpected end of file)");
    path = gz_damaged("cut-trailer.gz", len - 4, 0, 0);
    expect_error(read_images(path), path,
                 "gzip stream is truncated (zlib: unexpected end of file)");
    path = gz_damaged("crc.gz", len, -8, 0xff);
    expect_error(read_images(path), path,
                 "gzip stream is corrupt (zlib: incorrect data check)");
    path = gz_damaged("isize.gz", len, -1, 0x01);
    expect_error(read_images(path), path,
                 "gzip stream is corrupt (zlib: incorrect length check)");
    path = gz_damaged("header-flags.gz", len, 3, 0xe0);
    expect_error(read_images(path), path,
                 "gzip stream is corrupt (zlib: unknown header flags set)");
    path = gz_damaged("gzip-magic.gz", len, 0, 0x01);
    expect_error(read_images(path), path, "not a gzip file and not an IDX "
                 "file (expected magic 0x00000803, found 0x1e8b0800)");
}

int main(void) {
    test_valid();
    test_file_level();
    test_header();
    test_dimensions();
    test_payload_length();
    test_gzip_damage();
    fixture_tmp_clean();
    return test_summary();
}
