/* find.c: locates the folder that holds the four IDX files of a data set
 * (Fashion-MNIST by default). */
#include "nn_data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nn_path.h"


const char *const nn_data_file_names[NN_DATA_FILES] = {
    NN_TRAIN_IMAGES, NN_TRAIN_LABELS, NN_TEST_IMAGES, NN_TEST_LABELS};

/* Whether dir holds the four files as regular files. */
static int has_all(const char *dir) {
    char path[NN_PATH_MAX];
    struct stat st;
    for (int i = 0; i < NN_DATA_FILES; i++)
        if (nn_path_join(path, sizeof path, dir, nn_data_file_names[i], NULL) ||
            stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            return 0;
    return 1;
}

/* A folder named by the user (--data or $NNTRAIN_DATA, shown as `label`):
 * it must hold the four files, or the message says which one is wrong. */
static int check_named_dir(const char *dir, const char *label, nn_err *err) {
    struct stat st;
    if (stat(dir, &st) != 0)
        return nn_errf(err, "%s: cannot open data folder: %s", label,
                       strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return nn_errf(err, "%s: not a folder (expected the folder holding "
                       "the four IDX .gz files)", label);
    char path[NN_PATH_MAX];
    for (int i = 0; i < NN_DATA_FILES; i++) {
        if (nn_path_join(path, sizeof path, dir, nn_data_file_names[i], err))
            return -1;
        if (stat(path, &st) != 0)
            return nn_errf(err, "%s: %s is missing (expected %s, %s, %s and "
                           "%s)", label, nn_data_file_names[i], nn_data_file_names[0],
                           nn_data_file_names[1], nn_data_file_names[2], nn_data_file_names[3]);
        nn_err why;
        if (nn_check_regular(path, "a gzipped IDX file", &why))
            return nn_errf(err, "%s: %s", label, why.msg + strlen(dir) + 1);
    }
    return 0;
}

int nn_data_find_dir(char *dir, size_t cap, const char *flag_dir,
                     nn_err *err) {
    const char *env = getenv("NNTRAIN_DATA");
    if (flag_dir || (env && *env)) {
        /* a folder the user named is used or refused, never skipped */
        const char *named = flag_dir ? flag_dir : env;
        char label[NN_PATH_MAX + 16];
        snprintf(label, sizeof label, "%s%s", flag_dir ? "" : "$NNTRAIN_DATA=",
                 named);
        if (check_named_dir(named, label, err)) return -1;
        return nn_path_absolute(dir, cap, named, err);
    }
    static const char *const tried[] = {"./data/fashion-mnist",
                                        "/usr/share/datasets/fashion-mnist"};
    for (int i = 0; i < 2; i++)
        if (has_all(tried[i])) return nn_path_absolute(dir, cap, tried[i], err);
    /* The hint goes first so that a long list cannot crowd it out. */
    return nn_errf(err, "Fashion-MNIST not found (install it with `apt-get "
                   "install dataset-fashion-mnist`, or pass --data DIR); "
                   "looked in %s, %s", tried[0], tried[1]);
}
