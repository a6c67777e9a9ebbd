/* bench.c: timed training steps on synthetic data, and the sgemm peak. */
#include "nn_bench.h"

#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "denormals.h"
#include "nn_comm.h"
#include "step.h"

#define BENCH_IMAGES 4096 /* synthetic images cycled through */

typedef struct {
    nn_model model;
    nn_dataset data;
    int *order;
    nn_runner runner;
    nn_runner eval_runner; /* inference executors, as evaluation runs */
    nn_batch batch;     /* this rank's slice of the global batch */
    int global_batch;   /* the configuration's, over all ranks */
    nn_optimizer opt;
    long steps;
    double phase[NN_PHASES]; /* seconds, summed while timing */
} bench_state;

static void state_free(bench_state *s) {
    nn_runner_free(&s->runner);
    nn_runner_free(&s->eval_runner);
    nn_batch_free(&s->batch);
    nn_optimizer_free(&s->opt);
    nn_model_free(&s->model);
    free(s->data.images);
    free(s->data.labels);
    free(s->order);
}

static int state_init(bench_state *s, const nn_bench_config *c, nn_err *err) {
    memset(s, 0, sizeof *s);
    nn_rng rng;
    nn_rng_seed(&rng, 1);
    if (nn_model_init(&s->model, c->model, err)) return -1;
    nn_model_init_params(&s->model, &rng);
    int input = nn_model_input_size(&s->model);
    s->data.n = BENCH_IMAGES;
    s->data.images = malloc((size_t)BENCH_IMAGES * input * sizeof(float));
    s->data.labels = malloc(BENCH_IMAGES);
    s->order = malloc(BENCH_IMAGES * sizeof(int));
    if (!s->data.images || !s->data.labels || !s->order)
        return nn_errf(err, "bench: out of memory");
    for (size_t i = 0; i < (size_t)BENCH_IMAGES * input; i++)
        s->data.images[i] = (float)nn_rng_uniform(&rng);
    for (int i = 0; i < BENCH_IMAGES; i++) {
        s->data.labels[i] = (uint8_t)nn_rng_below(&rng, (uint32_t)s->model.classes);
        s->order[i] = i;
    }
    nn_rng_shuffle(s->order, BENCH_IMAGES, &rng);
    if (c->batch > BENCH_IMAGES)
        return nn_errf(err, "bench: batch %d is larger than %d", c->batch,
                       BENCH_IMAGES);
    nn_exec_opts train = {.backend = c->backend, .precision = c->precision,
                          .sync_batchnorm = nn_comm_size() > 1};
    nn_exec_opts infer = {.backend = c->backend, .precision = c->precision,
                          .inference = 1};
    /* under MPI each rank runs its slice of the batch */
    int slice = nn_step_slice_capacity(c->batch);
    s->global_batch = c->batch;
    return nn_runner_init(&s->runner, &train, c->parallel, &s->model,
                          slice, c->threads, err) ||
           nn_runner_init(&s->eval_runner, &infer, NN_PARALLEL_INTRA,
                          &s->model, slice, c->threads, err) ||
           nn_runner_sync_params(&s->eval_runner, err) ||
           nn_batch_init(&s->batch, slice, input, s->model.classes, err) ||
           nn_optimizer_init(&s->opt, NN_OPTIM_ADAM, s->model.n_params, 1e-3f,
                             0, 0, err) ||
           nn_runner_sync_params(&s->runner, err);
}

/* One training step as the trainer runs it (step.c), each phase timed. */
static int step(bench_state *s, nn_err *err) {
    nn_batch *b = &s->batch;
    nn_stepper st = {&s->runner, b,    &s->opt, &s->model, NN_LOSS_MSE,
                     NULL,       0,    1,       NULL,      0};
    int n = s->global_batch;
    int start = (int)((s->steps * n) % (BENCH_IMAGES - n));
    double loss_sum = 0;
    long correct = 0;
    int rc = nn_step_run(&st, &s->data, s->order, start, n, &loss_sum,
                         &correct, s->phase, err);
    if (rc < 0) return -1;
    if (rc == 1) return nn_errf(err, "bench: the loss went non-finite");
    s->steps++;
    return 0;
}

