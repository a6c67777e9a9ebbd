/* trainer.c: one training run: data, model, optimizer, executors, the epoch
 * loop and the run folder. */
#include "trainer.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "denormals.h"
#include "nn_atomic_file.h"
#include "nn_comm.h"
#include "nn_sysinfo.h"
#include "runfiles.h"
#include "schedule.h"
#include "step.h"

/* Independent random streams derived from the one seed. */
#define STREAM_INIT 0x494e4954ull    /* "INIT": weights */
#define STREAM_SHUFFLE 0x53485546ull /* "SHUF": epoch order */
#define STREAM_AUGMENT 0x4155474dull /* "AUGM": shifts and flips */
#define STREAM_DROPOUT 0x44524f50ull /* "DROP": dropout masks */

/* The model reads images of the data's shape. */
static int check_input(const nn_model *m, const nn_splits *data,
                       const char *data_dir, nn_err *err) {
    if (m->in_c == 1 && m->in_h == data->rows && m->in_w == data->cols)
        return 0;
    return nn_errf(err, "model %s: its input %dx%dx%d does not match the "
                   "data's 1x%dx%d images (%s)", m->name, m->in_c, m->in_h,
                   m->in_w, data->rows, data->cols, data_dir);
}

/* Batch norm's statistics span the ranks' slices, and each rank must hold
 * images of every batch for its own to mean anything. */
static int check_batchnorm_ranks(const nn_model *m, int n_train, int batch,
                                 nn_err *err) {
    int ranks = nn_comm_size(), last = n_train % batch;
    int fewest = batch < ranks ? batch : last; /* 0: every batch full */
    if (ranks == 1 || !nn_model_has_batchnorm(m) || !fewest || fewest >= ranks)
        return 0;
    return nn_errf(err, "model %s has batch norm: %s of %d image%s leaves %d "
                   "of the %d MPI ranks none (expected at most %d rank%s, "
                   "or a --batch-size that gives every rank images of "
                   "every batch of the %d training images)", m->name,
                   fewest == last ? "the epoch's last batch" : "a batch",
                   fewest, fewest == 1 ? "" : "s", ranks - fewest, ranks,
                   fewest, fewest == 1 ? "" : "s", n_train);
}

/* Everything but the data and weights values: buffers sized from cfg; the
 * optimizer and the training executors only when t->training. */
static int build(nn_trainer *t, nn_err *err) {
    const nn_train_config *c = &t->cfg;
    nn_model *m = &t->model;
    int n_train = t->data.train.n, n_file = t->data.n_train_file;
    if (n_file - c->val < c->batch_size)
        return nn_errf(err, "--val %d leaves %d training images, fewer than "
                       "the batch size %d (expected --val 1..%d for %d "
                       "training images)", c->val, n_file - c->val,
                       c->batch_size, n_file - c->batch_size, n_file);
    if (c->batch_size > n_train)
        return nn_errf(err,
                       "--batch-size %d is larger than the %d training "
                       "images",
                       c->batch_size, n_train);
    if (check_batchnorm_ranks(m, n_train, c->batch_size, err)) return -1;
    nn_exec_opts train = {.backend = c->backend, .precision = c->precision,
                          .sync_batchnorm = nn_comm_size() > 1};
    nn_exec_opts infer = {.backend = c->backend, .precision = c->precision,
                          .inference = 1};
    /* under MPI the executors run this rank's slice of the global batch */
    int slice = nn_step_slice_capacity(c->batch_size);
    /* this rank's images of the epoch's last batch, if it is short */
    int last_off, last = n_train % c->batch_size;
    if (last) nn_step_slice(last, &last_off, &last);
    if ((t->training &&
         (nn_optimizer_init(&t->opt, c->optim, m->n_params, c->lr,
                            c->momentum, c->weight_decay, err) ||
          nn_runner_init(&t->runner, &train, c->parallel, m, slice,
                         c->threads, err) ||
          nn_runner_add_short(&t->runner, &train, last, err))) ||
        /* evaluation runs inference primitives, one executor over the
         * batch whatever the training strategy */
        nn_runner_init(&t->eval_runner, &infer, NN_PARALLEL_INTRA, m, slice,
                       c->threads, err) ||
        nn_batch_init(&t->batch, slice, nn_model_input_size(m), m->classes,
                      err))
        return -1;
    t->history = calloc((size_t)c->epochs, sizeof *t->history);
    t->cursor.order = malloc((size_t)n_train * sizeof(int));
    t->confusion = malloc((size_t)m->classes * m->classes *
                          sizeof *t->confusion);
    if (!t->history || !t->cursor.order || !t->confusion)
        return nn_errf(err, "trainer: out of memory");
    t->cursor.n_order = n_train;
    t->augment = (nn_augment){c->augment_crop, c->augment_flip, m->in_c,
                              m->in_h, m->in_w, c->seed ^ STREAM_AUGMENT};
    for (int i = 0; i < n_train; i++) t->cursor.order[i] = i;
    nn_sysinfo_get(&t->sys);
    return 0;
}

