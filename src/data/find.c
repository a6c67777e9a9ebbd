/* find.c: locates the folder that holds the four Fashion-MNIST files. */
#include "nn_data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PATH_CAP 4096
#define DATA_FILES 4

static const char *const data_files[DATA_FILES] = {
    NN_TRAIN_IMAGES, NN_TRAIN_LABELS, NN_TEST_IMAGES, NN_TEST_LABELS};

/* Index of the first of the four files that dir lacks, or -1 when it has
 * them all. */
static int first_missing(const char *dir) {
    char path[PATH_CAP];
    struct stat st;
    for (int i = 0; i < DATA_FILES; i++) {
        int len = snprintf(path, sizeof path, "%s/%s", dir, data_files[i]);
        if (len < 0 || len >= (int)sizeof path) return i;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return i;
    }
    return -1;
}

static int copy_dir(char *dir, size_t cap, const char *found, nn_err *err) {
    size_t len = strlen(found);
    if (len >= cap)
        return nn_errf(err, "%s: folder path too long (expected under %zu "
                       "bytes, found %zu)", found, cap, len);
    memcpy(dir, found, len + 1);
    return 0;
}

/* --data given: only that folder, and say which file it lacks. */
static int find_flag_dir(char *dir, size_t cap, const char *flag_dir,
                         nn_err *err) {
    struct stat st;
    if (stat(flag_dir, &st) != 0)
        return nn_errf(err, "%s: cannot open data folder: %s", flag_dir,
                       strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return nn_errf(err, "%s: not a folder (expected the folder holding "
                       "the four Fashion-MNIST .gz files)", flag_dir);
    int miss = first_missing(flag_dir);
    if (miss >= 0)
        return nn_errf(err, "%s: %s is missing (expected %s, %s, %s and %s)",
                       flag_dir, data_files[miss], data_files[0],
                       data_files[1], data_files[2], data_files[3]);
    return copy_dir(dir, cap, flag_dir, err);
}

int nn_data_find_dir(char *dir, size_t cap, const char *flag_dir,
                     nn_err *err) {
    if (flag_dir) return find_flag_dir(dir, cap, flag_dir, err);
    const char *tried[3];
    int n = 0;
    const char *env = getenv("NNTRAIN_DATA");
    if (env && *env) tried[n++] = env;
    tried[n++] = "./data/fashion-mnist";
    tried[n++] = "/usr/share/datasets/fashion-mnist";
    for (int i = 0; i < n; i++)
        if (first_missing(tried[i]) < 0)
            return copy_dir(dir, cap, tried[i], err);
    char list[PATH_CAP] = "";
    size_t used = 0;
    for (int i = 0; i < n && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s%s",
                                 i ? ", " : "",
                                 tried[i] == env ? "$NNTRAIN_DATA=" : "",
                                 tried[i]);
    /* The hint goes first so that a long list cannot crowd it out. */
    return nn_errf(err, "Fashion-MNIST not found (install it with `apt-get "
                   "install dataset-fashion-mnist`, or pass --data DIR); "
                   "looked in %s", list);
}
