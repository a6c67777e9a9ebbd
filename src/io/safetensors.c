/* safetensors.c: a strict reader and a writer of safetensors files (format
 * in nn_safetensors.h). The reader trusts nothing in the file: every length
 * is bounded by what is there before it is used, and the JSON header is
 * parsed by a small recursive-descent parser for exactly the subset the
 * format uses (objects, arrays, strings, non-negative integers). */
#include "nn_safetensors.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nn_atomic_file.h"

#define ST_LEN_BYTES 8 /* the u64 header length */

/* ---- JSON parsing --------------------------------------------------------- */

/* A cursor over the header's bytes. tensor names the tensor being parsed
 * (NULL outside one), so that messages can name it. */
typedef struct {
    const char *start, *p, *end;
    const char *path;
    const char *tensor;
    nn_err *err;
} jp;

/* "PATH: header: byte 17: expected ':' after a key" or, inside a tensor,
 * "PATH: tensor NAME: byte 17: ...". The byte counts from the header start. */
__attribute__((format(printf, 2, 3)))
static int jp_fail(jp *j, const char *fmt, ...) {
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    long at = (long)(j->p - j->start);
    if (j->tensor)
        return nn_errf(j->err, "%s: tensor %s: header byte %ld: %s", j->path,
                       j->tensor, at, what);
    return nn_errf(j->err, "%s: header byte %ld: %s", j->path, at, what);
}

static void jp_space(jp *j) {
    while (j->p < j->end &&
           (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

/* What is at the cursor, for messages: "'x'" or "the end of the header". */
static const char *jp_found(const jp *j, char *buf, size_t size) {
    if (j->p >= j->end) return "the end of the header";
    unsigned char c = (unsigned char)*j->p;
    if (c >= 0x20 && c < 0x7f) snprintf(buf, size, "'%c'", c);
    else snprintf(buf, size, "byte 0x%02x", c);
    return buf;
}

/* Skips whitespace, then requires c. */
static int jp_expect(jp *j, char c, const char *why) {
    jp_space(j);
    if (j->p < j->end && *j->p == c) {
        j->p++;
        return 0;
    }
    char buf[32];
    return jp_fail(j, "expected '%c' %s, found %s", c, why,
                   jp_found(j, buf, sizeof buf));
}

static int hex4(const char *s, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* Appends code point cp as UTF-8. */
static size_t put_utf8(char *o, unsigned cp) {
    if (cp < 0x80) return o[0] = (char)cp, 1;
    if (cp < 0x800)
        return o[0] = (char)(0xc0 | cp >> 6), o[1] = (char)(0x80 | (cp & 63)),
               2;
    if (cp < 0x10000)
        return o[0] = (char)(0xe0 | cp >> 12),
               o[1] = (char)(0x80 | ((cp >> 6) & 63)),
               o[2] = (char)(0x80 | (cp & 63)), 3;
    return o[0] = (char)(0xf0 | cp >> 18),
           o[1] = (char)(0x80 | ((cp >> 12) & 63)),
           o[2] = (char)(0x80 | ((cp >> 6) & 63)),
           o[3] = (char)(0x80 | (cp & 63)), 4;
}

/* A \uXXXX escape (the cursor is on the 'u'), surrogate pairs joined. */
static int jp_unicode(jp *j, char *o, size_t *n) {
    unsigned cp, lo;
    if (j->end - j->p < 5 || hex4(j->p + 1, &cp))
        return jp_fail(j, "expected 4 hex digits after \\u");
    j->p += 5;
    if (cp >= 0xdc00 && cp < 0xe000)
        return jp_fail(j, "unpaired low surrogate \\u%04x", cp);
    if (cp >= 0xd800 && cp < 0xdc00) {
        if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' ||
            hex4(j->p + 2, &lo) || lo < 0xdc00 || lo >= 0xe000)
            return jp_fail(j, "unpaired high surrogate \\u%04x", cp);
        j->p += 6;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
    }
    if (cp == 0) return jp_fail(j, "\\u0000 in a string");
    *n += put_utf8(o + *n, cp);
    return 0;
}

static int jp_escape(jp *j, char *o, size_t *n) {
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    j->p++; /* the backslash */
    if (j->p >= j->end) return jp_fail(j, "unterminated string");
    if (*j->p == 'u') return jp_unicode(j, o, n);
    const char *k = strchr(from, *j->p);
    if (!k || !*j->p) return jp_fail(j, "unknown escape '\\%c'", *j->p);
    o[(*n)++] = to[k - from];
    j->p++;
    return 0;
}

/* A string, unescaped into a malloc'd buffer (*out, zero-terminated). The
 * unescaped text is never longer than the quoted one, so one allocation of
 * the rest of the header is enough. */
static int jp_string(jp *j, char **out) {
    jp_space(j);
    char buf[32];
    if (j->p >= j->end || *j->p != '"')
        return jp_fail(j, "expected a string, found %s",
                       jp_found(j, buf, sizeof buf));
    j->p++;
    char *o = malloc((size_t)(j->end - j->p) + 1);
    if (!o) return jp_fail(j, "out of memory");
    size_t n = 0;
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20) {
            free(o);
            return jp_fail(j, "control character 0x%02x in a string", c);
        }
        if (c == '\\') {
            if (jp_escape(j, o, &n)) return free(o), -1;
        } else {
            o[n++] = (char)c, j->p++;
        }
    }
    if (j->p >= j->end) {
        free(o);
        return jp_fail(j, "unterminated string");
    }
    j->p++;
    o[n] = '\0';
    *out = o;
    return 0;
}

/* A non-negative integer without sign, fraction, exponent or leading 0. */
static int jp_uint(jp *j, uint64_t *out) {
    jp_space(j);
    char buf[32];
    if (j->p >= j->end || *j->p < '0' || *j->p > '9')
        return jp_fail(j, "expected a non-negative integer, found %s",
                       jp_found(j, buf, sizeof buf));
    if (*j->p == '0' && j->end - j->p > 1 && j->p[1] >= '0' && j->p[1] <= '9')
        return jp_fail(j, "integer with a leading zero");
    uint64_t v = 0;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
        unsigned d = (unsigned)(*j->p - '0');
        if (v > (UINT64_MAX - d) / 10) return jp_fail(j, "integer too large");
        v = v * 10 + d;
        j->p++;
    }
    if (j->p < j->end && (*j->p == '.' || *j->p == 'e' || *j->p == 'E'))
        return jp_fail(j, "expected an integer, found a fraction or exponent");
    *out = v;
    return 0;
}

