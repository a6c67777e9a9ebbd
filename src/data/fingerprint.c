/* fingerprint.c: size and CRC32 of the four data files, so that a resumed
 * run can tell that it sees the data it was trained on. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "nn_data.h"
#include "nn_path.h"

static int file_crc(const char *path, uint64_t *size, uint32_t *crc,
                    nn_err *err) {
    int fd = nn_open_regular(path, "a gzipped IDX file", err);
    if (fd < 0) return -1;
    unsigned char buf[1 << 16];
    uLong c = crc32(0L, Z_NULL, 0);
    uint64_t n = 0;
    for (;;) {
        ssize_t got = read(fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            nn_errf(err, "%s: read failed: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (got == 0) break;
        c = crc32(c, buf, (uInt)got);
        n += (uint64_t)got;
    }
    close(fd);
    *size = n, *crc = (uint32_t)c;
    return 0;
}

int nn_data_fingerprint_dir(nn_data_fingerprint *fp, const char *dir,
                            nn_err *err) {
    char path[NN_PATH_MAX];
    for (int i = 0; i < NN_DATA_FILES; i++)
        if (nn_path_join(path, sizeof path, dir, nn_data_file_names[i], err) ||
            file_crc(path, &fp->size[i], &fp->crc[i], err))
            return -1;
    return 0;
}

int nn_data_fingerprint_compare(const nn_data_fingerprint *got,
                                const nn_data_fingerprint *want, char *why,
                                size_t cap) {
    for (int i = 0; i < NN_DATA_FILES; i++) {
        if (got->size[i] == want->size[i] && got->crc[i] == want->crc[i])
            continue;
        snprintf(why, cap, "%s is %llu bytes with crc32 %08x, the run's was "
                 "%llu bytes with crc32 %08x", nn_data_file_names[i],
                 (unsigned long long)got->size[i], got->crc[i],
                 (unsigned long long)want->size[i], want->crc[i]);
        return -1;
    }
    return 0;
}
