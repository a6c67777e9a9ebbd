/* cmd_export.c: `nntrain export`: a run's weights as safetensors or ONNX. */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "nn_export.h"

static const char export_help[] =
    "Usage: nntrain export RUN_DIR|CHECKPOINT --format safetensors|onnx "
    "[--out FILE]\n"
    "Writes the weights of a run (RUN_DIR/final.ckpt, else\n"
    "RUN_DIR/checkpoint.ckpt) for use outside nntrain; needs no data set.\n\n"
    "  --format safetensors  the state_dict of the PyTorch nn.Sequential of\n"
    "                        the README's mapping (\"0.weight\", ...), with the\n"
    "                        layer table and the run's config as metadata\n"
    "  --format onnx         the inference graph (opset 13): input (N, 1, 28,\n"
    "                        28) in [0, 1], outputs logits and probabilities\n"
    "  --out FILE            (default: MODEL.safetensors or MODEL.onnx in the\n"
    "                        run folder); written atomically, replacing FILE\n"
    "  -h, --help            this help\n";

enum { FORMAT_SAFETENSORS, FORMAT_ONNX };

/* RUN_DIR/MODEL.EXT, or next to the checkpoint file. */
static int default_out(char *out, size_t size, const char *target,
                       const char *ckpt, const char *model, const char *ext,
                       nn_err *err) {
    struct stat st;
    char dir[NN_PATH_MAX], name[NN_MODEL_NAME + 16];
    if (stat(target, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (nn_path_copy(dir, sizeof dir, target, err)) return -1;
    } else {
        char copy[NN_PATH_MAX];
        if (nn_path_copy(copy, sizeof copy, ckpt, err)) return -1;
        snprintf(dir, sizeof dir, "%s", dirname(copy)); /* no longer */
    }
    snprintf(name, sizeof name, "%s.%s", model, ext);
    return nn_path_join(out, size, dir, name, err);
}

static int export_run(const char *target, int format, const char *out_flag) {
    static const char *const exts[] = {"safetensors", "onnx"};
    char ckpt[NN_PATH_MAX], out[NN_PATH_MAX];
    nn_err err;
    nn_model m;
    nn_train_config cfg;
    if (nn_saved_model_path(ckpt, sizeof ckpt, target, &err) ||
        nn_saved_model_load(&m, &cfg, ckpt, &err))
        return cli_fail("export", err.msg);
    int rc = out_flag ? nn_path_copy(out, sizeof out, out_flag, &err)
                      : default_out(out, sizeof out, target, ckpt, m.name,
                                    exts[format], &err);
    if (rc == 0)
        rc = format == FORMAT_ONNX ? nn_export_onnx(out, &m, &cfg, &err)
                                   : nn_export_safetensors(out, &m, &cfg, &err);
    nn_model_free(&m);
    if (rc) return cli_fail("export", err.msg);
    printf("%s: model %s from %s\n", out, cfg.model.name, ckpt);
    return 0;
}

int cmd_export(int argc, char **argv) {
    static const struct option longs[] = {
        {"format", required_argument, 0, 'f'},
        {"out", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    static const char *const formats[] = {"safetensors", "onnx"};
    int format = -1, opt;
    const char *out = NULL;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        if (opt == 'h') return fputs(export_help, stdout), 0;
        if (opt == '?' || opt == ':') return cli_bad_option("export", opt, argv);
        if (opt == 'o') out = optarg;
        if (opt == 'f' &&
            (format = cli_parse_choice("export", "--format", optarg, formats,
                                       2)) < 0)
            return CLI_EXIT_USAGE;
    }
    if (optind != argc - 1)
        return cli_usage_error("export", "expected one RUN_DIR or CHECKPOINT");
    if (format < 0)
        return cli_usage_error("export", "--format safetensors|onnx is "
                               "required");
    return export_run(argv[optind], format, out);
}