/* The class names first (a bad --classes file fails before the data is
 * read), then the data, checked against the model. */
static int load_data(nn_trainer *t, nn_err *err) {
    nn_train_config *c = &t->cfg;
    const nn_model *m = &t->model;
    if (c->classes_file[0] &&
        nn_class_names_read(&c->names, c->classes_file, m->classes, err))
        return -1;
    if (c->names.n && c->names.n != m->classes)
        return nn_errf(err, "%d class names for model %s of %d classes",
                       c->names.n, m->name, m->classes);
    if (nn_splits_load(&t->data, c->data_dir, c->val, c->seed, c->limit,
                       m->classes, err))
        return -1;
    if (check_input(m, &t->data, c->data_dir, err)) return -1;
    if (c->names.n == 0)
        nn_class_names_default(&c->names, m->classes, &t->data);
    return 0;
}

/* Ranks with different recipes would train apart (or wait forever in a
 * collective one of them skips): each compares its recipe with rank 0's. */
static int agree_on_recipe(const nn_train_config *c, nn_err *err) {
    if (nn_comm_size() == 1) return 0;
    uint64_t mine = nn_train_config_recipe_digest(c), root = mine;
    if (nn_comm_bcast(&root, sizeof root, 0, err)) return -1;
    int rc = root == mine
                 ? 0
                 : nn_errf(err, "rank %d's recipe (model, training flags or "
                           "data) differs from rank 0's: every rank must "
                           "run the same", nn_comm_rank());
    return nn_comm_agree(rc, err);
}

