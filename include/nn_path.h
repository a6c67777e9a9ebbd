/* nn_path.h: paths without silent truncation, and files that must be
 * regular files. Every path buffer in nntrain is NN_PATH_MAX bytes, the
 * most the OS accepts in one open(); a longer path is refused by name,
 * never cut. */
#ifndef NN_PATH_H
#define NN_PATH_H

#include <stddef.h>
#include <stdio.h>

#include "nn_error.h"

#define NN_PATH_MAX 4096

/* dst = src; an error naming src when it does not fit in cap bytes. */
int nn_path_copy(char *dst, size_t cap, const char *src, nn_err *err);
/* dst = dir/name, checked the same way. */
int nn_path_join(char *dst, size_t cap, const char *dir, const char *name,
                 nn_err *err);
/* dst = the absolute form of an existing folder or file (realpath). */
int nn_path_absolute(char *dst, size_t cap, const char *path, nn_err *err);

/* Opens path read-only without blocking (a FIFO cannot hang us) and
 * requires a regular file: a folder, FIFO, device or socket gets its own
 * message ("PATH: is a FIFO, expected a regular file"). Returns the fd
 * (blocking again), or -1 with err set. `what` names the expected content
 * in messages, e.g. "a gzipped IDX file". */
int nn_open_regular(const char *path, const char *what, nn_err *err);
/* nn_open_regular as a read-only FILE (NULL with err set). */
FILE *nn_fopen_regular(const char *path, const char *what, nn_err *err);
/* The whole of a regular file (opened as nn_open_regular does) into *out
 * (malloc'd, one spare byte at the end, owned by the caller) and its length
 * into *size; a file longer than max_bytes is refused before reading
 * ("PATH: N bytes is too large for WHAT (at most 2 GiB)"). */
int nn_read_file(const char *path, const char *what,
                 unsigned long long max_bytes, unsigned char **out,
                 size_t *size, nn_err *err);
/* The same check by stat (follows links): 0 for a regular file. */
int nn_check_regular(const char *path, const char *what, nn_err *err);

#endif
