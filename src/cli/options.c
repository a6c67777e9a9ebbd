/* options.c: strict parsing of option values and the training options
 * shared by `train` and `experiment`. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nn_data.h"

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "nntrain %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'nntrain %s --help'.\n", cmd);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

int cli_bad_option(const char *cmd, int opt, char **argv) {
    const char *arg = argv[optind - 1];
    if (opt == ':')
        return cli_usage_error(cmd, "option '%s' needs a value", arg);
    return cli_usage_error(cmd, "unknown option '%s'", arg);
}

int cli_fail(const char *cmd, const char *msg) {
    fprintf(stderr, "nntrain %s: %s\n", cmd, msg);
    return CLI_EXIT_FAIL;
}

int cli_parse_int(const char *cmd, const char *flag, const char *text, long min,
                  long max, int *out) {
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end) {
        cli_usage_error(cmd, "%s: '%s' is not an integer", flag, text);
        return -1;
    }
    if (v < min || v > max) {
        cli_usage_error(cmd, "%s: %ld is out of range %ld..%ld", flag, v, min,
                        max);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int cli_parse_u64(const char *cmd, const char *flag, const char *text,
                  uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-') {
        cli_usage_error(cmd, "%s: '%s' is not a non-negative integer", flag,
                        text);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_float(const char *cmd, const char *flag, const char *text,
                    float *out) {
    char *end;
    errno = 0;
    float v = strtof(text, &end);
    if (errno || end == text || *end || !isfinite(v)) {
        cli_usage_error(cmd, "%s: '%s' is not a number within float range",
                        flag, text);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_path(const char *cmd, const char *flag, const char *text,
                   char *dst) {
    size_t len = strlen(text);
    if (len == 0) {
        cli_usage_error(cmd, "%s: empty path", flag);
        return -1;
    }
    if (len >= NN_PATH_MAX) {
        cli_usage_error(cmd, "%s: path of %zu bytes is too long (at most %d)",
                        flag, len, NN_PATH_MAX - 1);
        return -1;
    }
    memcpy(dst, text, len + 1);
    return 0;
}

int cli_parse_choice(const char *cmd, const char *flag, const char *text,
                     const char *const *names, int n) {
    for (int i = 0; i < n; i++)
        if (strcmp(text, names[i]) == 0) return i;
    char list[256] = "";
    for (int i = 0; i < n; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                 i ? ", " : "", names[i]);
    cli_usage_error(cmd, "%s: unknown value '%s' (expected %s)", flag, text,
                    list);
    return -1;
}

int cli_parse_model(const char *cmd, const char *text, nn_model_desc *d) {
    nn_err err;
    if (nn_model_builtin(d, text, &err) == 0) return 0;
    /* a bare word that names no file is a mistyped built-in name */
    if (!strchr(text, '/') && access(text, F_OK) != 0)
        return cli_usage_error(cmd, "--model: unknown model '%s' (built in: "
                               "%s; or the path of a model file)", text,
                               nn_model_builtin_names());
    if (nn_model_load_file(d, text, &err)) return cli_fail(cmd, err.msg);
    return 0;
}

/* Sets *field from a choice among names; non-zero on a bad value. */
static int choose(const char *cmd, const char *flag, const char *arg,
                  const char *const *names, int n, int *field) {
    int i = cli_parse_choice(cmd, flag, arg, names, n);
    if (i < 0) return -1;
    *field = i;
    return 0;
}

/* --augment none, or crop=N and/or flip separated by a comma. */
static int parse_augment(const char *cmd, const char *arg,
                         nn_train_config *c) {
    int crop = 0, flip = 0, has_crop = 0;
    char buf[64], *part = buf;
    if (strcmp(arg, "none") == 0) {
        c->augment_crop = 0, c->augment_flip = 0;
        return 0;
    }
    snprintf(buf, sizeof buf, "%s", arg); /* a longer text is a bad part */
    for (;;) {
        char *comma = strchr(part, ',');
        if (comma) *comma = '\0';
        if (strncmp(part, "crop=", 5) == 0 && !has_crop) {
            if (cli_parse_int(cmd, "--augment crop", part + 5, 0,
                              NN_MAX_AUGMENT_CROP, &crop))
                return -1;
            has_crop = 1;
        } else if (strcmp(part, "flip") == 0 && !flip) {
            flip = 1;
        } else {
            cli_usage_error(cmd, "--augment: %s part '%s' (expected none, or "
                            "crop=N and/or flip separated by a comma)",
                            (has_crop && !strncmp(part, "crop=", 5)) ||
                                    (flip && !strcmp(part, "flip"))
                                ? "repeated" : "unknown",
                            part);
            return -1;
        }
        if (!comma) break;
        part = comma + 1;
    }
    c->augment_crop = crop, c->augment_flip = flip;
    return 0;
}

