/* trainer_open.c: a trainer rebuilt from a checkpoint (resume, evaluation)
 * and test-set evaluation. */
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "evaluate.h"
#include "nn_export.h"
#include "trainer.h"

/* The checkpoint's config with the caller's overrides applied. */
static int open_config(nn_train_config *cfg, const char *checkpoint,
                       int epochs, int threads, const char *data_dir,
                       int params_only, nn_err *err) {
    if (nn_checkpoint_read_config(checkpoint, cfg, err)) return -1;
    if (epochs > 0) cfg->epochs = epochs;
    if (threads > 0) cfg->threads = threads;
    if (data_dir && data_dir[0])
        snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", data_dir);
    cfg->out_dir[0] = '\0';
    if (!params_only) {
        /* a resumed run goes on writing next to its checkpoint */
        char dir[sizeof cfg->out_dir];
        snprintf(dir, sizeof dir, "%s", checkpoint);
        snprintf(cfg->out_dir, sizeof cfg->out_dir, "%s", dirname(dir));
    }
    return 0;
}

int nn_trainer_open(nn_trainer **out, const char *checkpoint, int epochs,
                    int threads, const char *data_dir, int params_only,
                    nn_err *err) {
    nn_train_config cfg;
    nn_trainer *t;
    if (open_config(&cfg, checkpoint, epochs, threads, data_dir, params_only,
                    err) ||
        nn_trainer_create(&t, &cfg, err))
        return -1;
    nn_train_state s = nn_trainer_state(t);
    if (nn_checkpoint_load(checkpoint, &s, params_only, err) ||
        nn_runner_sync_params(&t->runner, err)) {
        nn_trainer_free(t);
        return -1;
    }
    /* the loaded config carries the saved out_dir, threads and data_dir */
    t->cfg = cfg;
    *out = t;
    return 0;
}

int nn_trainer_init_from(nn_trainer *t, const char *safetensors,
                         nn_err *err) {
    if (t->epochs_done || t->cursor.batches_done || t->opt.step)
        return nn_errf(err, "%s: weights can only start a new run",
                       safetensors);
    if (nn_model_load_safetensors(&t->model, safetensors, err)) return -1;
    return nn_runner_sync_params(&t->runner, err);
}

int nn_trainer_test(nn_trainer *t, double *loss, double *acc,
                    long confusion[NN_CLASSES][NN_CLASSES], nn_err *err) {
    nn_eval_result r;
    if (nn_evaluate(&t->runner, &t->batch, &t->data.test, t->cfg.loss, &r, err))
        return -1;
    *loss = r.loss, *acc = r.acc;
    memcpy(confusion, r.confusion, sizeof r.confusion);
    return 0;
}
