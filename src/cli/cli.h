/* cli.h: the nntrain command line: one function per subcommand, and the
 * option parsing and printing they share. Only the CLI prints usage or
 * exits; exit codes: 0 done, 1 failed, 2 bad usage, 130 interrupted. */
#ifndef NN_CLI_H
#define NN_CLI_H

#include <stdint.h>

#include "nn_train.h"

#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2
/* interrupted by signal S: 128 + S (130 for Ctrl-C, 143 for SIGTERM) */
#define CLI_EXIT_SIGNAL_BASE 128

int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_experiment(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_predict(int argc, char **argv);

/* Prints "nntrain CMD: message" and "Try 'nntrain CMD --help'." to stderr
 * and returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The usage error for getopt_long's '?' (unknown option) or ':' (missing
 * value; the option strings start with ':'), naming the option. */
int cli_bad_option(const char *cmd, int opt, char **argv);
/* Prints "nntrain CMD: message" to stderr and returns CLI_EXIT_FAIL. */
int cli_fail(const char *cmd, const char *msg);

/* Strict number parsing: the whole text must be a number in [min, max]. */
int cli_parse_int(const char *cmd, const char *flag, const char *text,
                  long min, long max, int *out);
int cli_parse_u64(const char *cmd, const char *flag, const char *text,
                  uint64_t *out);
int cli_parse_float(const char *cmd, const char *flag, const char *text,
                    float *out);
/* A path option into a buffer of NN_PATH_MAX bytes: -1 after a usage
 * error when it is empty or too long. */
int cli_parse_path(const char *cmd, const char *flag, const char *text,
                   char *dst);
/* --model NAME|FILE: a built-in model's name, else a model file, parsed
 * into *d. Returns 0, CLI_EXIT_USAGE for a name that is neither, or
 * CLI_EXIT_FAIL for a model file that cannot be read or parsed (the
 * message names the file and line). */
int cli_parse_model(const char *cmd, const char *text, nn_model_desc *d);
/* Index of text in names[0..n), or -1 after a usage error. */
int cli_parse_choice(const char *cmd, const char *flag, const char *text,
                     const char *const *names, int n);

/* The training options shared by `train` and `experiment`. Returns 1 when
 * opt was one of them (and *cfg updated), 0 when not, -1 on a bad value. */
int cli_train_option(const char *cmd, int opt, const char *arg,
                     nn_train_config *cfg);
#define CLI_TRAIN_LONG_OPTIONS                                  \
    {"epochs", required_argument, 0, 'e'},                      \
    {"batch-size", required_argument, 0, 'b'},                  \
    {"lr", required_argument, 0, 'l'},                          \
    {"seed", required_argument, 0, 's'},                        \
    {"threads", required_argument, 0, 't'},                     \
    {"limit", required_argument, 0, 'n'},                       \
    {"loss", required_argument, 0, 'L'},                        \
    {"optimizer", required_argument, 0, 'O'},                   \
    {"momentum", required_argument, 0, 'M'},                    \
    {"backend", required_argument, 0, 'B'},                     \
    {"precision", required_argument, 0, 'R'},                   \
    {"parallel", required_argument, 0, 'P'},                    \
    {"data", required_argument, 0, 'd'},                        \
    {"save-every", required_argument, 0, 'S'},                  \
    {"nan-policy", required_argument, 0, 'N'},                  \
    {"weight-decay", required_argument, 0, 'w'},                \
    {"schedule", required_argument, 0, 'c'},                    \
    {"warmup-epochs", required_argument, 0, 'u'},               \
    {"augment", required_argument, 0, 'a'},                  \
    {"val", required_argument, 0, 'V'},                         \
    {"classes", required_argument, 0, 'C'}
#define CLI_TRAIN_OPTIONS_HELP                                                \
    "  --epochs N          epochs to train (default 50)\n"                    \
    "  --batch-size N      images per step (default 64)\n"                    \
    "  --lr X              learning rate (default 0.001)\n"                   \
    "  --seed N            seed of the split, init and shuffling (default 42)\n" \
    "  --threads N         OpenMP threads (default: all cores)\n"             \
    "  --limit N           train on the first N training images only\n"      \
    "  --loss mse|cross-entropy    (default mse, the seed's)\n"               \
    "  --optimizer adam|adamw|sgd  (default adam)\n"                          \
    "  --momentum X        SGD momentum (default 0.9)\n"                      \
    "  --weight-decay X    adamw: decoupled, as PyTorch's AdamW (default\n"   \
    "                      0.01); adam, sgd: L2 in the gradient (default 0)\n" \
    "  --schedule constant|cosine|step  learning rate over the run: cosine\n" \
    "                      per step to ~0, step x0.1 at 50% and 75% of the\n" \
    "                      epochs (default constant)\n"                        \
    "  --warmup-epochs N   lr rises linearly over the first N epochs (0)\n"   \
    "  --augment none|crop=N|flip|crop=N,flip  training images shifted by\n"  \
    "                      up to N pixels (zero fill), flipped left-right at\n" \
    "                      random (default none)\n"                           \
    "  --backend onednn|ref        (default onednn)\n"                        \
    "  --precision f32|bf16        bf16 needs AVX512_BF16 (default f32)\n"    \
    "  --parallel intra|batch|auto (default auto)\n"                          \
    "  --data DIR          folder with the four IDX .gz files (Fashion-MNIST,\n" \
    "                      MNIST, KMNIST, EMNIST, ...)\n"                    \
    "  --val N             validation images taken from the training file\n" \
    "                      (default 6000)\n"                                  \
    "  --classes FILE      class names, one a line (default: Fashion-MNIST's\n" \
    "                      for Fashion-MNIST, else 0, 1, ...)\n"            \
    "  --save-every N      checkpoint every N epochs, 0 never (default 1)\n"  \
    "  --nan-policy stop|skip-batch  on a NaN/Inf loss or gradient\n"

/* After the last option of a new run: AdamW's default weight decay unless
 * --weight-decay was given, and the checks that involve two options.
 * Returns 0, or CLI_EXIT_USAGE after a usage error. */
int cli_train_options_end(const char *cmd, nn_train_config *cfg,
                          int weight_decay_given);

/* Finds the data folder (flag, $NNTRAIN_DATA, ./data/fashion-mnist,
 * /usr/share/datasets/fashion-mnist) into cfg->data_dir. */
int cli_resolve_data(const char *cmd, nn_train_config *cfg);

/* Start banner (version, oneDNN, ISA, threads, seed) and model summary. */
void cli_print_banner(const nn_train_config *cfg, const nn_model *m,
                      const nn_splits *data, const char *parallel);
/* From now on SIGINT, SIGTERM and SIGHUP ask the training to stop: called
 * before any work, so that a signal during loading is not lost either. */
void cli_catch_stop_signals(void);
/* Trains to the end with progress output; a stop signal ends it after the
 * current batch with a checkpoint and exit code 128 + signal. */
int cli_run_training(const char *cmd, nn_trainer *t);
/* A new run of cfg: build, banner, train to the end. Returns an exit code. */
int cli_train_new(const char *cmd, const nn_train_config *cfg);

#endif
