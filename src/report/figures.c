/* figures.c: every figure of a report, as PNG and SVG, rendered by gnuplot from plots/. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nn_atomic_file.h"
#include "report_private.h"

/* The -e argument of one gnuplot call: name='value'; name=number; ... */
typedef struct {
    char text[8192];
    size_t len;
    int overflow;    /* text is full: later appends were dropped */
    char bad[160];   /* first value that could not be passed, or "" */
} gp_params;

/* Where and with what the figures are rendered. */
typedef struct {
    char program[REPORT_PATH_MAX]; /* gnuplot */
    const char *plots_dir;
    char figures_dir[REPORT_PATH_MAX];
} render_ctx;

/* Remembers (a copy of) the first value that could not be passed, with
 * control characters shown as '?' to keep the message on one line. */
static void params_refuse(gp_params *p, const char *value) {
    if (p->bad[0]) return;
    snprintf(p->bad, sizeof p->bad, "%s", value);
    for (char *c = p->bad; *c; c++)
        if ((unsigned char)*c < 0x20) *c = '?';
}

static void params_append(gp_params *p, const char *text) {
    size_t len = strlen(text);
    if (p->overflow || p->len + len >= sizeof p->text) {
        p->overflow = 1;
        return;
    }
    memcpy(p->text + p->len, text, len + 1);
    p->len += len;
}

/* name<index>='value'; (no index when index < 0). In a single-quoted
 * gnuplot string only the quote is special: it is written twice. */
static void param_str(gp_params *p, const char *name, int index,
                      const char *value) {
    char head[64];
    if (index < 0)
        snprintf(head, sizeof head, "%s='", name);
    else
        snprintf(head, sizeof head, "%s%d='", name, index);
    params_append(p, head);
    for (const char *c = value; *c; c++) {
        if ((unsigned char)*c < 0x20) params_refuse(p, value);
        params_append(p, *c == '\'' ? "''" : (char[2]){*c, '\0'});
    }
    params_append(p, "'; ");
    if (p->overflow) params_refuse(p, value);
}

static void param_int(gp_params *p, const char *name, int index, long value) {
    char text[96];
    if (index < 0)
        snprintf(text, sizeof text, "%s=%ld; ", name, value);
    else
        snprintf(text, sizeof text, "%s%d=%ld; ", name, index, value);
    params_append(p, text);
    if (p->overflow) params_refuse(p, name);
}

static void param_num(gp_params *p, const char *name, int index,
                      double value) {
    char text[96];
    snprintf(text, sizeof text, "%s%d=%.10g; ", name, index, value);
    params_append(p, text);
    if (p->overflow) params_refuse(p, name);
}

/* Renders one format into out through a temp file of the same extension
 * (gnuplot picks the terminal from it), renamed into place only when
 * gnuplot succeeded and wrote something: never a 0-byte figure. */
static int render_one(const render_ctx *ctx, const char *script,
                      const gp_params *params, const char *out,
                      const char *format, nn_err *err) {
    char tmp[REPORT_PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%.*s.tmp.%s",
                     (int)(strlen(out) - strlen(format) - 1), out, format);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return nn_errf(err, "%s: path too long", out);
    gp_params full = *params;
    param_str(&full, "outfile", -1, tmp);
    if (full.bad[0])
        return nn_errf(err, "%s: cannot pass \"%s\" to gnuplot", script, tmp);
    int rc = gnuplot_run(ctx->program, script, full.text, err);
    struct stat st;
    if (rc == 0 && (stat(tmp, &st) != 0 || st.st_size == 0))
        rc = nn_errf(err, "%s: gnuplot wrote no %s", script, out);
    if (rc == 0 && rename(tmp, out) != 0)
        rc = nn_errf(err, "%s: cannot rename into place: %s", out,
                     strerror(errno));
    if (rc) unlink(tmp);
    return rc;
}

