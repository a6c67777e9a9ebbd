/* fixture.h: synthetic IDX files for the data tests: the known pixel and
 * label pattern of data/fixtures, and writers for gzipped or plain files. */
#ifndef NN_TEST_FIXTURE_H
#define NN_TEST_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#define FIXTURE_TRAIN_N 100   /* images in data/fixtures/train-* */
#define FIXTURE_TEST_N 20     /* images in data/fixtures/t10k-* */
#define FIXTURE_TEST_FIRST 1000 /* test image i carries id 1000 + i */
#define FIXTURE_SLACK 64      /* zero bytes of room after each built file */
#define FIXTURE_SIDE 28       /* rows and columns of data/fixtures images */

/* Pixel p of the image with the given id: bytes 0 and 1 hold the id (low
 * byte first) so a test can tell which image it holds; the rest follow a
 * pattern. */
static inline uint8_t fixture_pixel(int id, int p) {
    if (p == 0) return (uint8_t)(id & 0xff);
    if (p == 1) return (uint8_t)(id >> 8);
    return (uint8_t)(id * 31 + p * 7);
}

static inline uint8_t fixture_label(int id) { return (uint8_t)(id % 10); }

/* The id an image scaled to [0, 1] carries (inverse of pixels 0 and 1). */
static inline int fixture_id(const float *image) {
    int low = (int)(image[0] * 255.0f + 0.5f);
    int high = (int)(image[1] * 255.0f + 0.5f);
    return low + 256 * high;
}

/* Whole IDX files in memory (header + payload) for n images with ids
 * first, first+1, ...; *len gets the size. malloc'd with FIXTURE_SLACK zero
 * bytes after *len so that a test can write a too-long variant. */
uint8_t *fixture_images(size_t *len, int n, int rows, int cols, int first);
uint8_t *fixture_labels(size_t *len, int n, int first);

/* Write bytes to path gzipped (zlib, deterministic) or as they are.
 * 0 on success, -1 after printing what failed. */
int fixture_write_gz(const char *path, const uint8_t *bytes, size_t len);
int fixture_write_raw(const char *path, const uint8_t *bytes, size_t len);

/* Path of name inside a fresh temporary folder made on the first call
 * (the folder itself when name is NULL); valid until fixture_tmp_clean,
 * which removes the folder and every path handed out, files or folders. */
const char *fixture_tmp(const char *name);
void fixture_tmp_clean(void);

/* Reads a whole file into *bytes (malloc'd); -1 after printing on error. */
int fixture_read_raw(const char *path, uint8_t **bytes, size_t *len);

#endif
