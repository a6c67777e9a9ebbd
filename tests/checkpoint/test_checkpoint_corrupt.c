/* test_checkpoint_corrupt.c: every way a checkpoint can be wrong gets its
 * own message naming the file, and a failed load leaves the state as it
 * was. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint/files.h"
#include "checkpoint/state.h"
#include "test_util.h"

/* Offsets in the file (layout in checkpoint.h). */
#define CONFIG_AT 12
#define NAME_BYTES 64
#define EPOCHS_AT (CONFIG_AT + NAME_BYTES)
#define THREADS_AT (EPOCHS_AT + 2 * 4)
#define VAL_AT (EPOCHS_AT + 5 * 4)
#define LR_AT (EPOCHS_AT + 6 * 4)
#define MOMENTUM_AT (LR_AT + 4)
#define LOSS_AT (CONFIG_AT + NAME_BYTES + 6 * 4 + 2 * 4 + 8)
#define RECIPE_AT (LOSS_AT + 7 * 4 + 4 * 12)
#define DIR_LEN_AT (RECIPE_AT + 5 * 4)
/* the good file's data folder is "/data/1"; the mlp has 10 classes */
#define NAMES_AT (DIR_LEN_AT + 4 + 7)
#define LAYERS_AT (NAMES_AT + 4 + 10 * 64)
#define LAYER_BYTES 52

static char dir[64], path[128];
static uint8_t *good;     /* a valid mlp (Adam) checkpoint */
static size_t good_size;
static size_t n_params;   /* of the mlp */

/* How far the failure reaches. */
typedef enum {
    BAD_STATE, /* the full load fails; a params-only load may work */
    BAD_MODEL, /* every load fails */
    BAD_FILE,  /* every load and reading the config fail */
} failure;

/* A load into s must fail with "PATH: want" and leave s as it was. */
static void expect_failure(test_state *s, failure level, const char *want) {
    nn_err err = {""};
    char full[600];
    snprintf(full, sizeof full, "%s: %s", path, want);
    test_state before;
    CHECK(test_state_init(&before, s->cfg.model.name, s->opt.kind, s->capacity,
                          s->cursor.n_order, &err) == 0);
    test_state_copy(&before, s);
    nn_train_state v = test_state_view(s);
    CHECK(nn_checkpoint_load(path, &v, 0, &err) == -1);
    CHECK_CONTAINS(err.msg, full);
    if (level >= BAD_MODEL) CHECK(nn_checkpoint_load(path, &v, 1, &err) == -1);
    CHECK(test_state_diff(s, &before) == NULL);
    if (level == BAD_FILE) {
        nn_train_config cfg;
        memcpy(&cfg, &s->cfg, sizeof cfg);
        err.msg[0] = '\0';
        CHECK(nn_checkpoint_read_config(path, &cfg, NULL, &err) == -1);
        CHECK_CONTAINS(err.msg, full);
        CHECK(memcmp(&cfg, &s->cfg, sizeof cfg) == 0);
    }
    test_state_free(&before);
}

/* bytes (the good file cut or edited) written as the checkpoint: reading
 * it must fail. */
static void expect_bytes(test_state *s, const uint8_t *bytes, size_t n,
                         const char *want) {
    CHECK(test_write_file(path, bytes, n) == 0);
    expect_failure(s, BAD_FILE, want);
}

static void check_file_level(test_state *s) {
    char want[200];
    unlink(path);
    expect_failure(s, BAD_FILE, "cannot open: No such file or directory");
    expect_bytes(s, good, 0, "empty file (not an nntrain checkpoint)");
    expect_bytes(s, good, 10, "truncated: expected 2 more bytes for header");
    expect_bytes(s, (const uint8_t *)"0123456789", 10,
                 "not an nntrain checkpoint (bad magic)");
    uint8_t *b = malloc(good_size + 1);
    memcpy(b, good, good_size);
    b[3] ^= 0x20;
    expect_bytes(s, b, good_size, "not an nntrain checkpoint (bad magic)");
    memcpy(b, good, good_size);
    test_put_u32(b + 8, 7);
    test_fix_crc(b, good_size);
    expect_bytes(s, b, good_size,
                 "checkpoint format version 7 is not supported (expected 3)");
    memcpy(b, good, good_size);
    b[LAYERS_AT + 4 + 3 * LAYER_BYTES + 8 + 1000] ^= 0x01; /* a param */
    expect_bytes(s, b, good_size,
                 "checksum mismatch (file is corrupt or was modified)");
    memcpy(b, good, good_size);
    b[good_size] = 0;
    expect_bytes(s, b, good_size + 1,
                 "1 unexpected byte after the checksum (trailing garbage)");
    expect_bytes(s, good, 100,
                 "truncated: expected 112 more bytes for config");
    /* half way falls in the Adam m vector, after params, the (empty)
     * model state and 16 bytes */
    size_t m_end =
        LAYERS_AT + 4 + 3 * LAYER_BYTES + 8 + 4 * n_params + 8 + 4 * n_params + 16;
    snprintf(want, sizeof want, "truncated: expected %zu more bytes for "
             "optimizer state", m_end - good_size / 2);
    expect_bytes(s, good, good_size / 2, want);
    expect_bytes(s, good, good_size - 6,
                 "truncated: expected 2 more bytes for epoch position");
    expect_bytes(s, good, good_size - 1,
                 "truncated: expected 1 more byte for checksum");
    free(b);
}

