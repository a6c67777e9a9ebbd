/* checkpoint.c: the checkpoint file (layout in checkpoint.h): written
 * little-endian field by field with a running CRC32, read whole and verified
 * completely before anything in the state changes. */
#include "checkpoint.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "nn_atomic_file.h"
#include "nn_path.h"

#define CKPT_MAGIC "NNTCKPT1"
#define CKPT_VERSION 3u
#define CKPT_MAX_BYTES (2ull << 30) /* 2 GiB */
#define MAGIC_BYTES 8
#define NAME_BYTES NN_MODEL_NAME /* nn_train_config.model.name */
#define FINGERPRINT_BYTES (NN_DATA_FILES * (8 + 4))
/* weight_decay, schedule, warmup_epochs, augment_crop, augment_flip */
#define RECIPE_BYTES (5 * 4)
/* the config up to its data folder, whose length comes next */
#define CONFIG_FIXED_BYTES \
    (NAME_BYTES + 8 * 4 + 8 + 6 * 4 + 4 + FINGERPRINT_BYTES + RECIPE_BYTES)
#define CLASS_NAME_BYTES NN_CLASS_NAME_MAX /* one class name, zero-padded */
#define LAYER_FIELDS 13
#define HISTORY_FIELDS 6

_Static_assert(sizeof(((nn_train_config *)0)->model.name) == NAME_BYTES,
               "the model name's size is part of the file format");
_Static_assert(sizeof(float) == 4 && sizeof(double) == 8,
               "f32 and f64 are IEEE 754 single and double");

/* ---- little-endian encoding -------------------------------------------- */

static void le_put(uint8_t *b, uint64_t x, int n) {
    for (int i = 0; i < n; i++) b[i] = (uint8_t)(x >> (8 * i));
}

static uint64_t le_get(const uint8_t *b, int n) {
    uint64_t x = 0;
    for (int i = 0; i < n; i++) x |= (uint64_t)b[i] << (8 * i);
    return x;
}

static uint32_t get_u32(const uint8_t *b) { return (uint32_t)le_get(b, 4); }
static uint64_t get_u64(const uint8_t *b) { return le_get(b, 8); }

