/* nn_atomic_file.h: files that appear whole or not at all. Writing goes to
 * PATH.tmp; commit flushes, fsyncs, renames over PATH and fsyncs the folder,
 * so a crash leaves either the old file or the new one, never a mix. */
#ifndef NN_ATOMIC_FILE_H
#define NN_ATOMIC_FILE_H

#include <stdio.h>

#include "nn_error.h"
#include "nn_path.h"

typedef struct {
    FILE *f;
    char path[NN_PATH_MAX];
    char tmp[NN_PATH_MAX + 8];
} nn_atomic_file;

int nn_atomic_open(nn_atomic_file *a, const char *path, nn_err *err);
/* Checks every write (ferror), then makes the file visible. */
int nn_atomic_commit(nn_atomic_file *a, nn_err *err);
/* Throws the temp file away (after an error). */
void nn_atomic_abort(nn_atomic_file *a);

/* Whether mkdir -p of path would succeed, without creating anything: path
 * is a writable folder, or its nearest existing ancestor is one. */
int nn_check_dir_creatable(const char *path, nn_err *err);

/* mkdir -p; an existing folder is fine. */
int nn_mkdirs(const char *path, nn_err *err);

#endif