static int steps(bench_state *s, long n, nn_err *err) {
    for (long i = 0; i < n; i++)
        if (step(s, err)) return -1;
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Per-layer times from one profiled repetition of the first executor (the
 * whole batch with intra, the first slice with batch-split). */
static int profile_layers(bench_state *s, long n, nn_bench_result *r,
                          nn_err *err) {
    nn_exec *e = s->runner.execs[0];
    double fwd[NN_MAX_LAYERS], bwd[NN_MAX_LAYERS];
    nn_exec_profile(e, 1);
    int rc = steps(s, n, err);
    int have = nn_exec_layer_seconds(e, fwd, bwd) == 0;
    nn_exec_profile(e, 0);
    if (rc) return -1;
    r->n_layers = have ? s->model.n_layers : 0;
    for (int i = 0; i < r->n_layers; i++) {
        r->layer_fwd_ms[i] = 1e3 * fwd[i] / n;
        r->layer_bwd_ms[i] = 1e3 * bwd[i] / n;
    }
    return 0;
}

/* Forward passes over the synthetic images, batch by batch, as evaluation
 * runs them (nn_evaluate without the loss): images/s. */
static int eval_pass(bench_state *s, nn_runner *r, double *ips, nn_err *err) {
    nn_batch *b = &s->batch;
    int batches = BENCH_IMAGES / b->capacity;
    double t0 = omp_get_wtime();
    for (int i = 0; i < batches; i++) {
        nn_batch_gather(b, &s->data, NULL, i * b->capacity, b->capacity);
        if (nn_runner_forward(r, b->src, b->logits, err)) return -1;
    }
    *ips = batches * b->capacity / (omp_get_wtime() - t0);
    return 0;
}

/* Evaluation on the inference executors against the same passes on the
 * training executors, interleaved repetition by repetition so that both
 * see the same machine; medians. */
static int measure_eval(bench_state *s, const nn_bench_config *c,
                        nn_bench_result *r, nn_err *err) {
    double *ips = malloc(2 * (size_t)c->reps * sizeof(double)), warm;
    if (!ips) return nn_errf(err, "bench: out of memory");
    double *infer = ips, *train = ips + c->reps;
    int rc = eval_pass(s, &s->eval_runner, &warm, err) ||
             eval_pass(s, &s->runner, &warm, err);
    for (int rep = 0; rep < c->reps && !rc; rep++)
        rc = eval_pass(s, &s->eval_runner, &infer[rep], err) ||
             eval_pass(s, &s->runner, &train[rep], err);
    if (!rc) {
        qsort(infer, (size_t)c->reps, sizeof *infer, cmp_double);
        qsort(train, (size_t)c->reps, sizeof *train, cmp_double);
        r->eval_images_per_s = infer[c->reps / 2];
        r->eval_training_fwd_images_per_s = train[c->reps / 2];
    }
    free(ips);
    return rc ? -1 : 0;
}

/* How many steps fill `seconds` at per_step each: rank 0's count on every
 * rank, since each step is a collective every rank must make. */
static int steps_for(double seconds, double per_step, long *n, nn_err *err) {
    *n = (long)(seconds / per_step) + 1;
    return nn_comm_bcast(n, sizeof *n, 0, err);
}

static int measure(bench_state *s, const nn_bench_config *c,
                   nn_bench_result *r, nn_err *err) {
    double t0 = omp_get_wtime();
    long n;
    if (steps(s, 3, err)) return -1; /* warm-up: first touches, JIT caches */
    /* and on to about 0.3 s */
    if (steps_for(0.3, (omp_get_wtime() - t0) / 3, &n, err) ||
        steps(s, n - 1, err))
        return -1;
    double per_step = (omp_get_wtime() - t0) / s->steps;
    if (steps_for(c->rep_seconds, per_step, &n, err)) return -1;
    double *ips = malloc((size_t)c->reps * sizeof(double));
    if (!ips) return nn_errf(err, "bench: out of memory");
    memset(s->phase, 0, sizeof s->phase);
    for (int rep = 0; rep < c->reps; rep++) {
        double start = omp_get_wtime();
        if (steps(s, n, err)) return free(ips), -1;
        ips[rep] = n * c->batch / (omp_get_wtime() - start);
    }
    qsort(ips, (size_t)c->reps, sizeof *ips, cmp_double);
    r->images_per_s = ips[c->reps / 2];
    r->images_per_s_min = ips[0];
    r->images_per_s_max = ips[c->reps - 1];
    r->step_ms = 1e3 * c->batch / r->images_per_s;
    for (int p = 0; p < NN_PHASES; p++)
        r->phase_ms[p] = 1e3 * s->phase[p] / ((double)n * c->reps);
    free(ips);
    if (profile_layers(s, n, r, err)) return -1;
    /* the training runner splits batches with batch-split: evaluation
     * never does, so compare only one-executor runners */
    if (s->runner.slices > 1) return 0;
    if (nn_runner_sync_params(&s->eval_runner, err)) return -1;
    return measure_eval(s, c, r, err);
}

int nn_bench_step(const nn_bench_config *c, nn_bench_result *r, nn_err *err) {
    memset(r, 0, sizeof *r);
    if (c->reps <= 0 || c->batch <= 0 || c->threads <= 0)
        return nn_errf(err, "bench: reps, batch and threads must be positive");
    omp_set_num_threads(c->threads);
    nn_flush_denormals();
    bench_state s;
    int rc = state_init(&s, c, err);
    if (rc == 0) {
        r->parallel = s.runner.kind;
        r->gflop_per_image = nn_model_train_flop(&s.model) / 1e9;
        rc = measure(&s, c, r, err);
    }
    state_free(&s);
    return rc ? -1 : 0;
}

double nn_bench_sgemm_gflops(int threads, int n, int reps) {
    omp_set_num_threads(threads);
    size_t nn = (size_t)n * n;
    float *a = malloc(nn * sizeof(float)), *b = malloc(nn * sizeof(float));
    float *c = malloc(nn * sizeof(float));
    double *g = malloc((size_t)(reps > 0 ? reps : 1) * sizeof(double));
    double best = 0;
    if (a && b && c && g && reps > 0) {
        for (size_t i = 0; i < nn; i++) a[i] = b[i] = (float)(i % 17) / 17.0f;
        dnnl_sgemm('N', 'N', n, n, n, 1.0f, a, n, b, n, 0.0f, c, n); /* warm */
        for (int r = 0; r < reps; r++) {
            double t = omp_get_wtime();
            dnnl_sgemm('N', 'N', n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
            g[r] = 2.0 * n * n * (double)n / (omp_get_wtime() - t) / 1e9;
        }
        qsort(g, (size_t)reps, sizeof *g, cmp_double);
        best = g[reps / 2];
    }
    free(a), free(b), free(c), free(g);
    return best;
}