/* Fields whose values are wrong while lengths and CRC are right. */
static void check_bad_values(test_state *s) {
    uint8_t *b = malloc(good_size);
    memcpy(b, good, good_size);
    test_put_u32(b + LOSS_AT, 7);
    test_fix_crc(b, good_size);
    expect_bytes(s, b, good_size, "config: loss 7 is out of range 0..1");
    /* values nntrain would never have written, each named with the
     * checkpoint rather than a flag the user never gave */
    static const struct {
        size_t at;
        uint32_t value;
        const char *want;
    } bad[] = {
        {THREADS_AT, 100000, "config: threads 100000 is out of range 1..1024"},
        {THREADS_AT, 0, "config: threads 0 is out of range 1..1024"},
        {EPOCHS_AT, 0, "config: epochs 0 is out of range 1..100000"},
        {EPOCHS_AT + 4, 0xffffffffu, "config: batch_size -1 is out of range"},
        {LR_AT, 0xbf800000u, "config: lr -1 is not a positive number"},
        {LR_AT, 0x7fc00000u, "config: lr nan is not a positive number"},
        {MOMENTUM_AT, 0x3f800000u, "config: momentum 1 is out of range [0, 1)"},
        {LOSS_AT + 5 * 4, 2, "config: precision 2 is out of range 0..1"},
        {LOSS_AT + 6 * 4, 2, "config: threads_changed 2 is out of range 0..1"},
        {DIR_LEN_AT + 4, 0, "config: data folder of 7 bytes is not a path"},
        {LOSS_AT + 4, 3, "config: optimizer 3 is out of range 0..2"},
        {RECIPE_AT, 0xbf800000u, "config: weight_decay -1 is not a number >= 0"},
        {RECIPE_AT, 0x7f800000u, "config: weight_decay inf is not a number >= 0"},
        {RECIPE_AT + 4, 3, "config: schedule 3 is out of range 0..2"},
        {RECIPE_AT + 8, 6, "config: warmup_epochs 6 is out of range 0..5"},
        {RECIPE_AT + 12, 17, "config: augment_crop 17 is out of range 0..16"},
        {RECIPE_AT + 12, 0xffffffffu, "config: augment_crop -1 is out of range 0..16"},
        {RECIPE_AT + 16, 2, "config: augment_flip 2 is out of range 0..1"},
        {VAL_AT, 0, "config: val 0 is out of range 1..1073741824"},
        {NAMES_AT + 4, 0, "class names: name 0 is empty"},
        {NAMES_AT + 4 + 64, 0x09, "class names: name 1 holds the control "
                                  "character 0x09"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        memcpy(b, good, good_size);
        test_put_u32(b + bad[i].at, bad[i].value);
        test_fix_crc(b, good_size);
        expect_bytes(s, b, good_size, bad[i].want);
    }
    memcpy(b, good, good_size);
    memset(b + NAMES_AT + 4 + 9 * 64, 'A', 64); /* no zero byte left */
    test_fix_crc(b, good_size);
    expect_bytes(s, b, good_size,
                 "class names: name 9 of 64 bytes is too long (at most 63)");
    memcpy(b, good, good_size);
    test_put_u32(b + good_size - 4 - 4 * (TEST_ORDER - 3), 99);
    test_fix_crc(b, good_size);
    expect_bytes(s, b, good_size,
                 "epoch position: order[3] = 99 is out of range 0..9");
    memcpy(b, good, good_size);
    test_put_u32(b + LAYERS_AT + 4 + 5 * 4, 0); /* layer 0 without ReLU */
    test_fix_crc(b, good_size);
    CHECK(test_write_file(path, b, good_size) == 0);
    expect_failure(s, BAD_MODEL,
                 "layer 0 dense: checkpoint 784x256 stride 0 pad 0, 1x28x28 "
                 "-> 256x1x1, model 784x256 stride 0 pad 0 relu, 1x28x28 -> "
                 "256x1x1");
    free(b);
}

static void check_odd_files(test_state *s) {
    unlink(path);
    CHECK(mkdir(path, 0777) == 0);
    expect_failure(s, BAD_FILE, "is a folder, expected an nntrain checkpoint");
    CHECK(rmdir(path) == 0);
    /* a FIFO with no writer: refused at once instead of blocking */
    CHECK(mkfifo(path, 0600) == 0);
    expect_failure(s, BAD_FILE, "is a FIFO, expected an nntrain checkpoint");
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0 && ftruncate(fd, (2ll << 30) + 1) == 0); /* sparse */
    close(fd);
    expect_failure(s, BAD_FILE, "2147483649 bytes is too large for an "
                   "nntrain checkpoint (at most 2 GiB)");
    unlink(path);
}

