/* bench_run.c: the loops of `nntrain bench` and its output files. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_output.h"
#include "cli.h"
#include "cli_report.h"
#include "nn_atomic_file.h"
#include "nn_bench.h"
#include "nn_comm.h"
#include "nn_sysinfo.h"

typedef struct {
    nn_bench_config cfg;
    nn_bench_result res;
    double peak_gflops;
    double efficiency; /* images/s over (threads x images/s at 1 thread) */
} bench_row;


static void print_row(const bench_row *b) {
    const nn_bench_result *r = &b->res;
    double gflops = r->images_per_s * r->gflop_per_image;
    printf("%-3s %-4s batch %3d %-5s %2d threads: %9.0f img/s %7.2f ms/step "
           "%6.1f GFLOP/s = %3.0f%% of sgemm | fwd %.2f bwd %.2f loss %.2f "
           "opt %.2f batching %.2f ms\n",
           b->cfg.model->name, nn_precision_name(b->cfg.precision), b->cfg.batch,
           nn_parallel_name(r->parallel),
           b->cfg.threads, r->images_per_s, r->step_ms, gflops,
           100 * gflops / b->peak_gflops, r->phase_ms[NN_PHASE_FORWARD],
           r->phase_ms[NN_PHASE_BACKWARD], r->phase_ms[NN_PHASE_LOSS],
           r->phase_ms[NN_PHASE_OPTIMIZER], r->phase_ms[NN_PHASE_BATCHING]);
    if (nn_comm_size() > 1)
        printf("    ranks %d x threads %d: all-reduce %.2f ms per step, %.1f%% "
               "of the step\n", nn_comm_size(), b->cfg.threads,
               r->phase_ms[NN_PHASE_ALLREDUCE],
               100 * r->phase_ms[NN_PHASE_ALLREDUCE] / r->step_ms);
    if (r->eval_images_per_s > 0)
        printf("    evaluation: %.0f img/s on inference primitives, %.0f on "
               "training ones (%.2fx)\n", r->eval_images_per_s,
               r->eval_training_fwd_images_per_s,
               r->eval_images_per_s / r->eval_training_fwd_images_per_s);
    fflush(stdout);
}

/* efficiency needs the 1-thread row of the same model, batch, strategy */
static void fill_efficiency(bench_row *rows, int n) {
    for (int i = 0; i < n; i++) {
        rows[i].efficiency = 0;
        for (int j = 0; j < n; j++)
            if (rows[j].cfg.threads == 1 && rows[j].cfg.batch == rows[i].cfg.batch &&
                !strcmp(rows[j].cfg.model->name, rows[i].cfg.model->name) &&
                rows[j].cfg.precision == rows[i].cfg.precision &&
                rows[j].res.parallel == rows[i].res.parallel)
                rows[i].efficiency = rows[i].res.images_per_s /
                    (rows[i].cfg.threads * rows[j].res.images_per_s);
    }
}

static int write_bench_csv(const char *path, const bench_row *rows, int n,
                           const nn_sysinfo *s, nn_err *err) {
    nn_atomic_file a;
    if (nn_atomic_open(&a, path, err)) return -1;
    const char *wait = getenv("OMP_WAIT_POLICY");
    fprintf(a.f, "commit,cpu,isa,omp_wait_policy,model,precision,batch,parallel,ranks,threads,"
                 "images_per_s,images_per_s_min,images_per_s_max,step_ms,"
                 "gflop_per_image,achieved_gflops,"
                 "peak_gflops,peak_fraction,efficiency,eval_images_per_s,"
                 "eval_training_fwd_images_per_s");
    for (int p = 0; p < NN_PHASES; p++) fprintf(a.f, ",%s_ms", nn_phase_names[p]);
    fprintf(a.f, ",allreduce_share\n");
    for (int i = 0; i < n; i++) {
        const bench_row *b = &rows[i];
        double gflops = b->res.images_per_s * b->res.gflop_per_image;
        fprintf(a.f, "%s,\"%s\",%s,%s,%s,%s,%d,%s,%d,%d,%.1f,%.1f,%.1f,%.4f,%.6f,"
                     "%.2f,%.2f,%.4f,%.4f,%.1f,%.1f",
                s->commit, s->cpu, s->onednn_isa, wait ? wait : "default",
                b->cfg.model->name, nn_precision_name(b->cfg.precision), b->cfg.batch, nn_parallel_name(b->res.parallel),
                nn_comm_size(), b->cfg.threads, b->res.images_per_s,
                b->res.images_per_s_min, b->res.images_per_s_max, b->res.step_ms,
                b->res.gflop_per_image, gflops, b->peak_gflops,
                gflops / b->peak_gflops, b->efficiency,
                b->res.eval_images_per_s, b->res.eval_training_fwd_images_per_s);
        for (int p = 0; p < NN_PHASES; p++) fprintf(a.f, ",%.4f", b->res.phase_ms[p]);
        fprintf(a.f, ",%.4f\n", b->res.phase_ms[NN_PHASE_ALLREDUCE] / b->res.step_ms);
    }
    return nn_atomic_commit(&a, err);
}

