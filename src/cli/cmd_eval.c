/* cmd_eval.c: `nntrain eval`: test-set accuracy of saved weights. */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cli.h"
#include "trainer.h"

static const char eval_help[] =
    "Usage: nntrain eval RUN_DIR|CHECKPOINT [--threads N] [--data DIR]\n"
    "Evaluates saved weights (RUN_DIR/final.ckpt, or a checkpoint file) on\n"
    "the 10,000 test images: loss, accuracy and the confusion matrix.\n\n"
    "  --threads N   OpenMP threads (default: all cores)\n"
    "  --data DIR    folder with the Fashion-MNIST files (default: as saved)\n"
    "  -h, --help    this help\n";

static void print_confusion(const long cm[NN_CLASSES][NN_CLASSES]) {
    printf("confusion matrix (rows true, columns predicted):\n%12s", "");
    for (int j = 0; j < NN_CLASSES; j++) printf(" %5d", j);
    printf("\n");
    for (int i = 0; i < NN_CLASSES; i++) {
        printf("%d %-10.10s", i, nn_class_names[i]);
        for (int j = 0; j < NN_CLASSES; j++) printf(" %5ld", cm[i][j]);
        printf("\n");
    }
}

int cmd_eval(int argc, char **argv) {
    static const struct option longs[] = {
        {"threads", required_argument, 0, 't'},
        {"data", required_argument, 0, 'd'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int threads = 0, opt;
    const char *data = "";
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        if (opt == 'h') return fputs(eval_help, stdout), 0;
        if (opt == 't' && cli_parse_int("eval", "--threads", optarg, 1, NN_MAX_THREADS,
                                        &threads))
            return CLI_EXIT_USAGE;
        if (opt == 'd') data = optarg;
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
    nn_open_opts o = {0, threads, data, 1};
    nn_trainer *t;
    if (nn_trainer_open(&t, path, &o, &err)) return cli_fail("eval", err.msg);
    double loss, acc;
    long cm[NN_CLASSES][NN_CLASSES];
    int rc = nn_trainer_test(t, &loss, &acc, cm, &err);
    if (rc == 0) {
        printf("%s: model %s, %d test images\n", path,
               nn_trainer_config(t)->model.name, nn_trainer_data(t)->test.n);
        printf("Test Loss: %.4f | Test Acc: %.2f\n", loss, acc);
        print_confusion(cm);
    }
    nn_trainer_free(t);
    return rc ? cli_fail("eval", err.msg) : 0;
}