/* Runs script once per format: figures/<stem>.png and figures/<stem>.svg. */
static int render(const render_ctx *ctx, const char *script_name,
                  const gp_params *params, const char *stem, nn_err *err) {
    static const char *const formats[] = {"png", "svg"};
    char script[REPORT_PATH_MAX], name[256], out[REPORT_PATH_MAX];
    if (params->bad[0])
        return nn_errf(err, "%s: cannot pass \"%s\" to gnuplot (control "
                       "character or too long)", script_name, params->bad);
    if (nn_path_join(script, sizeof script, ctx->plots_dir, script_name, err) < 0)
        return -1;
    if (access(script, R_OK) != 0)
        return nn_errf(err, "%s: cannot read the plot script: %s (set "
                       "NNTRAIN_PLOTS to nntrain's plots folder)", script,
                       strerror(errno));
    for (int f = 0; f < 2; f++) {
        snprintf(name, sizeof name, "%s.%s", stem, formats[f]);
        if (nn_path_join(out, sizeof out, ctx->figures_dir, name, err) < 0 ||
            render_one(ctx, script, params, out, formats[f], err) < 0)
            return -1;
    }
    return 0;
}

/* Display name of summary.json's "loss" for axis labels. */
static const char *loss_name(const nn_run *run) {
    const char *loss = nn_run_summary(run, "loss");
    if (!loss || strcmp(loss, "mse") == 0) return "MSE";
    if (strcmp(loss, "cross-entropy") == 0) return "Cross-entropy";
    return loss;
}

static int render_accuracy(const render_ctx *ctx, const nn_run *runs,
                           int n_runs, nn_err *err) {
    gp_params p = {0};
    char path[REPORT_PATH_MAX], label[32];
    param_int(&p, "n", -1, n_runs);
    for (int i = 0; i < n_runs; i++) {
        if (nn_path_join(path, sizeof path, runs[i].dir, "metrics.csv", err) < 0)
            return -1;
        report_model_label(label, sizeof label, runs[i].model);
        param_str(&p, "metrics", i + 1, path);
        param_str(&p, "model", i + 1, runs[i].model);
        param_str(&p, "label", i + 1, label);
    }
    return render(ctx, "accuracy.gp", &p, "accuracy", err);
}

/* <model>_loss and <model>_confusion of one run. */
static int render_run(const render_ctx *ctx, const nn_run *run, nn_err *err) {
    gp_params loss = {0}, confusion = {0};
    char path[REPORT_PATH_MAX], label[32], stem[64];
    report_model_label(label, sizeof label, run->model);
    if (nn_path_join(path, sizeof path, run->dir, "metrics.csv", err) < 0)
        return -1;
    param_str(&loss, "metrics", -1, path);
    param_str(&loss, "model", -1, run->model);
    param_str(&loss, "label", -1, label);
    param_str(&loss, "lossname", -1, loss_name(run));
    snprintf(stem, sizeof stem, "%s_loss", run->model);
    if (render(ctx, "loss.gp", &loss, stem, err) < 0) return -1;

    if (nn_path_join(path, sizeof path, run->dir, "confusion_test.csv", err) < 0)
        return -1;
    param_str(&confusion, "confusion", -1, path);
    param_str(&confusion, "label", -1, label);
    param_int(&confusion, "classes", -1, run->n_classes);
    snprintf(stem, sizeof stem, "%s_confusion", run->model);
    return render(ctx, "confusion.gp", &confusion, stem, err);
}

/* The seed recipe's runs as references: smetrics<j>, smodel<j>,
 * slabel<j>, stest<j> and their count ns. */
static int param_seed_runs(gp_params *p, const nn_run *runs, int n_runs,
                           nn_err *err) {
    char path[REPORT_PATH_MAX], label[32];
    param_int(p, "ns", -1, n_runs);
    for (int j = 0; j < n_runs; j++) {
        if (nn_path_join(path, sizeof path, runs[j].dir, "metrics.csv",
                         err) < 0)
            return -1;
        report_model_label(label, sizeof label, runs[j].model);
        param_str(p, "smetrics", j + 1, path);
        param_str(p, "smodel", j + 1, runs[j].model);
        param_str(p, "slabel", j + 1, label);
        param_num(p, "stest", j + 1, nn_run_test_acc(&runs[j]));
    }
    return 0;
}

