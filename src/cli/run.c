/* run.c: the start banner, live progress and Ctrl-C handling of a training
 * run, shared by `train` and `experiment`. */
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nn_comm.h"
#include "nn_sysinfo.h"

/* OpenMP threads that outnumber their cores wait for each other: a run
 * many times slower. The cores are those this process may use (a launcher
 * may bind it to fewer) and the node's, shared by the ranks on it. */
static void warn_oversubscribed(int threads) {
    int own = omp_get_num_procs(), node = (int)sysconf(_SC_NPROCESSORS_ONLN);
    int local = nn_comm_local_size();
    const char *why = "OpenMP threads will wait for each other (expect a "
                      "much slower run)";
    if (threads > own)
        fprintf(stderr, "nntrain: warning: %d threads on %d cores: %s\n",
                threads, own, why);
    else if (local > 1 && threads * local > node)
        fprintf(stderr, "nntrain: warning: %d ranks x %d threads on this "
                "node's %d cores: %s\n", local, threads, node, why);
}

void cli_print_banner(const nn_train_config *c, const nn_model *m,
                      const nn_splits *data, const char *parallel) {
    nn_sysinfo s;
    nn_sysinfo_get(&s);
    warn_oversubscribed(c->threads);
    /* under mpirun: ranks x threads per rank */
    char layout[64];
    if (nn_comm_size() > 1)
        snprintf(layout, sizeof layout, "ranks %d x threads %d",
                 nn_comm_size(), c->threads);
    else
        snprintf(layout, sizeof layout, "%d threads", c->threads);
    printf("nntrain %s (%s) | oneDNN %s, ISA %s, %s | %s, %s parallel | "
           "seed %llu\n",
           s.version, s.commit, s.onednn_version, s.onednn_isa,
           nn_comm_library(), layout, parallel, (unsigned long long)c->seed);
    printf("model %s: %zu parameters | %s backend, %s | %s loss, %s lr %g, "
           "batch %d, %d epochs\n",
           m->name, m->n_params, nn_backend_name(c->backend),
           nn_precision_name(c->precision),
           nn_loss_name(c->loss), nn_optim_name(c->optim), c->lr,
           c->batch_size, c->epochs);
    char augment[64];
    nn_augment_name(augment, sizeof augment, c);
    printf("recipe: weight decay %g, %s schedule, %d warmup epochs, augment "
           "%s\n", c->weight_decay, nn_schedule_name(c->schedule),
           c->warmup_epochs, augment);
    for (int i = 0; i < m->n_layers; i++) {
        const nn_layer *l = &m->layers[i];
        printf("  %2d %-9s %3dx%2dx%-2d -> %3dx%2dx%-2d %s %8zu params\n", i,
               nn_layer_kind_name(l->spec.kind), l->in_c, l->in_h, l->in_w,
               l->out_c, l->out_h, l->out_w, l->spec.relu ? "relu" : "    ",
               l->n_weights + l->n_bias);
    }
    printf("data %s: %d train, %d validation, %d test images of %dx%d, "
           "%d classes (%s, %s, ...)\n", c->data_dir, data->train.n,
           data->val.n, data->test.n, data->rows, data->cols, c->names.n,
           c->names.name[0], c->names.name[1]);
    printf("run folder %s\n", c->out_dir);
    fflush(stdout);
}

typedef struct {
    int tty;          /* stderr is a terminal: draw a progress bar */
    double last_draw; /* omp_get_wtime of the last bar */
    double epoch_avg; /* mean seconds of the epochs seen */
    int epochs_seen;
} progress_state;

