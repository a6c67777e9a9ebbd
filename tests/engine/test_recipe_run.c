/* test_recipe_run.c: the recipe options inside the trainer, on real
 * Fashion-MNIST (640 training images, mlp; skipped (77) without the data):
 *   - AdamW + warmup + cosine + crop and flip: a run stopped in the middle
 *     of epoch 2 and resumed from its checkpoint ends with the same
 *     weights and the same per-epoch numbers (lr included) as a straight
 *     run, bit for bit;
 *   - each epoch's lr is the schedule's at the epoch's last step;
 *   - the augmentation reaches training (train loss differs from a run
 *     without it) but not evaluation (the test set at the initial weights
 *     gives the same loss with and without it);
 *   - a resume may not change --epochs of a cosine run. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schedule.h"
#include "test_util.h"
#include "trainer.h"

#define SKIP 77
#define DATA "/usr/share/datasets/fashion-mnist"
#define EPOCHS 3
#define STEPS 10 /* 640 images / 64 */

static char dir[64];

static nn_train_config recipe(const char *out) {
    nn_train_config c;
    nn_train_config_default(&c);
    nn_err model_err;
    CHECK(nn_model_builtin(&c.model, "mlp", &model_err) == 0);
    snprintf(c.data_dir, sizeof c.data_dir, "%s", DATA);
    snprintf(c.out_dir, sizeof c.out_dir, "%s", out);
    c.epochs = EPOCHS, c.limit = 640, c.threads = 2, c.save_every = 1;
    c.optim = NN_OPTIM_ADAMW, c.weight_decay = 0.05f, c.lr = 0.003f;
    c.schedule = NN_SCHEDULE_COSINE, c.warmup_epochs = 1;
    c.augment_crop = 2, c.augment_flip = 1;
    return c;
}

/* Stops the run after batch 4 of epoch 2. */
static void stop_mid_epoch(const nn_progress *p, void *ctx) {
    volatile int *stop = ctx;
    if (p->epoch == 2 && p->batch == 4 && !p->epoch_done) *stop = 1;
}

typedef struct {
    nn_epoch_metrics history[EPOCHS];
    float *params;
    size_t n;
} outcome;

static void keep(outcome *o, const nn_trainer *t) {
    const nn_model *m = nn_trainer_model(t);
    memcpy(o->history, nn_trainer_history(t), sizeof o->history);
    o->n = m->n_params;
    o->params = malloc(o->n * sizeof(float));
    memcpy(o->params, m->params, o->n * sizeof(float));
}

static int same_numbers(const outcome *a, const outcome *b) {
    int same = a->n == b->n &&
               memcmp(a->params, b->params, a->n * sizeof(float)) == 0;
    for (int e = 0; e < EPOCHS; e++) {
        const nn_epoch_metrics *x = &a->history[e], *y = &b->history[e];
        same &= x->train_loss == y->train_loss && x->val_loss == y->val_loss &&
                x->train_acc == y->train_acc && x->val_acc == y->val_acc &&
                x->lr == y->lr;
    }
    return same;
}

static int straight(const nn_train_config *c, outcome *o, nn_err *err) {
    nn_trainer *t;
    if (nn_trainer_create(&t, c, err)) return -1;
    int rc = nn_trainer_run(t, NULL, NULL, NULL, err);
    if (!rc) keep(o, t);
    nn_trainer_free(t);
    return rc;
}

static void test_resume(void) {
    char a[128], b[128], ckpt[160];
    snprintf(a, sizeof a, "%s/straight", dir);
    snprintf(b, sizeof b, "%s/stopped", dir);
    nn_train_config c = recipe(a);
    nn_err err = {""};
    outcome whole, resumed;
    CHECK(straight(&c, &whole, &err) == 0);
    for (int e = 0; e < EPOCHS; e++) {
        float want = nn_schedule_lr(&c, STEPS, (e + 1) * STEPS - 1);
        CHECK(whole.history[e].lr == want);
        printf("epoch %d: train loss %.6f, lr %g\n", e + 1,
               whole.history[e].train_loss, whole.history[e].lr);
    }
    CHECK(whole.history[0].lr == c.lr); /* the warmup's end */
    CHECK(whole.history[2].lr < c.lr * 0.05f);

    c = recipe(b);
    nn_trainer *t;
    volatile int stop = 0;
    CHECK(nn_trainer_create(&t, &c, &err) == 0);
    CHECK(nn_trainer_run(t, stop_mid_epoch, (void *)&stop, &stop, &err) == 1);
    nn_trainer_free(t);
    snprintf(ckpt, sizeof ckpt, "%s/%s", b, NN_CHECKPOINT_FILE);
    nn_open_opts o = {0, 0, NULL, 0, 0, NULL};
    CHECK(nn_trainer_open(&t, ckpt, &o, &err) == 0);
    if (err.msg[0]) fprintf(stderr, "%s\n", err.msg);
    CHECK(nn_trainer_epochs_done(t) == 1);
    CHECK(nn_trainer_run(t, NULL, NULL, NULL, &err) == 0);
    keep(&resumed, t);
    nn_trainer_free(t);
    int same = same_numbers(&whole, &resumed);
    printf("stopped in epoch 2 and resumed = straight run: %s\n",
           same ? "yes" : "NO");
    CHECK(same);

    /* a cosine run's length is part of its schedule */
    nn_open_opts longer = {EPOCHS + 1, 0, NULL, 0, 0, NULL};
    err.msg[0] = '\0';
    CHECK(nn_trainer_open(&t, ckpt, &longer, &err) == -1);
    CHECK_CONTAINS(err.msg, "--epochs 4: the run in ");
    CHECK_CONTAINS(err.msg, "follows the cosine schedule over its 3 epochs");
    free(whole.params);
    free(resumed.params);
}

static void test_augment_scope(void) {
    nn_train_config with = recipe(""), without = recipe("");
    without.augment_crop = 0, without.augment_flip = 0;
    with.epochs = without.epochs = 1;
    with.warmup_epochs = without.warmup_epochs = 0;
    nn_err err = {""};
    nn_trainer *t[2];
    CHECK(nn_trainer_create(&t[0], &with, &err) == 0);
    CHECK(nn_trainer_create(&t[1], &without, &err) == 0);
    double loss[2], acc[2], train[2];
    static long confusion[10 * 10];
    for (int i = 0; i < 2; i++) {
        CHECK(nn_trainer_test(t[i], &loss[i], &acc[i], confusion, &err) == 0);
        CHECK(nn_trainer_run(t[i], NULL, NULL, NULL, &err) == 0);
        train[i] = nn_trainer_history(t[i])[0].train_loss;
        nn_trainer_free(t[i]);
    }
    printf("test loss at init with / without augmentation: %.9g / %.9g; "
           "train loss of epoch 1: %.6f / %.6f\n", loss[0], loss[1],
           train[0], train[1]);
    CHECK(loss[0] == loss[1] && acc[0] == acc[1]);
    CHECK(train[0] != train[1]);
}

int main(void) {
    if (access(DATA, R_OK) != 0) {
        printf("skipped: %s not installed\n", DATA);
        return SKIP;
    }
    snprintf(dir, sizeof dir, "/tmp/nn_recipe_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_resume();
    test_augment_scope();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return test_summary();
}
