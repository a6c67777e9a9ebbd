/* nn_data.h: Fashion-MNIST (and any MNIST-shaped IDX set) read straight from
 * the gzipped IDX files with zlib, validated, scaled and split.
 * Knows nothing of models. */
#ifndef NN_DATA_H
#define NN_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "nn_error.h"

#define NN_IMAGE_ROWS 28
#define NN_IMAGE_COLS 28
#define NN_IMAGE_SIZE (NN_IMAGE_ROWS * NN_IMAGE_COLS)
#define NN_CLASSES 10

/* Standard file names inside a data folder. */
#define NN_TRAIN_IMAGES "train-images-idx3-ubyte.gz"
#define NN_TRAIN_LABELS "train-labels-idx1-ubyte.gz"
#define NN_TEST_IMAGES "t10k-images-idx3-ubyte.gz"
#define NN_TEST_LABELS "t10k-labels-idx1-ubyte.gz"

extern const char *const nn_class_names[NN_CLASSES];

/* The four files of a data folder, in the order above. */
#define NN_DATA_FILES 4
extern const char *const nn_data_file_names[NN_DATA_FILES];

/* What identifies a data set's files wherever they lie: size and CRC32 of
 * each of the four (as stored, gzipped). A resumed run must see the same. */
typedef struct {
    uint64_t size[NN_DATA_FILES];
    uint32_t crc[NN_DATA_FILES];
} nn_data_fingerprint;

int nn_data_fingerprint_dir(nn_data_fingerprint *fp, const char *dir,
                            nn_err *err);
/* 0 when equal; else -1 and the first difference into why ("t10k-labels-
 * idx1-ubyte.gz: 10008 bytes, crc32 1a2b3c4d; the run's: ..."). */
int nn_data_fingerprint_compare(const nn_data_fingerprint *got,
                                const nn_data_fingerprint *want, char *why,
                                size_t cap);

typedef struct {
    int n;           /* number of images */
    float *images;   /* (n, 28*28) pixels / 255, in [0, 1]; owned */
    uint8_t *labels; /* (n) in 0..9; owned */
} nn_dataset;

typedef struct {
    nn_dataset train; /* 54,000 of the 60,000 (or --limit of them) */
    nn_dataset val;   /* the other 6,000 */
    nn_dataset test;  /* 10,000 */
} nn_splits;

/* Raw IDX readers (gzip via zlib). Validate magic (0x00000803 / 0x00000801),
 * dtype (unsigned byte), rank, dimensions, that the payload is exactly as long
 * as the header says (too short and too long are errors), and gzip integrity
 * (gzerror). On success *pixels / *labels are malloc'd and owned by the
 * caller. Errors name the file and what was expected vs found. */
int nn_idx_read_images(const char *path, uint8_t **pixels, int *n, int *rows,
                       int *cols, nn_err *err);
int nn_idx_read_labels(const char *path, uint8_t **labels, int *n,
                       nn_err *err);

/* One image file + its label file -> dataset: requires 28x28 images, equal
 * counts and labels in 0..9 ("label 11 at index 3 is out of range 0..9"). */
int nn_dataset_load(nn_dataset *ds, const char *images_path,
                    const char *labels_path, nn_err *err);
void nn_dataset_free(nn_dataset *ds);

/* Images to classify, without labels: an IDX images file (gzipped or
 * plain) or one binary PGM picture (P5, maxval 1..255), told apart by their
 * first bytes. Each must be want_rows x want_cols ("PATH: images are 32x32,
 * the model expects 28x28"). *images (n, rows * cols) is malloc'd, pixels
 * scaled to [0, 1] (IDX: / 255, PGM: / maxval), owned by the caller. */
int nn_images_load(const char *path, int want_rows, int want_cols,
                   float **images, int *n, nn_err *err);

/* Finds the folder holding the four files and writes its absolute path to
 * dir: flag_dir if not NULL, else $NNTRAIN_DATA if set (a folder the user
 * named is used or refused with the reason, never skipped), else
 * ./data/fashion-mnist, then /usr/share/datasets/fashion-mnist. If none has
 * them the error says where it looked and how to get them. */
int nn_data_find_dir(char *dir, size_t cap, const char *flag_dir, nn_err *err);

/* Loads all four files from dir. The 60,000 training images are split by a
 * permutation drawn from `seed`: the first n_train - n_val of the permutation
 * become train, the last n_val validation. limit > 0 keeps only the first
 * `limit` images of the train split. */
int nn_splits_load(nn_splits *f, const char *dir, int n_val, uint64_t seed,
                    int limit, nn_err *err);
void nn_splits_free(nn_splits *f);

#endif
