/* schedule.c: the learning-rate schedules of schedule.h, in double. */
#include "schedule.h"

#include <math.h>

#define PI 3.14159265358979323846 /* M_PI is not in C11 */

/* 0.1^k for the milestones epoch e has passed: 50% and 75% of the run. */
static double step_factor(long epoch, int epochs) {
    int k = (2 * epoch >= epochs) + (4 * epoch >= 3L * epochs);
    return pow(0.1, k);
}

float nn_schedule_lr(const nn_train_config *c, long steps_per_epoch,
                     long step) {
    const double lr = c->lr;
    const long warmup = (long)c->warmup_epochs * steps_per_epoch;
    const long total = (long)c->epochs * steps_per_epoch;
    if (step < warmup) return (float)(lr * (double)(step + 1) / warmup);
    switch (c->schedule) {
    case NN_SCHEDULE_CONSTANT: break;
    case NN_SCHEDULE_COSINE:
        /* step < total, so total > warmup here */
        return (float)(lr * 0.5 *
                       (1 + cos(PI * (double)(step - warmup) /
                                (double)(total - warmup))));
    case NN_SCHEDULE_STEP:
        return (float)(lr * step_factor(step / steps_per_epoch, c->epochs));
    }
    return c->lr;
}
