/* nn_train.h: the training job: configuration, per-epoch metrics, and a
 * trainer that owns the model, data, optimizer state and executors of one
 * run. The CLI fills the config and reports progress; the trainer never
 * prints. */
#ifndef NN_TRAIN_H
#define NN_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "nn_backend.h"
#include "nn_data.h"
#include "nn_error.h"
#include "nn_model.h"
#include "nn_path.h"
#include "nn_rng.h"

typedef enum { NN_LOSS_MSE, NN_LOSS_CROSS_ENTROPY } nn_loss_kind;
/* Values are stored in checkpoints: new kinds go at the end. */
typedef enum { NN_OPTIM_ADAM, NN_OPTIM_SGD, NN_OPTIM_ADAMW } nn_optim_kind;
/* The learning rate over the run: src/train/schedule.h has the formulas. */
typedef enum {
    NN_SCHEDULE_CONSTANT, /* the seed's */
    NN_SCHEDULE_COSINE,   /* per step, down to ~0 at the end */
    NN_SCHEDULE_STEP,     /* x0.1 at 50% and 75% of the epochs */
} nn_schedule_kind;
typedef enum {
    NN_PARALLEL_INTRA, /* one executor; oneDNN's threads split each op */
    NN_PARALLEL_BATCH, /* one single-threaded executor per batch slice */
    NN_PARALLEL_AUTO,  /* the faster of the two for this model and batch */
} nn_parallel_kind;
typedef enum { NN_NAN_STOP, NN_NAN_SKIP_BATCH } nn_nan_policy;

typedef struct {
    nn_model_desc model;    /* the layer table (a built-in or a file's) */
    int epochs;             /* 50 */
    int batch_size;         /* 64 */
    int threads;            /* OpenMP threads, > 0 */
    int limit;              /* > 0: first `limit` training images only */
    int val;                /* validation images drawn from the training
                               file (6000), 1..its images - batch_size */
    int save_every;         /* checkpoint every N epochs, 0: never */
    float lr;               /* 0.001 */
    float momentum;         /* SGD only, 0.9 */
    float weight_decay;     /* adamw: decoupled (0.01 by default); adam,
                               sgd: L2 in the gradient (0 by default) */
    nn_schedule_kind schedule;
    int warmup_epochs;      /* linear warmup over the first N epochs, 0 */
    int augment_crop;       /* training images shifted by up to N pixels, 0 */
    int augment_flip;       /* 1: training images flipped left-right at 1/2 */
    uint64_t seed;          /* split, init, shuffling */
    nn_loss_kind loss;
    nn_optim_kind optim;
    nn_backend_kind backend;
    nn_precision precision; /* f32, or bf16 where the CPU has AVX512_BF16 */
    nn_parallel_kind parallel;
    nn_nan_policy nan_policy;
    char data_dir[NN_PATH_MAX]; /* folder with the four IDX files (absolute) */
    char out_dir[NN_PATH_MAX];  /* run folder; empty: none (evaluation) */
    nn_data_fingerprint data_fp; /* of data_dir's files, when the run began */
    nn_class_names names;   /* of the model's classes, in label order, as
                               the run uses and saves them; n == 0 until
                               the trainer sets them */
    char classes_file[NN_PATH_MAX]; /* --classes FILE: names to use instead
                               of the saved or default ones (an
                               instruction, not saved) */
    int threads_changed;    /* 1 once a resume used another thread count:
                               the run is no longer bit-repeatable */
    int overwrite;          /* a new run may replace the run in out_dir
                               (an instruction, not saved) */
} nn_train_config;

/* Ranges of the numbers in a config, for the CLI and the checkpoint alike. */
#define NN_MAX_EPOCHS 100000
#define NN_MAX_BATCH (1 << 20)
#define NN_MAX_THREADS 1024
#define NN_MAX_LIMIT (1 << 30)
#define NN_MAX_VAL (1 << 30)
#define NN_DEFAULT_VAL 6000 /* the seed's validation split */
#define NN_MAX_SAVE_EVERY 100000
#define NN_MAX_AUGMENT_CROP 16
/* AdamW's weight decay when none is given (PyTorch's default) */
#define NN_ADAMW_WEIGHT_DECAY 0.01f

/* Defaults of the seed's recipe (Adam 0.001, MSE, batch 64, 50 epochs). */
void nn_train_config_default(nn_train_config *cfg);
/* 0 when every value is in range; else -1 and a message naming the first
 * value out of range as summary.json names it ("threads 100000 is out of
 * range 1..1024"), for the caller to prefix with where it came from. */
int nn_train_config_check(const nn_train_config *cfg, nn_err *err);
/* A digest of what every MPI rank must share: the recipe (layer table,
 * epochs, batch, data split, optimizer, schedule, augmentation, seed, loss,
 * backend, precision, strategy, NaN policy, checkpoint interval) and the
 * data's fingerprint; not the environment (threads, paths, class names). */
uint64_t nn_train_config_recipe_digest(const nn_train_config *cfg);
const char *nn_loss_name(nn_loss_kind kind);
const char *nn_optim_name(nn_optim_kind kind);
const char *nn_schedule_name(nn_schedule_kind kind);
/* The augmentation as --augment spells it: "none", "crop=4", "flip",
 * "crop=4,flip". */
