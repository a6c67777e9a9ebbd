/* step.c: one training step, phase by phase. */
#include "step.h"

#include <math.h>
#include <omp.h>

/* Whether the step's gradients are finite, from the bias gradients alone:
 * each is a sum of its layer's diff_dst over the batch (and positions), so a
 * NaN or Inf anywhere in a diff_dst reaches it; a weight gradient can only
 * go bad on its own through a non-finite activation (0 * Inf), and that
 * already made the loss non-finite. Checking ~700 numbers instead of all
 * 235k-422k keeps the check out of the step time. */
static int grads_finite(const nn_model *m) {
    for (int i = 0; i < m->n_layers; i++) {
        const nn_layer *l = &m->layers[i];
        for (size_t j = 0; j < l->n_bias; j++)
            if (!isfinite(m->grads[l->bias_off + j])) return 0;
    }
    return 1;
}

int nn_step_run(nn_stepper *s, const nn_dataset *ds, const int *idx,
                int start, int n, double *loss_sum, long *correct,
                double *phase_s, nn_err *err) {
    nn_batch *b = s->batch;
    long right = 0;
    double t[NN_PHASES + 1];
    t[0] = omp_get_wtime();
    nn_batch_gather_augmented(b, ds, idx, start, n, s->augment, s->step);
    nn_runner_set_step(s->runner, s->dropout_seed, (uint64_t)s->step);
    t[1] = omp_get_wtime();
    if (nn_runner_forward(s->runner, b->src, b->logits, err)) return -1;
    t[2] = omp_get_wtime();
    double loss = nn_batch_loss(b, s->loss, 1, &right);
    t[3] = omp_get_wtime();
    if (nn_runner_backward(s->runner, b->diff_logits, err)) return -1;
    t[4] = omp_get_wtime();
    if (!isfinite(loss) || !grads_finite(s->model)) return 1;
    nn_optimizer_step(s->opt, s->model->params, s->model->grads);
    if (nn_runner_sync_params(s->runner, err)) return -1;
    t[5] = omp_get_wtime();
    *loss_sum += loss;
    *correct += right;
    if (phase_s)
        for (int p = 0; p < NN_PHASES; p++) phase_s[p] += t[p + 1] - t[p];
    return 0;
}
