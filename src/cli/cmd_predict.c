/* cmd_predict.c: `nntrain predict`: class and probabilities of every image
 * of IDX or PGM files, as CSV. */
#include <errno.h>
#include <getopt.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "nn_atomic_file.h"
#include "nn_csv.h"
#include "nn_data.h"
#include "nn_export.h"
#include "nn_predict.h"

#define MAX_INPUTS 256

static const char predict_help[] =
    "Usage: nntrain predict RUN_DIR|CHECKPOINT --images FILE [--images FILE "
    "...]\n"
    "                       [--out CSV] [--logits] [--batch-size N] "
    "[--threads N]\n"
    "                       [--classes FILE]\n"
    "Classifies every image of IDX image files (gzipped or plain, as\n"
    "t10k-images-idx3-ubyte.gz) and binary PGM pictures (P5, 8-bit) of the\n"
    "model's input size with the run's weights (RUN_DIR/final.ckpt, else\n"
    "RUN_DIR/checkpoint.ckpt). One CSV row per image:\n"
    "  source,index,class,name,p0..pK-1  (p: softmax probabilities over\n"
    "                                     the model's K classes)\n\n"
    "  --images FILE   an IDX images file or a PGM picture (repeatable)\n"
    "  --out CSV       write the CSV there, atomically (default: stdout)\n"
    "  --logits        add the logits (the inputs of the softmax) as\n"
    "                  logit0..logitK-1 columns\n"
    "  --batch-size N  images per forward pass (default 256)\n"
    "  --threads N     OpenMP threads (default: all cores)\n"
    "  --classes FILE  class names, one a line, for the name column\n"
    "                  (default: the run's)\n"
    "  -h, --help      this help\n";

typedef struct {
    const char *files[MAX_INPUTS];
    int n_files;
    const char *out;
    const char *classes; /* --classes FILE, or NULL: the run's names */
    int logits, batch, threads;
} predict_opts;

/* All images of all files, one after the other, and where each file's
 * images start. */
typedef struct {
    float *images;            /* (n, input) */
    int n;
    int start[MAX_INPUTS + 1];
} image_set;

static int load_images(image_set *s, const predict_opts *o,
                       const nn_model *m, nn_err *err) {
    int input = nn_model_input_size(m);
    memset(s, 0, sizeof *s);
    for (int f = 0; f < o->n_files; f++) {
        float *px;
        int n;
        if (nn_images_load(o->files[f], m->in_h, m->in_w, &px, &n, err))
            return -1;
        float *all = realloc(s->images, ((size_t)s->n + n) * input *
                                            sizeof(float));
        if (!all) {
            free(px);
            return nn_errf(err, "%s: out of memory", o->files[f]);
        }
        memcpy(all + (size_t)s->n * input, px, (size_t)n * input * sizeof *px);
        free(px);
        s->images = all, s->start[f] = s->n, s->n += n;
    }
    s->start[o->n_files] = s->n;
    return 0;
}

static void write_csv(FILE *f, const predict_opts *o, const image_set *s,
                      const nn_class_names *names, const float *logits,
                      const float *probs, const uint8_t *pred) {
    int classes = names->n;
    fputs("source,index,class,name", f);
    for (int j = 0; j < classes; j++) fprintf(f, ",p%d", j);
    for (int j = 0; o->logits && j < classes; j++) fprintf(f, ",logit%d", j);
    fputc('\n', f);
    for (int file = 0; file < o->n_files; file++)
        for (int i = s->start[file]; i < s->start[file + 1]; i++) {
            nn_csv_field(f, o->files[file]);
            fprintf(f, ",%d,%d,", i - s->start[file], pred[i]);
            nn_csv_field(f, names->name[pred[i]]);
            /* %.9g: every float read back exactly */
            for (int j = 0; j < classes; j++)
                fprintf(f, ",%.9g", probs[(size_t)i * classes + j]);
            for (int j = 0; o->logits && j < classes; j++)
                fprintf(f, ",%.9g", logits[(size_t)i * classes + j]);
            fputc('\n', f);
        }
}

