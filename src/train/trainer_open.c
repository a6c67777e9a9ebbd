/* trainer_open.c: a trainer rebuilt from a checkpoint (resume, evaluation)
 * and test-set evaluation. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluate.h"
#include "nn_comm.h"
#include "nn_export.h"
#include "trainer.h"

/* The run's data, wherever it is now: a folder the caller names must hold
 * the same files (a moved copy), and without one the saved folder must
 * still hold them. */
static int check_data(nn_train_config *cfg, const char *data_dir,
                      nn_err *err) {
    nn_data_fingerprint now;
    char why[512];
    if (data_dir && data_dir[0]) {
        if (nn_data_fingerprint_dir(&now, data_dir, err)) return -1;
        if (nn_data_fingerprint_compare(&now, &cfg->data_fp, why, sizeof why))
            return nn_errf(err, "--data %s: not the data this run was trained "
                           "on (%s)", data_dir, why);
        return nn_path_copy(cfg->data_dir, sizeof cfg->data_dir, data_dir, err);
    }
    nn_err io;
    if (nn_data_fingerprint_dir(&now, cfg->data_dir, &io))
        return nn_errf(err, "the run's data is gone: %s (if it moved, resume "
                       "with --data DIR)", io.msg);
    if (nn_data_fingerprint_compare(&now, &cfg->data_fp, why, sizeof why))
        return nn_errf(err, "%s: the data changed since the run began (%s)",
                       cfg->data_dir, why);
    return 0;
}

/* The checkpoint's config with the caller's overrides applied. */
static int open_config(nn_train_config *cfg, const char *checkpoint,
                       const nn_open_opts *o, nn_err *err) {
    int done;
    if (nn_checkpoint_read_config(checkpoint, cfg, &done, err)) return -1;
    if (o->epochs > 0 && o->epochs < done)
        return nn_errf(err, "--epochs %d: the run in %s has done %d epochs "
                       "already (give --epochs %d or more)", o->epochs,
                       checkpoint, done, done);
    /* cosine and step are stretched over the run's length: a longer run
     * would follow neither the old schedule nor any straight run's */
    if (o->epochs > 0 && o->epochs != cfg->epochs &&
        cfg->schedule != NN_SCHEDULE_CONSTANT)
        return nn_errf(err, "--epochs %d: the run in %s follows the %s "
                       "schedule over its %d epochs, which a resume cannot "
                       "change (start a new run instead)", o->epochs,
                       checkpoint, nn_schedule_name(cfg->schedule),
                       cfg->epochs);
    if (o->val > 0 && o->val != cfg->val)
        return nn_errf(err, "--val %d: the run in %s was trained with --val "
                       "%d (its split is part of the run)", o->val,
                       checkpoint, cfg->val);
    if (o->classes_file &&
        nn_path_copy(cfg->classes_file, sizeof cfg->classes_file,
                     o->classes_file, err))
        return -1;
    if (o->epochs > 0) cfg->epochs = o->epochs;
    if (o->threads > 0 && o->threads != cfg->threads) {
        cfg->threads_changed |= !o->params_only;
        cfg->threads = o->threads;
    }
    if (o->params_only)
        return o->data_dir && o->data_dir[0]
                   ? nn_path_copy(cfg->data_dir, sizeof cfg->data_dir,
                                  o->data_dir, err)
                   : 0;
    return check_data(cfg, o->data_dir, err);
}

/* The folder a checkpoint lies in: a resumed run goes on writing there. */
static int folder_of(char *dir, size_t cap, const char *checkpoint,
                     nn_err *err) {
    char copy[NN_PATH_MAX];
    if (nn_path_copy(copy, sizeof copy, checkpoint, err)) return -1;
    return nn_path_copy(dir, cap, dirname(copy), err);
}

/* Builds the trainer of cfg and loads the checkpoint into it. */
static int load_trainer(nn_trainer **out, const char *checkpoint,
                        const nn_train_config *cfg, int params_only,
                        nn_err *err) {
    nn_trainer *t;
    if (nn_trainer_build(&t, cfg, !params_only, err)) return -1;
    nn_train_state s = nn_trainer_state(t);
    /* every rank reads the checkpoint (the run folder is at the same path
     * on every node) and all agree before training together */
    if (nn_comm_agree(nn_checkpoint_load(checkpoint, &s, params_only, err),
                      err) ||
        (!params_only && nn_runner_sync_params(&t->runner, err))) {
        nn_trainer_free(t);
        return -1;
    }
    t->saved_threads = t->cfg.threads; /* a full load restored the saved config */
    /* the caller's overrides again; a params-only load kept them, and the
     * class names its build read from a --classes file */
    if (!params_only) t->cfg = *cfg;
    for (int e = 0; e < t->epochs_done; e++)
        t->history[e].lr = nn_trainer_epoch_lr(t, e + 1);
    *out = t;
    return 0;
}

int nn_trainer_open(nn_trainer **out, const char *checkpoint,
                    const nn_open_opts *o, nn_err *err) {
    nn_train_config *cfg = calloc(1, sizeof *cfg);
    char *dir = malloc(NN_PATH_MAX);
    nn_run_lock lock = {-1};
    int rc = -1;
    if (!cfg || !dir)
        nn_errf(err, "trainer: out of memory");
    else if (o->params_only)
        rc = open_config(cfg, checkpoint, o, err) ||
             load_trainer(out, checkpoint, cfg, 1, err);
    else
        /* the folder is locked (by rank 0, its writer) before anything is
         * read from it */
        rc = folder_of(dir, NN_PATH_MAX, checkpoint, err) ||
             (nn_comm_rank() == 0 && nn_run_dir_lock(&lock, dir, err)) ||
             open_config(cfg, checkpoint, o, err) ||
             nn_path_copy(cfg->out_dir, sizeof cfg->out_dir, dir, err) ||
             load_trainer(out, checkpoint, cfg, 0, err);
    if (rc == 0) (*out)->lock = lock;
    else nn_run_dir_unlock(&lock), rc = -1;
    free(cfg);
    free(dir);
    return rc;
}

int nn_trainer_init_from(nn_trainer *t, const char *safetensors,
                         nn_err *err) {
    if (t->epochs_done || t->cursor.batches_done || t->opt.step)
        return nn_errf(err, "%s: weights can only start a new run",
                       safetensors);
    if (nn_comm_agree(nn_model_load_safetensors(&t->model, safetensors, err),
                      err))
        return -1;
    return nn_runner_sync_params(&t->runner, err);
}

int nn_trainer_test(nn_trainer *t, double *loss, double *acc,
                    long *confusion, nn_err *err) {
    nn_eval_result r;
    if (nn_trainer_evaluate(t, &t->data.test, confusion, &r, err))
        return -1;
    *loss = r.loss, *acc = r.acc;
    return 0;
}