/* The beyond runs (sorted by model, then seed): metrics<i>, label<i>,
 * group<i> (its model's number, from 1), rank<i> (its place among its
 * model's seeds, from 1), test<i>; their count nb and per model
 * gname<g>, gn<g>, gmean<g>, gstd<g>, with their count ng. */
static int param_beyond_runs(gp_params *p, const nn_run *beyond, int n,
                             nn_err *err) {
    char path[REPORT_PATH_MAX], label[96];
    int group = 0, rank = 0;
    param_int(p, "nb", -1, n);
    for (int i = 0; i < n; i++) {
        int new_model = i == 0 || strcmp(beyond[i].model,
                                         beyond[i - 1].model) != 0;
        group += new_model;
        rank = new_model ? 1 : rank + 1;
        if (nn_path_join(path, sizeof path, beyond[i].dir, "metrics.csv",
                         err) < 0)
            return -1;
        report_beyond_label(label, sizeof label, &beyond[i]);
        param_str(p, "metrics", i + 1, path);
        param_str(p, "label", i + 1, label);
        param_int(p, "group", i + 1, group);
        param_int(p, "rank", i + 1, rank);
        param_num(p, "test", i + 1, nn_run_test_acc(&beyond[i]));
        if (!new_model) continue;
        int k = 1;
        while (i + k < n && strcmp(beyond[i + k].model, beyond[i].model) == 0)
            k++;
        nn_beyond_group g;
        nn_beyond_groups(&g, 1, &beyond[i], k);
        param_str(p, "gname", group, g.model);
        param_int(p, "gn", group, g.n_runs);
        param_num(p, "gmean", group, g.test_mean);
        param_num(p, "gstd", group, g.test_std);
    }
    param_int(p, "ng", -1, group);
    return 0;
}

/* beyond_val (validation accuracy vs epoch) and beyond_test (test accuracy
 * per seed); both show the seed recipe's runs as references. */
static int render_beyond(const render_ctx *ctx, const nn_run *runs,
                         int n_runs, const nn_run *beyond, int n_beyond,
                         nn_err *err) {
    gp_params p = {0};
    if (param_seed_runs(&p, runs, n_runs, err) < 0 ||
        param_beyond_runs(&p, beyond, n_beyond, err) < 0 ||
        render(ctx, "beyond_val.gp", &p, "beyond_val", err) < 0)
        return -1;
    return render(ctx, "beyond_test.gp", &p, "beyond_test", err);
}

/* The throughput figure: one panel per model (the first THROUGHPUT_PANELS
 * in the file), at one batch size each; one series per (parallel,
 * precision) found at those batch sizes. */
#define THROUGHPUT_PANELS 4
#define THROUGHPUT_SERIES 8
#define THROUGHPUT_BATCH 64

typedef struct {
    int n_panels, batch[THROUGHPUT_PANELS];
    const char *model[THROUGHPUT_PANELS];
    int n_series;
    const char *parallel[THROUGHPUT_SERIES], *precision[THROUGHPUT_SERIES];
    int n_precisions; /* distinct precisions among the series */
} throughput_plan;

/* Series labels name the precision unless every series is f32. */
static int label_precision(const throughput_plan *plan) {
    return plan->n_precisions > 1 ||
           (plan->n_series > 0 && strcmp(plan->precision[0], "f32") != 0);
}

/* The panel a row belongs to (its model's, at the panel's batch), or -1. */
static int row_panel(const throughput_plan *plan, const nn_bench_row *row) {
    for (int p = 0; p < plan->n_panels; p++)
        if (strcmp(plan->model[p], row->model) == 0)
            return row->batch == plan->batch[p] ? p : -1;
    return -1;
}

