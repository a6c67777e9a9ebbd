/* parse.c: model files -> layer tables. One layer a line, `#` starts a
 * comment; the format is described in models/README.md. Each layer's shape
 * is checked as soon as its line is read, so an error names the line that
 * broke the model. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "nn_model.h"
#include "nn_path.h"

#define MAX_LINE 1024
#define MAX_WORDS 8
#define MAX_FILE_BYTES (64 * 1024)

typedef struct {
    const char *source; /* file name for messages */
    int line;
    nn_model_desc *d;
    nn_layer shapes[NN_MAX_LAYERS]; /* each layer's shape, as it is read */
    int have_input;
    nn_err *err;
} parser;

/* "SOURCE:LINE: why" into p->err; returns -1. */
__attribute__((format(printf, 2, 3)))
static int fail(parser *p, const char *fmt, ...) {
    char why[sizeof p->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return nn_errf(p->err, "%s:%d: %s", p->source, p->line, why);
}

/* A whole number in [lo, hi]. */
static int number(parser *p, const char *what, const char *text, int lo,
                  int hi, int *out) {
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (!isdigit((unsigned char)text[0]) || *end || errno)
        return fail(p, "%s: '%s' is not a whole number", what, text);
    if (v < lo || v > hi)
        return fail(p, "%s: %ld is out of range %d..%d", what, v, lo, hi);
    *out = (int)v;
    return 0;
}

/* Options after the positional numbers: "stride=2", "pad=1". */
static int options(parser *p, const char *layer, char **words, int n,
                   const char *const *names, int **values, int n_names) {
    for (int i = 0; i < n; i++) {
        char *eq = strchr(words[i], '=');
        int k = -1;
        if (eq) {
            *eq = '\0';
            for (int j = 0; j < n_names; j++)
                if (strcmp(words[i], names[j]) == 0) k = j;
            if (k < 0) *eq = '=';
        }
        if (k < 0) return fail(p, "%s: unexpected '%s'", layer, words[i]);
        char what[64];
        snprintf(what, sizeof what, "%s %s", layer, names[k]);
        if (number(p, what, eq + 1, k == 0 ? 1 : 0, NN_MAX_SIDE, values[k]))
            return -1;
    }
    return 0;
}

static int expect_args(parser *p, const char *layer, int n, int want,
                       const char *what) {
    if (n < want) return fail(p, "%s: missing %s", layer, what);
    return 0;
}

static int parse_input(parser *p, char **w, int n) {
    nn_model_desc *d = p->d;
    if (d->n_layers)
        return fail(p, "'input' must come before the layers");
    if (p->have_input) return fail(p, "a second 'input' line");
    if (expect_args(p, "input", n, 4, "channels, height and width") ||
        number(p, "input channels", w[1], 1, NN_MAX_SIDE, &d->in_c) ||
        number(p, "input height", w[2], 1, NN_MAX_SIDE, &d->in_h) ||
        number(p, "input width", w[3], 1, NN_MAX_SIDE, &d->in_w))
        return -1;
    if (n > 4) return fail(p, "input: unexpected '%s'", w[4]);
    p->have_input = 1;
    return 0;
}

/* A layer line's words into spec; relu is handled by the caller. */
static int parse_spec(parser *p, char **w, int n, nn_layer_spec *s) {
    const char *name = w[0];
    memset(s, 0, sizeof *s);
    if (strcmp(name, "conv") == 0) {
        static const char *const opt[] = {"stride", "pad"};
        s->kind = NN_LAYER_CONV, s->stride = 1;
        int *vals[] = {&s->stride, &s->pad};
        if (expect_args(p, "conv", n, 3, "output channels and kernel size") ||
            number(p, "conv output channels", w[1], 1, NN_MAX_SIDE, &s->out) ||
            number(p, "conv kernel", w[2], 1, NN_MAX_SIDE, &s->kernel))
            return -1;
        return options(p, "conv", w + 3, n - 3, opt, vals, 2);
    }
    if (strcmp(name, "maxpool") == 0 || strcmp(name, "avgpool") == 0) {
        static const char *const opt[] = {"stride"};
        s->kind = name[0] == 'm' ? NN_LAYER_MAXPOOL : NN_LAYER_AVGPOOL;
        int *vals[] = {&s->stride};
        if (expect_args(p, name, n, 2, "window size") ||
            number(p, name, w[1], 1, NN_MAX_SIDE, &s->kernel))
            return -1;
        s->stride = s->kernel;
        return options(p, name, w + 2, n - 2, opt, vals, 1);
    }
    if (strcmp(name, "dense") == 0) {
        s->kind = NN_LAYER_DENSE;
        if (expect_args(p, "dense", n, 2, "output count") ||
            number(p, "dense outputs", w[1], 1, 1 << 20, &s->out))
            return -1;
        return n > 2 ? fail(p, "dense: unexpected '%s'", w[2]) : 0;
    }
    if (strcmp(name, "dropout") == 0) {
        s->kind = NN_LAYER_DROPOUT;
        if (expect_args(p, "dropout", n, 2, "probability")) return -1;
        char *end;
        errno = 0;
        double v = strtod(w[1], &end);
        if (*end || errno || end == w[1] || !(v >= 0 && v < 1))
            return fail(p, "dropout: '%s' is not a probability in [0, 1)",
                        w[1]);
        s->p = (float)v;
        return n > 2 ? fail(p, "dropout: unexpected '%s'", w[2]) : 0;
    }
    if (strcmp(name, "batchnorm") == 0 || strcmp(name, "relu") == 0) {
        s->kind = name[0] == 'b' ? NN_LAYER_BATCHNORM : NN_LAYER_RELU;
        return n > 1 ? fail(p, "%s: unexpected '%s'", name, w[1]) : 0;
    }
    return fail(p, "unknown layer '%s' (expected input, conv, dense, maxpool, "
                "avgpool, batchnorm, dropout or relu)", name);
}

/* Appends s after checking that it fits the previous layer's output. A
 * ReLU after a layer that can carry one is fused into it. */
static int add_layer(parser *p, const nn_layer_spec *s) {
    nn_model_desc *d = p->d;
    nn_layer *prev = d->n_layers ? &p->shapes[d->n_layers - 1] : NULL;
    if (s->kind == NN_LAYER_RELU && prev && !prev->spec.relu &&
        nn_layer_fuses_relu(prev->spec.kind)) {
        prev->spec.relu = 1;
        d->layers[d->n_layers - 1].relu = 1;
        return 0;
    }
    if (d->n_layers == NN_MAX_LAYERS) {
        return fail(p, "too many layers (at most %d)", NN_MAX_LAYERS);
    }
    nn_layer *l = &p->shapes[d->n_layers];
    memset(l, 0, sizeof *l);
    l->spec = *s;
    if (prev)
        l->in_c = prev->out_c, l->in_h = prev->out_h, l->in_w = prev->out_w;
    else
        l->in_c = d->in_c, l->in_h = d->in_h, l->in_w = d->in_w;
    nn_err why;
    if (nn_layer_shape(l, prev, &why)) return fail(p, "%s", why.msg);
    d->layers[d->n_layers++] = *s;
    return 0;
}

/* Splits line (modified) into words; strips a # comment. */
static int split(char *line, char **words, int max, int *n) {
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    *n = 0;
    for (char *t = strtok(line, " \t\r"); t; t = strtok(NULL, " \t\r")) {
        if (*n == max) return -1;
        words[(*n)++] = t;
    }
    return 0;
}

static int parse_line(parser *p, char *line) {
    for (const char *c = line; *c; c++)
        if (!isprint((unsigned char)*c) && *c != '\t' && *c != '\r')
            return fail(p, "not text (a control or non-ASCII byte)");
    char *w[MAX_WORDS];
    int n;
    if (split(line, w, MAX_WORDS, &n))
        return fail(p, "too many words for a layer line");
    if (n == 0) return 0;
    if (strcmp(w[0], "input") == 0) return parse_input(p, w, n);
    nn_layer_spec s;
    if (parse_spec(p, w, n, &s)) return -1;
    if (!p->have_input)
        return fail(p, "the first line must be 'input C H W' (the "
                    "shape of one image)");
    return add_layer(p, &s);
}

int nn_model_parse(nn_model_desc *d, const char *text, const char *source,
                   const char *name, nn_err *err) {
    parser p = {.source = source, .d = d, .err = err};
    memset(d, 0, sizeof *d);
    if (strlen(name) >= sizeof d->name)
        return nn_errf(err, "%s: model name '%s' is longer than %d bytes",
                       source, name, NN_MODEL_NAME - 1);
    snprintf(d->name, sizeof d->name, "%s", name);
    char line[MAX_LINE];
    for (const char *at = text; *at;) {
        const char *nl = strchr(at, '\n');
        size_t len = nl ? (size_t)(nl - at) : strlen(at);
        p.line++;
        if (len >= sizeof line)
            return fail(&p, "line longer than %d bytes", MAX_LINE - 1);
        memcpy(line, at, len);
        line[len] = '\0';
        if (parse_line(&p, line)) return -1;
        at += len + (nl != NULL);
    }
    if (!p.have_input)
        return nn_errf(err, "%s: no 'input C H W' line (an empty model)",
                       source);
    if (d->n_layers == 0) return nn_errf(err, "%s: no layers", source);
    const nn_layer *last = &p.shapes[d->n_layers - 1];
    if (last->spec.kind != NN_LAYER_DENSE || last->spec.relu)
        return nn_errf(err, "%s: no logits layer: the last layer must be "
                       "'dense N' (N classes) with no relu after it", source);
    if (last->out_c < 2 || last->out_c > NN_MAX_CLASSES)
        return nn_errf(err, "%s: the last layer has %d outputs; a classifier "
                       "has 2..%d classes", source, last->out_c,
                       NN_MAX_CLASSES);
    return 0;
}

int nn_model_load_file(nn_model_desc *d, const char *path, nn_err *err) {
    unsigned char *bytes;
    size_t size;
    if (nn_read_file(path, "a model file", MAX_FILE_BYTES, &bytes, &size,
                     err))
        return -1;
    if (memchr(bytes, '\0', size)) {
        free(bytes);
        return nn_errf(err, "%s: not a model file (it holds NUL bytes)", path);
    }
    char *text = malloc(size + 1);
    if (!text) {
        free(bytes);
        return nn_errf(err, "%s: out of memory", path);
    }
    memcpy(text, bytes, size);
    text[size] = '\0';
    free(bytes);
    /* the name: the file's, without folder and ".txt" */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char name[NN_MODEL_NAME];
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".txt") == 0) n -= 4;
    if (n >= sizeof name) n = sizeof name - 1;
    memcpy(name, base, n);
    name[n] = '\0';
    int rc = nn_model_parse(d, text, path, name, err);
    free(text);
    return rc;
}