static float get_f32(const uint8_t *b) {
    uint32_t u = get_u32(b);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static double get_f64(const uint8_t *b) {
    uint64_t u = get_u64(b);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static void get_f32s(float *dst, const uint8_t *src, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = get_f32(src + 4 * i);
}

/* ---- writing ------------------------------------------------------------ */

/* Bytes are staged in buf; each flush adds them to the CRC and writes them. */
typedef struct {
    nn_atomic_file file;
    uLong crc;       /* of every byte flushed so far */
    int failed;      /* a write came short; saved_errno says why */
    int saved_errno;
    size_t len;
    uint8_t buf[1 << 14];
} writer;

static void w_flush(writer *w) {
    w->crc = crc32(w->crc, w->buf, (uInt)w->len);
    if (!w->failed && fwrite(w->buf, 1, w->len, w->file.f) != w->len)
        w->failed = 1, w->saved_errno = errno;
    w->len = 0;
}

static void put_bytes(writer *w, const void *src, size_t n) {
    const uint8_t *b = src;
    while (n > 0) {
        if (w->len == sizeof w->buf) w_flush(w);
        size_t k = sizeof w->buf - w->len;
        if (k > n) k = n;
        memcpy(w->buf + w->len, b, k);
        w->len += k, b += k, n -= k;
    }
}

static void put_le(writer *w, uint64_t x, int n) {
    uint8_t b[8];
    le_put(b, x, n);
    put_bytes(w, b, (size_t)n);
}

static void put_u32(writer *w, uint32_t x) { put_le(w, x, 4); }
static void put_i32(writer *w, int x) { put_le(w, (uint32_t)(int32_t)x, 4); }
static void put_u64(writer *w, uint64_t x) { put_le(w, x, 8); }
static void put_i64(writer *w, long x) { put_le(w, (uint64_t)(int64_t)x, 8); }

static void put_f32(writer *w, float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    put_u32(w, u);
}

static void put_f64(writer *w, double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    put_u64(w, u);
}

static void put_f32s(writer *w, const float *a, size_t n) {
    for (size_t i = 0; i < n; i++) put_f32(w, a[i]);
}

/* A string as a fixed field of `size` bytes, zero-padded (always ends in 0). */
static void put_str(writer *w, const char *s, size_t size) {
    static const uint8_t zeros[CLASS_NAME_BYTES];
    size_t n = strnlen(s, size - 1);
    put_bytes(w, s, n);
    put_bytes(w, zeros, size - n);
}

static void put_config(writer *w, const nn_train_config *c) {
    put_str(w, c->model.name, sizeof c->model.name);
    put_i32(w, c->epochs);
    put_i32(w, c->batch_size);
    put_i32(w, c->threads);
    put_i32(w, c->limit);
    put_i32(w, c->save_every);
    put_i32(w, c->val);
    put_f32(w, c->lr);
    put_f32(w, c->momentum);
    put_u64(w, c->seed);
    put_u32(w, (uint32_t)c->loss);
    put_u32(w, (uint32_t)c->optim);
    put_u32(w, (uint32_t)c->backend);
    put_u32(w, (uint32_t)c->parallel);
    put_u32(w, (uint32_t)c->nan_policy);
    put_u32(w, (uint32_t)c->precision);
    put_u32(w, (uint32_t)c->threads_changed);
    for (int i = 0; i < NN_DATA_FILES; i++) {
        put_u64(w, c->data_fp.size[i]);
        put_u32(w, c->data_fp.crc[i]);
    }
    put_f32(w, c->weight_decay);
    put_u32(w, (uint32_t)c->schedule);
    put_i32(w, c->warmup_epochs);
    put_i32(w, c->augment_crop);
    put_i32(w, c->augment_flip);
    /* the run folder is where the checkpoint lies: not stored */
    size_t n = strnlen(c->data_dir, sizeof c->data_dir - 1);
    put_u32(w, (uint32_t)n);
    put_bytes(w, c->data_dir, n);
    put_u32(w, (uint32_t)c->names.n);
    for (int i = 0; i < c->names.n; i++)
        put_str(w, c->names.name[i], CLASS_NAME_BYTES);
}

static void put_model(writer *w, const nn_model *m) {
    put_u32(w, (uint32_t)m->n_layers);
    for (int i = 0; i < m->n_layers; i++) {
        const nn_layer *l = &m->layers[i];
        const nn_layer_spec *s = &l->spec;
        uint32_t p;
        memcpy(&p, &s->p, sizeof p);
        int fields[LAYER_FIELDS] = {(int)s->kind, s->out, s->kernel,
                                    s->stride, s->pad, s->relu,
                                    l->in_c, l->in_h, l->in_w,
                                    l->out_c, l->out_h, l->out_w, (int)p};
        for (int j = 0; j < LAYER_FIELDS; j++) put_i32(w, fields[j]);
    }
    put_u64(w, m->n_params);
    put_f32s(w, m->params, m->n_params);
    put_u64(w, m->n_state);
    put_f32s(w, m->state, m->n_state);
}

static void put_optimizer(writer *w, const nn_optimizer *o) {
    put_u32(w, (uint32_t)o->kind);
    put_i64(w, o->step);
    put_u32(w, o->v != NULL);
    put_f32s(w, o->m, o->n);
    if (o->v) put_f32s(w, o->v, o->n);
}

static void put_progress(writer *w, const nn_train_state *s) {
    put_u32(w, (uint32_t)*s->epochs_done);
    for (int i = 0; i < 4; i++) put_u64(w, s->shuffle_rng->s[i]);
    put_f64(w, *s->elapsed_seconds);
    for (int e = 0; e < *s->epochs_done; e++) {
        const nn_epoch_metrics *h = &s->history[e];
        double fields[HISTORY_FIELDS] = {h->train_loss, h->train_acc,
                                         h->val_loss, h->val_acc,
                                         h->seconds, h->train_images_per_s};
        for (int j = 0; j < HISTORY_FIELDS; j++) put_f64(w, fields[j]);
    }
    const nn_epoch_cursor *c = s->cursor;
    put_u32(w, (uint32_t)c->batches_done);
    put_f64(w, c->loss_sum);
    put_i64(w, c->correct);
    put_i64(w, c->images);
    put_f64(w, c->train_seconds);
    put_u32(w, (uint32_t)c->n_order);
    for (int i = 0; i < c->n_order; i++) put_i32(w, c->order[i]);
}

/* The counts the file will carry must describe the buffers they index. */
static int check_saveable(const char *path, const nn_train_state *s,
                          nn_err *err) {
    if (s->opt->n != s->model->n_params)
        return nn_errf(err, "%s: optimizer holds %zu values for %zu params",
                       path, s->opt->n, s->model->n_params);
    if (*s->epochs_done < 0 || *s->epochs_done > s->cfg->epochs)
        return nn_errf(err, "%s: %d epochs done of %d", path,
                       *s->epochs_done, s->cfg->epochs);
    if (s->cursor->n_order < 0 || s->cursor->batches_done < 0)
        return nn_errf(err, "%s: bad epoch position", path);
    return 0;
}

int nn_checkpoint_save(const char *path, const nn_train_state *s,
                       nn_err *err) {
    if (check_saveable(path, s, err)) return -1;
    writer *w = calloc(1, sizeof *w);
    if (!w) return nn_errf(err, "%s: out of memory", path);
    if (nn_atomic_open(&w->file, path, err)) {
        free(w);
        return -1;
    }
    w->crc = crc32(0L, Z_NULL, 0);
    put_bytes(w, CKPT_MAGIC, MAGIC_BYTES);
    put_u32(w, CKPT_VERSION);
    put_config(w, s->cfg);
    put_model(w, s->model);
    put_optimizer(w, s->opt);
    put_progress(w, s);
    w_flush(w); /* w->crc now covers every byte before the CRC itself */
    put_u32(w, (uint32_t)w->crc);
    w_flush(w);
    int rc;
    if (w->failed) {
        nn_atomic_abort(&w->file);
        rc = nn_errf(err, "%s: write failed: %s", path,
                     strerror(w->saved_errno));
    } else {
        rc = nn_atomic_commit(&w->file, err);
    }
    free(w);
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

/* Walks a byte range; the first shortfall sets the error and makes every
 * later take fail, so a section can be read without checking each field. */
typedef struct {
    const uint8_t *p, *end;
    const char *path;
    nn_err *err;
    int failed;
} reader;

static const uint8_t *take(reader *r, size_t n, const char *section) {
    if (r->failed) return NULL;
    size_t left = (size_t)(r->end - r->p);
    if (n > left) {
        size_t more = n - left;
        r->failed = 1;
        nn_errf(r->err, "%s: truncated: expected %zu more byte%s for %s",
                r->path, more, more == 1 ? "" : "s", section);
        return NULL;
    }
    const uint8_t *at = r->p;
    r->p += n;
    return at;
}

/* count entries of `size` bytes; count comes from the file, so bound it
 * before multiplying. */
static const uint8_t *take_array(reader *r, uint64_t count, size_t size,
                                 const char *section) {
    if (!r->failed && count > CKPT_MAX_BYTES / size) {
        r->failed = 1;
        nn_errf(r->err, "%s: %s: %llu entries cannot fit in a checkpoint "
                "(file is corrupt)", r->path, section,
                (unsigned long long)count);
        return NULL;
    }
    return take(r, (size_t)(count * size), section);
}

static uint32_t rd_u32(reader *r, const char *section) {
    const uint8_t *b = take(r, 4, section);
    return b ? get_u32(b) : 0;
}

static uint64_t rd_u64(reader *r, const char *section) {
    const uint8_t *b = take(r, 8, section);
    return b ? get_u64(b) : 0;
}

static double rd_f64(reader *r, const char *section) {
    const uint8_t *b = take(r, 8, section);
    return b ? get_f64(b) : 0;
}

/* Where each section of a file lies (pointers into its bytes) and its
 * scalars, as found: nothing here is checked beyond lengths. */
typedef struct {
    const uint8_t *config;  /* CONFIG_FIXED_BYTES */
    uint32_t data_dir_len;
    const uint8_t *data_dir;/* (data_dir_len) bytes, no terminating 0 */
    uint32_t n_names;
    const uint8_t *names;   /* (n_names, CLASS_NAME_BYTES) zero-padded */
    uint32_t n_layers;
    const uint8_t *layers;  /* (n_layers, LAYER_FIELDS) i32 */
    uint64_t n_params;
    const uint8_t *params;  /* (n_params) f32 */
    uint64_t n_state;
    const uint8_t *state;   /* (n_state) f32 */
    uint32_t opt_kind, has_v;
    int64_t step;
    const uint8_t *m, *v;   /* (n_params) f32 each; v NULL without has_v */
    uint32_t epochs_done;
    const uint8_t *rng;     /* (4) u64 */
    double elapsed;
    const uint8_t *history; /* (epochs_done, HISTORY_FIELDS) f64 */
    uint32_t batches_done;
    double loss_sum, train_seconds;
    int64_t correct, images;
    uint32_t n_order;
    const uint8_t *order;   /* (n_order) i32 */
    uint32_t crc;
} ckpt_view;

/* Everything after the header, by lengths alone. */
static int walk(reader *r, ckpt_view *v) {
    v->config = take(r, CONFIG_FIXED_BYTES, "config");
    v->data_dir_len = rd_u32(r, "config");
    v->data_dir = take_array(r, v->data_dir_len, 1, "config");
    v->n_names = rd_u32(r, "class names");
    v->names = take_array(r, v->n_names, CLASS_NAME_BYTES, "class names");
    v->n_layers = rd_u32(r, "layer table");
    v->layers = take_array(r, v->n_layers, 4 * LAYER_FIELDS, "layer table");
    v->n_params = rd_u64(r, "params");
    v->params = take_array(r, v->n_params, 4, "params");
    v->n_state = rd_u64(r, "model state");
    v->state = take_array(r, v->n_state, 4, "model state");
    v->opt_kind = rd_u32(r, "optimizer state");
    v->step = (int64_t)rd_u64(r, "optimizer state");
    v->has_v = rd_u32(r, "optimizer state");
    v->m = take_array(r, v->n_params, 4, "optimizer state");
    v->v = v->has_v ? take_array(r, v->n_params, 4, "optimizer state") : NULL;
    v->epochs_done = rd_u32(r, "epoch counters");
    v->rng = take(r, 4 * 8, "epoch counters");
    v->elapsed = rd_f64(r, "epoch counters");
    v->history = take_array(r, v->epochs_done, 8 * HISTORY_FIELDS, "history");
    v->batches_done = rd_u32(r, "epoch position");
    v->loss_sum = rd_f64(r, "epoch position");
    v->correct = (int64_t)rd_u64(r, "epoch position");
    v->images = (int64_t)rd_u64(r, "epoch position");
    v->train_seconds = rd_f64(r, "epoch position");
    v->n_order = rd_u32(r, "epoch position");
    v->order = take_array(r, v->n_order, 4, "epoch position");
    v->crc = rd_u32(r, "checksum");
    if (r->failed) return -1;
    size_t extra = (size_t)(r->end - r->p);
    if (extra)
        return nn_errf(r->err, "%s: %zu unexpected byte%s after the checksum "
                       "(trailing garbage)", r->path, extra,
                       extra == 1 ? "" : "s");
    return 0;
}

/* Magic, version, lengths, then the CRC: a truncated or overlong file is
 * named as such rather than as a checksum mismatch. */
static int verify_bytes(const char *path, const uint8_t *buf, size_t size,
                        ckpt_view *v, nn_err *err) {
    if (size == 0)
        return nn_errf(err, "%s: empty file (not an nntrain checkpoint)",
                       path);
    if (memcmp(buf, CKPT_MAGIC, size < MAGIC_BYTES ? size : MAGIC_BYTES))
        return nn_errf(err, "%s: not an nntrain checkpoint (bad magic)", path);
    reader r = {buf, buf + size, path, err, 0};
    take(&r, MAGIC_BYTES, "header");
    uint32_t version = rd_u32(&r, "header");
    if (r.failed) return -1;
    if (version != CKPT_VERSION)
        return nn_errf(err, "%s: checkpoint format version %u is not "
                       "supported (expected %u)", path, version, CKPT_VERSION);
    memset(v, 0, sizeof *v);
    if (walk(&r, v)) return -1;
    if (crc32(crc32(0L, Z_NULL, 0), buf, (uInt)(size - 4)) != v->crc)
        return nn_errf(err, "%s: checksum mismatch (file is corrupt or was "
                       "modified)", path);
    return 0;
}

static int check_enum(const char *path, const char *what, uint32_t value,
                      uint32_t max, nn_err *err) {
    if (value <= max) return 0;
    return nn_errf(err, "%s: config: %s %u is out of range 0..%u", path, what,
                   value, max);
}

/* A fixed string field: must end within its size. */
static int get_str(reader *r, char *dst, size_t size, const char *what) {
    const uint8_t *b = take(r, size, "config");
    if (!memchr(b, 0, size))
        return nn_errf(r->err, "%s: config: %s is not zero-terminated",
                       r->path, what);
    memcpy(dst, b, size);
    return 0;
}

/* The data folder: a path nntrain could have written. */
static int decode_data_dir(const char *path, const ckpt_view *v,
                           nn_train_config *c, nn_err *err) {
    if (v->data_dir_len == 0 || v->data_dir_len >= sizeof c->data_dir ||
        memchr(v->data_dir, 0, v->data_dir_len))
        return nn_errf(err, "%s: config: data folder of %u bytes is not a "
                       "path (1..%zu bytes, no zero byte)", path,
                       v->data_dir_len, sizeof c->data_dir - 1);
    memcpy(c->data_dir, v->data_dir, v->data_dir_len);
    c->data_dir[v->data_dir_len] = '\0';
    return 0;
}

/* The class names: as many as a model may have, each one nntrain could
 * have saved. */
static int decode_names(const char *path, const ckpt_view *v,
                        nn_train_config *c, nn_err *err) {
    if (v->n_names < NN_MIN_CLASSES || v->n_names > NN_MAX_CLASSES)
        return nn_errf(err, "%s: class names: %u names (%d..%d allowed)",
                       path, v->n_names, NN_MIN_CLASSES, NN_MAX_CLASSES);
    for (uint32_t i = 0; i < v->n_names; i++) {
        const char *name = (const char *)v->names + CLASS_NAME_BYTES * i;
        size_t len = strnlen(name, CLASS_NAME_BYTES);
        char why[64];
        if (nn_class_name_check(name, len, why, sizeof why))
            return nn_errf(err, "%s: class names: name %u %s", path, i, why);
        memcpy(c->names.name[i], name, len + 1);
    }
    c->names.n = (int)v->n_names;
    return 0;
}

static int decode_config(const char *path, const ckpt_view *v,
                         nn_train_config *c, nn_err *err) {
    reader r = {v->config, v->config + CONFIG_FIXED_BYTES, path, err, 0};
    memset(c, 0, sizeof *c);
    if (get_str(&r, c->model.name, sizeof c->model.name, "model")) return -1;
    c->epochs = (int32_t)rd_u32(&r, "config");
    c->batch_size = (int32_t)rd_u32(&r, "config");
    c->threads = (int32_t)rd_u32(&r, "config");
    c->limit = (int32_t)rd_u32(&r, "config");
    c->save_every = (int32_t)rd_u32(&r, "config");
    c->val = (int32_t)rd_u32(&r, "config");
    c->lr = get_f32(take(&r, 4, "config"));
    c->momentum = get_f32(take(&r, 4, "config"));
    c->seed = rd_u64(&r, "config");
    uint32_t loss = rd_u32(&r, "config"), optim = rd_u32(&r, "config");
    uint32_t backend = rd_u32(&r, "config"), par = rd_u32(&r, "config");
    uint32_t nan = rd_u32(&r, "config"), precision = rd_u32(&r, "config");
    uint32_t changed = rd_u32(&r, "config");
    for (int i = 0; i < NN_DATA_FILES; i++) {
        c->data_fp.size[i] = rd_u64(&r, "config");
        c->data_fp.crc[i] = rd_u32(&r, "config");
    }
    c->weight_decay = get_f32(take(&r, 4, "config"));
    uint32_t schedule = rd_u32(&r, "config");
    c->warmup_epochs = (int32_t)rd_u32(&r, "config");
    c->augment_crop = (int32_t)rd_u32(&r, "config");
    c->augment_flip = (int32_t)rd_u32(&r, "config");
    if (check_enum(path, "loss", loss, NN_LOSS_CROSS_ENTROPY, err) ||
        check_enum(path, "optimizer", optim, NN_OPTIM_ADAMW, err) ||
        check_enum(path, "schedule", schedule, NN_SCHEDULE_STEP, err) ||
        check_enum(path, "backend", backend, NN_BACKEND_REF, err) ||
        check_enum(path, "parallel", par, NN_PARALLEL_AUTO, err) ||
        check_enum(path, "nan policy", nan, NN_NAN_SKIP_BATCH, err) ||
        check_enum(path, "precision", precision, NN_PRECISION_BF16, err) ||
        check_enum(path, "threads_changed", changed, 1, err) ||
        decode_data_dir(path, v, c, err) || decode_names(path, v, c, err))
        return -1;
    c->loss = (nn_loss_kind)loss, c->optim = (nn_optim_kind)optim;
    c->schedule = (nn_schedule_kind)schedule;
    c->backend = (nn_backend_kind)backend;
    c->parallel = (nn_parallel_kind)par, c->nan_policy = (nn_nan_policy)nan;
    c->threads_changed = (int)changed;
    c->precision = (nn_precision)precision;
    nn_err why;
    if (nn_train_config_check(c, &why))
        return nn_errf(err, "%s: config: %s", path, why.msg);
    return 0;
}

/* Layer i of the table as the model would hold it (shapes only). */
static void decode_layer(const ckpt_view *v, int i, nn_layer *l) {
    int32_t f[LAYER_FIELDS];
    for (int j = 0; j < LAYER_FIELDS; j++)
        f[j] = (int32_t)get_u32(v->layers + 4 * (LAYER_FIELDS * i + j));
    memset(l, 0, sizeof *l);
    float p;
    memcpy(&p, &f[12], sizeof p);
    l->spec = (nn_layer_spec){(nn_layer_kind)f[0], f[1], f[2], f[3], f[4],
                              f[5], p};
    l->in_c = f[6], l->in_h = f[7], l->in_w = f[8];
    l->out_c = f[9], l->out_h = f[10], l->out_w = f[11];
}

/* Values that make sense whatever state they go into. */
static int check_values(const char *path, const ckpt_view *v,
                        const nn_train_config *cfg, nn_err *err) {
    if (v->n_layers < 1 || v->n_layers > NN_MAX_LAYERS)
        return nn_errf(err, "%s: layer table: %u layers (1..%d allowed)",
                       path, v->n_layers, NN_MAX_LAYERS);
    for (uint32_t i = 0; i < v->n_layers; i++) {
        const uint8_t *rec = v->layers + 4 * LAYER_FIELDS * i;
        uint32_t kind = get_u32(rec), relu = get_u32(rec + 4 * 5);
        if (kind >= NN_LAYER_KINDS || relu > 1)
            return nn_errf(err, "%s: layer table: layer %u has kind %u, "
                           "relu %u", path, i, kind, relu);
    }
    if (v->opt_kind > NN_OPTIM_ADAMW || v->step < 0 ||
        v->has_v != (v->opt_kind != NN_OPTIM_SGD))
        return nn_errf(err, "%s: optimizer state: kind %u, step %lld, "
                       "second moments %u do not fit together", path,
                       v->opt_kind, (long long)v->step, v->has_v);
    if ((int64_t)v->epochs_done > cfg->epochs)
        return nn_errf(err, "%s: %u epochs done of the %d configured", path,
                       v->epochs_done, cfg->epochs);
    if (!isfinite(v->elapsed) || v->elapsed < 0 ||
        !isfinite(v->train_seconds) || v->train_seconds < 0 ||
        !isfinite(v->loss_sum))
        return nn_errf(err, "%s: epoch counters: %g s elapsed, %g s in this "
                       "epoch, loss sum %g", path, v->elapsed,
                       v->train_seconds, v->loss_sum);
    for (uint32_t e = 0; e < v->epochs_done; e++) {
        const uint8_t *h = v->history + 8 * HISTORY_FIELDS * e;
        double train_acc = get_f64(h + 8), val_acc = get_f64(h + 24);
        for (int j = 0; j < HISTORY_FIELDS; j++)
            if (!isfinite(get_f64(h + 8 * j)))
                return nn_errf(err, "%s: history: epoch %u holds a "
                               "non-finite value", path, e + 1);
        if (train_acc < 0 || train_acc > 100 || val_acc < 0 || val_acc > 100)
            return nn_errf(err, "%s: history: epoch %u accuracies %g and %g "
                           "are not percentages", path, e + 1, train_acc,
                           val_acc);
    }
    int64_t batches = cfg->batch_size > 0
        ? ((int64_t)v->n_order + cfg->batch_size - 1) / cfg->batch_size : 0;
    if (v->n_order > INT_MAX || v->batches_done > batches ||
        v->correct < 0 || v->images < 0)
        return nn_errf(err, "%s: epoch position: batch %u of %lld, %lld "
                       "correct of %lld images, %u in order", path,
                       v->batches_done, (long long)batches,
                       (long long)v->correct, (long long)v->images,
                       v->n_order);
    for (uint32_t i = 0; i < v->n_order; i++) {
        uint32_t k = get_u32(v->order + 4 * i);
        if (k >= v->n_order)
            return nn_errf(err, "%s: epoch position: order[%u] = %d is out "
                           "of range 0..%u", path, i, (int32_t)k,
                           v->n_order - 1);
    }
    return 0;
}

static int compare_layers(const char *path, const ckpt_view *v,
                          const nn_model *m, nn_err *err);

/* The layer table into cfg->model; the model it builds must derive the
 * same shapes and lengths as were stored (a consistent table). */
static int decode_model(const char *path, const ckpt_view *v,
                        nn_train_config *cfg, nn_err *err) {
    nn_model_desc *d = &cfg->model;
    nn_layer first;
    decode_layer(v, 0, &first);
    d->in_c = first.in_c, d->in_h = first.in_h, d->in_w = first.in_w;
    d->n_layers = (int)v->n_layers;
    for (int i = 0; i < d->n_layers; i++) {
        nn_layer l;
        decode_layer(v, i, &l);
        d->layers[i] = l.spec;
    }
    nn_model m;
    nn_err why;
    if (nn_model_init(&m, d, &why))
        return nn_errf(err, "%s: layer table: %s", path, why.msg);
    int rc = compare_layers(path, v, &m, err);
    nn_model_free(&m);
    return rc;
}

/* A verified file: its bytes (owned), where its sections are, its config. */
typedef struct {
    uint8_t *buf;
    ckpt_view v;
    nn_train_config cfg;
} ckpt_file;

static int ckpt_open(ckpt_file *f, const char *path, nn_err *err) {
    size_t size = 0;
    if (nn_read_file(path, "an nntrain checkpoint", CKPT_MAX_BYTES, &f->buf,
                     &size, err))
        return -1;
    if (verify_bytes(path, f->buf, size, &f->v, err) ||
        decode_config(path, &f->v, &f->cfg, err) ||
        check_values(path, &f->v, &f->cfg, err) ||
        decode_model(path, &f->v, &f->cfg, err)) {
        free(f->buf);
        return -1;
    }
    return 0;
}

int nn_checkpoint_read_config(const char *path, nn_train_config *cfg,
                              int *epochs_done, nn_err *err) {
    ckpt_file f;
    if (ckpt_open(&f, path, err)) return -1;
    memcpy(cfg, &f.cfg, sizeof *cfg);
    if (epochs_done) *epochs_done = (int)f.v.epochs_done;
    free(f.buf);
    return 0;
}

/* ---- comparing with the state ------------------------------------------- */

/* What tells layers of one kind apart: dense "784x256", conv "1->32 3x3",
 * pooling "2x2". */
static void layer_shape(char *buf, size_t size, const nn_layer *l) {
    const nn_layer_spec *s = &l->spec;
    double in = (double)l->in_c * l->in_h * l->in_w; /* cannot overflow */
    buf[0] = '\0';
    switch (s->kind) {
    case NN_LAYER_DENSE: snprintf(buf, size, "%.0fx%d", in, s->out); break;
    case NN_LAYER_CONV:
        snprintf(buf, size, "%d->%d %dx%d", l->in_c, s->out, s->kernel,
                 s->kernel);
        break;
    default: nn_layer_spec_format(buf, size, s); break;
    }
}

/* The shape plus everything else in the table. */
static void layer_details(char *buf, size_t size, const nn_layer *l) {
    char shape[64];
    layer_shape(shape, sizeof shape, l);
    snprintf(buf, size, "%s stride %d pad %d%s, %dx%dx%d -> %dx%dx%d", shape,
             l->spec.stride, l->spec.pad, l->spec.relu ? " relu" : "",
             l->in_c, l->in_h, l->in_w, l->out_c, l->out_h, l->out_w);
}

static int layers_equal(const nn_layer *a, const nn_layer *b) {
    const nn_layer_spec *p = &a->spec, *q = &b->spec;
    return p->kind == q->kind && p->out == q->out && p->kernel == q->kernel &&
           p->stride == q->stride && p->pad == q->pad && p->relu == q->relu &&
           p->p == q->p &&
           a->in_c == b->in_c && a->in_h == b->in_h && a->in_w == b->in_w &&
           a->out_c == b->out_c && a->out_h == b->out_h &&
           a->out_w == b->out_w;
}

/* Names the first layer that differs ("layer 3 dense: checkpoint 3136x128,
 * model 784x256"); layers are counted from 0, as nn_model_init does. */
static int compare_layers(const char *path, const ckpt_view *v,
                          const nn_model *m, nn_err *err) {
    if ((int)v->n_layers != m->n_layers)
        return nn_errf(err, "%s: checkpoint has %u layers, model %s has %d",
                       path, v->n_layers, m->name, m->n_layers);
    for (int i = 0; i < m->n_layers; i++) {
        nn_layer ck;
        const nn_layer *md = &m->layers[i];
        decode_layer(v, i, &ck);
        const char *kind = nn_layer_kind_name(md->spec.kind);
        if (ck.spec.kind != md->spec.kind)
            return nn_errf(err, "%s: layer %d: checkpoint %s, model %s", path,
                           i, nn_layer_kind_name(ck.spec.kind), kind);
        if (layers_equal(&ck, md)) continue;
        char a[160], b[160];
        layer_shape(a, sizeof a, &ck);
        layer_shape(b, sizeof b, md);
        if (strcmp(a, b) == 0) {
            layer_details(a, sizeof a, &ck);
            layer_details(b, sizeof b, md);
        }
        return nn_errf(err, "%s: layer %d %s: checkpoint %s, model %s", path,
                       i, kind, a, b);
    }
    if (v->n_params != m->n_params)
        return nn_errf(err, "%s: checkpoint has %llu params, model %s has %zu",
                       path, (unsigned long long)v->n_params, m->name,
                       m->n_params);
    if (v->n_state != m->n_state)
        return nn_errf(err, "%s: checkpoint has %llu state values (running "
                       "statistics), model %s has %zu", path,
                       (unsigned long long)v->n_state, m->name, m->n_state);
    return 0;
}

/* Lengths the training state was built with (all but the params). */
static int compare_state(const char *path, const ckpt_view *v,
                         const nn_train_state *s, nn_err *err) {
    const nn_optimizer *o = s->opt;
    if ((uint32_t)o->kind != v->opt_kind)
        return nn_errf(err, "%s: optimizer: checkpoint %s, state %s", path,
                       nn_optim_name((nn_optim_kind)v->opt_kind),
                       nn_optim_name(o->kind));
    if (o->n != v->n_params)
        return nn_errf(err, "%s: optimizer: checkpoint %llu values, state "
                       "%zu", path, (unsigned long long)v->n_params, o->n);
    if ((int64_t)v->epochs_done > s->cfg->epochs)
        return nn_errf(err, "%s: %u epochs done, more than the %d the "
                       "history holds", path, v->epochs_done, s->cfg->epochs);
    if ((int64_t)v->n_order != s->cursor->n_order)
        return nn_errf(err, "%s: epoch position: checkpoint orders %u "
                       "images, state %d", path, v->n_order,
                       s->cursor->n_order);
    return 0;
}

/* Everything is verified: copy without a way to fail. */
static void restore(const ckpt_file *f, nn_train_state *s) {
    const ckpt_view *v = &f->v;
    nn_optimizer *o = s->opt;
    memcpy(s->cfg, &f->cfg, sizeof *s->cfg);
    o->step = (long)v->step;
    get_f32s(o->m, v->m, o->n);
    if (o->v) get_f32s(o->v, v->v, o->n);
    for (int i = 0; i < 4; i++) s->shuffle_rng->s[i] = get_u64(v->rng + 8 * i);
    *s->epochs_done = (int)v->epochs_done;
    *s->elapsed_seconds = v->elapsed;
    for (uint32_t e = 0; e < v->epochs_done; e++) {
        const uint8_t *b = v->history + 8 * HISTORY_FIELDS * e;
        nn_epoch_metrics *h = &s->history[e];
        h->train_loss = get_f64(b), h->train_acc = get_f64(b + 8);
        h->val_loss = get_f64(b + 16), h->val_acc = get_f64(b + 24);
        h->seconds = get_f64(b + 32), h->train_images_per_s = get_f64(b + 40);
    }
    nn_epoch_cursor *c = s->cursor;
    c->batches_done = (int)v->batches_done;
    c->loss_sum = v->loss_sum;
    c->correct = (long)v->correct, c->images = (long)v->images;
    c->train_seconds = v->train_seconds;
    for (uint32_t i = 0; i < v->n_order; i++)
        c->order[i] = (int32_t)get_u32(v->order + 4 * i);
}

int nn_checkpoint_load(const char *path, nn_train_state *s, int params_only,
                       nn_err *err) {
    ckpt_file f;
    if (ckpt_open(&f, path, err)) return -1;
    int rc = compare_layers(path, &f.v, s->model, err);
    if (!rc && !params_only) rc = compare_state(path, &f.v, s, err);
    if (!rc) {
        get_f32s(s->model->params, f.v.params, s->model->n_params);
        get_f32s(s->model->state, f.v.state, s->model->n_state);
        if (!params_only) restore(&f, s);
    }
    free(f.buf);
    return rc;
}
