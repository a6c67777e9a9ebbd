/* cmd_experiment.c: `nntrain experiment`: the seed experiment end to end:
 * MLP then CNN with the seed's recipe, then figures and REPORT.md. */
#include <getopt.h>
#include <omp.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "cli_report.h"

static const char experiment_help[] =
    "Usage: nntrain experiment [--out DIR] [--bench CSV] [options]\n"
    "Reproduces the seed experiment: trains the MLP and the CNN (50 epochs,\n"
    "batch 64, Adam 0.001, MSE on softmax, seed 42) into DIR/mlp and DIR/cnn,\n"
    "then renders the figures and writes DIR/REPORT.md.\n\n"
    "  --out DIR     results folder (default results)\n"
    "  --bench CSV   add the throughput figure (default: benchmarks/results/\n"
    "                bench.csv when it exists)\n"
    CLI_TRAIN_OPTIONS_HELP
    "  -h, --help    this help\n";

#define DEFAULT_BENCH_CSV "benchmarks/results/bench.csv"

static int train_model(const char *model, const nn_train_config *base,
                       const char *out_dir) {
    nn_train_config cfg = *base;
    snprintf(cfg.model, sizeof cfg.model, "%s", model);
    snprintf(cfg.out_dir, sizeof cfg.out_dir, "%s/%s", out_dir, model);
    return cli_train_new("experiment", &cfg);
}

int cmd_experiment(int argc, char **argv) {
    static const struct option longs[] = {
        CLI_TRAIN_LONG_OPTIONS,
        {"out", required_argument, 0, 'o'},
        {"bench", required_argument, 0, 'x'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    nn_train_config cfg;
    nn_train_config_default(&cfg);
    const char *out = "results", *bench = NULL;
    int opt, rc;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        if (opt == 'h') return fputs(experiment_help, stdout), 0;
        if (opt == 'o') out = optarg;
        else if (opt == 'x') bench = optarg;
        else if (opt == '?' || opt == ':')
            return cli_bad_option("experiment", opt, argv);
        else if (cli_train_option("experiment", opt, optarg, &cfg) < 0)
            return CLI_EXIT_USAGE;
    }
    if (optind < argc)
        return cli_usage_error("experiment", "unexpected argument '%s'",
                               argv[optind]);
    if (!bench && access(DEFAULT_BENCH_CSV, R_OK) == 0) bench = DEFAULT_BENCH_CSV;
    if ((rc = cli_resolve_data("experiment", &cfg))) return rc;
    double t0 = omp_get_wtime();
    static const char *const models[] = {"mlp", "cnn"};
    char dirs[2][1100];
    const char *runs[2];
    for (int i = 0; i < 2; i++) {
        printf("=== %s (%d of 2) ===\n", models[i], i + 1);
        if ((rc = train_model(models[i], &cfg, out))) return rc;
        snprintf(dirs[i], sizeof dirs[i], "%s/%s", out, models[i]);
        runs[i] = dirs[i];
    }
    return cli_write_report("experiment", runs, 2, bench, out,
                            omp_get_wtime() - t0);
}
