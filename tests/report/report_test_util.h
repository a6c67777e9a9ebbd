/* report_test_util.h: temp folders and whole-file helpers for the report tests. */
#ifndef NN_REPORT_TEST_UTIL_H
#define NN_REPORT_TEST_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The fixture runs: FIXTURES_DIR is set by tests/report/meson.build. */
#define FIXTURE_MLP FIXTURES_DIR "/mlp"
#define FIXTURE_CNN FIXTURES_DIR "/cnn"
#define FIXTURE_BENCH FIXTURES_DIR "/bench.csv"
/* The bench CSV as `nntrain bench` writes it now: precision and the
 * images/s range of the repetitions (FIXTURE_BENCH is an older one). */
#define FIXTURE_BENCH_REPS FIXTURES_DIR "/bench_reps.csv"

/* A new empty folder under /tmp whose name starts with prefix (which may
 * hold spaces and quotes); the path lives in path[size]. */
static inline int make_temp_dir(char *path, size_t size, const char *prefix) {
    snprintf(path, size, "/tmp/%sXXXXXX", prefix);
    return mkdtemp(path) ? 0 : -1;
}

/* Removes a folder, its files and the files of its sub-folders (the report
 * writes two levels: OUT/ and OUT/figures/). */
static inline void remove_tree(const char *path) {
    DIR *dir = opendir(path);
    struct dirent *entry;
    char child[4096];
    while (dir && (entry = readdir(dir))) {
        if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
            continue;
        if (snprintf(child, sizeof child, "%s/%s", path, entry->d_name) >=
            (int)sizeof child)
            continue;
        struct stat st;
        if (stat(child, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(child);
        else
            unlink(child);
    }
    if (dir) closedir(dir);
    rmdir(path);
}

/* The whole file as a malloc'd NUL-terminated string (NULL if unreadable);
 * *size gets its length when size is not NULL. */
static inline char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (text && fread(text, 1, (size_t)len, f) == (size_t)len) {
        text[len] = '\0';
        if (size) *size = (size_t)len;
    } else {
        free(text);
        text = NULL;
    }
    fclose(f);
    return text;
}

static inline int write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static inline int file_exists(const char *path) {
    return access(path, F_OK) == 0;
}

#endif
