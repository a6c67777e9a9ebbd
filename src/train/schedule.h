/* schedule.h: the learning rate of each training step, in closed form.
 *
 * A pure function of the config and the global step, so that a resumed run
 * (whose epoch and batch position the checkpoint keeps) continues it
 * exactly. With
 *   s  the global step, 0-based: epoch e (0-based), batch b -> e*S + b,
 *      counted whether or not the batch was skipped (--nan-policy)
 *   S  steps per epoch (ceil(training images / batch size))
 *   T  = epochs * S, the run's steps;  W = warmup_epochs * S
 *   lr the configured learning rate
 * the rate of step s is
 *   warmup (s < W):       lr * (s + 1) / W            (any schedule)
 *   constant:             lr
 *   cosine:               lr * 0.5 * (1 + cos(pi * (s - W) / (T - W)))
 *   step:                 lr * 0.1^k, k = milestones passed by epoch
 *                         e = floor(s / S): 50% once 2e >= epochs, 75% once
 *                         4e >= 3 epochs
 * The warmup is PyTorch's LinearLR(start_factor=1/W, total_iters=W-1)
 * stepped per step; cosine, CosineAnnealingLR(T_max=T-W, eta_min=0) stepped
 * per step after it; step, MultiStepLR(milestones=[ceil(epochs/2),
 * ceil(3*epochs/4)], gamma=0.1) stepped per epoch. Cosine and step depend
 * on the run's length, so a resume may not change --epochs for them
 * (trainer_open.c). */
#ifndef NN_SCHEDULE_H
#define NN_SCHEDULE_H

#include "nn_train.h"

/* The learning rate of global step `step` (0-based) of cfg's run, with
 * steps_per_epoch (> 0) steps in each epoch. */
float nn_schedule_lr(const nn_train_config *cfg, long steps_per_epoch,
                     long step);

#endif
