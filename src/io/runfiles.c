/* runfiles.c: metrics.csv, confusion_test.csv and summary.json. */
#include "runfiles.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nn_atomic_file.h"
#include "nn_comm.h"
#include "nn_csv.h"
#include "run_dir.h"

static int open_in(nn_atomic_file *a, const char *dir, const char *name,
                   nn_err *err) {
    char path[NN_PATH_MAX];
    if (nn_path_join(path, sizeof path, dir, name, err)) return -1;
    return nn_atomic_open(a, path, err);
}

int nn_write_metrics_csv(const char *dir, const nn_epoch_metrics *history,
                         int epochs, nn_err *err) {
    nn_atomic_file a;
    if (open_in(&a, dir, NN_METRICS_FILE, err)) return -1;
    fprintf(a.f, "epoch,train_loss,train_acc,val_loss,val_acc,epoch_seconds,"
                 "train_images_per_s,lr\n");
    for (int e = 0; e < epochs; e++) {
        const nn_epoch_metrics *h = &history[e];
        fprintf(a.f, "%d,%.6f,%.4f,%.6f,%.4f,%.3f,%.1f,%.7g\n", e + 1,
                h->train_loss, h->train_acc, h->val_loss, h->val_acc,
                h->seconds, h->train_images_per_s, h->lr);
    }
    return nn_atomic_commit(&a, err);
}

int nn_write_confusion_csv(const char *dir, const long *confusion,
                           int classes, const nn_class_names *names,
                           nn_err *err) {
    if (names->n != classes)
        return nn_errf(err, "%s/%s: %d class names for %d classes", dir,
                       NN_CONFUSION_FILE, names->n, classes);
    nn_atomic_file a;
    if (open_in(&a, dir, NN_CONFUSION_FILE, err)) return -1;
    fprintf(a.f, "true\\predicted");
    for (int j = 0; j < classes; j++) {
        fputc(',', a.f);
        nn_csv_field(a.f, names->name[j]);
    }
    fprintf(a.f, "\n");
    for (int i = 0; i < classes; i++) {
        nn_csv_field(a.f, names->name[i]);
        for (int j = 0; j < classes; j++)
            fprintf(a.f, ",%ld", confusion[(size_t)i * classes + j]);
        fprintf(a.f, "\n");
    }
    return nn_atomic_commit(&a, err);
}

/* JSON writers for a flat object: every line but the first starts with
 * ",\n" so no trailing comma is ever written. */
typedef struct {
    FILE *f;
    int first;
} json_out;

static void key(json_out *j, const char *k) {
    fprintf(j->f, "%s  \"%s\": ", j->first ? "{\n" : ",\n", k);
    j->first = 0;
}

/* A JSON string value: quote and backslash escaped, control characters
 * (which no value should hold) left out. */
static void jquote(FILE *f, const char *v) {
    fputc('"', f);
    for (; *v; v++) {
        if (*v == '"' || *v == '\\') fputc('\\', f);
        if ((unsigned char)*v >= 0x20) fputc(*v, f);
    }
    fputc('"', f);
}

static void jstr(json_out *j, const char *k, const char *v) {
    key(j, k);
    jquote(j->f, v);
}

/* The class names as an array of strings, on one line. */
static void jnames(json_out *j, const char *k, const nn_class_names *names) {
    key(j, k);
    fputc('[', j->f);
    for (int i = 0; i < names->n; i++) {
        if (i) fputs(", ", j->f);
        jquote(j->f, names->name[i]);
    }
    fputc(']', j->f);
}

static void jnum(json_out *j, const char *k, double v) {
    key(j, k);
    fprintf(j->f, "%.10g", v);
}

/* A float config value with the digits a float has (0.001, not
 * 0.001000000047). */
static void jfloat(json_out *j, const char *k, float v) {
    key(j, k);
    fprintf(j->f, "%.7g", v);
}

static void mean_accuracies(const nn_summary *s, double *train, double *val) {
    *train = *val = 0;
    for (int e = 0; e < s->epochs; e++) {
        *train += s->history[e].train_acc / s->epochs;
        *val += s->history[e].val_acc / s->epochs;
    }
}

static void write_summary(json_out *j, const nn_summary *s) {
    const nn_train_config *c = s->cfg;
    const nn_epoch_metrics *last = &s->history[s->epochs - 1];
    double mean_train, mean_val, epoch_sum = 0, ips_sum = 0;
    mean_accuracies(s, &mean_train, &mean_val);
    for (int e = 0; e < s->epochs; e++) {
        epoch_sum += s->history[e].seconds;
        ips_sum += s->history[e].train_images_per_s;
    }
    jstr(j, "nntrain_version", s->sys->version);
    jstr(j, "commit", s->sys->commit);
    jstr(j, "model", c->model.name);
    jnum(j, "parameters", (double)s->model->n_params);
    jstr(j, "backend", nn_backend_name(c->backend));
    jstr(j, "precision", nn_precision_name(c->precision));
    jstr(j, "parallel", s->parallel);
    jnum(j, "epochs", s->epochs);
    jnum(j, "batch_size", c->batch_size);
    jnum(j, "val", c->val);
    jfloat(j, "lr", c->lr);
    jstr(j, "loss", nn_loss_name(c->loss));
    jstr(j, "optimizer", nn_optim_name(c->optim));
    jfloat(j, "weight_decay", c->weight_decay);
    jstr(j, "schedule", nn_schedule_name(c->schedule));
    jnum(j, "warmup_epochs", c->warmup_epochs);
    char augment[64];
    nn_augment_name(augment, sizeof augment, c);
    jstr(j, "augment", augment);
    jnum(j, "seed", (double)c->seed);
    jnum(j, "threads", c->threads);
    jnum(j, "ranks", nn_comm_size()); /* MPI processes (environment) */
    /* a resume with another thread count: numbers not bit-repeatable */
    jnum(j, "threads_changed_on_resume", c->threads_changed);
    jstr(j, "data_dir", c->data_dir);
    jstr(j, "onednn_version", s->sys->onednn_version);
    jstr(j, "onednn_isa", s->sys->onednn_isa);
    jstr(j, "cpu", s->sys->cpu);
    jnum(j, "train_images", s->train_images);
    jnum(j, "val_images", s->val_images);
    jnum(j, "test_images", s->test_images);
    jnames(j, "classes", &c->names);
    jnum(j, "final_train_loss", last->train_loss);
    jnum(j, "final_train_acc", last->train_acc);
    jnum(j, "final_val_loss", last->val_loss);
    jnum(j, "final_val_acc", last->val_acc);
    jnum(j, "mean_train_acc", mean_train);
    jnum(j, "mean_val_acc", mean_val);
    jnum(j, "test_loss", s->test->loss);
    jnum(j, "test_acc", s->test->acc);
    /* times to the millisecond, rates to the image: more digits are noise */
    jnum(j, "total_seconds", round(s->total_seconds * 1e3) / 1e3);
    jnum(j, "mean_epoch_seconds", round(epoch_sum / s->epochs * 1e3) / 1e3);
    jnum(j, "train_images_per_s", round(ips_sum / s->epochs));
    fprintf(j->f, "\n}\n");
}

int nn_write_summary_json(const char *dir, const nn_summary *s, nn_err *err) {
    if (s->epochs <= 0)
        return nn_errf(err, "%s/summary.json: no epoch has run", dir);
    nn_atomic_file a;
    if (open_in(&a, dir, NN_SUMMARY_FILE, err)) return -1;
    json_out j = {a.f, 1};
    write_summary(&j, s);
    return nn_atomic_commit(&a, err);
}
