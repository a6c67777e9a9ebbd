/* step.h: one training step, the same for the trainer and the benchmark:
 * gather (and augment) the batch, forward, softmax + loss and its gradient, backward, and
 * (when loss and gradients are finite) the optimizer update and the weight
 * sync, each phase optionally timed. */
#ifndef NN_STEP_H
#define NN_STEP_H

#include "batch.h"
#include "nn_bench.h"
#include "optimizer.h"
#include "runner.h"

#include <stdint.h>

typedef struct {
    nn_runner *runner;
    nn_batch *batch;
    nn_optimizer *opt;
    nn_model *model;
    nn_loss_kind loss;
    const nn_augment *augment; /* training images augmented; NULL: as is */
    long step;                 /* global step: the augmentation's key */
    uint64_t dropout_seed;     /* dropout masks: (this seed, step) */
} nn_stepper;

/* Trains on n images of ds (rows idx[start..], or start.. with idx NULL).
 * Adds the batch's summed loss to *loss_sum and its correct predictions to
 * *correct, and each phase's seconds to phase_s[NN_PHASES] unless NULL.
 * Returns 0 after an update, 1 when the loss or a gradient was not finite
 * (nothing updated, nothing added), -1 on error. */
int nn_step_run(nn_stepper *s, const nn_dataset *ds, const int *idx,
                int start, int n, double *loss_sum, long *correct,
                double *phase_s, nn_err *err);

#endif
