/* test_schedule.c: nn_schedule_lr against its closed forms (schedule.h) at
 * the steps where something happens: warmup start and end, the first step
 * after it, the cosine's middle and end, the step schedule's milestones;
 * and that it is a pure function of (config, step), so a resumed run that
 * knows its step continues it exactly. PyTorch's schedulers are compared
 * in tests/parity/test_recipe.py. */
#include "schedule.h"
#include "test_util.h"

#define PI 3.14159265358979323846
#define S 7 /* steps per epoch */

static nn_train_config run(nn_schedule_kind kind, int epochs, int warmup) {
    nn_train_config c;
    nn_train_config_default(&c);
    c.lr = 0.1f, c.schedule = kind, c.epochs = epochs;
    c.warmup_epochs = warmup;
    return c;
}

/* The rate of step as a multiple of the configured lr (compared within
 * 1e-7: the rate is a float). */
static double lr_at(const nn_train_config *c, long step) {
    return nn_schedule_lr(c, S, step) / c->lr;
}

static void test_constant(void) {
    nn_train_config c = run(NN_SCHEDULE_CONSTANT, 10, 0);
    for (long s = 0; s < 10 * S; s++) CHECK(nn_schedule_lr(&c, S, s) == c.lr);
}

/* warmup 2 of 10 epochs: W = 14 */
static void test_warmup(void) {
    for (int k = NN_SCHEDULE_CONSTANT; k <= NN_SCHEDULE_STEP; k++) {
        nn_train_config c = run((nn_schedule_kind)k, 10, 2);
        CHECK_CLOSE(lr_at(&c, 0), 1 / 14.0, 1e-7);
        CHECK_CLOSE(lr_at(&c, 6), 7 / 14.0, 1e-7);
        CHECK_CLOSE(lr_at(&c, 13), 1, 1e-7);  /* last warmup step */
        CHECK_CLOSE(lr_at(&c, 14), 1, 1e-7);  /* first after: all agree */
        for (long s = 1; s < 14; s++) CHECK(lr_at(&c, s) > lr_at(&c, s - 1));
    }
    /* warmup over the whole run */
    nn_train_config c = run(NN_SCHEDULE_COSINE, 3, 3);
    CHECK_CLOSE(lr_at(&c, 3 * S - 1), 1, 1e-7);
}

static void test_cosine(void) {
    nn_train_config c = run(NN_SCHEDULE_COSINE, 10, 0); /* T = 70 */
    CHECK_CLOSE(lr_at(&c, 0), 1, 1e-7);
    CHECK_CLOSE(lr_at(&c, 35), 0.5, 1e-7);
    CHECK_CLOSE(lr_at(&c, 69), 0.5 * (1 + cos(PI * 69 / 70)), 1e-7);
    CHECK(lr_at(&c, 69) < 1e-3); /* ~0 at the end */
    c = run(NN_SCHEDULE_COSINE, 10, 2);  /* W = 14, T - W = 56 */
    CHECK_CLOSE(lr_at(&c, 14 + 28), 0.5, 1e-7);
    CHECK_CLOSE(lr_at(&c, 14 + 14), 0.5 * (1 + cos(PI / 4)), 1e-7);
    for (long s = 15; s < 70; s++) CHECK(lr_at(&c, s) < lr_at(&c, s - 1));
}

/* milestones at 50% and 75%: 10 epochs -> epochs 5 and 8 (7.5 rounds up) */
static void test_step(void) {
    nn_train_config c = run(NN_SCHEDULE_STEP, 10, 0);
    CHECK_CLOSE(lr_at(&c, 5 * S - 1), 1, 1e-7);
    CHECK_CLOSE(lr_at(&c, 5 * S), 0.1, 1e-7);
    CHECK_CLOSE(lr_at(&c, 8 * S - 1), 0.1, 1e-7);
    CHECK_CLOSE(lr_at(&c, 8 * S), 0.01, 1e-7);
    CHECK_CLOSE(lr_at(&c, 10 * S - 1), 0.01, 1e-7);
    c = run(NN_SCHEDULE_STEP, 4, 0); /* epochs 2 and 3 */
    CHECK_CLOSE(lr_at(&c, 2 * S - 1), 1, 1e-7);
    CHECK_CLOSE(lr_at(&c, 2 * S), 0.1, 1e-7);
    CHECK_CLOSE(lr_at(&c, 3 * S), 0.01, 1e-7);
    c = run(NN_SCHEDULE_STEP, 1, 0); /* one epoch: no milestone inside */
    CHECK_CLOSE(lr_at(&c, S - 1), 1, 1e-7);
    c = run(NN_SCHEDULE_STEP, 10, 6); /* warmup past the first milestone */
    CHECK_CLOSE(lr_at(&c, 6 * S - 1), 1, 1e-7);
    CHECK_CLOSE(lr_at(&c, 6 * S), 0.1, 1e-7);
}

/* No state: the rates of a run walked backwards, or from a step in the
 * middle (a resume), are those of the run walked forwards, bit for bit. */
static void test_pure(void) {
    nn_train_config c = run(NN_SCHEDULE_COSINE, 10, 1);
    float forward[10 * S];
    for (long s = 0; s < 10 * S; s++) forward[s] = nn_schedule_lr(&c, S, s);
    int same = 1;
    for (long s = 10 * S - 1; s >= 0; s--)
        same &= nn_schedule_lr(&c, S, s) == forward[s];
    nn_train_config resumed = c; /* as a checkpoint gives it back */
    for (long s = 4 * S + 3; s < 10 * S; s++)
        same &= nn_schedule_lr(&resumed, S, s) == forward[s];
    CHECK(same);
}

int main(void) {
    test_constant();
    test_warmup();
    test_cosine();
    test_step();
    test_pure();
    return test_summary();
}
