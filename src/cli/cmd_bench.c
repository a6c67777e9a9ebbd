/* cmd_bench.c: `nntrain bench`: training images/s per model, batch size,
 * thread count and parallel strategy, against the sgemm peak measured in the
 * same run; CSV files, a figure, and one real training epoch per model. */
#include <getopt.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_output.h"
#include "cli.h"

static const char bench_help[] =
    "Usage: nntrain bench [options]\n"
    "Times whole training steps (batching, forward, loss, backward, Adam) on\n"
    "synthetic images: median images/s of several repetitions after warm-up,\n"
    "the time per phase and per layer, GFLOP/s as a fraction of dnnl_sgemm's\n"
    "peak at the same thread count, and parallel efficiency. Then one real\n"
    "training epoch per model, to compare with the pure step time.\n\n"
    "  --models LIST     built-in names or model files, e.g. mlp,cnn (the\n"
    "                    default) or cnn,models/cnn-bn.txt (at most 4)\n"
    "  --batch LIST      batch sizes (default 64,256)\n"
    "  --threads LIST    thread counts (default 1,2,...,all cores)\n"
    "  --parallel LIST   intra,batch (default both)\n"
    "  --precision LIST  f32,bf16 (default f32; bf16 needs AVX512_BF16)\n"
    "  --reps N          timed repetitions: median kept, with their min and\n"
    "                    max (default 7)\n"
    "  --seconds X       length of one repetition (default 0.5)\n"
    "  --out DIR         bench.csv, layers.csv, epoch.csv, figures/ (default\n"
    "                    benchmarks/results)\n"
    "  --no-epoch        skip the real training epoch\n"
    "  --data DIR        Fashion-MNIST folder for the epoch\n"
    "  -h, --help        this help\n";

/* Splits a comma list into ints in [min, max]; returns the count or -1. */
static int parse_int_list(const char *flag, const char *text, int *out, int cap,
                          long min, long max) {
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", text);
    int n = 0;
    for (char *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (n == cap) {
            cli_usage_error("bench", "%s: at most %d values", flag, cap);
            return -1;
        }
        if (cli_parse_int("bench", flag, tok, min, max, &out[n])) return -1;
        n++;
    }
    if (n == 0) return cli_usage_error("bench", "%s: empty list", flag), -1;
    return n;
}

static int parse_name_list(const char *flag, const char *text,
                           const char *const *names, int n_names, int *out) {
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", text);
    int n = 0;
    for (char *tok = strtok_r(buf, ",", &save); tok && n < n_names;
         tok = strtok_r(NULL, ",", &save)) {
        int i = cli_parse_choice("bench", flag, tok, names, n_names);
        if (i < 0) return -1;
        out[n++] = i;
    }
    return n;
}

/* A comma list of built-in model names or model files; an exit code. */
static int parse_models(const char *text, bench_plan *plan) {
    char buf[4096], *save = NULL;
    if (snprintf(buf, sizeof buf, "%s", text) >= (int)sizeof buf)
        return cli_usage_error("bench", "--models: list too long");
    plan->n_models = 0;
    for (char *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (plan->n_models == BENCH_MAX_MODELS)
            return cli_usage_error("bench", "--models: at most %d models",
                                   BENCH_MAX_MODELS);
        int rc = cli_parse_model("bench", tok,
                                 &plan->models[plan->n_models++]);
        if (rc) return rc;
    }
    if (plan->n_models == 0)
        return cli_usage_error("bench", "--models: empty list");
    return 0;
}

int cmd_bench(int argc, char **argv) {
    static const struct option longs[] = {
        {"models", required_argument, 0, 'm'},
        {"batch", required_argument, 0, 'b'},
        {"threads", required_argument, 0, 't'},
        {"parallel", required_argument, 0, 'p'},
        {"precision", required_argument, 0, 'P'},
        {"reps", required_argument, 0, 'r'},
        {"seconds", required_argument, 0, 's'},
        {"out", required_argument, 0, 'o'},
        {"no-epoch", no_argument, 0, 'E'},
        {"data", required_argument, 0, 'd'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    static const char *const parallels[] = {"intra", "batch"};
    static const char *const precisions[] = {"f32", "bf16"};
    static bench_plan plan; /* large: the model tables */
    plan = (bench_plan){.n_batches = 2,
                       .batches = {64, 256},
                       .n_parallel = 2,
                       .parallel = {0, 1},
                       .n_precisions = 1,
                       .precisions = {NN_PRECISION_F32},
                       .reps = 7,
                       .seconds = 0.5f,
                       .epoch = 1,
                       .out = "benchmarks/results"};
    nn_err builtin_err; /* the built-in models always parse */
    plan.n_models = 2;
    nn_model_builtin(&plan.models[0], "mlp", &builtin_err);
    nn_model_builtin(&plan.models[1], "cnn", &builtin_err);
    plan.n_threads = 0;
    for (int t = 1; t <= omp_get_num_procs() && t <= BENCH_MAX_LIST; t++)
        plan.threads[plan.n_threads++] = t;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        int bad = 0;
        switch (opt) {
        case 'h': return fputs(bench_help, stdout), 0;
        case 'm': {
            int rc = parse_models(optarg, &plan);
            if (rc) return rc;
            break;
        }
        case 'p':
            bad = (plan.n_parallel = parse_name_list(
                       "--parallel", optarg, parallels, 2, plan.parallel)) < 0;
            break;
        case 'P':
            bad = (plan.n_precisions = parse_name_list(
                       "--precision", optarg, precisions, 2,
                       plan.precisions)) < 0;
            for (int i = 0; !bad && i < plan.n_precisions; i++) {
                nn_err err;
                if (nn_precision_check(plan.precisions[i], NN_BACKEND_ONEDNN,
                                       &err))
                    return cli_fail("bench", err.msg);
            }
            break;
        case 'b':
            bad = (plan.n_batches =
                       parse_int_list("--batch", optarg, plan.batches,
                                      BENCH_MAX_LIST, 1, 4096)) < 0;
            break;
        case 't':
            bad = (plan.n_threads =
                       parse_int_list("--threads", optarg, plan.threads,
                                      BENCH_MAX_LIST, 1, 1024)) < 0;
            break;
        case 'r':
            bad = cli_parse_int("bench", "--reps", optarg, 1, 1000,
                                &plan.reps) != 0;
            break;
        case 's':
            bad = cli_parse_float("bench", "--seconds", optarg, &plan.seconds);
            if (!bad && plan.seconds <= 0)
                bad = cli_usage_error("bench", "--seconds must be positive");
            break;
        case 'o': plan.out = optarg; break;
        case 'E': plan.epoch = 0; break;
        case 'd': snprintf(plan.data, sizeof plan.data, "%s", optarg); break;
        default: return cli_bad_option("bench", opt, argv);
        }
        if (bad) return CLI_EXIT_USAGE;
    }
    if (optind < argc)
        return cli_usage_error("bench", "unexpected argument '%s'",
                               argv[optind]);
    return bench_run_plan(&plan);
}