/* Whether row i is drawn: in a panel, and the last row of its model,
 * batch, precision, parallel and threads (an appended run replaces an
 * earlier one). plots/throughput.gp applies the same rule. */
static int row_drawn(const throughput_plan *plan, const nn_bench *bench,
                     int i) {
    const nn_bench_row *row = &bench->rows[i];
    if (row_panel(plan, row) < 0) return 0;
    for (const nn_bench_row *later = row + 1;
         later < bench->rows + bench->n_rows; later++)
        if (later->batch == row->batch && later->threads == row->threads &&
            strcmp(later->model, row->model) == 0 &&
            strcmp(later->precision, row->precision) == 0 &&
            strcmp(later->parallel, row->parallel) == 0)
            return 0;
    return 1;
}

/* Panels (models in the order they first appear, each at batch 64 or, if it
 * has none, its smallest batch), then the series of those rows. */
static void throughput_plan_make(throughput_plan *plan, const nn_bench *bench) {
    memset(plan, 0, sizeof *plan);
    for (int i = 0; i < bench->n_rows; i++) {
        const nn_bench_row *row = &bench->rows[i];
        int p = 0;
        while (p < plan->n_panels && strcmp(plan->model[p], row->model)) p++;
        if (p == plan->n_panels) {
            if (p == THROUGHPUT_PANELS) continue;
            plan->model[p] = row->model;
            plan->batch[p] = row->batch;
            plan->n_panels++;
        } else if (plan->batch[p] != THROUGHPUT_BATCH &&
                   (row->batch == THROUGHPUT_BATCH ||
                    row->batch < plan->batch[p])) {
            plan->batch[p] = row->batch;
        }
    }
    for (int i = 0; i < bench->n_rows; i++) {
        const nn_bench_row *row = &bench->rows[i];
        int s = 0, known = 0;
        if (row_panel(plan, row) < 0) continue;
        for (; s < plan->n_series; s++) {
            if (strcmp(plan->precision[s], row->precision) == 0) known = 1;
            if (strcmp(plan->precision[s], row->precision) == 0 &&
                strcmp(plan->parallel[s], row->parallel) == 0)
                break;
        }
        if (s < plan->n_series || s == THROUGHPUT_SERIES) continue;
        plan->parallel[s] = row->parallel;
        plan->precision[s] = row->precision;
        plan->n_series++;
        plan->n_precisions += !known;
    }
}

/* "CPU, ISA isa, commit c" of the drawn rows (the last one's CPU and ISA;
 * every commit, in file order, up to three). */
static void throughput_machine(char *out, size_t size,
                               const throughput_plan *plan,
                               const nn_bench *bench) {
    const nn_bench_row *last = NULL, *commits[3];
    int n_commits = 0, more = 0, machines = 0;
    for (int i = 0; i < bench->n_rows; i++) {
        const nn_bench_row *row = &bench->rows[i];
        if (!row_drawn(plan, bench, i)) continue;
        if (last && (strcmp(last->cpu, row->cpu) || strcmp(last->isa, row->isa)))
            machines = 1;
        last = row;
        int c = 0;
        while (c < n_commits && strcmp(commits[c]->commit, row->commit)) c++;
        if (c < n_commits) continue;
        if (n_commits < 3) commits[n_commits++] = row;
        else more++;
    }
    if (!last) { /* no panel rows: cannot happen with a loaded file */
        out[0] = '\0';
        return;
    }
    int len = snprintf(out, size, "%s, oneDNN ISA %s%s, commit%s ", last->cpu,
                       last->isa, machines ? " (rows from other machines too)"
                                           : "",
                       n_commits > 1 ? "s" : "");
    for (int c = 0; c < n_commits && len >= 0 && (size_t)len < size; c++)
        len += snprintf(out + len, size - (size_t)len, "%s%s",
                        c ? ", " : "", commits[c]->commit);
    if (more && len >= 0 && (size_t)len < size)
        snprintf(out + len, size - (size_t)len, " and %d more", more);
}