int cli_train_option(const char *cmd, int opt, const char *arg,
                     nn_train_config *c) {
    static const char *const losses[] = {"mse", "cross-entropy"};
    /* in nn_optim_kind's order */
    static const char *const optims[] = {"adam", "sgd", "adamw"};
    static const char *const schedules[] = {"constant", "cosine", "step"};
    static const char *const backends[] = {"onednn", "ref"};
    static const char *const precisions[] = {"f32", "bf16"};
    static const char *const parallels[] = {"intra", "batch", "auto"};
    static const char *const nan_policies[] = {"stop", "skip-batch"};
    int v = 0, bad;
    /* one option a line reads best as a table */
    // clang-format off
    switch (opt) {
    case 'e': bad = cli_parse_int(cmd, "--epochs", arg, 1, NN_MAX_EPOCHS, &c->epochs); break;
    case 'b': bad = cli_parse_int(cmd, "--batch-size", arg, 1, NN_MAX_BATCH, &c->batch_size); break;
    case 't': bad = cli_parse_int(cmd, "--threads", arg, 1, NN_MAX_THREADS, &c->threads); break;
    case 'n': bad = cli_parse_int(cmd, "--limit", arg, 1, NN_MAX_LIMIT, &c->limit); break;
    case 'V': bad = cli_parse_int(cmd, "--val", arg, 1, NN_MAX_VAL, &c->val); break;
    case 'C': bad = cli_parse_path(cmd, "--classes", arg, c->classes_file); break;
    case 'S': bad = cli_parse_int(cmd, "--save-every", arg, 0, NN_MAX_SAVE_EVERY, &c->save_every); break;
    case 's': bad = cli_parse_u64(cmd, "--seed", arg, &c->seed); break;
    case 'M':
        bad = cli_parse_float(cmd, "--momentum", arg, &c->momentum);
        if (!bad && !(c->momentum >= 0 && c->momentum < 1))
            bad = cli_usage_error(cmd, "--momentum: %s is out of range [0, 1)", arg);
        break;
    case 'l':
        bad = cli_parse_float(cmd, "--lr", arg, &c->lr);
        if (!bad && c->lr <= 0)
            bad = cli_usage_error(cmd, "--lr: %s must be positive", arg);
        break;
    case 'd': bad = cli_parse_path(cmd, "--data", arg, c->data_dir); break;
    case 'L': bad = choose(cmd, "--loss", arg, losses, 2, &v); c->loss = v; break;
    case 'O': bad = choose(cmd, "--optimizer", arg, optims, 3, &v); c->optim = v; break;
    case 'c': bad = choose(cmd, "--schedule", arg, schedules, 3, &v); c->schedule = v; break;
    case 'u': bad = cli_parse_int(cmd, "--warmup-epochs", arg, 0, NN_MAX_EPOCHS, &c->warmup_epochs); break;
    case 'a': bad = parse_augment(cmd, arg, c); break;
    case 'w':
        bad = cli_parse_float(cmd, "--weight-decay", arg, &c->weight_decay);
        if (!bad && !(c->weight_decay >= 0))
            bad = cli_usage_error(cmd, "--weight-decay: %s must be >= 0", arg);
        break;
    case 'B': bad = choose(cmd, "--backend", arg, backends, 2, &v); c->backend = v; break;
    case 'R': bad = choose(cmd, "--precision", arg, precisions, 2, &v); c->precision = v; break;
    case 'P': bad = choose(cmd, "--parallel", arg, parallels, 3, &v); c->parallel = v; break;
    case 'N': bad = choose(cmd, "--nan-policy", arg, nan_policies, 2, &v); c->nan_policy = v; break;
    default: return 0;
    }
    // clang-format on
    return bad ? -1 : 1;
}

int cli_train_options_end(const char *cmd, nn_train_config *c,
                          int weight_decay_given) {
    if (!weight_decay_given && c->optim == NN_OPTIM_ADAMW)
        c->weight_decay = NN_ADAMW_WEIGHT_DECAY;
    if (c->warmup_epochs > c->epochs)
        return cli_usage_error(cmd, "--warmup-epochs %d is more than the %d "
                               "epochs of the run", c->warmup_epochs,
                               c->epochs);
    return 0;
}

int cli_resolve_data(const char *cmd, nn_train_config *cfg) {
    nn_err err;
    char *dir = malloc(NN_PATH_MAX);
    if (!dir) return cli_fail(cmd, "out of memory");
    int rc = nn_data_find_dir(dir, NN_PATH_MAX,
                              cfg->data_dir[0] ? cfg->data_dir : NULL, &err);
    if (rc == 0) memcpy(cfg->data_dir, dir, strlen(dir) + 1);
    free(dir);
    return rc ? cli_fail(cmd, err.msg) : 0;
}