/* A valid file into a state built differently. */
static void expect_mismatch(const test_state *src, const char *model,
                            nn_optim_kind optim, int epochs, int n_order,
                            failure level, const char *want) {
    nn_err err = {""};
    test_state dst;
    CHECK(test_state_init(&dst, model, optim, epochs, n_order, &err) == 0);
    test_state_fill(&dst, 99);
    nn_train_state v = test_state_view((test_state *)src);
    CHECK(nn_checkpoint_save(path, &v, &err) == 0);
    expect_failure(&dst, level, want);
    test_state_free(&dst);
}

static void check_mismatches(void) {
    nn_err err = {""};
    test_state mlp, cnn, sgd;
    CHECK(test_state_init(&mlp, "mlp", NN_OPTIM_ADAM, TEST_EPOCHS, TEST_ORDER,
                          &err) == 0);
    CHECK(test_state_init(&cnn, "cnn", NN_OPTIM_ADAM, TEST_EPOCHS, TEST_ORDER,
                          &err) == 0);
    CHECK(test_state_init(&sgd, "tiny", NN_OPTIM_SGD, TEST_EPOCHS, TEST_ORDER,
                          &err) == 0);
    test_state_fill(&mlp, 1);
    test_state_fill(&cnn, 2);
    test_state_fill(&sgd, 3);
    expect_mismatch(&mlp, "cnn", NN_OPTIM_ADAM, TEST_EPOCHS, TEST_ORDER,
                    BAD_MODEL, "checkpoint has 3 layers, model cnn has 6");
    expect_mismatch(&mlp, "mlp-narrow", NN_OPTIM_ADAM, TEST_EPOCHS,
                    TEST_ORDER, BAD_MODEL,
                    "layer 1 dense: checkpoint 256x128, model 256x64");
    expect_mismatch(&cnn, "cnn-narrow", NN_OPTIM_ADAM, TEST_EPOCHS,
                    TEST_ORDER, BAD_MODEL,
                    "layer 0 conv: checkpoint 1->32 3x3, model 1->16 3x3");
    expect_mismatch(&cnn, "dense6", NN_OPTIM_ADAM, TEST_EPOCHS, TEST_ORDER,
                    BAD_MODEL, "layer 0: checkpoint conv, model dense");
    expect_mismatch(&sgd, "tiny", NN_OPTIM_ADAM, TEST_EPOCHS, TEST_ORDER,
                    BAD_STATE, "optimizer: checkpoint sgd, state adam");
    expect_mismatch(&sgd, "tiny", NN_OPTIM_SGD, 2, TEST_ORDER, BAD_STATE,
                    "3 epochs done, more than the 2 the history holds");
    expect_mismatch(&sgd, "tiny", NN_OPTIM_SGD, TEST_EPOCHS, TEST_ORDER + 2,
                    BAD_STATE,
                    "epoch position: checkpoint orders 10 images, state 12");
    test_state_free(&mlp);
    test_state_free(&cnn);
    test_state_free(&sgd);
}

int main(void) {
    nn_err err = {""};
    if (test_make_dir(dir, sizeof dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/run.ckpt", dir);
    test_state src, dst;
    CHECK(test_state_init(&src, "mlp", NN_OPTIM_ADAM, TEST_EPOCHS, TEST_ORDER,
                          &err) == 0);
    CHECK(test_state_init(&dst, "mlp", NN_OPTIM_ADAM, TEST_EPOCHS, TEST_ORDER,
                          &err) == 0);
    test_state_fill(&src, 1);
    test_state_fill(&dst, 2);
    n_params = src.model.n_params;
    nn_train_state v = test_state_view(&src);
    CHECK(nn_checkpoint_save(path, &v, &err) == 0);
    good = test_read_file(path, &good_size);
    CHECK(good != NULL);

    check_file_level(&dst);
    check_bad_values(&dst);
    check_odd_files(&dst);
    check_mismatches();

    free(good);
    test_state_free(&src);
    test_state_free(&dst);
    test_remove_dir(dir);
    return test_summary();
}
