/* cmd_train.c: `nntrain train`: one model, one run folder. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "nn_comm.h"
#include "nn_export.h"
#include "trainer.h"

static const char train_help[] =
    "Usage: nntrain train [--model mlp|cnn|FILE] [options]\n"
    "       nntrain train --resume RUN_DIR [--epochs N] [--threads N] [--data DIR]\n"
    "                     [--val N (the run's)]\n"
    "Trains one model on an IDX image set (default Fashion-MNIST) with the\n"
    "seed's recipe (Adam, MSE on softmax, batch 64, 50 epochs) and writes\n"
    "the run folder: metrics.csv, confusion_test.csv, summary.json,\n"
    "checkpoint.ckpt and final.ckpt.\n\n"
    "  --model mlp|cnn|FILE  the seed's MLP or CNN, or a model file\n"
    "                      (models/README.md; default cnn)\n"
    "  --out DIR           run folder (default: runs/<model>, or the next free\n"
    "                      runs/<model>-N); a folder holding a run is refused\n"
    "  --overwrite         replace the run that --out holds\n"
    "  --resume RUN_DIR    continue the run saved in RUN_DIR/checkpoint.ckpt\n"
    "                      (a new --epochs only with the constant schedule)\n"
    "  --init-from FILE    start from the weights of a safetensors file (the\n"
    "                      PyTorch state_dict of README's mapping; new runs)\n"
    CLI_TRAIN_OPTIONS_HELP
    "  -h, --help          this help\n";

/* Options that make a new run and cannot change a saved one. */
static int fixed_on_resume(int opt) { return strchr("bslnLOMBRPSNmWwcuaC", opt) != NULL; }

static int resume(const char *run_dir, nn_train_config *flags,
                  int epochs_given, int threads_given, int val_given) {
    int rc;
    if (flags->data_dir[0] && (rc = cli_resolve_data("train", flags)))
        return rc;
    char path[NN_PATH_MAX];
    nn_err err;
    if (nn_path_join(path, sizeof path, run_dir, NN_CHECKPOINT_FILE, &err))
        return cli_fail("train", err.msg);
    nn_open_opts o = {epochs_given ? flags->epochs : 0,
                      threads_given ? flags->threads : 0, flags->data_dir, 0,
                      val_given ? flags->val : 0, NULL};
    nn_trainer *t;
    if (nn_trainer_open(&t, path, &o, &err)) return cli_fail("train", err.msg);
    const nn_train_config *c = nn_trainer_config(t);
    if (c->threads != nn_trainer_saved_threads(t))
        fprintf(stderr, "nntrain train: warning: the run was trained with %d "
                "threads, now %d: its numbers will differ from an "
                "uninterrupted run's\n", nn_trainer_saved_threads(t),
                c->threads);
    cli_print_banner(c, nn_trainer_model(t), nn_trainer_data(t),
                     nn_trainer_parallel(t));
    printf("resuming after epoch %d of %d\n", nn_trainer_epochs_done(t),
           c->epochs);
    rc = cli_run_training("train", t);
    nn_trainer_free(t);
    return rc;
}

/* runs/<model>, or the next free runs/<model>-N: the default never lands
 * on an existing run. Under MPI rank 0's choice, before it creates it. */
static int default_out(nn_train_config *cfg) {
    char base[NN_MODEL_NAME + 8];
    nn_err err;
    snprintf(base, sizeof base, "runs/%s", cfg->model.name);
    int rc = nn_comm_rank() == 0 &&
             nn_run_dir_next_free(cfg->out_dir, sizeof cfg->out_dir, base,
                                  NULL, 0, &err);
    if (nn_comm_agree(rc, &err) ||
        nn_comm_bcast(cfg->out_dir, sizeof cfg->out_dir, 0, &err))
        return cli_fail("train", err.msg);
    return 0;
}

/* The weights file fits the model: checked before the run folder exists,
 * so that a bad file leaves nothing behind. */
static int check_init_from(const char *path, const nn_model_desc *model) {
    nn_model m;
    nn_err err;
    if (nn_model_init(&m, model, &err)) return cli_fail("train", err.msg);
    int rc = nn_model_load_safetensors(&m, path, &err);
    nn_model_free(&m);
    return rc ? cli_fail("train", err.msg) : 0;
}

/* A new run whose initial weights come from a safetensors file. */
static int train_from(const nn_train_config *cfg, const char *init_from) {
    int rc;
    if ((rc = check_init_from(init_from, &cfg->model))) return rc;
    nn_err err;
    nn_trainer *t;
    if (nn_trainer_create(&t, cfg, &err)) return cli_fail("train", err.msg);
    if (nn_trainer_init_from(t, init_from, &err)) {
        nn_trainer_free(t);
        return cli_fail("train", err.msg);
    }
    cli_print_banner(nn_trainer_config(t), nn_trainer_model(t),
                     nn_trainer_data(t), nn_trainer_parallel(t));
    printf("initial weights from %s\n", init_from);
    rc = cli_run_training("train", t);
    nn_trainer_free(t);
    return rc;
}

int cmd_train(int argc, char **argv) {
    static const struct option longs[] = {
        CLI_TRAIN_LONG_OPTIONS,
        {"model", required_argument, 0, 'm'},
        {"out", required_argument, 0, 'o'},
        {"resume", required_argument, 0, 'r'},
        {"overwrite", no_argument, 0, 'W'},
        {"init-from", required_argument, 0, 'I'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    nn_train_config cfg;
    nn_train_config_default(&cfg);
    const char *resume_dir = NULL, *init_from = NULL;
    int epochs_given = 0, threads_given = 0, val_given = 0, fixed_given = 0;
    int wd_given = 0;
    int opt, rc;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        if (opt == 'h') return fputs(train_help, stdout), 0;
        if (opt == '?' || opt == ':') return cli_bad_option("train", opt, argv);
        epochs_given |= opt == 'e', threads_given |= opt == 't';
        wd_given |= opt == 'w';
        val_given |= opt == 'V';
        fixed_given |= fixed_on_resume(opt);
        if (opt == 'o') {
            if (cli_parse_path("train", "--out", optarg, cfg.out_dir))
                return CLI_EXIT_USAGE;
        } else if (opt == 'r') resume_dir = optarg;
        else if (opt == 'W') cfg.overwrite = 1;
        else if (opt == 'I') init_from = optarg;
        else if (opt == 'm') {
            if ((rc = cli_parse_model("train", optarg, &cfg.model)))
                return rc;
        } else if (cli_train_option("train", opt, optarg, &cfg) < 0)
            return CLI_EXIT_USAGE;
    }
    if (optind < argc)
        return cli_usage_error("train", "unexpected argument '%s'", argv[optind]);
    if (resume_dir && init_from)
        return cli_usage_error("train", "--init-from starts a new run: it "
                               "cannot be combined with --resume");
    cli_catch_stop_signals();
    if (resume_dir) {
        if (fixed_given || cfg.out_dir[0])
            return cli_usage_error("train", "with --resume only --epochs, "
                                   "--threads, --data and the run's own "
                                   "--val may be given");
        if (strlen(resume_dir) == 0)
            return cli_usage_error("train", "--resume: empty folder name");
        return resume(resume_dir, &cfg, epochs_given, threads_given,
                      val_given);
    }
    if ((rc = cli_train_options_end("train", &cfg, wd_given))) return rc;
    if (!cfg.out_dir[0] && (rc = default_out(&cfg))) return rc;
    if ((rc = cli_resolve_data("train", &cfg))) return rc;
    return init_from ? train_from(&cfg, init_from)
                     : cli_train_new("train", &cfg);
}