static int write_layers_csv(const char *path, const bench_row *rows, int n,
                            nn_err *err) {
    nn_atomic_file a;
    if (nn_atomic_open(&a, path, err)) return -1;
    fprintf(a.f, "model,precision,batch,parallel,threads,layer,kind,forward_ms,backward_ms\n");
    for (int i = 0; i < n; i++) {
        const bench_row *b = &rows[i];
        nn_model m;
        if (nn_model_init(&m, b->cfg.model, err)) return nn_atomic_abort(&a), -1;
        for (int l = 0; l < b->res.n_layers; l++)
            fprintf(a.f, "%s,%s,%d,%s,%d,%d,%s,%.4f,%.4f\n", b->cfg.model->name,
                    nn_precision_name(b->cfg.precision), b->cfg.batch, nn_parallel_name(b->res.parallel),
                    b->cfg.threads, l, nn_layer_kind_name(m.layers[l].spec.kind),
                    b->res.layer_fwd_ms[l], b->res.layer_bwd_ms[l]);
        nn_model_free(&m);
    }
    return nn_atomic_commit(&a, err);
}

static int run_configs(const bench_plan *p, bench_row *rows, int *n_rows) {
    int n = 0;
    for (int ti = 0; ti < p->n_threads; ti++) {
        int threads = p->threads[ti];
        double peak = nn_bench_sgemm_gflops(threads, 2048, 3);
        printf("%d threads: sgemm 2048^3 peak %.1f GFLOP/s\n", threads, peak);
        for (int mi = 0; mi < p->n_models; mi++)
            for (int bi = 0; bi < p->n_batches; bi++)
                for (int pi = 0; pi < p->n_parallel; pi++)
                for (int xi = 0; xi < p->n_precisions; xi++) {
                    bench_row *b = &rows[n];
                    b->cfg = (nn_bench_config){&p->models[mi],
                        p->batches[bi], threads,
                        p->parallel[pi] ? NN_PARALLEL_BATCH : NN_PARALLEL_INTRA,
                        NN_BACKEND_ONEDNN,
                        (nn_precision)p->precisions[xi], p->reps, p->seconds};
                    b->peak_gflops = peak;
                    nn_err err;
                    if (nn_bench_step(&b->cfg, &b->res, &err))
                        return cli_fail("bench", err.msg);
                    print_row(b);
                    n++;
                }
    }
    *n_rows = n;
    return 0;
}

/* One real epoch of each model at the largest thread count, batch 64, f32,
 * and its ratio to the time the pure steps of the same images take. */
