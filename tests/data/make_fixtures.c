/* make_fixtures.c: writes the small valid Fashion-MNIST-shaped set of
 * data/fixtures (100 train + 20 test images, 28x28, pattern of fixture.h).
 * Usage: make_fixtures DIR */
#include <stdio.h>
#include <stdlib.h>

#include "fixture.h"
#include "nn_data.h"

/* Builds one images file and its labels and writes both gzipped. */
static int write_pair(const char *dir, const char *images_name,
                      const char *labels_name, int n, int first) {
    char path[4096];
    size_t len;
    int rc = -1;
    uint8_t *images = fixture_images(&len, n, FIXTURE_SIDE, FIXTURE_SIDE,
                                     first);
    snprintf(path, sizeof path, "%s/%s", dir, images_name);
    if (images && fixture_write_gz(path, images, len) == 0) {
        uint8_t *labels = fixture_labels(&len, n, first);
        snprintf(path, sizeof path, "%s/%s", dir, labels_name);
        if (labels && fixture_write_gz(path, labels, len) == 0) rc = 0;
        free(labels);
    }
    free(images);
    return rc;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR (writes the four fixture files)\n",
                argv[0]);
        return 2;
    }
    if (write_pair(argv[1], NN_TRAIN_IMAGES, NN_TRAIN_LABELS, FIXTURE_TRAIN_N,
                   0) ||
        write_pair(argv[1], NN_TEST_IMAGES, NN_TEST_LABELS, FIXTURE_TEST_N,
                   FIXTURE_TEST_FIRST))
        return 1;
    printf("wrote %d train and %d test images to %s\n", FIXTURE_TRAIN_N,
           FIXTURE_TEST_N, argv[1]);
    return 0;
}
