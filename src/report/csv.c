/* csv.c: a small CSV reader (header by name, quoted fields) whose errors name file, line and column. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report_private.h"

/* Splits line in place into fields; a quoted field loses its quotes and has
 * "" turned into ". Returns the field count, or -1 when there are too many
 * fields or a quote is not closed. */
static int split_fields(char *line, char **fields) {
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == CSV_MAX_FIELDS) return -1;
        if (*p == '"') {
            char *dst = ++p;
            fields[n++] = dst;
            for (;;) {
                if (*p == '\0') return -1;
                if (p[0] == '"' && p[1] == '"') {
                    *dst++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *dst++ = *p++;
                }
            }
            if (*p != ',' && *p != '\0') return -1;
            *dst = '\0';
        } else {
            fields[n++] = p;
            p += strcspn(p, ",");
        }
        if (*p == '\0') return n;
        *p++ = '\0';
    }
}

/* Reads one physical line without its "\n" or "\r\n": 1, 0 at EOF, -1. */
static int read_line(csv_reader *r, nn_err *err) {
    errno = 0;
    ssize_t len = getline(&r->line, &r->line_cap, r->file);
    if (len < 0) {
        if (ferror(r->file))
            return nn_errf(err, "%s: read error after line %d", r->path,
                           r->line_no);
        return 0;
    }
    r->line_no++;
    while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r'))
        r->line[--len] = '\0';
    return 1;
}

int csv_open(csv_reader *r, const char *path, nn_err *err) {
    memset(r, 0, sizeof *r);
    r->path = path;
    r->file = nn_fopen_regular(path, "a CSV file", err);
    if (!r->file) return -1;
    int got = read_line(r, err);
    if (got <= 0) {
        csv_close(r);
        return got < 0 ? -1 : nn_errf(err, "%s: empty file, expected a "
                                           "header line", path);
    }
    r->header_line = strdup(r->line);
    if (!r->header_line) {
        csv_close(r);
        return nn_errf(err, "%s: out of memory", path);
    }
    r->n_header = split_fields(r->header_line, r->header);
    if (r->n_header < 0) {
        csv_close(r);
        return nn_errf(err, "%s: line 1: malformed header (unclosed quote or "
                       "more than %d columns)", path, CSV_MAX_FIELDS);
    }
    return 0;
}

int csv_next(csv_reader *r, nn_err *err) {
    int got = read_line(r, err);
    if (got <= 0) return got;
    r->n_fields = split_fields(r->line, r->fields);
    if (r->n_fields < 0)
        return nn_errf(err, "%s: line %d: malformed row (unclosed quote or "
                       "more than %d fields)", r->path, r->line_no,
                       CSV_MAX_FIELDS);
    if (r->n_fields != r->n_header)
        return nn_errf(err, "%s: line %d: expected %d fields as in the "
                       "header, found %d", r->path, r->line_no, r->n_header,
                       r->n_fields);
    return 1;
}

void csv_close(csv_reader *r) {
    if (r->file) fclose(r->file);
    free(r->line);
    free(r->header_line);
    memset(r, 0, sizeof *r);
}

int csv_find_column(const csv_reader *r, const char *name) {
    for (int i = 0; i < r->n_header; i++)
        if (strcmp(r->header[i], name) == 0) return i;
    return -1;
}

int csv_column(const csv_reader *r, const char *name, nn_err *err) {
    int i = csv_find_column(r, name);
    if (i >= 0) return i;
    return nn_errf(err, "%s: header has no column \"%s\"", r->path, name);
}

int csv_double(const csv_reader *r, int col, double *out, nn_err *err) {
    const char *text = r->fields[col];
    char *end;
    errno = 0;
    *out = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || *out != *out)
        return nn_errf(err, "%s: line %d, column %s: \"%s\" is not a number",
                       r->path, r->line_no, r->header[col], text);
    return 0;
}

int csv_long(const csv_reader *r, int col, long *out, nn_err *err) {
    const char *text = r->fields[col];
    char *end;
    errno = 0;
    *out = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE)
        return nn_errf(err, "%s: line %d, column %s: \"%s\" is not an "
                       "integer", r->path, r->line_no, r->header[col], text);
    return 0;
}

int csv_string(const csv_reader *r, int col, char *dst, size_t size,
               nn_err *err) {
    const char *text = r->fields[col];
    if (strlen(text) >= size)
        return nn_errf(err, "%s: line %d, column %s: \"%s\" is longer than "
                       "%zu characters", r->path, r->line_no, r->header[col],
                       text, size - 1);
    memcpy(dst, text, strlen(text) + 1);
    return 0;
}