/* '[' int, int, ... ']' into v (at most cap values; *n of them). */
static int jp_uint_array(jp *j, uint64_t *v, int cap, int *n,
                         const char *what) {
    if (jp_expect(j, '[', what)) return -1;
    *n = 0;
    jp_space(j);
    if (j->p < j->end && *j->p == ']') return j->p++, 0;
    for (;;) {
        if (*n == cap)
            return jp_fail(j, "more than %d values %s", cap, what);
        if (jp_uint(j, &v[(*n)++])) return -1;
        jp_space(j);
        if (j->p < j->end && *j->p == ']') return j->p++, 0;
        if (jp_expect(j, ',', "or ']' in an array")) return -1;
    }
}

/* After a member: ',' (returns 1: another follows) or '}' (returns 0). */
static int jp_next_member(jp *j) {
    jp_space(j);
    if (j->p < j->end && *j->p == '}') return j->p++, 0;
    if (jp_expect(j, ',', "or '}' after a member")) return -1;
    return 1;
}

/* ---- the header's structure ---------------------------------------------- */

/* Which members a tensor object had (each exactly once). */
enum { HAS_DTYPE = 1, HAS_SHAPE = 2, HAS_OFFSETS = 4 };

static int tensor_member(jp *j, const char *key, nn_st_tensor *t, int *has,
                         char *dtype, size_t dtype_size) {
    uint64_t v[NN_ST_MAX_DIMS + 1];
    int n, bit = !strcmp(key, "dtype")          ? HAS_DTYPE
                 : !strcmp(key, "shape")        ? HAS_SHAPE
                 : !strcmp(key, "data_offsets") ? HAS_OFFSETS
                                                : 0;
    if (!bit)
        return jp_fail(j, "unknown member \"%s\" (expected dtype, shape, "
                       "data_offsets)", key);
    if (*has & bit) return jp_fail(j, "\"%s\" appears twice", key);
    *has |= bit;
    if (bit == HAS_DTYPE) {
        char *s;
        if (jp_string(j, &s)) return -1;
        snprintf(dtype, dtype_size, "%s", s);
        free(s);
        return 0;
    }
    if (bit == HAS_SHAPE) {
        if (jp_uint_array(j, v, NN_ST_MAX_DIMS, &n, "in shape")) return -1;
        t->ndim = n;
        for (int i = 0; i < n; i++) {
            if (v[i] > INT64_MAX) return jp_fail(j, "dimension too large");
            t->shape[i] = (int64_t)v[i];
        }
        return 0;
    }
    if (jp_uint_array(j, v, 2, &n, "in data_offsets")) return -1;
    if (n != 2)
        return jp_fail(j, "data_offsets has %d values (expected 2)", n);
    if (v[0] > SIZE_MAX || v[1] > SIZE_MAX)
        return jp_fail(j, "data_offsets too large");
    t->begin = (size_t)v[0], t->end = (size_t)v[1];
    return 0;
}

