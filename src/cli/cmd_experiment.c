/* cmd_experiment.c: `nntrain experiment`: the seed experiment end to end:
 * MLP then CNN with the seed's recipe, then figures and REPORT.md. */
#include <getopt.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_report.h"
#include "run_dir.h"

static const char experiment_help[] =
    "Usage: nntrain experiment [--out DIR] [--bench CSV] [options]\n"
    "Reproduces the seed experiment: trains the MLP and the CNN (50 epochs,\n"
    "batch 64, Adam 0.001, MSE on softmax, seed 42) into DIR/mlp and DIR/cnn,\n"
    "then renders the figures and writes DIR/REPORT.md.\n\n"
    "  --out DIR     results folder (default: results, or the next free\n"
    "                results-N when results/ holds runs)\n"
    "  --overwrite   replace the runs that --out holds\n"
    "  --bench CSV   add the throughput figure (default: benchmarks/results/\n"
    "                bench.csv when it exists)\n"
    CLI_TRAIN_OPTIONS_HELP
    "  -h, --help    this help\n";

#define DEFAULT_BENCH_CSV "benchmarks/results/bench.csv"

static const char *const models[] = {"mlp", "cnn"};
#define N_MODELS 2

/* The runs go to OUT/mlp and OUT/cnn. Without --out, OUT is results or the
 * next free results-N; with it, both folders are checked before the first
 * model trains, so the second cannot fail on a folder taken long after. */
static int choose_out(char *out, const char *given, int overwrite) {
    nn_err err;
    if (!given)
        return nn_run_dir_next_free(out, NN_PATH_MAX, "results", models,
                                    N_MODELS, &err)
                   ? cli_fail("experiment", err.msg) : 0;
    char run_dir[NN_PATH_MAX];
    if (nn_path_copy(out, NN_PATH_MAX, given, &err))
        return cli_fail("experiment", err.msg);
    for (int i = 0; i < N_MODELS && !overwrite; i++)
        if (nn_path_join(run_dir, sizeof run_dir, out, models[i], &err) ||
            nn_run_dir_check_free(run_dir, &err))
            return cli_fail("experiment", err.msg);
    return 0;
}

int cmd_experiment(int argc, char **argv) {
    static const struct option longs[] = {
        CLI_TRAIN_LONG_OPTIONS,
        {"out", required_argument, 0, 'o'},
        {"bench", required_argument, 0, 'x'},
        {"overwrite", no_argument, 0, 'W'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    nn_train_config cfg;
    nn_train_config_default(&cfg);
    const char *given_out = NULL, *bench = NULL;
    int opt, rc, wd_given = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        if (opt == 'h') return fputs(experiment_help, stdout), 0;
        wd_given |= opt == 'w';
        if (opt == 'o') given_out = optarg;
        else if (opt == 'x') bench = optarg;
        else if (opt == 'W') cfg.overwrite = 1;
        else if (opt == '?' || opt == ':')
            return cli_bad_option("experiment", opt, argv);
        else if (cli_train_option("experiment", opt, optarg, &cfg) < 0)
            return CLI_EXIT_USAGE;
    }
    if (optind < argc)
        return cli_usage_error("experiment", "unexpected argument '%s'",
                               argv[optind]);
    if ((rc = cli_train_options_end("experiment", &cfg, wd_given))) return rc;
    if (!bench && access(DEFAULT_BENCH_CSV, R_OK) == 0) bench = DEFAULT_BENCH_CSV;
    cli_catch_stop_signals();
    static char out[NN_PATH_MAX], dirs[N_MODELS][NN_PATH_MAX];
    if ((rc = choose_out(out, given_out, cfg.overwrite)) ||
        (rc = cli_resolve_data("experiment", &cfg)))
        return rc;
    double t0 = omp_get_wtime();
    const char *runs[N_MODELS];
    for (int i = 0; i < N_MODELS; i++) {
        nn_err err;
        printf("=== %s (%d of %d) ===\n", models[i], i + 1, N_MODELS);
        nn_err err_model;
        if (nn_model_builtin(&cfg.model, models[i], &err_model))
            return cli_fail("experiment", err_model.msg);
        if (nn_path_join(dirs[i], sizeof dirs[i], out, models[i], &err))
            return cli_fail("experiment", err.msg);
        memcpy(cfg.out_dir, dirs[i], sizeof cfg.out_dir);
        if ((rc = cli_train_new("experiment", &cfg))) return rc;
        runs[i] = dirs[i];
    }
    return cli_write_report("experiment", runs, N_MODELS, NULL, 0, bench,
                            out, omp_get_wtime() - t0);
}
