/* test_images.c: images to classify: PGM pictures (good and broken) and
 * IDX files, with the messages `nntrain predict` prints. */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_data.h"
#include "test_util.h"

static char dir[] = "/tmp/nntrain-img-XXXXXX";
static char path[256];

/* A file holding head then n bytes of value v. */
static const char *file(const char *name, const char *head, size_t n, int v) {
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fputs(head, f);
    for (size_t i = 0; i < n; i++) fputc(v, f);
    fclose(f);
    return path;
}

/* Loads p as 28x28 images; returns the error ("" on success). */
static const char *load(const char *p, int *n, float *first) {
    static nn_err err;
    float *images;
    err.msg[0] = '\0';
    int rc = nn_images_load(p, 28, 28, &images, n, &err);
    if (!rc) {
        *first = images[0];
        free(images);
    }
    return err.msg;
}

int main(void) {
    int n = 0;
    float px = 0;
    if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
    CHECK(!strcmp(load(file("ok.pgm", "P5\n# a comment\n28 28\n255\n", 784,
                            51), &n, &px), ""));
    CHECK(n == 1 && px == 51 / 255.0f);
    CHECK(!strcmp(load(file("m15.pgm", "P5 28 28 15 ", 784, 15), &n, &px),
                  ""));
    CHECK(px == 1.0f); /* scaled by maxval */
    /* plain IDX (not gzipped), 2 images */
    CHECK(!strcmp(load(file("two.idx", "", 0, 0), &n, &px), "") == 0);
    FILE *f = fopen(file("two.idx", "", 0, 0), "wb");
    const unsigned char head[16] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28,
                                    0, 0, 0, 28};
    fwrite(head, 1, 16, f);
    for (int i = 0; i < 2 * 784; i++) fputc(255, f);
    fclose(f);
    CHECK(!strcmp(load(path, &n, &px), "") && n == 2 && px == 1.0f);
    CHECK_CONTAINS(load(file("p2.pgm", "P2\n28 28\n255\n", 10, '1'), &n, &px),
                   "p2.pgm: PGM/PNM type P2 is not supported (expected "
                   "binary 8-bit P5)");
    CHECK_CONTAINS(load(file("p9.pgm", "P9\n", 10, 0), &n, &px),
                   "p9.pgm: not a PGM file (expected magic P5)");
    CHECK_CONTAINS(load(file("16bit.pgm", "P5\n28 28\n65535\n", 1568, 0), &n,
                        &px),
                   "16bit.pgm: PGM maxval above 255 is not supported "
                   "(expected 1..255)");
    CHECK_CONTAINS(load(file("w0.pgm", "P5\n0 28\n255\n", 0, 0), &n, &px),
                   "w0.pgm: PGM width 0 is not supported (expected 1..4096)");
    CHECK_CONTAINS(load(file("nohead.pgm", "P5\n28\n", 0, 0), &n, &px),
                   "nohead.pgm: bad PGM header (expected the height)");
    CHECK_CONTAINS(load(file("short.pgm", "P5\n28 28\n255\n", 700, 0), &n,
                        &px),
                   "short.pgm: PGM data too short (expected 784 bytes of "
                   "pixels for 28x28, found 700)");
    CHECK_CONTAINS(load(file("long.pgm", "P5\n28 28\n255\n", 790, 0), &n,
                        &px),
                   "long.pgm: PGM data too long (expected 784 bytes of "
                   "pixels for 28x28, found 790)");
    CHECK_CONTAINS(load(file("32.pgm", "P5\n32 32\n255\n", 1024, 0), &n,
                        &px),
                   "32.pgm: images are 32x32, the model expects 28x28");
    CHECK_CONTAINS(load("/nonexistent.pgm", &n, &px),
                   "/nonexistent.pgm: cannot open: No such file or "
                   "directory");
    CHECK_CONTAINS(load(dir, &n, &px),
                   ": is a folder, expected an IDX or PGM image file");
    /* a FIFO with no writer is refused at once, not waited on */
    char fifo[300];
    snprintf(fifo, sizeof fifo, "%s/fifo.pgm", dir);
    CHECK(mkfifo(fifo, 0600) == 0);
    CHECK_CONTAINS(load(fifo, &n, &px),
                   "fifo.pgm: is a FIFO, expected an IDX or PGM image file");
    CHECK_CONTAINS(load(file("text.txt", "hello", 0, 0), &n, &px),
                   "text.txt: not a gzip file and not an IDX file");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return test_summary();
}
