/* nn_bench.h: throughput of whole training steps (batching, forward, loss,
 * backward, optimizer) for one model, batch size, thread count and parallel
 * strategy, on synthetic images, and the machine's sgemm peak to compare
 * it with. */
#ifndef NN_BENCH_H
#define NN_BENCH_H

#include "nn_backend.h"
#include "nn_error.h"
#include "nn_model.h"
#include "nn_train.h"

typedef struct {
    const nn_model_desc *model; /* the layer table */
    int batch, threads;
    nn_parallel_kind parallel; /* AUTO resolves as in training */
    nn_backend_kind backend;
    nn_precision precision;
    int reps;                  /* timed repetitions; the median is kept */
    double rep_seconds;        /* about how long one repetition runs */
} nn_bench_config;

typedef struct {
    nn_parallel_kind parallel;    /* the strategy that ran */
    double images_per_s;          /* median over the repetitions */
    double images_per_s_min, images_per_s_max; /* over the repetitions */
    double step_ms;               /* median */
    double phase_ms[NN_PHASES];   /* mean per step, all timed steps */
    int n_layers;                 /* 0 when layers could not be timed */
    double layer_fwd_ms[NN_MAX_LAYERS], layer_bwd_ms[NN_MAX_LAYERS];
    double gflop_per_image;       /* conv + dense, see nn_model_train_flop */
    /* evaluation (forward only, batch by batch), median images/s: on the
     * inference primitives evaluation uses, and on the training primitives
     * it used before they existed (pooling workspace, batch statistics) */
    double eval_images_per_s, eval_training_fwd_images_per_s;
} nn_bench_result;

/* Builds everything for the configuration (oneDNN fixes its thread count
 * when primitives are created, so each call rebuilds), warms up, then times
 * `reps` repetitions. Per-layer times come from one extra profiled
 * repetition (per-step waits would disturb the headline numbers). */
int nn_bench_step(const nn_bench_config *c, nn_bench_result *r, nn_err *err);

/* Practical f32 peak: median GFLOP/s of dnnl_sgemm on n x n x n. */
double nn_bench_sgemm_gflops(int threads, int n, int reps);

#endif
