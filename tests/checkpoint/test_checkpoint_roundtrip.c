/* test_checkpoint_roundtrip.c: what is saved comes back bit for bit (mlp,
 * cnn, tiny; Adam and SGD), the byte layout is the documented one, and a
 * params-only load touches nothing but the params. */
#include <stdlib.h>
#include <string.h>

#include "checkpoint/files.h"
#include "checkpoint/state.h"
#include "test_util.h"

static char dir[64], path[128];

static void check_same(const test_state *a, const test_state *b) {
    const char *part = test_state_diff(a, b);
    if (part) fprintf(stderr, "states differ in %s\n", part);
    CHECK(part == NULL);
}

static uint32_t u32_at(const uint8_t *b) {
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

/* Size from the layout in checkpoint.h, and a few fields at their offsets. */
static void check_layout(const test_state *s) {
    size_t n = s->model.n_params, size = 0;
    uint8_t *b = test_read_file(path, &size);
    CHECK(b != NULL);
    if (!b) return;
    size_t layers = 4 + 52 * (size_t)s->model.n_layers;
    size_t state = 8 + 4 * s->model.n_state;
    size_t opt = 16 + 4 * n * (s->opt.v ? 2 : 1);
    size_t progress = 4 + 32 + 8 + 48 * (size_t)s->epochs_done + 40 +
                      4 * (size_t)s->cursor.n_order;
    size_t dir_len = strlen(s->cfg.data_dir);
    size_t names = 4 + 64 * (size_t)s->cfg.names.n;
    size_t config = 64 + 6 * 4 + 2 * 4 + 8 + 7 * 4 + 4 * 12 + 5 * 4 + 4 +
                    dir_len;
    size_t at = 12 + config + names; /* the layer table */
    CHECK(size == at + layers + 8 + 4 * n + state + opt + progress + 4);
    CHECK(memcmp(b, "NNTCKPT1", 8) == 0);
    CHECK(u32_at(b + 8) == 3);                           /* version */
    CHECK(memcmp(b + 12, s->cfg.model.name, strlen(s->cfg.model.name) + 1) == 0);
    CHECK(u32_at(b + 76) == (uint32_t)s->cfg.epochs);    /* after model */
    CHECK(u32_at(b + 96) == (uint32_t)s->cfg.val);       /* after save_every */
    const uint8_t *recipe = b + at - names - dir_len - 4 - 5 * 4;
    float wd;
    memcpy(&wd, recipe, 4); /* the build's floats are little-endian too */
    CHECK(wd == s->cfg.weight_decay);
    CHECK(u32_at(recipe + 4) == (uint32_t)s->cfg.schedule);
    CHECK(u32_at(recipe + 8) == (uint32_t)s->cfg.warmup_epochs);
    CHECK(u32_at(recipe + 12) == (uint32_t)s->cfg.augment_crop);
    CHECK(u32_at(recipe + 16) == (uint32_t)s->cfg.augment_flip);
    CHECK(u32_at(b + at - names - dir_len - 4) == dir_len); /* data folder */
    CHECK(memcmp(b + at - names - dir_len, s->cfg.data_dir, dir_len) == 0);
    CHECK(u32_at(b + at - names) == (uint32_t)s->cfg.names.n);
    const char *last = (const char *)b + at - 64;         /* zero-padded */
    CHECK(strcmp(last, s->cfg.names.name[s->cfg.names.n - 1]) == 0);
    CHECK(last[63] == 0);
    CHECK(u32_at(b + at) == (uint32_t)s->model.n_layers);
    CHECK(u32_at(b + at + layers) == (uint32_t)n);       /* n_params, low */
    CHECK(u32_at(b + at + layers + 4) == 0);             /* n_params, high */
    free(b);
}

static void roundtrip(const char *model, nn_optim_kind optim, uint64_t seed) {
    nn_err err = {""};
    test_state src, dst;
    CHECK(test_state_init(&src, model, optim, TEST_EPOCHS, TEST_ORDER, &err)
          == 0);
    CHECK(test_state_init(&dst, model, optim, TEST_EPOCHS, TEST_ORDER, &err)
          == 0);
    test_state_fill(&src, seed);
    nn_train_state sv = test_state_view(&src), dv = test_state_view(&dst);
    CHECK(nn_checkpoint_save(path, &sv, &err) == 0);
    CHECK(nn_checkpoint_load(path, &dv, 0, &err) == 0);
    if (err.msg[0]) fprintf(stderr, "%s\n", err.msg);
    check_same(&src, &dst);
    CHECK(dst.opt.step == 3 && dst.epochs_done == 3);
    nn_train_config cfg;
    memset(&cfg, 0xAA, sizeof cfg);
    int done = -1;
    CHECK(nn_checkpoint_read_config(path, &cfg, &done, &err) == 0);
    CHECK(memcmp(&cfg, &src.cfg, sizeof cfg) == 0);
    CHECK(done == src.epochs_done);
    check_layout(&src);
    test_state_free(&src);
    test_state_free(&dst);
}

/* Saving what was loaded gives the same bytes. */
static void check_resave_identical(void) {
    nn_err err = {""};
    test_state s;
    char again[160];
    snprintf(again, sizeof again, "%s/again.ckpt", dir);
    CHECK(test_state_init(&s, "mlp", NN_OPTIM_ADAM, TEST_EPOCHS, TEST_ORDER,
                          &err) == 0);
    test_state_fill(&s, 7);
    nn_train_state v = test_state_view(&s);
    CHECK(nn_checkpoint_save(path, &v, &err) == 0);
    CHECK(nn_checkpoint_load(path, &v, 0, &err) == 0);
    CHECK(nn_checkpoint_save(again, &v, &err) == 0);
    size_t n1 = 0, n2 = 0;
    uint8_t *a = test_read_file(path, &n1), *b = test_read_file(again, &n2);
    CHECK(a && b && n1 == n2 && memcmp(a, b, n1) == 0);
    free(a);
    free(b);
    test_state_free(&s);
}

static void check_params_only(void) {
    nn_err err = {""};
    test_state src, dst, before;
    CHECK(test_state_init(&src, "cnn", NN_OPTIM_ADAM, TEST_EPOCHS, TEST_ORDER,
                          &err) == 0);
    CHECK(test_state_init(&dst, "cnn", NN_OPTIM_ADAM, TEST_EPOCHS, TEST_ORDER,
                          &err) == 0);
    CHECK(test_state_init(&before, "cnn", NN_OPTIM_ADAM, TEST_EPOCHS,
                          TEST_ORDER, &err) == 0);
    test_state_fill(&src, 11);
    test_state_fill(&dst, 12);
    test_state_copy(&before, &dst);
    nn_train_state sv = test_state_view(&src), dv = test_state_view(&dst);
    CHECK(nn_checkpoint_save(path, &sv, &err) == 0);
    CHECK(nn_checkpoint_load(path, &dv, 1, &err) == 0);
    size_t n = src.model.n_params;
    CHECK(memcmp(dst.model.params, src.model.params, n * sizeof(float)) == 0);
    /* everything else is dst's own: put the params back and compare */
    memcpy(dst.model.params, before.model.params, n * sizeof(float));
    check_same(&dst, &before);
    test_state_free(&src);
    test_state_free(&dst);
    test_state_free(&before);
}

int main(void) {
    if (test_make_dir(dir, sizeof dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/run.ckpt", dir);
    roundtrip("mlp", NN_OPTIM_ADAM, 1);
    roundtrip("cnn", NN_OPTIM_SGD, 2);
    roundtrip("tiny", NN_OPTIM_ADAM, 3);
    roundtrip("mlp", NN_OPTIM_ADAMW, 6);
    roundtrip("every-kind", NN_OPTIM_ADAM, 7); /* running statistics */
    check_resave_identical();
    check_params_only();
    test_remove_dir(dir);
    return test_summary();
}