static int epoch_check(const bench_plan *p, const bench_row *rows, int n,
                       const char *path, nn_err *err) {
    nn_atomic_file a;
    nn_train_config cfg;
    nn_train_config_default(&cfg);
    snprintf(cfg.data_dir, sizeof cfg.data_dir, "%s", p->data);
    if (cli_resolve_data("bench", &cfg)) return nn_errf(err, "no data for the epoch");
    /* rank 0 writes; the others write to nothing (an empty tmp: an abort
     * unlinks nothing) */
    memset(&a, 0, sizeof a);
    if (nn_comm_rank() == 0 ? nn_atomic_open(&a, path, err)
                            : !(a.f = fopen("/dev/null", "w")))
        return nn_errf(err, "/dev/null: cannot open");
    fprintf(a.f, "model,threads,batch,parallel,train_images,epoch_seconds,"
                 "epoch_images_per_s,step_images_per_s,epoch_over_steps\n");
    for (int mi = 0; mi < p->n_models; mi++) {
        cfg.model = *&p->models[mi];
        cfg.threads = p->threads[p->n_threads - 1], cfg.epochs = 1;
        cfg.save_every = 0, cfg.out_dir[0] = '\0';
        nn_trainer *t;
        if (nn_trainer_create(&t, &cfg, err) ||
            nn_trainer_run(t, NULL, NULL, NULL, err))
            return nn_atomic_abort(&a), -1;
        const nn_epoch_metrics *h = nn_trainer_history(t);
        int images = nn_trainer_data(t)->train.n;
        const char *par = nn_trainer_parallel(t);
        double step_ips = 0;
        for (int i = 0; i < n; i++)
            if (!strcmp(rows[i].cfg.model->name, cfg.model.name) && rows[i].cfg.batch == 64 &&
                rows[i].cfg.threads == cfg.threads &&
                rows[i].cfg.precision == cfg.precision &&
                !strcmp(nn_parallel_name(rows[i].res.parallel), par))
                step_ips = rows[i].res.images_per_s;
        double ratio = step_ips > 0 ? h->seconds / (images / step_ips) : 0;
        printf("%s epoch: %.2f s for %d images + validation (%.0f img/s "
               "training); pure steps %.0f img/s; epoch/steps %.2fx\n",
               cfg.model.name, h->seconds, images, h->train_images_per_s, step_ips,
               ratio);
        fprintf(a.f, "%s,%d,64,%s,%d,%.3f,%.1f,%.1f,%.4f\n", cfg.model.name,
                cfg.threads, par, images, h->seconds, h->train_images_per_s,
                step_ips, ratio);
        nn_trainer_free(t);
    }
    if (nn_comm_rank() != 0) return fclose(a.f), 0;
    return nn_atomic_commit(&a, err);
}

int bench_run_plan(const bench_plan *p) {
    int max_rows = p->n_threads * p->n_models * p->n_batches * p->n_parallel *
                   p->n_precisions;
    bench_row *rows = calloc((size_t)max_rows, sizeof *rows);
    nn_sysinfo s;
    nn_sysinfo_get(&s);
    nn_err err;
    char path[1100];
    int n = 0, rc;
    if (!rows) return cli_fail("bench", "out of memory");
    printf("nntrain bench %s (%s) | %s | oneDNN %s, ISA %s\n", s.version,
           s.commit, s.cpu, s.onednn_version, s.onednn_isa);
    int writer = nn_comm_rank() == 0; /* rank 0 writes the files */
    if (writer && nn_mkdirs(p->out, &err))
        return free(rows), cli_fail("bench", err.msg);
    if ((rc = run_configs(p, rows, &n))) return free(rows), rc;
    fill_efficiency(rows, n);
    if (!writer) {
        rc = p->epoch ? epoch_check(p, rows, n, "", &err) : 0;
        free(rows);
        return rc ? cli_fail("bench", err.msg) : 0;
    }
    snprintf(path, sizeof path, "%s/layers.csv", p->out);
    if (write_layers_csv(path, rows, n, &err))
        return free(rows), cli_fail("bench", err.msg);
    snprintf(path, sizeof path, "%s/bench.csv", p->out);
    if (write_bench_csv(path, rows, n, &s, &err))
        return free(rows), cli_fail("bench", err.msg);
    printf("wrote %s and %s/layers.csv\n", path, p->out);
    rc = cli_write_figures("bench", path, p->out);
    char epoch_path[1100];
    snprintf(epoch_path, sizeof epoch_path, "%s/epoch.csv", p->out);
    if (p->epoch && epoch_check(p, rows, n, epoch_path, &err))
        rc = cli_fail("bench", err.msg);
    free(rows);
    return rc;
}
