/* nn_data.h: IDX image-classification sets (MNIST, KMNIST, EMNIST,
 * Fashion-MNIST, ...: the same four file names in a folder) read straight
 * from the gzipped IDX files with zlib, validated, scaled and split, and the
 * names of their classes. Knows nothing of models: the caller says how many
 * classes the labels may use and checks the image size it gets. */
#ifndef NN_DATA_H
#define NN_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "nn_error.h"

/* Labels are bytes: at most 256 classes; a classifier needs two. Image
 * sides are bounded by the IDX reader (1..4096). */
#define NN_MIN_CLASSES 2
#define NN_MAX_CLASSES 256
#define NN_CLASS_NAME_MAX 64 /* bytes of a class name with its ending 0 */

/* Standard file names inside a data folder. */
#define NN_TRAIN_IMAGES "train-images-idx3-ubyte.gz"
#define NN_TRAIN_LABELS "train-labels-idx1-ubyte.gz"
#define NN_TEST_IMAGES "t10k-images-idx3-ubyte.gz"
#define NN_TEST_LABELS "t10k-labels-idx1-ubyte.gz"

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
    float *images;   /* (n, rows*cols) pixels / 255, in [0, 1]; owned */
    uint8_t *labels; /* (n) in 0..classes-1; owned */
    int rows, cols;  /* of every image (IDX images have one channel) */
} nn_dataset;

typedef struct {
    nn_dataset train; /* the training file less val (or --limit of them) */
    nn_dataset val;   /* n_val of the training file (Fashion-MNIST: 6,000) */
    nn_dataset test;  /* the t10k files */
    int rows, cols;   /* of every image of the three */
    int n_train_file; /* images in the training file, before the split */
    /* CRC32 of the training labels as decompressed, header left out: what
     * tells Fashion-MNIST apart (nn_splits_is_fashion_mnist) whatever gzip
     * made the file */
    uint32_t train_labels_crc;
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

/* One image file + its label file -> dataset: requires equal counts and
 * labels below classes (NN_MIN_CLASSES..NN_MAX_CLASSES) ("FILE: label 11 at
 * index 3 is out of range 0..9 (the model has 10 classes)"). */
int nn_dataset_load(nn_dataset *ds, const char *images_path,
                    const char *labels_path, int classes, nn_err *err);
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

/* Loads all four files from dir, labels checked against classes as
 * nn_dataset_load does; test images must have the training images' size
 * ("DIR/t10k-images-idx3-ubyte.gz: images are 32x32, the training images
 * are 28x28"). The n training images are split by a permutation drawn from
 * `seed`: the first n - n_val of the permutation become train, the last
 * n_val validation (1..n-1). limit > 0 keeps only the first `limit` images
 * of the train split. */
int nn_splits_load(nn_splits *f, const char *dir, int n_val, uint64_t seed,
                   int limit, int classes, nn_err *err);
void nn_splits_free(nn_splits *f);

/* Whether the loaded set is Fashion-MNIST: its training labels, as
 * decompressed, have the CRC32 of the published ones (any MNIST-shaped set
 * with other labels, MNIST itself included, is not). */
int nn_splits_is_fashion_mnist(const nn_splits *f);

/* The names of a model's classes, in label order. */
typedef struct {
    int n; /* NN_MIN_CLASSES..NN_MAX_CLASSES; 0: none yet */
    char name[NN_MAX_CLASSES][NN_CLASS_NAME_MAX]; /* 1..63 bytes each */
} nn_class_names;

extern const char *const nn_fashion_mnist_names[10]; /* "T-shirt/top", ... */

/* Reads a class-names file: one name a line, surrounding spaces and tabs
 * (and a CR) trimmed; blank lines are allowed before the first and after the
 * last name only, since a blank line between names would shift every later
 * label. There must be `classes` names, each 1..63 bytes without control
 * characters. Errors name the file and line ("names.txt: line 4: name of 70
 * bytes is too long (at most 63)"). */
int nn_class_names_read(nn_class_names *names, const char *path, int classes,
                        nn_err *err);
/* Names when none were given: Fashion-MNIST's ten when data is
 * Fashion-MNIST (and classes is 10), else "0", "1", ..., classes - 1. */
void nn_class_names_default(nn_class_names *names, int classes,
                            const nn_splits *data);
/* 0 when name (len bytes, no ending 0 needed) can name a class, else -1
 * and why not into why ("is empty", "of 70 bytes is too long (at most
 * 63)", "holds the control character 0x09"): for names read from elsewhere
 * (checkpoints) as much as from files. */
int nn_class_name_check(const char *name, size_t len, char *why,
                        size_t cap);

#endif
