/* files.c: whole-file reads and writes and byte edits (see files.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "files.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <zlib.h>

uint8_t *test_read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct stat st;
    uint8_t *buf = NULL;
    if (fstat(fileno(f), &st) == 0 && (buf = malloc((size_t)st.st_size + 1)) &&
        fread(buf, 1, (size_t)st.st_size, f) == (size_t)st.st_size) {
        *size = (size_t)st.st_size;
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

int test_write_file(const char *path, const void *bytes, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fwrite(bytes, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

int test_make_dir(char *dir, size_t size) {
    snprintf(dir, size, "/tmp/nn_ckpt_test_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *st, int type,
                        struct FTW *ftw) {
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

int test_remove_dir(const char *dir) {
    return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void test_put_u32(uint8_t *b, uint32_t x) {
    for (int i = 0; i < 4; i++) b[i] = (uint8_t)(x >> (8 * i));
}

void test_fix_crc(uint8_t *bytes, size_t n) {
    uLong crc = crc32(crc32(0L, Z_NULL, 0), bytes, (uInt)(n - 4));
    test_put_u32(bytes + n - 4, (uint32_t)crc);
}