/* A tensor's object: {"dtype": "F32" (or "I64"), "shape": [...], "data_offsets":
 * [b, e]}, members in any order. */
static int parse_tensor(jp *j, nn_st_tensor *t) {
    char dtype[32] = "";
    int has = 0, more = 1;
    if (jp_expect(j, '{', "to open the tensor")) return -1;
    jp_space(j);
    if (j->p < j->end && *j->p == '}') j->p++, more = 0;
    while (more == 1) {
        char *key;
        if (jp_string(j, &key)) return -1;
        int rc = jp_expect(j, ':', "after a key") ||
                 tensor_member(j, key, t, &has, dtype, sizeof dtype);
        free(key);
        if (rc || (more = jp_next_member(j)) < 0) return -1;
    }
    const char *missing = !(has & HAS_DTYPE)   ? "dtype"
                          : !(has & HAS_SHAPE) ? "shape"
                          : !(has & HAS_OFFSETS) ? "data_offsets"
                                                 : NULL;
    if (missing)
        return nn_errf(j->err, "%s: tensor %s: no \"%s\"", j->path, t->name,
                       missing);
    if (!strcmp(dtype, "F32")) t->dtype = NN_ST_F32;
    else if (!strcmp(dtype, "I64")) t->dtype = NN_ST_I64;
    else
        return nn_errf(j->err, "%s: tensor %s: dtype %s is not supported "
                       "(expected F32 or I64)", j->path, t->name, dtype);
    return 0;
}

/* "__metadata__": {"key": "value", ...} appended to st->meta. */
static int parse_meta(jp *j, nn_safetensors *st) {
    int more = 1;
    if (jp_expect(j, '{', "to open __metadata__")) return -1;
    jp_space(j);
    if (j->p < j->end && *j->p == '}') j->p++, more = 0;
    while (more == 1) {
        nn_st_meta *grown = realloc(st->meta, (st->n_meta + 1) * sizeof *grown);
        if (!grown) return jp_fail(j, "out of memory");
        st->meta = grown;
        nn_st_meta *m = &st->meta[st->n_meta];
        m->key = m->value = NULL;
        if (jp_string(j, &m->key)) return -1;
        st->n_meta++;
        for (int i = 0; i + 1 < st->n_meta; i++)
            if (!strcmp(st->meta[i].key, m->key))
                return jp_fail(j, "metadata key \"%s\" appears twice", m->key);
        if (jp_expect(j, ':', "after a key") || jp_string(j, &m->value) ||
            (more = jp_next_member(j)) < 0)
            return -1;
    }
    return 0;
}

