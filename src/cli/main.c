/* main.c: `nntrain SUBCOMMAND ...`: dispatch to the subcommands. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nn_comm.h"
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
    "  --version   print version, commit, oneDNN version, ISA and MPI\n";

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    int ranks; /* 1: runs on several MPI ranks; 0: one process only */
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

/* Rank 0 speaks: the other ranks' standard output is dropped and their
 * standard error held in a temporary file (returned), whose error line is
 * shown only when that rank alone failed (an error rank 0 could not see,
 * such as a data folder missing on its node). */
static FILE *quiet_rank(void) {
    if (nn_comm_rank() == 0) return NULL;
    FILE *held = tmpfile();
    if (!freopen("/dev/null", "w", stdout) || !held) return NULL;
    fflush(stderr);
    if (dup2(fileno(held), STDERR_FILENO) < 0) return fclose(held), NULL;
    return held;
}

/* The last error line this rank printed ("nntrain CMD: why"), without its
 * "nntrain CMD: " (warnings and the usage hint left out). */
static void held_error(FILE *held, nn_err *err) {
    char line[sizeof err->msg];
    err->msg[0] = '\0';
    if (!held) return;
    fflush(stderr);
    rewind(held);
    while (fgets(line, sizeof line, held)) {
        char *why = strstr(line, ": ");
        if (strncmp(line, "nntrain ", 8) || !why ||
            !strncmp(why, ": warning:", 10))
            continue;
        line[strcspn(line, "\n")] = '\0';
        snprintf(err->msg, sizeof err->msg, "%s", why + 2);
    }
}

/* Every rank ends non-zero when any failed, and the failure is told once.
 * One the ranks agreed on in the trainer (nn_comm_agree) was printed there
 * by rank 0; here the ranks agree on the rest, and rank 0 prints the first
 * failing rank's line when that was not itself. */
static int end_ranks(int rc, const char *cmd, FILE *held) {
    if (nn_comm_size() > 1 && !nn_comm_failed()) {
        nn_err err;
        held_error(held, &err);
        if (nn_comm_agree(rc, &err)) {
            if (nn_comm_rank() == 0 && nn_comm_failed_rank() > 0)
                fprintf(stderr, "nntrain %s: rank %d: %s\n", cmd,
                        nn_comm_failed_rank(), err.msg);
            if (!rc) rc = CLI_EXIT_FAIL;
        }
    }
    nn_comm_finalize();
    return rc;
}

static int run_command(int argc, char **argv);

int main(int argc, char **argv) {
    /* a closed pipe (`nntrain train | tee log` after Ctrl-C) must not kill a
     * run before it has saved its files: writes fail with EPIPE instead */
    signal(SIGPIPE, SIG_IGN);
    nn_err err;
    if (nn_comm_init(&argc, &argv, &err)) {
        fprintf(stderr, "nntrain: %s\n", err.msg);
        return CLI_EXIT_FAIL;
    }
    FILE *held = quiet_rank();
    int rc = run_command(argc, argv);
    return end_ranks(rc, argc > 1 ? argv[1] : "", held);
}

static int run_command(int argc, char **argv) {
    static const command commands[] = {
        {"train", cmd_train, 1},           {"eval", cmd_eval, 1},
        {"bench", cmd_bench, 1},           {"report", cmd_report, 0},
        {"experiment", cmd_experiment, 0}, {"predict", cmd_predict, 0},
        {"export", cmd_export, 0},
    };
    opterr = 0; /* the subcommands report bad options in one line */
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(main_help, argc < 2 ? stderr : stdout);
        return check_stdout("--help", argc < 2 ? CLI_EXIT_USAGE : 0);
    }
    if (!strcmp(argv[1], "--version")) {
        nn_sysinfo s;
        nn_sysinfo_get(&s);
        printf("nntrain %s (%s), oneDNN %s, ISA %s, %s\n", s.version,
               s.commit, s.onednn_version, s.onednn_isa, nn_comm_library());
        return check_stdout("--version", 0);
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        if (strcmp(argv[1], commands[i].name)) continue;
        if (!commands[i].ranks && nn_comm_size() > 1)
            return cli_usage_error(argv[1], "runs in one process, not on %d "
                                   "MPI ranks (start it without mpirun)",
                                   nn_comm_size());
        return check_stdout(argv[1], commands[i].run(argc - 1, argv + 1));
    }
    fprintf(stderr, "nntrain: unknown command '%s'\nTry 'nntrain --help'.\n",
            argv[1]);
    return CLI_EXIT_USAGE;
}
