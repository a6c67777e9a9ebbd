/* nn_safetensors.h: the safetensors file format (Hugging Face): an 8-byte
 * little-endian header length N, N bytes of JSON header, then the tensors'
 * raw little-endian bytes back to back. The header maps each tensor name to
 * {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the data
 * that follows the header) and may hold "__metadata__", a map of strings.
 * Only what nntrain stores is read: dtypes F32 and I64 (batch norm's
 * num_batches_tracked). Knows nothing of models. */
#ifndef NN_SAFETENSORS_H
#define NN_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "nn_error.h"

#define NN_ST_MAX_DIMS 8
#define NN_ST_MAX_NAME 256               /* bytes of a tensor name, with 0 */
#define NN_ST_MAX_HEADER (100u << 20)    /* as the reference reader: 100 MB */
#define NN_ST_MAX_FILE (2ull << 30)      /* read whole into memory: 2 GiB */

typedef enum {
    NN_ST_F32, /* "F32": 4-byte IEEE 754 floats */
    NN_ST_I64, /* "I64": 8-byte two's complement integers */
} nn_st_dtype;

typedef struct {
    char name[NN_ST_MAX_NAME];
    nn_st_dtype dtype;
    int ndim;
    int64_t shape[NN_ST_MAX_DIMS];
    size_t begin, end; /* byte range in the data section */
} nn_st_tensor;

typedef struct {
    char *key, *value; /* owned, zero-terminated UTF-8 */
} nn_st_meta;

typedef struct {
    uint8_t *buf;           /* the whole file (owned), or NULL after parse */
    const uint8_t *data;    /* data section: after the header */
    size_t data_size;
    int n_tensors;
    nn_st_tensor *tensors;  /* (n_tensors) in header order; owned */
    int n_meta;
    nn_st_meta *meta;       /* (n_meta); owned */
} nn_safetensors;

/* Reads and checks the whole file: header length within the file, the
 * header's JSON (strictly: objects, strings, integers and arrays of them,
 * no duplicate keys), dtype F32 or I64, shapes matching byte ranges, ranges
 * contiguous from 0 to the end of the file. Each error is one line naming
 * the file, and the tensor when there is one ("x.safetensors: tensor
 * 0.weight: dtype F16 is not supported (expected F32 or I64)"). Free with
 * nn_safetensors_free, also after a failure. */
int nn_safetensors_read(nn_safetensors *st, const char *path, nn_err *err);
/* The same checks on bytes in memory (the fuzz target's entry); st->data
 * points into bytes, which must outlive st. path only names the input in
 * messages. */
int nn_safetensors_parse(nn_safetensors *st, const char *path,
                         const uint8_t *bytes, size_t size, nn_err *err);
void nn_safetensors_free(nn_safetensors *st);

/* The tensor called name, or NULL. */
const nn_st_tensor *nn_safetensors_find(const nn_safetensors *st,
                                        const char *name);
/* The value of metadata key, or NULL. */
const char *nn_safetensors_meta(const nn_safetensors *st, const char *key);
/* Elements of a tensor (product of its shape; 1 for a scalar). */
size_t nn_st_tensor_count(const nn_st_tensor *t);
/* Bytes of one element: 4 (F32) or 8 (I64). */
size_t nn_st_dtype_size(nn_st_dtype dtype);
/* "F32" or "I64". */
const char *nn_st_dtype_name(nn_st_dtype dtype);
/* Copies an F32 tensor's values into dst (nn_st_tensor_count floats). */
void nn_safetensors_get_f32(const nn_safetensors *st, const nn_st_tensor *t,
                            float *dst);

/* One tensor to write: data holds the product of shape values of dtype
 * (float or int64_t). */
typedef struct {
    const char *name;
    int ndim;
    int64_t shape[NN_ST_MAX_DIMS];
    const void *data;
    nn_st_dtype dtype;
} nn_st_out;

/* Writes tensors in the given order (data back to back) and the metadata
 * pairs meta_kv[2 i], meta_kv[2 i + 1] as "__metadata__", atomically (temp
 * file, fsync, rename): a failed write leaves no file behind. */
int nn_safetensors_write(const char *path, const nn_st_out *tensors, int n,
                         const char *const *meta_kv, int n_meta, nn_err *err);

#endif
