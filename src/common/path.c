/* path.c: checked path copies and joins, and opening regular files only. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "nn_path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int nn_path_copy(char *dst, size_t cap, const char *src, nn_err *err) {
    size_t len = strlen(src);
    if (len >= cap)
        return nn_errf(err, "%.200s...: path too long (%zu bytes, at most "
                       "%zu)", src, len, cap - 1);
    memcpy(dst, src, len + 1);
    return 0;
}

int nn_path_join(char *dst, size_t cap, const char *dir, const char *name,
                 nn_err *err) {
    int n = snprintf(dst, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap)
        return nn_errf(err, "%.200s.../%s: path too long (%d bytes, at most "
                       "%zu)", dir, name, n, cap - 1);
    return 0;
}

int nn_path_absolute(char *dst, size_t cap, const char *path, nn_err *err) {
    char *abs = realpath(path, NULL);
    if (!abs) return nn_errf(err, "%s: %s", path, strerror(errno));
    int rc = nn_path_copy(dst, cap, abs, err);
    free(abs);
    return rc;
}

/* What a non-regular file is, for messages. */
static const char *file_kind(mode_t mode) {
    if (S_ISDIR(mode)) return "a folder";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

static int check_mode(const char *path, mode_t mode, const char *what,
                      nn_err *err) {
    if (S_ISREG(mode)) return 0;
    return nn_errf(err, "%s: is %s, expected %s", path, file_kind(mode), what);
}

int nn_check_regular(const char *path, const char *what, nn_err *err) {
    struct stat st;
    if (stat(path, &st) != 0)
        return nn_errf(err, "%s: cannot open: %s", path, strerror(errno));
    return check_mode(path, st.st_mode, what, err);
}

FILE *nn_fopen_regular(const char *path, const char *what, nn_err *err) {
    int fd = nn_open_regular(path, what, err);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        nn_errf(err, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

/* "2 GiB" for whole GiB, else the byte count. */
static void size_text(char *buf, size_t cap, unsigned long long bytes) {
    if (bytes >= (1ull << 30) && bytes % (1ull << 30) == 0)
        snprintf(buf, cap, "%llu GiB", bytes >> 30);
    else
        snprintf(buf, cap, "%llu bytes", bytes);
}

int nn_read_file(const char *path, const char *what,
                 unsigned long long max_bytes, unsigned char **out,
                 size_t *size, nn_err *err) {
    int fd = nn_open_regular(path, what, err);
    if (fd < 0) return -1;
    struct stat st;
    unsigned char *buf = NULL;
    size_t got = 0;
    char max[32];
    size_text(max, sizeof max, max_bytes);
    if (fstat(fd, &st) != 0)
        nn_errf(err, "%s: cannot stat: %s", path, strerror(errno));
    else if ((unsigned long long)st.st_size > max_bytes)
        nn_errf(err, "%s: %lld bytes is too large for %s (at most %s)", path,
                (long long)st.st_size, what, max);
    else if (!(buf = malloc((size_t)st.st_size + 1)))
        nn_errf(err, "%s: out of memory for %lld bytes", path,
                (long long)st.st_size);
    else {
        while (got < (size_t)st.st_size) {
            ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            got += (size_t)n;
        }
        if (got != (size_t)st.st_size)
            nn_errf(err, "%s: read failed: %s", path,
                    errno ? strerror(errno) : "file shrank while reading");
    }
    close(fd);
    if (!buf || got != (size_t)st.st_size) {
        free(buf);
        return -1;
    }
    *out = buf, *size = got;
    return 0;
}

int nn_open_regular(const char *path, const char *what, nn_err *err) {
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return nn_errf(err, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        nn_errf(err, "%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (check_mode(path, st.st_mode, what, err) ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
        if (S_ISREG(st.st_mode))
            nn_errf(err, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}