/* To --out through a temp file, or to stdout, checking every write. */
static int emit(const predict_opts *o, const image_set *s,
                const nn_class_names *names, const float *logits,
                const float *probs, const uint8_t *pred, nn_err *err) {
    if (!o->out) {
        write_csv(stdout, o, s, names, logits, probs, pred);
        if (fflush(stdout) != 0 || ferror(stdout))
            return nn_errf(err, "standard output: write failed: %s",
                           strerror(errno));
        return 0;
    }
    nn_atomic_file a;
    if (nn_atomic_open(&a, o->out, err)) return -1;
    write_csv(a.f, o, s, names, logits, probs, pred);
    return nn_atomic_commit(&a, err);
}

static int predict(const char *target, const predict_opts *o, nn_err *err) {
    char ckpt[NN_PATH_MAX];
    nn_predictor *p = NULL;
    image_set s = {0};
    float *logits = NULL, *probs = NULL;
    uint8_t *pred = NULL;
    nn_class_names *names = NULL;
    int rc = -1;
    if (nn_saved_model_path(ckpt, sizeof ckpt, target, err) ||
        nn_predictor_open(&p, ckpt, err))
        return -1;
    const nn_model *m = nn_predictor_model(p);
    const nn_class_names *use = &nn_predictor_config(p)->names;
    if (o->classes) {
        if (!(names = malloc(sizeof *names))) {
            nn_errf(err, "out of memory");
            goto done;
        }
        if (nn_class_names_read(names, o->classes, m->classes, err)) goto done;
        use = names;
    }
    if (load_images(&s, o, m, err)) goto done;
    size_t cells = (size_t)s.n * m->classes;
    logits = malloc(cells * sizeof *logits);
    probs = malloc(cells * sizeof *probs);
    pred = malloc((size_t)s.n + 1);
    if (!logits || !probs || !pred) {
        nn_errf(err, "out of memory for %d predictions", s.n);
        goto done;
    }
    if (nn_predictor_start(p, s.n < o->batch ? s.n : o->batch, o->threads,
                           err) ||
        nn_predictor_run(p, s.images, s.n, logits, probs, pred, err))
        goto done;
    rc = emit(o, &s, use, logits, probs, pred, err);
done:
    free(s.images), free(logits), free(probs), free(pred), free(names);
    nn_predictor_free(p);
    return rc;
}

int cmd_predict(int argc, char **argv) {
    static const struct option longs[] = {
        {"images", required_argument, 0, 'i'},
        {"out", required_argument, 0, 'o'},
        {"logits", no_argument, 0, 'l'},
        {"batch-size", required_argument, 0, 'b'},
        {"threads", required_argument, 0, 't'},
        {"classes", required_argument, 0, 'C'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    predict_opts o = {.batch = 256, .threads = omp_get_num_procs()};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        if (opt == 'h') return fputs(predict_help, stdout), 0;
        if (opt == '?' || opt == ':')
            return cli_bad_option("predict", opt, argv);
        if (opt == 'i') {
            if (o.n_files == MAX_INPUTS)
                return cli_usage_error("predict", "at most %d --images",
                                       MAX_INPUTS);
            o.files[o.n_files++] = optarg;
        }
        if (opt == 'o') o.out = optarg;
        if (opt == 'C' && !*(o.classes = optarg))
            return cli_usage_error("predict", "--classes: empty path");
        if (opt == 'l') o.logits = 1;
        if ((opt == 'b' && cli_parse_int("predict", "--batch-size", optarg,
                                         1, 65536, &o.batch)) ||
            (opt == 't' && cli_parse_int("predict", "--threads", optarg, 1,
                                         1024, &o.threads)))
            return CLI_EXIT_USAGE;
    }
    if (optind != argc - 1)
        return cli_usage_error("predict", "expected one RUN_DIR or "
                               "CHECKPOINT");
    if (!o.n_files)
        return cli_usage_error("predict", "--images FILE is required");
    nn_err err;
    return predict(argv[optind], &o, &err) ? cli_fail("predict", err.msg) : 0;
}
