/* atomic_file.c: temp file + fsync + rename, and mkdir -p. */
#include "nn_atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int nn_atomic_open(nn_atomic_file *a, const char *path, nn_err *err) {
    memset(a, 0, sizeof *a);
    if (nn_path_copy(a->path, sizeof a->path, path, err)) return -1;
    snprintf(a->tmp, sizeof a->tmp, "%s.tmp", path);
    a->f = fopen(a->tmp, "wb");
    if (!a->f)
        return nn_errf(err, "%s: cannot create: %s", a->tmp, strerror(errno));
    return 0;
}

static void fsync_dir_of(const char *path) {
    char dir[NN_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path); /* fits: path came through a->path */
    int fd = open(dirname(dir), O_RDONLY);
    if (fd >= 0) {
        fsync(fd); /* best effort: some filesystems refuse it on folders */
        close(fd);
    }
}

int nn_atomic_commit(nn_atomic_file *a, nn_err *err) {
    int bad = ferror(a->f) || fflush(a->f) != 0 || fsync(fileno(a->f)) != 0;
    int saved = errno;
    if (fclose(a->f) != 0 && !bad) bad = 1, saved = errno;
    a->f = NULL;
    if (bad) {
        unlink(a->tmp);
        return nn_errf(err, "%s: write failed: %s", a->tmp, strerror(saved));
    }
    if (rename(a->tmp, a->path) != 0) {
        saved = errno;
        unlink(a->tmp);
        return nn_errf(err, "%s: cannot rename into place: %s", a->path,
                       strerror(saved));
    }
    fsync_dir_of(a->path);
    return 0;
}

void nn_atomic_abort(nn_atomic_file *a) {
    if (a->f) fclose(a->f);
    a->f = NULL;
    unlink(a->tmp);
}

int nn_check_dir_creatable(const char *path, nn_err *err) {
    char buf[NN_PATH_MAX];
    if (nn_path_copy(buf, sizeof buf, path, err)) return -1;
    struct stat st;
    /* climb to the nearest part of the path that exists */
    while (stat(buf, &st) != 0) {
        if (errno != ENOENT)
            return nn_errf(err, "%s: cannot use as a folder: %s", path,
                           strerror(errno));
        char *slash = strrchr(buf, '/');
        if (!slash) {
            snprintf(buf, sizeof buf, ".");
            continue;
        }
        if (slash == buf) slash[1] = '\0';
        else *slash = '\0';
    }
    if (!S_ISDIR(st.st_mode))
        return nn_errf(err, "%s: cannot create folder: %s is not a folder",
                       path, buf);
    if (access(buf, W_OK) != 0)
        return nn_errf(err, "%s: cannot create folder: %s is not writable",
                       path, buf);
    return 0;
}

int nn_mkdirs(const char *path, nn_err *err) {
    char buf[NN_PATH_MAX];
    if (nn_path_copy(buf, sizeof buf, path, err)) return -1;
    for (char *p = buf + 1;; p++) {
        char c = *p;
        if (c != '/' && c != '\0') continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return nn_errf(err, "%s: cannot create folder: %s", buf,
                           strerror(errno));
        *p = c;
        if (c == '\0') break;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return nn_errf(err, "%s: not a folder", path);
    if (access(path, W_OK) != 0)
        return nn_errf(err, "%s: folder is not writable", path);
    return 0;
}
