/* make_ckpt_corpus.c: writes the seeds of the checkpoint fuzz target into
 * DIR: valid checkpoints of the tiny model (Adam, SGD, AdamW) and a
 * truncated one.
 * Usage: make_ckpt_corpus DIR */
#include <stdio.h>
#include <stdlib.h>

#include "checkpoint/files.h"
#include "checkpoint/state.h"

static int write_seed(const char *dir, const char *name, nn_optim_kind optim,
                      nn_err *err) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    test_state s;
    if (test_state_init(&s, "tiny", optim, TEST_EPOCHS, TEST_ORDER, err))
        return -1;
    test_state_fill(&s, 42);
    nn_train_state v = test_state_view(&s);
    int rc = nn_checkpoint_save(path, &v, err);
    test_state_free(&s);
    return rc;
}

/* The first half of a valid seed. */
static int write_truncated(const char *dir, const char *from,
                           const char *name, nn_err *err) {
    char src[1024], dst[1024];
    snprintf(src, sizeof src, "%s/%s", dir, from);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    size_t n = 0;
    uint8_t *b = test_read_file(src, &n);
    int rc = b && test_write_file(dst, b, n / 2) == 0 ? 0 : -1;
    free(b);
    return rc ? nn_errf(err, "%s: cannot write", dst) : 0;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: make_ckpt_corpus DIR\n");
        return 2;
    }
    nn_err err = {""};
    if (write_seed(argv[1], "tiny-adam.ckpt", NN_OPTIM_ADAM, &err) ||
        write_seed(argv[1], "tiny-sgd.ckpt", NN_OPTIM_SGD, &err) ||
        write_seed(argv[1], "tiny-adamw.ckpt", NN_OPTIM_ADAMW, &err) ||
        write_truncated(argv[1], "tiny-adam.ckpt", "tiny-adam-half.ckpt",
                        &err)) {
        fprintf(stderr, "make_ckpt_corpus: %s\n", err.msg);
        return 1;
    }
    return 0;
}
