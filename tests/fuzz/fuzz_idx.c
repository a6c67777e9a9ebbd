/* fuzz_idx.c: libFuzzer target for the IDX readers: each input is written to
 * one temporary file (made once per process) and read as images and as
 * labels; whatever comes back is freed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn_data.h"

static char path[64];

static void remove_input(void) { unlink(path); }

static const char *input_path(void) {
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/fuzz_idx_XXXXXX");
        int fd = mkstemp(path);
        if (fd < 0) {
            perror("fuzz_idx: mkstemp");
            abort();
        }
        close(fd);
        atexit(remove_input);
    }
    return path;
}

/* A failed read must leave no buffer and say why, path first. */
static void check_failure(const uint8_t *bytes, const nn_err *err) {
    if (bytes || strncmp(err->msg, path, strlen(path)) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *file = input_path();
    FILE *f = fopen(file, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror("fuzz_idx: cannot write the input file");
        abort();
    }
    nn_err err = {""};
    uint8_t *bytes;
    int n, rows, cols;
    if (nn_idx_read_images(file, &bytes, &n, &rows, &cols, &err) == 0) {
        if (!bytes || n < 1 || rows < 1 || cols < 1) abort();
        free(bytes);
    } else {
        check_failure(bytes, &err);
    }
    err.msg[0] = 0;
    if (nn_idx_read_labels(file, &bytes, &n, &err) == 0) {
        if (!bytes || n < 1) abort();
        free(bytes);
    } else {
        check_failure(bytes, &err);
    }
    return 0;
}
