/* summary_json.c: reader for summary.json, one flat JSON object of string and number values and arrays of strings. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report_private.h"

#define SUMMARY_MAX_BYTES (1 << 20)

typedef struct {
    const char *path;
    const char *text; /* whole file, NUL-terminated */
    const char *p;    /* read position */
    nn_summary_field *fields;
    int n_fields, cap;
} json_parser;

static int line_at(const json_parser *js) {
    int line = 1;
    for (const char *c = js->text; c < js->p; c++) line += *c == '\n';
    return line;
}

/* "what was expected" at the current position, with what was found. */
static int parse_error(json_parser *js, nn_err *err, const char *what) {
    if (*js->p == '\0')
        return nn_errf(err, "%s: line %d: %s, found the end of the file",
                       js->path, line_at(js), what);
    unsigned char c = (unsigned char)*js->p;
    if (c < 0x20 || c >= 0x7f)
        return nn_errf(err, "%s: line %d: %s, found byte 0x%02x", js->path,
                       line_at(js), what, c);
    return nn_errf(err, "%s: line %d: %s, found '%c'", js->path, line_at(js),
                   what, c);
}

static void skip_space(json_parser *js) {
    while (*js->p == ' ' || *js->p == '\t' || *js->p == '\n' || *js->p == '\r')
        js->p++;
}

/* Appends code point cp (below 0x10000) to dst as UTF-8. */
static char *put_utf8(char *dst, unsigned cp) {
    if (cp < 0x80) {
        *dst++ = (char)cp;
    } else if (cp < 0x800) {
        *dst++ = (char)(0xc0 | cp >> 6);
        *dst++ = (char)(0x80 | (cp & 0x3f));
    } else {
        *dst++ = (char)(0xe0 | cp >> 12);
        *dst++ = (char)(0x80 | (cp >> 6 & 0x3f));
        *dst++ = (char)(0x80 | (cp & 0x3f));
    }
    return dst;
}

/* One escape after the backslash at js->p; returns the new end of dst. */
static char *unescape(json_parser *js, char *dst, nn_err *err) {
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit = *js->p ? strchr(from, *js->p) : NULL;
    if (hit) {
        js->p++;
        *dst++ = to[hit - from];
        return dst;
    }
    if (*js->p != 'u') {
        parse_error(js, err, "expected an escape (\\\" \\\\ \\/ \\b \\f \\n "
                    "\\r \\t \\uXXXX)");
        return NULL;
    }
    unsigned cp = 0;
    for (int i = 1; i <= 4; i++) {
        char c = js->p[i];
        int digit = c >= '0' && c <= '9' ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (digit < 0) {
            js->p += i;
            parse_error(js, err, "expected 4 hex digits after \\u");
            return NULL;
        }
        cp = cp * 16 + (unsigned)digit;
    }
    js->p += 5;
    return put_utf8(dst, cp);
}

/* A string starting at the quote at js->p; *out is malloc'd. */
static int parse_string(json_parser *js, char **out, nn_err *err) {
    if (*js->p != '"') return parse_error(js, err, "expected '\"'");
    js->p++;
    /* A string ends before the line does (raw control characters are
     * errors) and unescaping never lengthens it. */
    char *buf = malloc(strcspn(js->p, "\n") + 1), *dst = buf;
    if (!buf) return nn_errf(err, "%s: out of memory", js->path);
    while (*js->p != '"') {
        if ((unsigned char)*js->p < 0x20) {
            free(buf);
            return parse_error(js, err, "unterminated string");
        }
        if (*js->p++ == '\\')
            dst = unescape(js, dst, err);
        else
            *dst++ = js->p[-1];
        if (!dst) {
            free(buf);
            return -1;
        }
    }
    js->p++;
    *dst = '\0';
    *out = buf;
    return 0;
}

/* A number token kept as written: -?digits[.digits][(e|E)[+-]digits]. */
static int parse_number(json_parser *js, char **out, nn_err *err) {
    const char *start = js->p;
    char *end;
    if (*start != '-' && (*start < '0' || *start > '9'))
        return parse_error(js, err, "expected a string or a number value");
    errno = 0;
    double v = strtod(start, &end);
    size_t len = (size_t)(end - start);
    if (errno == ERANGE || strcspn(start, "xXiInN") < len || v != v)
        return parse_error(js, err, "malformed number");
    js->p = end;
    *out = strndup(start, len);
    return *out ? 0 : nn_errf(err, "%s: out of memory", js->path);
}

/* Appends item to the growing text *buf (len bytes, cap allocated), after
 * a line break unless it is the first. */
static int append_item(json_parser *js, char **buf, size_t *len,
                       size_t *cap, int first, const char *item,
                       nn_err *err) {
    size_t n = strlen(item);
    if (*len + n + 2 > *cap) {
        size_t grown_cap = 2 * (*len + n + 2);
        char *grown = realloc(*buf, grown_cap);
        if (!grown) return nn_errf(err, "%s: out of memory", js->path);
        *buf = grown, *cap = grown_cap;
    }
    if (!first) (*buf)[(*len)++] = '\n';
    memcpy(*buf + *len, item, n + 1);
    *len += n;
    return 0;
}

