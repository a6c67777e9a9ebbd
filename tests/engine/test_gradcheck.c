/* test_gradcheck.c: whole-network gradient check along random directions:
 * the directional derivative from backward (g . d) against the central
 * difference (L(p + h d) - L(p - h d)) / 2h of the batch loss, for both
 * models and a model with every layer kind, both losses and both backends.
 *
 * The forward runs in float, so the loss change must stand well above
 * float rounding of the loss: d mixes a random unit vector with the unit
 * gradient (so g . d is not tiny), and h is chosen so that h |g . d| is
 * about 1e-5 of the loss: larger steps cross ReLU and max-pool kinks in the
 * CNN (the error then grows linearly with h: 5e-4, 5e-3, 4.5e-2 at 1e-5,
 * 1e-4, 1e-3), smaller ones drown in float rounding. */
#include <math.h>
#include <string.h>

#include "engine_util.h"
#include "kernels.h"
#include "nn_backend.h"
#include "test_util.h"

#define BATCH 4

typedef struct {
    nn_model *m;
    nn_exec *exec;
    const float *src;
    const uint8_t *labels;
    loss_kind loss;
    float logits[BATCH * 10], diff[BATCH * 10], sample[BATCH];
    uint8_t pred[BATCH];
} problem;

/* Mean batch loss at the current params; with_grad also fills m->grads. */
static double loss_at(problem *p, int with_grad) {
    nn_err err;
    if (nn_exec_sync_params(p->exec, &err) ||
        nn_exec_forward(p->exec, p->src, p->logits, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return NAN;
    }
    softmax_loss(with_grad ? p->diff : NULL, p->sample, p->pred, p->logits,
                 p->labels, BATCH, 10, p->loss);
    double sum = 0;
    for (int i = 0; i < BATCH; i++) sum += p->sample[i];
    if (with_grad && nn_exec_backward(p->exec, p->diff, &err)) return NAN;
    return sum / BATCH;
}

static void check_direction(problem *p, nn_rng *rng, const char *what,
                            double tol) {
    nn_model *m = p->m;
    size_t n = m->n_params;
    float *d = random_tensor(n, -1, 1, rng);
    double loss = loss_at(p, 1);
    double rnorm = 0, gnorm = 0, slope = 0;
    for (size_t i = 0; i < n; i++) rnorm += (double)d[i] * d[i];
    for (size_t i = 0; i < n; i++) gnorm += (double)m->grads[i] * m->grads[i];
    rnorm = sqrt(rnorm), gnorm = sqrt(gnorm);
    for (size_t i = 0; i < n; i++)
        d[i] = (float)(d[i] / rnorm + m->grads[i] / gnorm);
    for (size_t i = 0; i < n; i++) slope += (double)m->grads[i] * d[i];
    float *saved = malloc(n * sizeof(float));
    memcpy(saved, m->params, n * sizeof(float));
    const double h = 1e-5 * loss / fabs(slope);
    for (size_t i = 0; i < n; i++) m->params[i] = saved[i] + (float)(h * d[i]);
    double up = loss_at(p, 0);
    for (size_t i = 0; i < n; i++) m->params[i] = saved[i] - (float)(h * d[i]);
    double down = loss_at(p, 0);
    memcpy(m->params, saved, n * sizeof(float));
    double fd = (up - down) / (2 * h);
    double rel = fabs(fd - slope) / fmax(fabs(slope), 1e-6);
    printf("%-16s h %.1e  g.d %+.6e  finite difference %+.6e  rel %.1e\n",
           what, h, slope, fd, rel);
    CHECK(fabs(slope) > 1e-7); /* the direction must actually test something */
    CHECK(rel < tol);
    free(d);
    free(saved);
}

/* A model with every layer kind: batch norm (after conv and dense, with its
 * fused ReLU), both poolings, dropout on blocked and plain activations and
 * a ReLU layer of its own. Dropout's mask stays fixed between the passes
 * (same seed and step); batch norm normalises with each pass's batch. */
static const char every_kind[] =
    "input 1 12 12\n"
    "conv 8 3 pad=1\nbatchnorm\nrelu\nmaxpool 2\n"
    "conv 8 3 pad=1\nrelu\navgpool 2\ndropout 0.25\nrelu\n"
    "dense 16\nbatchnorm\nrelu\ndropout 0.5\ndense 10\n";

static int model_init(nn_model *m, const char *name, nn_err *err) {
    if (strcmp(name, "every-kind")) return nn_model_init_named(m, name, err);
    nn_model_desc d;
    return nn_model_parse(&d, every_kind, "every-kind", name, err) ||
           nn_model_init(m, &d, err);
}

int main(void) {
    const char *models[] = {"mlp", "cnn", "every-kind"};
    const nn_backend_kind backends[] = {NN_BACKEND_REF, NN_BACKEND_ONEDNN};
    const loss_kind losses[] = {LOSS_MSE, LOSS_CROSS_ENTROPY};
    nn_rng rng;
    nn_rng_seed(&rng, 11);
    for (int mi = 0; mi < 3; mi++) {
        nn_model m;
        nn_err err;
        CHECK(model_init(&m, models[mi], &err) == 0);
        nn_model_init_params(&m, &rng);
        float *src = random_tensor((size_t)BATCH * nn_model_input_size(&m), 0,
                                   1, &rng);
        uint8_t labels[BATCH] = {3, 0, 9, 5};
        for (int b = 0; b < 2; b++)
            for (int l = 0; l < 2; l++) {
                problem p = {.m = &m, .src = src, .labels = labels,
                             .loss = losses[l]};
                nn_exec_opts o = {.backend = backends[b],
                                  .precision = NN_PRECISION_F32};
                CHECK(nn_exec_create(&p.exec, &o, &m, BATCH, m.params,
                                     m.grads, &err) == 0);
                nn_exec_set_step(p.exec, 42, 7); /* a dropout mask */
                char what[64];
                snprintf(what, sizeof what, "%s %s %s", models[mi],
                         nn_backend_name(backends[b]), l ? "ce" : "mse");
                /* oneDNN's f32 batch norm sums in f32: its gradients sit
                 * ~4e-4 from float64 where the reference's sit at 3e-6
                 * (tests/parity), which the difference quotient of a
                 * float forward magnifies: measured up to 8.4e-3 here */
                double tol = mi == 2 && backends[b] == NN_BACKEND_ONEDNN
                                 ? 2e-2 : 1e-2;
                for (int k = 0; k < 2; k++)
                    check_direction(&p, &rng, what, tol);
                nn_exec_free(p.exec);
            }
        free(src);
        nn_model_free(&m);
    }
    return test_summary();
}