/* throughput.gp's parameters: the panels, the series, and what the file
 * has (precision column, images/s range). */
static void param_throughput(gp_params *p, const throughput_plan *plan,
                             const nn_bench *bench) {
    char text[512], model[32];
    throughput_machine(text, sizeof text, plan, bench);
    param_str(p, "machine", -1, text);
    param_int(p, "precisions", -1, bench->has_precision);
    param_int(p, "ranges", -1, bench->has_range);
    param_int(p, "npanels", -1, plan->n_panels);
    for (int i = 0; i < plan->n_panels; i++) {
        report_model_label(model, sizeof model, plan->model[i]);
        snprintf(text, sizeof text, "%s, batch %d", model, plan->batch[i]);
        param_str(p, "model", i + 1, plan->model[i]);
        param_int(p, "batch", i + 1, plan->batch[i]);
        param_str(p, "ptitle", i + 1, text);
        if (plan->batch[i] != THROUGHPUT_BATCH)
            snprintf(text, sizeof text, "(no batch-%d rows)",
                     THROUGHPUT_BATCH);
        else
            text[0] = '\0';
        param_str(p, "pnote", i + 1, text);
    }
    param_int(p, "nseries", -1, plan->n_series);
    for (int s = 0; s < plan->n_series; s++) {
        if (label_precision(plan))
            snprintf(text, sizeof text, "%s, %s", plan->parallel[s],
                     plan->precision[s]);
        else
            snprintf(text, sizeof text, "%s", plan->parallel[s]);
        param_str(p, "parallel", s + 1, plan->parallel[s]);
        param_str(p, "precision", s + 1, plan->precision[s]);
        param_str(p, "slabel", s + 1, text);
    }
}

/* Training images/s vs threads: one panel per model, one series per
 * parallel strategy and precision (plots/throughput.gp). */
static int render_throughput(const render_ctx *ctx, const char *bench_path,
                             nn_err *err) {
    nn_bench bench;
    throughput_plan plan;
    gp_params p = {0};
    if (nn_bench_load(&bench, bench_path, err) < 0) return -1;
    throughput_plan_make(&plan, &bench);
    param_str(&p, "bench", -1, bench_path);
    param_throughput(&p, &plan, &bench);
    int rc = render(ctx, "throughput.gp", &p, "throughput", err);
    nn_bench_free(&bench);
    return rc;
}

int nn_report_figures(const nn_report_opts *opts, nn_err *err) {
    render_ctx ctx;
    nn_run *runs, *beyond;
    if (gnuplot_find(ctx.program, sizeof ctx.program, err) < 0) return -1;
    ctx.plots_dir = gnuplot_plots_dir();
    if (nn_mkdirs(opts->out_dir, err) < 0 ||
        nn_path_join(ctx.figures_dir, sizeof ctx.figures_dir, opts->out_dir,
                  "figures", err) < 0 ||
        nn_mkdirs(ctx.figures_dir, err) < 0)
        return -1;
    /* a bench-only call (nntrain bench) has no runs to plot */
    runs = beyond = NULL;
    if (opts->n_runs > 0 && report_load_runs(&runs, opts, err) < 0) return -1;
    int rc = report_load_beyond(&beyond, opts, err);
    if (rc == 0 && opts->n_runs)
        rc = render_accuracy(&ctx, runs, opts->n_runs, err);
    for (int i = 0; rc == 0 && i < opts->n_runs; i++)
        rc = render_run(&ctx, &runs[i], err);
    if (rc == 0 && opts->bench_csv)
        rc = render_throughput(&ctx, opts->bench_csv, err);
    if (rc == 0 && beyond)
        rc = render_beyond(&ctx, runs, opts->n_runs, beyond, opts->n_beyond,
                           err);
    report_free_runs(beyond, opts->n_beyond);
    report_free_runs(runs, opts->n_runs);
    return rc;
}
