/* step.c: one training step, phase by phase. */
#include "step.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "nn_comm.h"

/* Whether the step's gradients are finite, from the bias gradients alone:
 * each is a sum of its layer's diff_dst over the batch (and positions), so a
 * NaN or Inf anywhere in a diff_dst reaches it; a weight gradient can only
 * go bad on its own through a non-finite activation (0 * Inf), and that
 * already made the loss non-finite. Checking ~700 numbers instead of all
 * 235k-422k keeps the check out of the step time. After the sum over the
 * ranks a NaN or Inf of any rank is in every rank's sum, so all ranks take
 * the same decision. */
static int grads_finite(const nn_model *m) {
    for (int i = 0; i < m->n_layers; i++) {
        const nn_layer *l = &m->layers[i];
        for (size_t j = 0; j < l->n_bias; j++)
            if (!isfinite(m->grads[l->bias_off + j])) return 0;
    }
    return 1;
}

void nn_step_slice(int n, int *off, int *count) {
    int r = nn_comm_rank(), size = nn_comm_size();
    *count = n / size + (r < n % size);
    *off = r * (n / size) + (r < n % size ? r : n % size);
}

int nn_step_slice_capacity(int n) {
    int off, count;
    nn_step_slice(n, &off, &count);
    return count > 0 ? count : 1;
}

/* The loss gradient of this rank's slice is that of its mean, (1/n_local)
 * sum_i dL_i; the whole batch's is (1/n) sum over all ranks. Scaling by
 * n_local / n before the sum gives it. */
static void scale_to_global(nn_batch *b, int n) {
    if (b->n == n) return;
    float k = (float)b->n / (float)n;
    size_t len = (size_t)b->n * b->classes;
    for (size_t i = 0; i < len; i++) b->diff_logits[i] *= k;
}

int nn_step_sum_checked(double *v, int n, int rc, nn_err *err) {
    double all[NN_SUM_CHECKED_MAX + 1];
    if (n > NN_SUM_CHECKED_MAX)
        return nn_errf(err, "a checked sum of %d values (at most %d)", n,
                       NN_SUM_CHECKED_MAX);
    memcpy(all, v, (size_t)n * sizeof *v);
    all[n] = rc != 0;
    if (nn_comm_sum_doubles(all, (size_t)n + 1, err)) return -1;
    if (all[n] > 0) {
        nn_comm_agree(rc, err); /* -1 everywhere, with the first message */
        return -1;
    }
    memcpy(v, all, (size_t)n * sizeof *v);
    return 0;
}

/* (loss, correct, stop) and then the gradients summed over the ranks; rc
 * is this rank's status so far (see nn_step_sum_checked). */
static int sum_ranks(nn_stepper *s, int rc, double *loss, long *right,
                     nn_err *err) {
    double metrics[3] = {*loss, (double)*right, s->stop && *s->stop};
    if (nn_step_sum_checked(metrics, 3, rc, err) ||
        nn_comm_sum_floats(s->model->grads, s->model->n_params, err))
        return -1;
    *loss = metrics[0], *right = (long)metrics[1];
    s->stopped = metrics[2] > 0;
    return 0;
}

/* A rank whose collective pass failed (batch norm across the ranks) has
 * left the others waiting inside it, where the agreement after the step
 * cannot reach them. Ends the job, as a lost rank would, with this rank's
 * message. */
static void lost_in_pass(const nn_err *err) {
    fprintf(stderr, "nntrain: rank %d: %s\n", nn_comm_rank(), err->msg);
    nn_comm_abort(1);
}

int nn_step_run(nn_stepper *s, const nn_dataset *ds, const int *idx,
                int start, int n, double *loss_sum, long *correct,
                double *phase_s, nn_err *err) {
    nn_batch *b = s->batch;
    long right = 0;
    int off, count;
    nn_step_slice(n, &off, &count);
    double t[NN_PHASES + 1];
    t[0] = omp_get_wtime();
    b->first = off;
    nn_batch_gather_augmented(b, ds, idx, start + off, count, s->augment,
                              s->step);
    nn_runner_set_step(s->runner, s->dropout_seed, (uint64_t)s->step);
    nn_runner_set_first_image(s->runner, off);
    nn_runner_set_images(s->runner, count);
    t[1] = omp_get_wtime();
    double loss = 0;
    int rc = nn_runner_forward(s->runner, b->src, b->logits, err);
    t[2] = omp_get_wtime();
    if (!rc) {
        loss = nn_batch_loss(b, s->loss, 1, &right);
        scale_to_global(b, n);
    }
    t[3] = omp_get_wtime();
    if (!rc) rc = nn_runner_backward(s->runner, b->diff_logits, err);
    t[4] = omp_get_wtime();
    if (rc && s->runner->collective) lost_in_pass(err);
    if (sum_ranks(s, rc, &loss, &right, err)) return -1;
    t[5] = omp_get_wtime();
    if (!isfinite(loss) || !grads_finite(s->model)) return 1;
    nn_optimizer_step(s->opt, s->model->params, s->model->grads);
    if (nn_runner_sync_params(s->runner, err)) return -1;
    t[6] = omp_get_wtime();
    *loss_sum += loss;
    *correct += right;
    if (phase_s)
        for (int p = 0; p < NN_PHASES; p++) phase_s[p] += t[p + 1] - t[p];
    return 0;
}
