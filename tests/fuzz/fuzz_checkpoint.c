/* fuzz_checkpoint.c: libFuzzer target for the checkpoint reader. Each input
 * is written to one temporary file (made once per process) twice: as it is,
 * and with its last 4 bytes replaced by the CRC32 of the rest, so that
 * mutations reach the checks behind the checksum. Each time the config is
 * read and the file is loaded, whole and params-only, into a tiny and an mlp
 * state (tests/checkpoint/state.h). A failure must name the file and leave
 * the tiny state as it was (the mlp state is not compared: too slow). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "checkpoint.h"
#include "checkpoint/state.h"

enum { TINY, MLP, N_STATES };

static char path[64];
static test_state states[N_STATES];
static test_state tiny_before; /* what the tiny state must still hold */

static void remove_input(void) { unlink(path); }

static void die(const char *why) {
    fprintf(stderr, "fuzz_checkpoint: %s\n", why);
    abort();
}

static void setup(void) {
    snprintf(path, sizeof path, "/tmp/fuzz_checkpoint_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) die("mkstemp failed");
    close(fd);
    atexit(remove_input);
    nn_err err = {""};
    if (test_state_init(&states[TINY], "tiny", NN_OPTIM_ADAM, TEST_EPOCHS,
                        TEST_ORDER, &err) ||
        test_state_init(&tiny_before, "tiny", NN_OPTIM_ADAM, TEST_EPOCHS,
                        TEST_ORDER, &err) ||
        test_state_init(&states[MLP], "mlp", NN_OPTIM_ADAM, TEST_EPOCHS,
                        TEST_ORDER, &err))
        die(err.msg);
}

/* Written in place, then cut to size: truncating to zero first would make
 * ext4 flush the file to disk at every close (auto_da_alloc), 30x slower. */
static void write_input(const uint8_t *data, size_t size) {
    int fd = open(path, O_WRONLY);
    if (fd < 0 || pwrite(fd, data, size, 0) != (ssize_t)size ||
        ftruncate(fd, (off_t)size) != 0 || close(fd) != 0)
        die("cannot write the input file");
}

static void check_failure(const nn_err *err) {
    if (strncmp(err->msg, path, strlen(path)) != 0)
        die("an error does not name the file");
}

static void try_config(void) {
    nn_err err = {""};
    nn_train_config cfg;
    if (nn_checkpoint_read_config(path, &cfg, NULL, &err) != 0) {
        check_failure(&err);
        return;
    }
    if (!memchr(cfg.model.name, 0, sizeof cfg.model.name) ||
        !memchr(cfg.data_dir, 0, sizeof cfg.data_dir) ||
        nn_train_config_check(&cfg, NULL) != 0 ||
        (unsigned)cfg.loss > NN_LOSS_CROSS_ENTROPY ||
        (unsigned)cfg.optim > NN_OPTIM_ADAMW)
        die("read_config returned a config it should have refused");
}

/* After a successful load the state's config goes back to its own, as the
 * trainer does: the history keeps its capacity. */
static void try_load(int which, int params_only) {
    test_state *t = &states[which];
    nn_train_config own;
    memcpy(&own, &t->cfg, sizeof own);
    nn_train_state v = test_state_view(t);
    nn_err err = {""};
    if (nn_checkpoint_load(path, &v, params_only, &err) == 0) {
        memcpy(&t->cfg, &own, sizeof own);
        if (which == TINY) test_state_copy(&tiny_before, t);
        return;
    }
    check_failure(&err);
    if (which == TINY && test_state_diff(t, &tiny_before))
        die("a failed load changed the state");
}

static void try_file(const uint8_t *data, size_t size) {
    write_input(data, size);
    try_config();
    for (int i = 0; i < N_STATES; i++) {
        try_load(i, 0);
        try_load(i, 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!path[0]) setup();
    try_file(data, size);
    if (size < 4) return 0;
    uint8_t *fixed = malloc(size);
    if (!fixed) die("out of memory");
    memcpy(fixed, data, size);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), fixed, (uInt)(size - 4));
    for (int i = 0; i < 4; i++) fixed[size - 4 + i] = (uint8_t)(crc >> (8 * i));
    try_file(fixed, size);
    free(fixed);
    return 0;
}