/* A new tensor slot named name (which must be new and fit). */
static nn_st_tensor *add_tensor(jp *j, nn_safetensors *st, const char *name) {
    if (strlen(name) >= NN_ST_MAX_NAME) {
        jp_fail(j, "tensor name of %zu bytes (at most %d)", strlen(name),
                NN_ST_MAX_NAME - 1);
        return NULL;
    }
    if (nn_safetensors_find(st, name)) {
        nn_errf(j->err, "%s: tensor %s: appears twice in the header", j->path,
                name);
        return NULL;
    }
    nn_st_tensor *grown =
        realloc(st->tensors, (st->n_tensors + 1) * sizeof *grown);
    if (!grown) {
        jp_fail(j, "out of memory");
        return NULL;
    }
    st->tensors = grown;
    nn_st_tensor *t = &st->tensors[st->n_tensors++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    return t;
}

/* One member of the top-level object: the metadata or a tensor. */
static int parse_member(jp *j, nn_safetensors *st, int *seen_meta) {
    char *key;
    if (jp_string(j, &key)) return -1;
    int rc = jp_expect(j, ':', "after a key");
    if (!rc && !strcmp(key, "__metadata__")) {
        if (*seen_meta) rc = jp_fail(j, "\"__metadata__\" appears twice");
        else *seen_meta = 1, rc = parse_meta(j, st);
    } else if (!rc) {
        nn_st_tensor *t = add_tensor(j, st, key);
        if (!t) rc = -1;
        else {
            j->tensor = t->name;
            rc = parse_tensor(j, t);
            j->tensor = NULL;
        }
    }
    free(key);
    return rc;
}

static int parse_header(jp *j, nn_safetensors *st) {
    int seen_meta = 0, more = 1;
    if (j->p == j->end || *j->p != '{') {
        char buf[32];
        return jp_fail(j, "expected '{' to open the header, found %s",
                       jp_found(j, buf, sizeof buf));
    }
    j->p++;
    jp_space(j);
    if (j->p < j->end && *j->p == '}') j->p++, more = 0;
    while (more == 1) {
        if (parse_member(j, st, &seen_meta)) return -1;
        if ((more = jp_next_member(j)) < 0) return -1;
    }
    jp_space(j); /* writers pad the header with spaces */
    if (j->p != j->end)
        return jp_fail(j, "unexpected text after the header's object");
    return 0;
}

/* ---- byte ranges ---------------------------------------------------------- */

size_t nn_st_tensor_count(const nn_st_tensor *t) {
    size_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= (size_t)t->shape[i];
    return n;
}

/* Shape and byte range agree (products computed without overflow). */
size_t nn_st_dtype_size(nn_st_dtype dtype) {
    return dtype == NN_ST_I64 ? 8 : 4;
}

const char *nn_st_dtype_name(nn_st_dtype dtype) {
    return dtype == NN_ST_I64 ? "I64" : "F32";
}

static int check_size(const char *path, const nn_st_tensor *t,
                      size_t data_size, nn_err *err) {
    if (t->begin > t->end)
        return nn_errf(err, "%s: tensor %s: data_offsets [%zu, %zu] run "
                       "backwards", path, t->name, t->begin, t->end);
    if (t->end > data_size)
        return nn_errf(err, "%s: tensor %s: data_offsets [%zu, %zu] end "
                       "beyond the %zu bytes of data", path, t->name,
                       t->begin, t->end, data_size);
    size_t bytes = nn_st_dtype_size(t->dtype);
    for (int i = 0; i < t->ndim; i++) {
        size_t d = (size_t)t->shape[i];
        if (d && bytes > SIZE_MAX / d)
            return nn_errf(err, "%s: tensor %s: shape too large", path,
                           t->name);
        bytes *= d;
    }
    if (bytes != t->end - t->begin)
        return nn_errf(err, "%s: tensor %s: shape needs %zu bytes of %s, "
                       "data_offsets [%zu, %zu] hold %zu", path, t->name,
                       bytes, nn_st_dtype_name(t->dtype), t->begin, t->end,
                       t->end - t->begin);
    return 0;
}

static const nn_st_tensor *sort_base;

static int by_begin(const void *a, const void *b) {
    const nn_st_tensor *x = &sort_base[*(const int *)a];
    const nn_st_tensor *y = &sort_base[*(const int *)b];
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

/* The tensors tile the data section exactly: sorted by offset, each starts
 * where the one before ends, the first at 0, the last at the end. */
static int check_tiling(const char *path, const nn_safetensors *st,
                        nn_err *err) {
    int n = st->n_tensors;
    int *order = malloc((size_t)(n ? n : 1) * sizeof *order);
    if (!order) return nn_errf(err, "%s: out of memory", path);
    for (int i = 0; i < n; i++) order[i] = i;
    sort_base = st->tensors; /* qsort has no context argument in C11 */
    qsort(order, (size_t)n, sizeof *order, by_begin);
    size_t at = 0;
    int rc = 0;
    for (int k = 0; k < n && !rc; k++) {
        const nn_st_tensor *t = &st->tensors[order[k]];
        const nn_st_tensor *prev = k ? &st->tensors[order[k - 1]] : NULL;
        if (t->begin < at)
            rc = nn_errf(err, "%s: tensor %s: bytes [%zu, %zu) overlap "
                         "tensor %s's [%zu, %zu)", path, t->name, t->begin,
                         t->end, prev->name, prev->begin, prev->end);
        else if (t->begin > at)
            rc = nn_errf(err, "%s: tensor %s: starts at byte %zu, but %s "
                         "ends at %zu (a gap in the data)", path, t->name,
                         t->begin, prev ? prev->name : "the header",
                         prev ? prev->end : (size_t)0);
        at = t->end;
    }
    free(order);
    if (!rc && at != st->data_size)
        rc = nn_errf(err, "%s: the tensors end at data byte %zu, but the file "
                     "holds %zu bytes of data (%zu unaccounted for)", path,
                     at, st->data_size, st->data_size - at);
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

int nn_safetensors_parse(nn_safetensors *st, const char *path,
                         const uint8_t *bytes, size_t size, nn_err *err) {
    memset(st, 0, sizeof *st);
    if (size < ST_LEN_BYTES)
        return nn_errf(err, "%s: %zu bytes is too short for a safetensors "
                       "file (expected an 8-byte header length)", path, size);
    uint64_t n = 0;
    for (int i = 0; i < ST_LEN_BYTES; i++) n |= (uint64_t)bytes[i] << (8 * i);
    size_t rest = size - ST_LEN_BYTES;
    if (n > rest)
        return nn_errf(err, "%s: header length %llu runs past the end of the "
                       "file (%zu bytes follow the length)", path,
                       (unsigned long long)n, rest);
    if (n > NN_ST_MAX_HEADER)
        return nn_errf(err, "%s: header length %llu is too large (at most "
                       "%u)", path, (unsigned long long)n, NN_ST_MAX_HEADER);
    const char *h = (const char *)bytes + ST_LEN_BYTES;
    jp j = {h, h, h + n, path, NULL, err};
    st->data = bytes + ST_LEN_BYTES + n;
    st->data_size = rest - (size_t)n;
    if (parse_header(&j, st)) return -1;
    for (int i = 0; i < st->n_tensors; i++)
        if (check_size(path, &st->tensors[i], st->data_size, err)) return -1;
    return check_tiling(path, st, err);
}


int nn_safetensors_read(nn_safetensors *st, const char *path, nn_err *err) {
    uint8_t *buf = NULL;
    size_t size = 0;
    memset(st, 0, sizeof *st);
    if (nn_read_file(path, "a safetensors file", NN_ST_MAX_FILE, &buf, &size,
                     err))
        return -1;
    if (size == 0) {
        free(buf);
        return nn_errf(err, "%s: empty file (not a safetensors file)", path);
    }
    int rc = nn_safetensors_parse(st, path, buf, size, err);
    st->buf = buf;
    return rc;
}

void nn_safetensors_free(nn_safetensors *st) {
    for (int i = 0; i < st->n_meta; i++) {
        free(st->meta[i].key);
        free(st->meta[i].value);
    }
    free(st->meta);
    free(st->tensors);
    free(st->buf);
    memset(st, 0, sizeof *st);
}

const nn_st_tensor *nn_safetensors_find(const nn_safetensors *st,
                                        const char *name) {
    for (int i = 0; i < st->n_tensors; i++)
        if (!strcmp(st->tensors[i].name, name)) return &st->tensors[i];
    return NULL;
}

const char *nn_safetensors_meta(const nn_safetensors *st, const char *key) {
    for (int i = 0; i < st->n_meta; i++)
        if (st->meta[i].key && !strcmp(st->meta[i].key, key))
            return st->meta[i].value;
    return NULL;
}

void nn_safetensors_get_f32(const nn_safetensors *st, const nn_st_tensor *t,
                            float *dst) {
    const uint8_t *b = st->data + t->begin;
    size_t n = nn_st_tensor_count(t);
    for (size_t i = 0; i < n; i++, b += 4) {
        uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
                     (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        memcpy(&dst[i], &u, sizeof u);
    }
}
