/* idx.c: reads IDX files of unsigned bytes (gzipped, or plain) with zlib and
 * checks header, dimensions, payload length and gzip integrity. */
#include "nn_data.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "nn_path.h"

#define IDX_DTYPE_UBYTE 0x08
#define IDX_MAX_COUNT 10000000u /* images or labels in one file */
#define IDX_MAX_SIDE 4096u      /* rows or columns of one image */
#define IDX_CHUNK (1u << 20)    /* bytes per gzread, and the first buffer */
#define IDX_GZ_BUFFER (1u << 17)
#define IDX_MAX_PAYLOAD (1ull << 30) /* bytes after the header: 1 GiB */
/* deflate cannot expand data more than about 1032:1, so a gzip file of S
 * bytes holds at most this many times S */
#define GZ_MAX_RATIO 1032ull

static uint32_t be32(const uint8_t *b) {
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
           (uint32_t)b[3];
}

static const char *rank_noun(int rank) { return rank == 3 ? "image" : "label"; }

/* Turns a pending zlib error into a message; 0 when there is none. */
static int gz_check(gzFile gz, const char *path, nn_err *err) {
    int code;
    const char *why = gzerror(gz, &code);
    /* zlib prefixes its message with what it was opened on ("<fd:3>: "
     * after gzdopen): our message names the file already. */
    const char *colon = strstr(why, ": ");
    if (why[0] == '<' && colon) why = colon + 2;
    switch (code) {
    case Z_OK:
        return 0;
    case Z_BUF_ERROR:
        return nn_errf(err, "%s: gzip stream is truncated (zlib: %s)", path,
                       why);
    case Z_DATA_ERROR:
        return nn_errf(err, "%s: gzip stream is corrupt (zlib: %s)", path,
                       why);
    case Z_ERRNO:
        return nn_errf(err, "%s: read failed: %s", path, why);
    default:
        return nn_errf(err, "%s: zlib error %d: %s", path, code, why);
    }
}

/* Reads up to len bytes. Returns the count (short only at end of data), or
 * -1 with err set on a read, truncation or checksum error. zlib inflates
 * ahead of what we ask for, so such an error may show before the bytes
 * that precede it are all handed over. */
static long gz_read(gzFile gz, uint8_t *buf, size_t len, const char *path,
                    nn_err *err) {
    int got = gzread(gz, buf, (unsigned)len);
    if (gz_check(gz, path, err)) return -1;
    if (got < 0) return nn_errf(err, "%s: read failed", path);
    return got;
}

/* Opens path for gzread; plain files pass through. NULL with err set when
 * it is missing, unreadable, not a regular file (a FIFO cannot block us)
 * or empty. *size gets the file's size in bytes. */
static gzFile idx_open(const char *path, long long *size, nn_err *err) {
    int fd = nn_open_regular(path, "a gzipped IDX file", err);
    if (fd < 0) return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size == 0) {
        if (st.st_size == 0)
            nn_errf(err, "%s: file is empty (expected a gzipped IDX file)",
                    path);
        else
            nn_errf(err, "%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    *size = (long long)st.st_size;
    errno = 0;
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        nn_errf(err, "%s: cannot open: %s", path,
                errno ? strerror(errno) : "out of memory");
        close(fd);
        return NULL;
    }
    gzbuffer(gz, IDX_GZ_BUFFER);
    return gz;
}

/* Magic is 00 00 <dtype> <rank>, big-endian: 0x00000803 for images. */
static int idx_check_magic(gzFile gz, const uint8_t *m, int rank,
                           const char *path, nn_err *err) {
    uint32_t want = 0x0800u | (uint32_t)rank;
    if (m[0] != 0 || m[1] != 0) {
        if (gzdirect(gz))
            return nn_errf(err, "%s: not a gzip file and not an IDX file "
                           "(expected magic 0x%08x, found 0x%08x)",
                           path, want, be32(m));
        return nn_errf(err, "%s: bad IDX magic (expected 0x%08x, found "
                       "0x%08x)", path, want, be32(m));
    }
    if (m[2] != IDX_DTYPE_UBYTE)
        return nn_errf(err, "%s: unsupported IDX data type (expected 0x%02x "
                       "for unsigned byte, found 0x%02x)",
                       path, IDX_DTYPE_UBYTE, m[2]);
    if (m[3] != rank)
        return nn_errf(err, "%s: wrong IDX rank (expected %d for %ss, found "
                       "%d)", path, rank, rank_noun(rank), m[3]);
    return 0;
}

/* dims = (count) for labels, (count, rows, cols) for images. */
static int idx_check_dims(const uint32_t *dims, int rank, const char *path,
                          nn_err *err) {
    static const char *const what[3] = {"count", "row count", "column count"};
    for (int i = 0; i < rank; i++) {
        uint32_t max = i == 0 ? IDX_MAX_COUNT : IDX_MAX_SIDE;
        if (dims[i] == 0 || dims[i] > max)
            return nn_errf(err, "%s: bad %s %s (expected 1..%u, found %u)",
                           path, rank_noun(rank), what[i], max, dims[i]);
    }
    return 0;
}