int nn_trainer_build(nn_trainer **out, const nn_train_config *cfg,
                     int training, nn_err *err) {
    nn_trainer *t = calloc(1, sizeof *t);
    if (!t) return nn_errf(err, "trainer: out of memory");
    t->cfg = *cfg;
    t->training = training;
    t->lock.fd = -1;
    nn_rng init;
    nn_rng_seed(&init, cfg->seed ^ STREAM_INIT);
    nn_rng_seed(&t->shuffle_rng, cfg->seed ^ STREAM_SHUFFLE);
    /* a precision this CPU cannot run is refused before any work */
    int rc = nn_train_config_check(cfg, err) ||
             nn_precision_check(cfg->precision, cfg->backend, err);
    if (!rc) {
        omp_set_num_threads(cfg->threads);
        nn_flush_denormals();
        rc = nn_model_init(&t->model, &cfg->model, err) ||
             load_data(t, err) || build(t, err);
    }
    /* every rank agrees before the first collective: a rank that could
     * not read its data fails them all, with its message */
    if (nn_comm_agree(rc, err) || agree_on_recipe(cfg, err)) {
        nn_trainer_free(t);
        return -1;
    }
    nn_model_init_params(&t->model, &init);
    /* the same draws on every rank; rank 0's make it certain */
    if (nn_comm_bcast(t->model.params, t->model.n_params * sizeof(float), 0,
                      err) ||
        (training && nn_runner_sync_params(&t->runner, err))) {
        nn_trainer_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

/* Creates the run folder and makes it ours: locked, and empty of any
 * earlier run (replaced only when the config says overwrite). */
static int claim_run_dir(nn_trainer *t, nn_err *err) {
    const char *dir = t->cfg.out_dir;
    if (nn_mkdirs(dir, err) || nn_run_dir_lock(&t->lock, dir, err)) return -1;
    return t->cfg.overwrite ? nn_run_dir_clear(dir, err)
                            : nn_run_dir_check_free(dir, err);
}

/* Before any work: the run folder can be made and holds no run (unless it
 * is to be replaced), and the data's fingerprint goes into the config.
 * Only rank 0 writes the run folder, so only it checks it. */
static int check_new_run(nn_train_config *c, nn_err *err) {
    if (nn_comm_rank() == 0 &&
        (nn_check_dir_creatable(c->out_dir, err) ||
         (!c->overwrite && nn_run_dir_check_free(c->out_dir, err))))
        return -1;
    return nn_data_fingerprint_dir(&c->data_fp, c->data_dir, err);
}

int nn_trainer_create(nn_trainer **out, const nn_train_config *cfg,
                      nn_err *err) {
    nn_train_config *c = malloc(sizeof *c);
    if (!c) return nn_errf(err, "trainer: out of memory");
    *c = *cfg;
    /* the run folder is checked before any work but created only once
     * everything else succeeded, so a failing run leaves nothing behind */
    int has_dir = c->out_dir[0] != '\0';
    int writes = has_dir && nn_comm_rank() == 0;
    nn_trainer *t = NULL;
    /* a rank whose check failed joins the build's agreement as failed */
    int rc = nn_comm_agree(has_dir && check_new_run(c, err), err) ||
             nn_trainer_build(&t, c, 1, err) ||
             nn_comm_agree(writes && claim_run_dir(t, err), err);
    free(c);
    if (rc) {
        nn_trainer_free(t);
        return -1;
    }
    *out = t;
    return 0;
}

void nn_trainer_free(nn_trainer *t) {
    if (!t) return;
    nn_run_dir_unlock(&t->lock);
    nn_runner_free(&t->runner);
    nn_runner_free(&t->eval_runner);
    nn_batch_free(&t->batch);
    nn_optimizer_free(&t->opt);
    nn_splits_free(&t->data);
    nn_model_free(&t->model);
    free(t->history);
    free(t->confusion);
    free(t->cursor.order);
    free(t);
}

nn_train_state nn_trainer_state(nn_trainer *t) {
    nn_train_state s = {&t->cfg,         &t->model,       &t->opt,
                        &t->shuffle_rng, &t->epochs_done, &t->elapsed,
                        t->history,      &t->cursor};
    return s;
}

/* Rank 0 writes; every rank learns whether it could. The state is the
 * same on every rank and holds no rank count, so any count resumes it. */
static int save_checkpoint(nn_trainer *t, const char *name, nn_err *err) {
    int rc = 0;
    if (nn_comm_rank() == 0) {
        char path[NN_PATH_MAX];
        nn_train_state s = nn_trainer_state(t);
        rc = nn_path_join(path, sizeof path, t->cfg.out_dir, name, err) ||
             nn_checkpoint_save(path, &s, err);
    }
    return nn_comm_agree(rc, err);
}

int nn_trainer_evaluate(nn_trainer *t, const nn_dataset *ds, long *confusion,
                        nn_eval_result *out, nn_err *err) {
    if (nn_runner_sync_params(&t->eval_runner, err)) return -1;
    return nn_evaluate(&t->eval_runner, &t->batch, ds, t->cfg.loss, confusion,
                       out, err);
}

/* The schedule's S: batches in an epoch. */
static long steps_per_epoch(const nn_trainer *t) {
    long bs = t->cfg.batch_size;
    return (t->data.train.n + bs - 1) / bs;
}

float nn_trainer_epoch_lr(const nn_trainer *t, int epoch) {
    long s = steps_per_epoch(t);
    return nn_schedule_lr(&t->cfg, s, epoch * s - 1);
}

/* One step on images [start, start + n) of this epoch's order, the
 * index-th batch (0-based). Returns 1 when the batch was skipped for a
 * non-finite loss or gradient (nan-policy skip-batch); with policy stop
 * that is an error. *stopped: some rank's *stop was set (the ranks agree
 * in the step's sum, so they all stop after the same batch). */
static int train_step(nn_trainer *t, int epoch, int index, int start, int n,
                      volatile int *stop, int *stopped, nn_err *err) {
    /* the schedule and the augmentation are keyed by the batch's place in
     * the run, which the checkpoint keeps: a resume continues both */
    long step = (epoch - 1) * steps_per_epoch(t) + index;
    t->opt.lr = nn_schedule_lr(&t->cfg, steps_per_epoch(t), step);
    int augment = t->augment.crop || t->augment.flip;
    nn_stepper s = {&t->runner, &t->batch, &t->opt, &t->model, t->cfg.loss,
                    augment ? &t->augment : NULL, step,
                    t->cfg.seed ^ STREAM_DROPOUT, stop, 0};
    nn_epoch_cursor *c = &t->cursor;
    int rc = nn_step_run(&s, &t->data.train, c->order, start, n, &c->loss_sum,
                         &c->correct, NULL, err);
    *stopped = s.stopped;
    if (rc != 1 || t->cfg.nan_policy == NN_NAN_SKIP_BATCH) return rc;
    char path[NN_PATH_MAX];
    int saved = t->cfg.out_dir[0] &&
                nn_path_join(path, sizeof path, t->cfg.out_dir,
                             NN_CHECKPOINT_FILE, NULL) == 0 &&
                access(path, R_OK) == 0;
    return nn_errf(err,
                   "non-finite loss or gradient at epoch %d, batch %d: "
                   "training stopped (%s%s%s; try a smaller --lr)",
                   epoch, index + 1,
                   saved ? "the last checkpoint in " : "nothing saved yet",
                   saved ? t->cfg.out_dir : "", saved ? " is intact" : "");
}

static void report(nn_trainer *t, nn_progress_fn progress, void *ctx, int epoch,
                   int batches, double t0, const nn_epoch_metrics *done) {
    if (!progress) return;
    const nn_epoch_cursor *c = &t->cursor;
    nn_progress p = {epoch,
                     t->cfg.epochs,
                     c->batches_done,
                     batches,
                     c->images ? c->loss_sum / c->images : 0,
                     c->images ? 100.0 * c->correct / c->images : 0,
                     omp_get_wtime() - t0,
                     done};
    progress(&p, ctx);
}

/* The batches of the current epoch from where the cursor stands. Returns 1
 * if *stop interrupted it (after a finished batch). */
static int train_batches(nn_trainer *t, int epoch, nn_progress_fn progress,
                         void *ctx, volatile int *stop, nn_err *err) {
    nn_epoch_cursor *c = &t->cursor;
    const nn_dataset *train = &t->data.train;
    int bs = t->cfg.batch_size;
    int batches = (train->n + bs - 1) / bs;
    if (c->batches_done == 0)
        nn_rng_shuffle(c->order, train->n, &t->shuffle_rng);
    double t0 = omp_get_wtime() - c->train_seconds;
    while (c->batches_done < batches) {
        int start = c->batches_done * bs;
        int n = train->n - start < bs ? train->n - start : bs;
        int stopped = 0;
        int rc = train_step(t, epoch, c->batches_done, start, n, stop,
                            &stopped, err);
        if (rc < 0) return -1;
        if (rc == 0) c->images += n;
        c->batches_done++;
        c->train_seconds = omp_get_wtime() - t0;
        report(t, progress, ctx, epoch, batches, t0, NULL);
        if (stopped && c->batches_done < batches) return 1;
    }
    return 0;
}

static int end_epoch(nn_trainer *t, int epoch, nn_progress_fn progress,
                     void *ctx, nn_err *err) {
    nn_epoch_cursor *c = &t->cursor;
    double t0 = omp_get_wtime();
    nn_eval_result val;
    if (nn_trainer_evaluate(t, &t->data.val, NULL, &val, err))
        return -1;
    nn_epoch_metrics *h = &t->history[epoch - 1];
    h->train_loss = c->images ? c->loss_sum / c->images : NAN;
    h->train_acc = c->images ? 100.0 * c->correct / c->images : NAN;
    h->val_loss = val.loss;
    h->val_acc = val.acc;
    h->train_images_per_s =
        c->train_seconds > 0 ? c->images / c->train_seconds : 0;
    h->seconds = c->train_seconds + (omp_get_wtime() - t0);
    h->lr = nn_trainer_epoch_lr(t, epoch);
    /* skip-batch tolerates a bad batch, not a broken model */
    long skipped = t->data.train.n - c->images;
    if (!isfinite(h->train_loss) || !isfinite(h->val_loss))
        return nn_errf(err,
                       "training diverged in epoch %d: %s loss is not "
                       "finite (%ld of %d images skipped; try a smaller --lr)",
                       epoch, isfinite(h->train_loss) ? "validation" : "train",
                       skipped, t->data.train.n);
    t->elapsed += h->seconds;
    t->epochs_done = epoch;
    /* the next epoch starts from zero; its order is drawn then */
    c->batches_done = 0, c->loss_sum = 0, c->correct = 0, c->images = 0;
    c->train_seconds = 0;
    /* the epoch's files first: a run killed while its line is printed
     * (SIGPIPE, Ctrl-C) has saved what the line reports */
    if (t->cfg.out_dir[0]) {
        int save = t->cfg.save_every > 0 &&
                   (epoch % t->cfg.save_every == 0 || epoch == t->cfg.epochs);
        if (nn_comm_agree(nn_comm_rank() == 0 &&
                              nn_write_metrics_csv(t->cfg.out_dir, t->history,
                                                   t->epochs_done, err),
                          err) ||
            (save && save_checkpoint(t, NN_CHECKPOINT_FILE, err)))
            return -1;
    }
    report(t, progress, ctx, epoch, 0, t0, h);
    return 0;
}

/* Whether some rank's *stop is set, agreed by all ranks. */
static int stop_agreed(volatile int *stop, nn_err *err) {
    long any = stop && *stop;
    if (nn_comm_sum_longs(&any, 1, err)) return -1;
    return any > 0;
}

int nn_trainer_run(nn_trainer *t, nn_progress_fn progress, void *ctx,
                   volatile int *stop, nn_err *err) {
    if (!t->training)
        return nn_errf(err, "trainer: opened for evaluation only");
    while (t->epochs_done < t->cfg.epochs) {
        int epoch = t->epochs_done + 1;
        int rc = train_batches(t, epoch, progress, ctx, stop, err);
        if (rc < 0) return -1;
        if (rc == 1)
            return save_checkpoint(t, NN_CHECKPOINT_FILE, err) ? -1 : 1;
        if (end_epoch(t, epoch, progress, ctx, err)) return -1;
        if (t->epochs_done < t->cfg.epochs &&
            (rc = stop_agreed(stop, err)) != 0)
            return rc < 0 || save_checkpoint(t, NN_CHECKPOINT_FILE, err)
                       ? -1 : 1;
    }
    return 0;
}

int nn_trainer_finish(nn_trainer *t, double *test_loss, double *test_acc,
                      nn_err *err) {
    if (t->epochs_done == 0 || !t->cfg.out_dir[0])
        return nn_errf(err, "nothing to finish: %s",
                       t->cfg.out_dir[0] ? "no epoch has run"
                                         : "no run folder");
    nn_eval_result result, *test = &result;
    if (nn_trainer_evaluate(t, &t->data.test, t->confusion, test, err))
        return -1;
    *test_loss = test->loss, *test_acc = test->acc;
    nn_summary s = {&t->cfg,         &t->model,
                    &t->sys,         nn_parallel_name(t->runner.kind),
                    t->data.train.n, t->data.val.n,
                    t->data.test.n,  t->history,
                    t->epochs_done,  test,
                    t->elapsed};
    if (nn_comm_agree(nn_comm_rank() == 0 &&
                          (nn_write_confusion_csv(t->cfg.out_dir,
                                                  test->confusion,
                                                  test->classes,
                                                  &t->cfg.names, err) ||
                           nn_write_summary_json(t->cfg.out_dir, &s, err)),
                      err))
        return -1;
    return save_checkpoint(t, NN_FINAL_FILE, err);
}

const nn_model *nn_trainer_model(const nn_trainer *t) { return &t->model; }
const nn_train_config *nn_trainer_config(const nn_trainer *t) {
    return &t->cfg;
}
const nn_splits *nn_trainer_data(const nn_trainer *t) { return &t->data; }
int nn_trainer_epochs_done(const nn_trainer *t) { return t->epochs_done; }
const nn_epoch_metrics *nn_trainer_history(const nn_trainer *t) {
    return t->history;
}
const char *nn_trainer_parallel(const nn_trainer *t) {
    return nn_parallel_name(t->runner.kind);
}
int nn_trainer_saved_threads(const nn_trainer *t) { return t->saved_threads; }
