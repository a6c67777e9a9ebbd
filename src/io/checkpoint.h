/* checkpoint.h: everything needed to continue a run exactly, in one file.
 *
 * Layout (little-endian on every machine; i32/u32/i64/u64 integers, f32/f64
 * IEEE 754):
 *   magic "NNTCKPT1" (8 bytes), format version (u32, 3),
 *   config: model name (64 bytes, zero-padded), epochs, batch_size, threads,
 *     limit, save_every, val (i32 each), lr, momentum (f32 each), seed (u64),
 *     loss, optim, backend, parallel, nan_policy, precision, threads_changed (u32
 *     each), the data's fingerprint (per file: size u64, crc32 u32),
 *     weight_decay (f32), schedule (u32), warmup_epochs, augment_crop,
 *     augment_flip (i32 each), the absolute data folder (u32 length, then its bytes); the run folder is
 *     where the checkpoint lies and is not stored,
 *   class names: count (u32, 2..256, the model's classes), then count x 64
 *     bytes, each name (1..63 bytes, no control characters) zero-padded,
 *   layer table: n_layers (u32) then per layer kind, out, kernel, stride,
 *     pad, relu, in_c, in_h, in_w, out_c, out_h, out_w (i32 each), p (f32);
 *     the model is rebuilt from it (eval and resume need no --model),
 *   n_params (u64), params (f32 x n),
 *   n_state (u64), state (f32 x n_state: batch norm's running statistics),
 *   optimizer: kind (u32), step (i64), has_v (u32), m (f32 x n), [v],
 *   epochs_done (u32), shuffle RNG state (4 x u64), elapsed seconds (f64),
 *   history: epochs_done x 6 f64 (train_loss, train_acc, val_loss, val_acc,
 *     seconds, train_images_per_s),
 *   position in the current epoch: batches_done (u32), loss_sum (f64),
 *     correct (i64), images (i64), train_seconds (f64), n_order (u32),
 *     order (i32 x n_order),
 *   CRC32 (zlib) of every byte before it (u32).
 * Written to PATH.tmp, fsync'ed, renamed: the previous checkpoint stays
 * valid until the new one is complete. */
#ifndef NN_CHECKPOINT_H
#define NN_CHECKPOINT_H

#include "nn_error.h"
#include "nn_model.h"
#include "nn_rng.h"
#include "nn_train.h"
#include "optimizer.h"

/* Where training stands inside the current epoch, so that a run stopped
 * mid-epoch (Ctrl-C) resumes at the next batch with the same shuffle. */
typedef struct {
    int batches_done;     /* 0: the epoch has not started (not shuffled) */
    double loss_sum;      /* running sums of the epoch so far */
    long correct;
    long images;          /* images whose step was applied */
    double train_seconds;
    int *order;           /* (n_order) this epoch's shuffled indices */
    int n_order;
} nn_epoch_cursor;

/* Views of the trainer's state; the checkpoint reads or fills them. */
typedef struct {
    nn_train_config *cfg;
    nn_model *model;          /* params */
    nn_optimizer *opt;        /* step, m, v */
    nn_rng *shuffle_rng;
    int *epochs_done;
    double *elapsed_seconds;  /* training time of the epochs done */
    nn_epoch_metrics *history;/* capacity: cfg->epochs entries */
    nn_epoch_cursor *cursor;
} nn_train_state;

int nn_checkpoint_save(const char *path, const nn_train_state *s, nn_err *err);

/* Reads and verifies the whole file (magic, version, CRC, lengths, every
 * value in range), then returns only its config (the model's layer table
 * in cfg->model) and, if epochs_done is not NULL, how many epochs it holds:
 * enough to build the model and trainer. */
int nn_checkpoint_read_config(const char *path, nn_train_config *cfg,
                              int *epochs_done, nn_err *err);

/* Restores a state whose model was built from the same config: checks the
 * layer table layer by layer ("layer 3 dense: checkpoint 3136x128, model
 * 784x256") and every length; with params_only, stops after the params. */
int nn_checkpoint_load(const char *path, nn_train_state *s, int params_only,
                       nn_err *err);

#endif