static int idx_read_header(gzFile gz, int rank, uint32_t *dims,
                           const char *path, nn_err *err) {
    uint8_t head[4 + 4 * 3];
    size_t want = 4 + 4 * (size_t)rank;
    long got = gz_read(gz, head, want, path, err);
    if (got < 0) return -1;
    if (got >= 4 && idx_check_magic(gz, head, rank, path, err)) return -1;
    if ((size_t)got < want)
        return nn_errf(err, "%s: too short for an IDX header (expected %zu "
                       "bytes, found %ld)", path, want, got);
    for (int i = 0; i < rank; i++) dims[i] = be32(head + 4 + 4 * i);
    return idx_check_dims(dims, rank, path, err);
}

/* Makes room for at least one more byte, never past total. */
static int grow(uint8_t **buf, size_t *cap, size_t total, const char *path,
                nn_err *err) {
    size_t next = *cap < IDX_CHUNK ? IDX_CHUNK : 2 * *cap;
    if (next > total) next = total;
    uint8_t *p = realloc(*buf, next);
    if (!p)
        return nn_errf(err, "%s: out of memory (%zu bytes)", path, next);
    *buf = p;
    *cap = next;
    return 0;
}

/* After the payload: 0 at end of data (zlib has then checked the gzip
 * trailer), 1 when more bytes follow. Reads at most one byte, so a file
 * that goes on (a gzip bomb behind a true header) is refused at once. */
static int idx_more_follows(gzFile gz, const char *path, nn_err *err) {
    uint8_t one;
    long got = gz_read(gz, &one, 1, path, err);
    return got < 0 ? -1 : got > 0;
}

/* A header whose payload cannot be in the file, or is larger than any
 * image set nntrain reads, is refused before anything is allocated. */
static int idx_check_size(gzFile gz, unsigned long long total,
                          long long file_size, int rank, const char *path,
                          nn_err *err) {
    const char *what = rank == 3 ? "pixels" : "labels";
    unsigned long long header = 4 + 4 * (unsigned long long)rank;
    unsigned long long room = (unsigned long long)file_size - header;
    if (total > IDX_MAX_PAYLOAD)
        return nn_errf(err, "%s: header promises %llu bytes of %s, more "
                       "than the %llu nntrain reads from one file", path,
                       total, what, IDX_MAX_PAYLOAD);
    if (gzdirect(gz) && total > room)
        return nn_errf(err, "%s: header promises %llu bytes of %s, the "
                       "file holds %llu after the header", path, total, what,
                       room);
    if (!gzdirect(gz) && total > GZ_MAX_RATIO * (unsigned long long)file_size)
        return nn_errf(err, "%s: header promises %llu bytes of %s, more "
                       "than a gzip file of %lld bytes can hold", path, total,
                       what, file_size);
    return 0;
}

/* Reads exactly total bytes (what follows the header), then requires end
 * of data. The buffer grows with the data actually present, so a header
 * that lies about its sizes cannot make us allocate more than the file
 * holds. */
static int idx_read_payload(gzFile gz, size_t total, int rank,
                            uint8_t **out, const char *path, nn_err *err) {
    const char *what = rank == 3 ? "pixels" : "labels";
    uint8_t *buf = NULL;
    size_t have = 0, cap = 0;
    while (have < total) {
        if (have == cap && grow(&buf, &cap, total, path, err)) goto fail;
        size_t len = cap - have < IDX_CHUNK ? cap - have : IDX_CHUNK;
        long got = gz_read(gz, buf + have, len, path, err);
        if (got < 0) goto fail;
        have += (size_t)got;
        if ((size_t)got < len) break;
    }
    if (have < total) {
        nn_errf(err, "%s: payload too short (expected %zu bytes of %s after "
                "the header, found %zu)", path, total, what, have);
        goto fail;
    }
    int more = idx_more_follows(gz, path, err);
    if (more < 0) goto fail;
    if (more) {
        nn_errf(err, "%s: payload too long (expected %zu bytes of %s after "
                "the header, found more)", path, total, what);
        goto fail;
    }
    *out = buf;
    return 0;
fail:
    free(buf);
    return -1;
}

/* Whole file: dims gets (count[, rows, cols]), *data the payload. */
static int idx_read(const char *path, int rank, uint32_t *dims,
                    uint8_t **data, nn_err *err) {
    long long file_size = 0;
    gzFile gz = idx_open(path, &file_size, err);
    if (!gz) return -1;
    int rc = idx_read_header(gz, rank, dims, path, err);
    unsigned long long total = dims[0];
    for (int i = 1; i < rank; i++) total *= dims[i];
    if (rc == 0) rc = idx_check_size(gz, total, file_size, rank, path, err);
    if (rc == 0) rc = idx_read_payload(gz, (size_t)total, rank, data, path, err);
    int closed = gzclose(gz);
    if (rc == 0 && closed != Z_OK) {
        free(*data);
        *data = NULL;
        return nn_errf(err, "%s: close failed (zlib error %d)", path, closed);
    }
    return rc;
}

int nn_idx_read_images(const char *path, uint8_t **pixels, int *n, int *rows,
                       int *cols, nn_err *err) {
    uint32_t dims[3] = {0};
    *pixels = NULL;
    *n = *rows = *cols = 0;
    if (idx_read(path, 3, dims, pixels, err)) return -1;
    *n = (int)dims[0];
    *rows = (int)dims[1];
    *cols = (int)dims[2];
    return 0;
}

int nn_idx_read_labels(const char *path, uint8_t **labels, int *n,
                       nn_err *err) {
    uint32_t dims[1] = {0};
    *labels = NULL;
    *n = 0;
    if (idx_read(path, 1, dims, labels, err)) return -1;
    *n = (int)dims[0];
    return 0;
}
