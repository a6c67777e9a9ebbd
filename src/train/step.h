/* step.h: one training step, the same for the trainer and the benchmark:
 * gather (and augment) the batch, forward, softmax + loss and its gradient,
 * backward, the sum over MPI ranks, and (when loss and gradients are
 * finite) the optimizer update and the weight sync, each phase optionally
 * timed. On several ranks each takes its slice of the global batch
 * (nn_step_slice) and the sum makes every rank's gradient that of the
 * whole batch, as one process computes it. */
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
    const volatile int *stop;  /* this rank's stop request, or NULL */
    int stopped;               /* out: some rank asked to stop (agreed by
                                  all ranks in the step's sum) */
} nn_stepper;

/* This rank's part [*off, *off + *count) of n items split over the ranks:
 * counts differ by at most one, lower ranks take the larger. */
void nn_step_slice(int n, int *off, int *count);
/* This rank's slice of a batch of n, at least 1: the executors' batch on
 * this rank. No batch of at most n gives it more (a smaller batch never
 * gives a rank more images), and batch norm relies on it holding exactly
 * its images of every full batch, without padding. */
int nn_step_slice_capacity(int n);
/* v (n values, at most NN_SUM_CHECKED_MAX) summed over the ranks together
 * with this rank's status rc: a rank that failed still joins the sum (the
 * others wait in it), and then every rank returns -1 with the first failing
 * rank's message (nn_comm_agree); else 0 with the sums in v. */
#define NN_SUM_CHECKED_MAX 7
int nn_step_sum_checked(double *v, int n, int rc, nn_err *err);

/* Trains on the global batch of n images of ds (rows idx[start..], or
 * start.. with idx NULL), this rank on its slice. Adds the global batch's
 * summed loss to *loss_sum and its correct predictions to *correct, and
 * each phase's seconds to phase_s[NN_PHASES] unless NULL.
 * Returns 0 after an update, 1 when the loss or a gradient was not finite
 * (nothing updated, nothing added), -1 on error. */
int nn_step_run(nn_stepper *s, const nn_dataset *ds, const int *idx,
                int start, int n, double *loss_sum, long *correct,
                double *phase_s, nn_err *err);

#endif
