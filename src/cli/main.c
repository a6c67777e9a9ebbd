/* main.c: `nntrain SUBCOMMAND ...`: dispatch to the subcommands. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "nn_sysinfo.h"

static const char main_help[] =
    "Usage: nntrain COMMAND [options]   (nntrain COMMAND --help for more)\n"
    "Trains MLPs and CNNs on Fashion-MNIST on multicore CPUs (oneDNN + OpenMP).\n\n"
    "Commands:\n"
    "  experiment  the seed experiment: train MLP and CNN, figures, report\n"
    "  train       train one model into a run folder (or --resume one)\n"
    "  eval        test accuracy of saved weights\n"
    "  predict     classes and probabilities of images (IDX or PGM files)\n"
    "  export      a run's weights as safetensors or ONNX\n"
    "  bench       training throughput per thread count\n"
    "  report      figures and REPORT.md from run folders\n\n"
    "  --version   print version, commit, oneDNN version and ISA\n";

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

/* What a command printed must have reached its standard output: for
 * `eval` and `bench` it is the result. Turns a success into a failure when
 * it did not (a full disk, a closed pipe). */
static int check_stdout(const char *cmd, int rc) {
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout)) return rc;
    /* an earlier write may have failed with errno long since reused */
    fprintf(stderr, "nntrain %s: cannot write standard output: %s\n", cmd,
            errno ? strerror(errno) : "a write failed");
    return rc ? rc : CLI_EXIT_FAIL;
}

int main(int argc, char **argv) {
    /* a closed pipe (`nntrain train | tee log` after Ctrl-C) must not kill a
     * run before it has saved its files: writes fail with EPIPE instead */
    signal(SIGPIPE, SIG_IGN);
    static const command commands[] = {
        {"train", cmd_train},           {"eval", cmd_eval},
        {"bench", cmd_bench},           {"report", cmd_report},
        {"experiment", cmd_experiment}, {"predict", cmd_predict},
        {"export", cmd_export},
    };
    opterr = 0; /* the subcommands report bad options in one line */
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(main_help, argc < 2 ? stderr : stdout);
        return check_stdout("--help", argc < 2 ? CLI_EXIT_USAGE : 0);
    }
    if (!strcmp(argv[1], "--version")) {
        nn_sysinfo s;
        nn_sysinfo_get(&s);
        printf("nntrain %s (%s), oneDNN %s, ISA %s\n", s.version, s.commit,
               s.onednn_version, s.onednn_isa);
        return check_stdout("--version", 0);
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name))
            return check_stdout(argv[1], commands[i].run(argc - 1, argv + 1));
    fprintf(stderr, "nntrain: unknown command '%s'\nTry 'nntrain --help'.\n",
            argv[1]);
    return CLI_EXIT_USAGE;
}