void nn_augment_name(char *buf, size_t size, const nn_train_config *cfg);
const char *nn_parallel_name(nn_parallel_kind kind);

typedef struct {
    double train_loss, train_acc; /* over the epoch, weights changing; % */
    double val_loss, val_acc;     /* after the epoch; % */
    double seconds;               /* whole epoch, evaluation included */
    double train_images_per_s;    /* training steps only */
    double lr;                    /* of the epoch's last step */
} nn_epoch_metrics;

/* What the trainer reports while it runs (batch < batches: inside an epoch;
 * epoch_done != NULL: the epoch just ended). */
typedef struct {
    int epoch, epochs;  /* 1-based */
    int batch, batches; /* batches done in this epoch */
    double loss, acc;   /* running train loss and accuracy of this epoch */
    double elapsed;     /* seconds since this epoch started */
    const nn_epoch_metrics *epoch_done;
} nn_progress;

typedef void (*nn_progress_fn)(const nn_progress *p, void *ctx);

/* The phases of a training step, as timed by the benchmark. */
typedef enum {
    NN_PHASE_BATCHING,  /* gathering shuffled images into the batch */
    NN_PHASE_FORWARD,
    NN_PHASE_LOSS,      /* softmax + loss + its gradient */
    NN_PHASE_BACKWARD,  /* including the batch-split gradient reduction */
    NN_PHASE_ALLREDUCE, /* the sum of gradients and metrics over MPI ranks */
    NN_PHASE_OPTIMIZER, /* Adam and the weight reorders that follow it */
    NN_PHASES
} nn_phase;

extern const char *const nn_phase_names[NN_PHASES];

typedef struct nn_trainer nn_trainer;

/* A new run: loads the data, builds the model, optimizer and executors,
 * and (with an out_dir) takes the run folder: refused when it holds a run
 * unless cfg->overwrite, created, locked against other processes. */
int nn_trainer_create(nn_trainer **out, const nn_train_config *cfg,
                      nn_err *err);
void nn_trainer_free(nn_trainer *t);

/* How to reopen a checkpoint. Zero / NULL fields keep what it saved. */
typedef struct {
    int epochs;           /* > 0: new run length (not below the epochs done) */
    int threads;          /* > 0: replaces the saved thread count */
    const char *data_dir; /* the data's folder now; on resume its files must
                             be the ones the run was trained on */
    int params_only;      /* weights only, no run folder: evaluation */
    int val;              /* > 0: the --val given, refused unless it is the
                             saved one (the split is part of the run) */
    const char *classes_file; /* class names to use instead of the saved
                             ones (evaluation) */
} nn_open_opts;

/* Rebuilds the trainer saved in a checkpoint file (data, split, weights,
 * optimizer, RNG, metrics, position in the epoch), so that training goes on
 * exactly as if it had never stopped, in the checkpoint's folder, which it
 * locks. A resume refuses data whose fingerprint differs from the run's. */
int nn_trainer_open(nn_trainer **out, const char *checkpoint,
                    const nn_open_opts *opts, nn_err *err);

/* Replaces the initial weights of a new trainer (no step taken yet) with
 * those of a safetensors file of the model's PyTorch state_dict
 * (nn_model_load_safetensors in nn_export.h: names, shapes and dtype
 * checked, each mismatch named). */
int nn_trainer_init_from(nn_trainer *t, const char *safetensors, nn_err *err);

/* Loss, accuracy (%) and confusion matrix on the test set with the current
 * weights; confusion is (classes, classes) [true][predicted], classes the
 * model's (nn_trainer_config(t)->names.n). */
int nn_trainer_test(nn_trainer *t, double *loss, double *acc,
                    long *confusion, nn_err *err);

/* Trains the remaining epochs, writing the run folder as it goes
 * (metrics.csv after every epoch, a checkpoint every save_every epochs).
 * Returns 0 when all epochs ran, 1 when *stop became non-zero (a checkpoint
 * of the last finished batch was written), -1 on error. */
int nn_trainer_run(nn_trainer *t, nn_progress_fn progress, void *ctx,
                   volatile int *stop, nn_err *err);

/* Test-set evaluation with the current weights, then confusion_test.csv,
 * summary.json and the final weights (final.ckpt) into the run folder. */
int nn_trainer_finish(nn_trainer *t, double *test_loss, double *test_acc,
                      nn_err *err);

/* Read-only views for the CLI. */
const nn_model *nn_trainer_model(const nn_trainer *t);
const nn_train_config *nn_trainer_config(const nn_trainer *t);
const nn_splits *nn_trainer_data(const nn_trainer *t);
int nn_trainer_epochs_done(const nn_trainer *t);
const nn_epoch_metrics *nn_trainer_history(const nn_trainer *t);
const char *nn_trainer_parallel(const nn_trainer *t); /* strategy in use */
/* The thread count the checkpoint was saved with (0 for a new run). */
int nn_trainer_saved_threads(const nn_trainer *t);

#endif
