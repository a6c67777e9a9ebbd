/* images.c: images to classify, without labels: an IDX images file
 * (gzipped or plain) or one binary PGM picture (P5, 8-bit), scaled to
 * [0, 1] as the training data is. */
#include "nn_data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_path.h"

#define PGM_MAX_SIDE 4096
#define PGM_MAX_BYTES (PGM_MAX_SIDE * PGM_MAX_SIDE + 1024)

static int is_space(int c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

/* Whitespace and '#' comments (to the end of the line) between fields. */
static size_t skip_space(const uint8_t *b, size_t at, size_t size) {
    while (at < size) {
        if (b[at] == '#')
            while (at < size && b[at] != '\n') at++;
        else if (is_space(b[at])) at++;
        else break;
    }
    return at;
}

/* A header number in 1..max: the width, height or maxval. */
static int pgm_field(const uint8_t *b, size_t *at, size_t size,
                     const char *what, int max, int *out, const char *path,
                     nn_err *err) {
    size_t i = skip_space(b, *at, size);
    long v = 0;
    size_t start = i;
    while (i < size && b[i] >= '0' && b[i] <= '9' && v <= max)
        v = v * 10 + (b[i++] - '0');
    if (i == start)
        return nn_errf(err, "%s: bad PGM header (expected the %s)", path,
                       what);
    if (v < 1 || v > max)
        return nn_errf(err, "%s: PGM %s %s%ld is not supported (expected "
                       "1..%d)", path, what, v > max ? "above " : "",
                       v > max ? (long)max : v, max);
    *out = (int)v, *at = i;
    return 0;
}

/* Parses a P5 file in memory: (rows, cols) pixels scaled by 1 / maxval. */
static int pgm_parse(const uint8_t *b, size_t size, const char *path,
                     float **out, int *rows, int *cols, nn_err *err) {
    if (size < 2 || b[0] != 'P' || b[1] != '5') {
        if (size >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7')
            return nn_errf(err, "%s: PGM/PNM type P%c is not supported "
                           "(expected binary 8-bit P5)", path, b[1]);
        return nn_errf(err, "%s: not a PGM file (expected magic P5)", path);
    }
    size_t at = 2;
    int w, h, maxval;
    if (pgm_field(b, &at, size, "width", PGM_MAX_SIDE, &w, path, err) ||
        pgm_field(b, &at, size, "height", PGM_MAX_SIDE, &h, path, err) ||
        pgm_field(b, &at, size, "maxval", 255, &maxval, path, err))
        return -1;
    if (at >= size || !is_space(b[at]))
        return nn_errf(err, "%s: bad PGM header (expected one whitespace "
                       "byte after maxval)", path);
    at++;
    size_t want = (size_t)w * h, have = size - at;
    if (have != want)
        return nn_errf(err, "%s: PGM data too %s (expected %zu bytes of "
                       "pixels for %dx%d, found %zu)", path,
                       have < want ? "short" : "long", want, w, h, have);
    float *px = malloc(want * sizeof *px);
    if (!px) return nn_errf(err, "%s: out of memory", path);
    for (size_t i = 0; i < want; i++) px[i] = (float)b[at + i] / maxval;
    *out = px, *rows = h, *cols = w;
    return 0;
}

/* The first bytes of path, to tell a PGM from an IDX file. */
static int peek(const char *path, uint8_t *magic, nn_err *err) {
    FILE *f = nn_fopen_regular(path, "an IDX or PGM image file", err);
    if (!f) return -1;
    magic[0] = magic[1] = 0;
    size_t got = fread(magic, 1, 2, f);
    fclose(f);
    (void)got; /* a short file is named by the reader that gets it */
    return 0;
}

static int pgm_load(const char *path, float **out, int *rows, int *cols,
                    nn_err *err) {
    FILE *f = nn_fopen_regular(path, "a PGM file", err);
    if (!f) return -1;
    uint8_t *buf = malloc(PGM_MAX_BYTES + 1);
    size_t size = buf ? fread(buf, 1, PGM_MAX_BYTES + 1, f) : 0;
    int bad = !buf || ferror(f);
    fclose(f);
    int rc = bad ? nn_errf(err, "%s: read failed", path)
             : size > PGM_MAX_BYTES
                 ? nn_errf(err, "%s: too large for a PGM of at most %dx%d",
                           path, PGM_MAX_SIDE, PGM_MAX_SIDE)
                 : pgm_parse(buf, size, path, out, rows, cols, err);
    free(buf);
    return rc;
}

static int idx_load(const char *path, float **out, int *n, int *rows,
                    int *cols, nn_err *err) {
    uint8_t *px;
    if (nn_idx_read_images(path, &px, n, rows, cols, err)) return -1;
    size_t count = (size_t)*n * *rows * *cols;
    float *f = malloc(count * sizeof *f);
    if (!f) {
        free(px);
        return nn_errf(err, "%s: out of memory for %d images", path, *n);
    }
    for (size_t i = 0; i < count; i++) f[i] = px[i] / 255.0f;
    free(px);
    *out = f;
    return 0;
}

int nn_images_load(const char *path, int want_rows, int want_cols,
                   float **images, int *n, nn_err *err) {
    uint8_t magic[2];
    int rows, cols, rc;
    *images = NULL, *n = 0;
    if (peek(path, magic, err)) return -1;
    if (magic[0] == 'P') {
        *n = 1;
        rc = pgm_load(path, images, &rows, &cols, err);
    } else {
        rc = idx_load(path, images, n, &rows, &cols, err);
    }
    if (rc) return -1;
    if (rows == want_rows && cols == want_cols) return 0;
    free(*images);
    *images = NULL, *n = 0;
    return nn_errf(err, "%s: images are %dx%d, the model expects %dx%d", path,
                   rows, cols, want_rows, want_cols);
}
