/* fixture.c: builds and writes the synthetic IDX files of fixture.h. */
#include "fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define TMP_PATHS 256

static char tmp_dir[512];
static char *tmp_paths[TMP_PATHS]; /* handed out, removed in reverse */
static int tmp_count;

static void put_be32(uint8_t *b, uint32_t v) {
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

uint8_t *fixture_images(size_t *len, int n, int rows, int cols, int first) {
    size_t size = (size_t)rows * (size_t)cols;
    *len = 16 + (size_t)n * size;
    uint8_t *b = calloc(*len + FIXTURE_SLACK, 1);
    if (!b) return NULL;
    put_be32(b, 0x00000803);
    put_be32(b + 4, (uint32_t)n);
    put_be32(b + 8, (uint32_t)rows);
    put_be32(b + 12, (uint32_t)cols);
    for (int i = 0; i < n; i++)
        for (size_t p = 0; p < size; p++)
            b[16 + i * size + p] = fixture_pixel(first + i, (int)p);
    return b;
}

uint8_t *fixture_labels(size_t *len, int n, int first) {
    *len = 8 + (size_t)n;
    uint8_t *b = calloc(*len + FIXTURE_SLACK, 1);
    if (!b) return NULL;
    put_be32(b, 0x00000801);
    put_be32(b + 4, (uint32_t)n);
    for (int i = 0; i < n; i++) b[8 + i] = fixture_label(first + i);
    return b;
}

int fixture_write_gz(const char *path, const uint8_t *bytes, size_t len) {
    gzFile gz = gzopen(path, "wb9");
    if (!gz) {
        fprintf(stderr, "%s: cannot create: %s\n", path, strerror(errno));
        return -1;
    }
    int wrote = len ? gzwrite(gz, bytes, (unsigned)len) : 0;
    int closed = gzclose(gz);
    if (wrote != (int)len || closed != Z_OK) {
        fprintf(stderr, "%s: gzip write failed\n", path);
        return -1;
    }
    return 0;
}

int fixture_write_raw(const char *path, const uint8_t *bytes, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "%s: cannot create: %s\n", path, strerror(errno));
        return -1;
    }
    size_t wrote = fwrite(bytes, 1, len, f);
    if (fclose(f) != 0 || wrote != len) {
        fprintf(stderr, "%s: write failed\n", path);
        return -1;
    }
    return 0;
}

int fixture_read_raw(const char *path, uint8_t **bytes, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, n = 0, got;
    uint8_t *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n < cap) continue;
        uint8_t *bigger = realloc(buf, cap *= 2);
        if (!bigger) free(buf);
        buf = bigger;
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "%s: out of memory\n", path);
        return -1;
    }
    *bytes = buf;
    *len = n;
    return 0;
}

/* Test set-up cannot go on without its folder: stop the test binary. */
static void tmp_fail(const char *what) {
    fprintf(stderr, "fixture_tmp: %s: %s\n", what, strerror(errno));
    exit(1);
}

const char *fixture_tmp(const char *name) {
    if (!tmp_dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmp_dir, sizeof tmp_dir, "%s/nn_data_XXXXXX",
                 base && *base ? base : "/tmp");
        if (!mkdtemp(tmp_dir)) tmp_fail(tmp_dir);
    }
    if (!name) return tmp_dir;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    for (int i = 0; i < tmp_count; i++)
        if (strcmp(tmp_paths[i], path) == 0) return tmp_paths[i];
    if (tmp_count == TMP_PATHS) tmp_fail("too many temporary paths");
    tmp_paths[tmp_count] = strdup(path);
    if (!tmp_paths[tmp_count]) tmp_fail(path);
    return tmp_paths[tmp_count++];
}

void fixture_tmp_clean(void) {
    while (tmp_count > 0) {
        char *path = tmp_paths[--tmp_count];
        remove(path); /* may never have been created */
        free(path);
    }
    if (tmp_dir[0] && rmdir(tmp_dir) != 0) tmp_fail(tmp_dir);
    tmp_dir[0] = 0;
}
