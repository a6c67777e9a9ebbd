/* cmd_eval.c: `nntrain eval`: test-set accuracy of saved weights. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"
#include "trainer.h"

static const char eval_help[] =
    "Usage: nntrain eval RUN_DIR|CHECKPOINT [--threads N] [--data DIR]\n"
    "                    [--classes FILE]\n"
    "Evaluates saved weights (RUN_DIR/final.ckpt, or a checkpoint file) on\n"
    "the test images: loss, accuracy and the confusion matrix.\n\n"
    "  --threads N     OpenMP threads (default: all cores)\n"
    "  --data DIR      folder with the four IDX files (default: as saved)\n"
    "  --classes FILE  class names, one a line (default: the run's)\n"
    "  -h, --help      this help\n";

/* Rows and columns numbered, each row named (cut to 10 characters). */
static void print_confusion(const long *cm, const nn_class_names *names) {
    int k = names->n;
    printf("confusion matrix (rows true, columns predicted):\n%14s", "");
    for (int j = 0; j < k; j++) printf(" %5d", j);
    printf("\n");
    for (int i = 0; i < k; i++) {
        printf("%3d %-10.10s", i, names->name[i]);
        for (int j = 0; j < k; j++) printf(" %5ld", cm[(size_t)i * k + j]);
        printf("\n");
    }
}

static int evaluate(const char *path, const nn_open_opts *o) {
    nn_err err;
    nn_trainer *t;
    if (nn_trainer_open(&t, path, o, &err)) return cli_fail("eval", err.msg);
    const nn_train_config *c = nn_trainer_config(t);
    long *cm = malloc((size_t)c->names.n * c->names.n * sizeof *cm);
    double loss, acc;
    int rc = cm ? nn_trainer_test(t, &loss, &acc, cm, &err)
                : nn_errf(&err, "out of memory");
    if (rc == 0) {
        printf("%s: model %s, %d test images\n", path, c->model.name,
               nn_trainer_data(t)->test.n);
        printf("Test Loss: %.4f | Test Acc: %.2f\n", loss, acc);
        print_confusion(cm, &c->names);
    }
    free(cm);
    nn_trainer_free(t);
    return rc ? cli_fail("eval", err.msg) : 0;
}

int cmd_eval(int argc, char **argv) {
    static const struct option longs[] = {
        {"threads", required_argument, 0, 't'},
        {"data", required_argument, 0, 'd'},
        {"classes", required_argument, 0, 'C'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int threads = 0, opt;
    const char *data = "", *classes = NULL;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        if (opt == 'h') return fputs(eval_help, stdout), 0;
        if (opt == 't' && cli_parse_int("eval", "--threads", optarg, 1, NN_MAX_THREADS,
                                        &threads))
            return CLI_EXIT_USAGE;
        if (opt == 'd') data = optarg;
        if (opt == 'C' && !*(classes = optarg))
            return cli_usage_error("eval", "--classes: empty path");
        if (opt == '?' || opt == ':') return cli_bad_option("eval", opt, argv);
    }
    if (optind != argc - 1)
        return cli_usage_error("eval", "expected one RUN_DIR or CHECKPOINT");
    char path[NN_PATH_MAX];
    struct stat st;
    const char *target = argv[optind];
    nn_err err;
    if ((stat(target, &st) == 0 && S_ISDIR(st.st_mode))
            ? nn_path_join(path, sizeof path, target, NN_FINAL_FILE, &err)
            : nn_path_copy(path, sizeof path, target, &err))
        return cli_fail("eval", err.msg);
    nn_open_opts o = {0, threads, data, 1, 0, classes};
    return evaluate(path, &o);
}
