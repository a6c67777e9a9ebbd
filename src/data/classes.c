/* classes.c: the names of a model's classes: read from a file, or
 * Fashion-MNIST's when the data is Fashion-MNIST, or the label numbers. */
#include "nn_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_path.h"

/* Room for 256 names of 63 bytes with generous spacing; a bigger file is
 * not a class-names file. */
#define NAMES_MAX_BYTES (1u << 20)

const char *const nn_fashion_mnist_names[10] = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot",
};

int nn_class_name_check(const char *name, size_t len, char *why,
                        size_t cap) {
    if (len == 0) return snprintf(why, cap, "is empty"), -1;
    if (len >= NN_CLASS_NAME_MAX)
        return snprintf(why, cap, "of %zu bytes is too long (at most %d)",
                        len, NN_CLASS_NAME_MAX - 1), -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f)
            return snprintf(why, cap, "holds the control character 0x%02x",
                            c), -1;
    }
    return 0;
}

static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The lines of text (len bytes), trimmed, into names; a blank line counts
 * only between names. *count gets the names found, which may exceed
 * `classes` (only the first `classes` are kept). */
static int parse_names(nn_class_names *names, const char *text, size_t len,
                       int classes, const char *path, int *count,
                       nn_err *err) {
    int found = 0, blank_line = 0;
    const char *end = text + len;
    for (int line = 1; text < end; line++) {
        const char *nl = memchr(text, '\n', (size_t)(end - text));
        const char *stop = nl ? nl : end, *a = text, *b = stop;
        text = nl ? nl + 1 : end;
        while (a < b && is_blank(*a)) a++;
        while (b > a && is_blank(b[-1])) b--;
        if (a == b) {
            if (found && !blank_line) blank_line = line;
            continue;
        }
        if (blank_line)
            return nn_errf(err, "%s: line %d is blank (a class needs a "
                           "name; blank lines may only come before the "
                           "first name or after the last)", path, blank_line);
        char why[64];
        if (nn_class_name_check(a, (size_t)(b - a), why, sizeof why))
            return nn_errf(err, "%s: line %d: name %s", path, line, why);
        if (found < classes) {
            memcpy(names->name[found], a, (size_t)(b - a));
            names->name[found][b - a] = '\0';
        }
        found++;
    }
    *count = found;
    return 0;
}

int nn_class_names_read(nn_class_names *names, const char *path, int classes,
                        nn_err *err) {
    unsigned char *text;
    size_t len;
    int count = 0;
    memset(names, 0, sizeof *names);
    if (classes < NN_MIN_CLASSES || classes > NN_MAX_CLASSES)
        return nn_errf(err, "%s: %d classes is out of range %d..%d", path,
                       classes, NN_MIN_CLASSES, NN_MAX_CLASSES);
    if (nn_read_file(path, "a class-names file", NAMES_MAX_BYTES, &text, &len,
                     err))
        return -1;
    int rc = parse_names(names, (const char *)text, len, classes, path,
                         &count, err);
    free(text);
    if (rc == 0 && count != classes)
        rc = nn_errf(err, "%s: %d name%s, the model has %d classes (expected "
                     "one name a line)", path, count, count == 1 ? "" : "s",
                     classes);
    if (rc) {
        memset(names, 0, sizeof *names);
        return -1;
    }
    names->n = classes;
    return 0;
}

void nn_class_names_default(nn_class_names *names, int classes,
                            const nn_splits *data) {
    int fashion = classes == 10 && data && nn_splits_is_fashion_mnist(data);
    memset(names, 0, sizeof *names);
    names->n = classes;
    for (int i = 0; i < classes; i++) {
        if (fashion)
            snprintf(names->name[i], sizeof names->name[i], "%s",
                     nn_fashion_mnist_names[i]);
        else
            snprintf(names->name[i], sizeof names->name[i], "%d", i);
    }
}
