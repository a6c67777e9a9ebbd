/* trainer.h: the trainer's insides, shared by trainer.c, the resume path
 * and tests (the public API is nn_train.h). */
#ifndef NN_TRAINER_H
#define NN_TRAINER_H

#include "batch.h"
#include "checkpoint.h"
#include "evaluate.h"
#include "nn_sysinfo.h"
#include "nn_train.h"
#include "optimizer.h"
#include "run_dir.h"
#include "runner.h"

struct nn_trainer {
    nn_train_config cfg;
    nn_model model;
    nn_splits data;
    nn_optimizer opt;
    nn_runner runner;           /* training steps */
    nn_runner eval_runner;      /* inference: validation and test */
    nn_batch batch;
    nn_augment augment;         /* of training batches (cfg's --augment) */
    nn_rng shuffle_rng;
    nn_epoch_cursor cursor;
    int epochs_done;
    double elapsed;             /* seconds of the epochs done */
    nn_epoch_metrics *history;  /* (cfg.epochs) */
    long *confusion;            /* (classes, classes) of the test set */
    nn_sysinfo sys;
    nn_run_lock lock;           /* on cfg.out_dir while training into it */
    int saved_threads;          /* the checkpoint's count, on resume */
    int training; /* 0: opened to evaluate: no optimizer or training runner */
};

/* Data, model, inference executors and, when training, the optimizer and
 * training executors of cfg, with fresh weights; no run folder is touched
 * (creating or resuming one is the caller's part). */
int nn_trainer_build(nn_trainer **out, const nn_train_config *cfg,
                     int training, nn_err *err);

/* Loss, accuracy and (into confusion, classes x classes, unless NULL) the
 * confusion matrix of ds with the current weights, on the inference
 * executors. */
int nn_trainer_evaluate(nn_trainer *t, const nn_dataset *ds, long *confusion,
                        nn_eval_result *out, nn_err *err);

/* The learning rate of the last step of epoch (1-based), as metrics.csv
 * reports it. */
float nn_trainer_epoch_lr(const nn_trainer *t, int epoch);

/* Views of the trainer's state for nn_checkpoint_save / _load. */
nn_train_state nn_trainer_state(nn_trainer *t);

#endif