static void draw_bar(const nn_progress *p, progress_state *s) {
    double now = omp_get_wtime();
    if (p->batch < p->batches && now - s->last_draw < 0.1) return;
    s->last_draw = now;
    int width = 24, filled = p->batches ? width * p->batch / p->batches : 0;
    char bar[32];
    for (int i = 0; i < width; i++) bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    double rate = p->batch ? p->elapsed / p->batch : 0;
    double eta = rate * (p->batches - p->batch);
    /* before the first epoch ends, project it from its batches so far */
    double per_epoch = s->epochs_seen ? s->epoch_avg : rate * p->batches;
    double total = eta + per_epoch * (p->epochs - p->epoch);
    fprintf(stderr, "\r\033[Kepoch %d/%d [%s] %d/%d loss %.5f acc %.2f%% "
            "ETA %.0fs (run %.0fs)", p->epoch, p->epochs, bar, p->batch,
            p->batches, p->loss, p->acc, eta, total);
    fflush(stderr);
}

static void on_progress(const nn_progress *p, void *ctx) {
    progress_state *s = ctx;
    if (!p->epoch_done) {
        if (s->tty) draw_bar(p, s);
        return;
    }
    const nn_epoch_metrics *h = p->epoch_done;
    s->epochs_seen++;
    s->epoch_avg += (h->seconds - s->epoch_avg) / s->epochs_seen;
    if (s->tty) fprintf(stderr, "\r\033[K");
    printf("Epoch %d/%d - Train Loss: %.4f | Train Acc: %.2f - Val Loss: %.4f "
           "| Val Acc: %.2f (%.1f s, %.0f img/s)\n",
           p->epoch, p->epochs, h->train_loss, h->train_acc, h->val_loss,
           h->val_acc, h->seconds, h->train_images_per_s);
    fflush(stdout);
}

/* The signal that asked the run to stop (0: none yet). SIGINT, SIGTERM
 * (kill, systemd, Slurm, timeout) and SIGHUP all finish the batch, write a
 * checkpoint and say how to resume. */
static volatile sig_atomic_t stop_signal;
_Static_assert(sizeof(sig_atomic_t) == sizeof(int),
               "the trainer polls the flag as an int");
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define N_STOP_SIGNALS (int)(sizeof stop_signals / sizeof *stop_signals)

static void on_stop_signal(int sig) {
    if (!stop_signal) stop_signal = sig;
}

static const char *signal_name(int sig) {
    switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    }
    return "a signal";
}

void cli_catch_stop_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    for (int i = 0; i < N_STOP_SIGNALS; i++)
        sigaction(stop_signals[i], &sa, NULL);
}

int cli_run_training(const char *cmd, nn_trainer *t) {
    progress_state ps = {isatty(STDERR_FILENO), 0, 0, 0};
    nn_err err;
    int rc = nn_trainer_run(t, on_progress, &ps, &stop_signal, &err);
    const nn_train_config *c = nn_trainer_config(t);
    if (rc < 0) return cli_fail(cmd, err.msg);
    if (rc == 1) {
        if (ps.tty) fprintf(stderr, "\n");
        fprintf(stderr, "nntrain %s: interrupted by %s in epoch %d of %d; "
                "checkpoint written. Resume with: %snntrain train --resume "
                "%s\n", cmd, signal_name(stop_signal),
                nn_trainer_epochs_done(t) + 1, c->epochs,
                nn_comm_size() > 1 ? "mpirun -np N (any N) " : "",
                c->out_dir);
        return CLI_EXIT_SIGNAL_BASE + stop_signal;
    }
    double loss, acc;
    if (nn_trainer_finish(t, &loss, &acc, &err)) return cli_fail(cmd, err.msg);
    printf("Test Loss: %.4f | Test Acc: %.2f (%s/summary.json)\n", loss, acc,
           c->out_dir);
    return 0;
}

int cli_train_new(const char *cmd, const nn_train_config *cfg) {
    nn_err err;
    nn_trainer *t;
    if (nn_trainer_create(&t, cfg, &err)) return cli_fail(cmd, err.msg);
    /* the trainer's config: it holds the class names it settled on */
    cli_print_banner(nn_trainer_config(t), nn_trainer_model(t),
                     nn_trainer_data(t), nn_trainer_parallel(t));
    int rc = cli_run_training(cmd, t);
    nn_trainer_free(t);
    return rc;
}
