/* bench_output.h: what `nntrain bench` runs, and how its results are
 * printed and written (bench.csv, layers.csv, epoch.csv, figures/). */
#ifndef NN_BENCH_OUTPUT_H
#define NN_BENCH_OUTPUT_H

#include "nn_model.h"

#define BENCH_MAX_LIST 16
#define BENCH_MAX_MODELS 4

typedef struct {
    int n_models;
    nn_model_desc models[BENCH_MAX_MODELS]; /* built-in or model files */
    int n_batches, batches[BENCH_MAX_LIST];
    int n_threads, threads[BENCH_MAX_LIST];
    int n_parallel, parallel[2]; /* 0 intra, 1 batch */
    int n_precisions, precisions[2]; /* nn_precision values */
    int reps;
    float seconds;
    int epoch;                   /* also time one real training epoch */
    const char *out;
    char data[1024];
} bench_plan;

/* Runs every configuration of the plan; returns an exit code. */
int bench_run_plan(const bench_plan *plan);

#endif