/* An array of strings starting at the '[' at js->p: its items, one a
 * line, into *out (malloc'd). */
static int parse_array(json_parser *js, char **out, int *n_items,
                       nn_err *err) {
    size_t len = 0, cap = 64;
    char *buf = calloc(cap, 1), *item = NULL;
    if (!buf) return nn_errf(err, "%s: out of memory", js->path);
    *n_items = 0;
    js->p++;
    skip_space(js);
    int rc = 0;
    if (*js->p == ']') js->p++;
    else
        for (;;) {
            if ((rc = parse_string(js, &item, err)) < 0) break;
            if (strchr(item, '\n')) {
                rc = nn_errf(err, "%s: line %d: a list item holds a line "
                             "break", js->path, line_at(js));
                break;
            }
            if ((rc = append_item(js, &buf, &len, &cap, *n_items == 0, item,
                                  err)) < 0)
                break;
            free(item), item = NULL;
            (*n_items)++;
            skip_space(js);
            if (*js->p == ']') {
                js->p++;
                break;
            }
            if (*js->p != ',') {
                rc = parse_error(js, err, "expected ',' or ']'");
                break;
            }
            js->p++;
            skip_space(js);
        }
    free(item);
    if (rc < 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    return 0;
}

/* One "key": value pair, appended to js->fields. */
static int parse_pair(json_parser *js, nn_err *err) {
    char *key = NULL, *value = NULL;
    if (parse_string(js, &key, err) < 0) return -1;
    for (int i = 0; i < js->n_fields; i++)
        if (strcmp(js->fields[i].key, key) == 0) {
            nn_errf(err, "%s: line %d: key \"%s\" appears twice", js->path,
                    line_at(js), key);
            free(key);
            return -1;
        }
    skip_space(js);
    if (*js->p != ':') {
        free(key);
        return parse_error(js, err, "expected ':' after a key");
    }
    js->p++;
    skip_space(js);
    int is_string = *js->p == '"', n_items = -1;
    if ((is_string         ? parse_string(js, &value, err)
         : *js->p == '['   ? parse_array(js, &value, &n_items, err)
                           : parse_number(js, &value, err)) < 0) {
        free(key);
        return -1;
    }
    if (js->n_fields == js->cap) {
        int cap = js->cap ? 2 * js->cap : 32;
        nn_summary_field *grown = realloc(js->fields, cap * sizeof *grown);
        if (!grown) {
            free(key);
            free(value);
            return nn_errf(err, "%s: out of memory", js->path);
        }
        js->fields = grown;
        js->cap = cap;
    }
    js->fields[js->n_fields++] =
        (nn_summary_field){.key = key, .value = value, .is_string = is_string,
                           .n_items = n_items};
    return 0;
}

/* { pair (, pair)* } or {} and nothing after it but white space. */
static int parse_object(json_parser *js, nn_err *err) {
    skip_space(js);
    if (*js->p != '{') return parse_error(js, err, "expected '{'");
    js->p++;
    skip_space(js);
    if (*js->p == '}') {
        js->p++;
    } else {
        for (;;) {
            if (parse_pair(js, err) < 0) return -1;
            skip_space(js);
            if (*js->p == '}') {
                js->p++;
                break;
            }
            if (*js->p != ',')
                return parse_error(js, err, "expected ',' or '}'");
            js->p++;
            skip_space(js);
        }
    }
    skip_space(js);
    if (*js->p != '\0')
        return parse_error(js, err, "expected the end of the file after '}'");
    return 0;
}

/* Reads the whole file into a NUL-terminated malloc'd buffer. */
static char *read_text(const char *path, nn_err *err) {
    FILE *f = nn_fopen_regular(path, "a JSON file", err);
    if (!f) return NULL;
    char *text = malloc(SUMMARY_MAX_BYTES + 1);
    if (!text) {
        fclose(f);
        nn_errf(err, "%s: out of memory", path);
        return NULL;
    }
    size_t n = fread(text, 1, SUMMARY_MAX_BYTES + 1, f);
    const char *problem = ferror(f) ? "read error"
                        : n > SUMMARY_MAX_BYTES ? "larger than 1 MiB"
                        : memchr(text, '\0', n) ? "contains a NUL byte" : NULL;
    fclose(f);
    if (problem) {
        nn_errf(err, "%s: %s", path, problem);
        free(text);
        return NULL;
    }
    text[n] = '\0';
    return text;
}

int summary_json_load(nn_summary_field **fields, int *n_fields,
                      const char *path, nn_err *err) {
    *fields = NULL;
    *n_fields = 0;
    char *text = read_text(path, err);
    if (!text) return -1;
    json_parser js = {.path = path, .text = text, .p = text};
    int rc = parse_object(&js, err);
    free(text);
    if (rc < 0) {
        summary_json_free(js.fields, js.n_fields);
        return -1;
    }
    *fields = js.fields;
    *n_fields = js.n_fields;
    return 0;
}

void summary_json_free(nn_summary_field *fields, int n_fields) {
    for (int i = 0; i < n_fields; i++) {
        free(fields[i].key);
        free(fields[i].value);
    }
    free(fields);
}
