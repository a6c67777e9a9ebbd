/* test_report_beyond.c: "Beyond the seed": the numbers over seeds, REPORT.md's section, the figures' gnuplot data and bad --beyond folders. */
#include <stdlib.h>

#include "nn_report.h"
#include "report_test_util.h"
#include "test_util.h"

/* One synthetic beyond run, 3 epochs. */
typedef struct {
    const char *name, *model;
    int seed;                /* < 0: no "seed" key */
    int correct, total;      /* the test confusion matrix's trace and sum */
    double val[3], secs[3];  /* val_acc and epoch_seconds per epoch */
    const char *total_seconds; /* summary.json's, or NULL for none */
    int threads;
} synth_run;

/* The runs, given out of order: the report sorts by model, then seed.
 *   cnn-bn seed 1: test 186/200 = 93.0, val 90 93 92 (best 93 at 2),
 *                  epochs 10 11 12 s (mean 11), total 40.5 s
 *   cnn-bn seed 2: test 188/200 = 94.0, val 91 92 94 (best 94 at 3),
 *                  epochs 20 s (mean 20), total 61.5 s
 *   cnn-bn seed 3: test 187/200 = 93.5, val 92 92 91 (best 92 at 1, the
 *                  first of a tie), epochs 5 6 7 s (mean 6), total 21 s,
 *                  4 threads where the others have 2
 *   cnn-bn: mean 93.5, sample std sqrt((0.25 + 0.25 + 0) / 2) = 0.5 (the
 *   population std would be 0.41); best val (93+94+92)/3 = 93, final val
 *   (92+94+91)/3 = 92.33, mean epoch (11+20+6)/3 = 12.333, time
 *   (40.5+61.5+21)/3 = 41.0; against the CNN fixture's 91.5: +2.00.
 *   mlp seed 1: test 85/100 = 85.0 against the MLP fixture's 80: +5.00.
 *   vit-small seed 7: no run of its model in the report; no total_seconds. */
static const synth_run synth[] = {
    {"b3", "cnn-bn", 3, 187, 200, {92, 92, 91}, {5, 6, 7}, "21", 4},
    {"m1", "mlp", 1, 85, 100, {84, 85, 86}, {1, 1, 1}, "3.5", 2},
    {"b1", "cnn-bn", 1, 186, 200, {90, 93, 92}, {10, 11, 12}, "40.5", 2},
    {"v7", "vit-small", 7, 70, 100, {60, 65, 70}, {2, 2, 2}, NULL, 2},
    {"b2", "cnn-bn", 2, 188, 200, {91, 92, 94}, {20, 20, 20}, "61.5", 2},
};
#define N_SYNTH (int)(sizeof synth / sizeof *synth)

/* Writes the run folder dir/<s->name> into run[size] and returns it. */
static const char *make_synth(const char *dir, const synth_run *s,
                              char *run, size_t size) {
    char path[600], text[2048];
    snprintf(run, size, "%s/%s", dir, s->name);
    mkdir(run, 0777);
    int n = snprintf(text, sizeof text, "epoch,train_loss,train_acc,val_loss,"
                     "val_acc,epoch_seconds,train_images_per_s\n");
    for (int e = 0; e < 3; e++)
        n += snprintf(text + n, sizeof text - n, "%d,0.5,80,0.6,%g,%g,1000\n",
                      e + 1, s->val[e], s->secs[e]);
    snprintf(path, sizeof path, "%s/metrics.csv", run);
    write_file(path, text);
    snprintf(text, sizeof text, "true\\predicted,a,b\na,%d,%d\nb,0,0\n",
             s->correct, s->total - s->correct);
    snprintf(path, sizeof path, "%s/confusion_test.csv", run);
    write_file(path, text);
    n = snprintf(text, sizeof text, "{\"model\": \"%s\", \"parameters\": "
                 "421834, \"loss\": \"cross-entropy\", \"optimizer\": "
                 "\"adamw\", \"lr\": 0.001, \"weight_decay\": 0.05, "
                 "\"schedule\": \"cosine\", \"warmup_epochs\": 1, "
                 "\"augment\": \"crop=2,flip\", \"batch_size\": 128, "
                 "\"epochs\": 3, \"precision\": \"f32\", \"threads\": %d, "
                 "\"cpu\": \"Test CPU\"", s->model, s->threads);
    if (s->seed >= 0)
        n += snprintf(text + n, sizeof text - n, ", \"seed\": %d", s->seed);
    if (s->total_seconds)
        n += snprintf(text + n, sizeof text - n, ", \"total_seconds\": %s",
                      s->total_seconds);
    snprintf(text + n, sizeof text - n, "}\n");
    snprintf(path, sizeof path, "%s/summary.json", run);
    write_file(path, text);
    return run;
}

static char synth_dirs[N_SYNTH][300];
static const char *synth_list[N_SYNTH];

static void make_all(const char *dir) {
    for (int i = 0; i < N_SYNTH; i++)
        synth_list[i] = make_synth(dir, &synth[i], synth_dirs[i],
                                   sizeof synth_dirs[i]);
}

static void check_numbers(void) {
    nn_run runs[N_SYNTH];
    nn_err err;
    int epoch;
    for (int i = 0; i < N_SYNTH; i++)
        CHECK(nn_run_load(&runs[i], synth_list[i], &err) == 0);
    /* b1: best 93 at epoch 2; b3: 92 at epochs 1 and 2, the first wins */
    CHECK_CLOSE(nn_run_best_val(&runs[2], &epoch), 93.0, 1e-12);
    CHECK(epoch == 2);
    CHECK_CLOSE(nn_run_best_val(&runs[0], &epoch), 92.0, 1e-12);
    CHECK(epoch == 1);
    nn_beyond_group g[4];
    /* in the order the models first appear: cnn-bn, mlp, vit-small */
    CHECK(nn_beyond_groups(g, 4, runs, N_SYNTH) == 3);
    CHECK(strcmp(g[0].model, "cnn-bn") == 0 && g[0].n_runs == 3);
    CHECK_CLOSE(g[0].test_mean, 93.5, 1e-12);
    CHECK_CLOSE(g[0].test_std, 0.5, 1e-12);
    CHECK_CLOSE(g[0].best_val_mean, 93.0, 1e-12);
    CHECK_CLOSE(g[0].final_val_mean, 277.0 / 3, 1e-12);
    CHECK_CLOSE(g[0].epoch_seconds_mean, 37.0 / 3, 1e-12);
    CHECK_CLOSE(g[0].seconds_mean, 41.0, 1e-12);
    CHECK(strcmp(g[1].model, "mlp") == 0 && g[1].n_runs == 1);
    CHECK_CLOSE(g[1].test_mean, 85.0, 1e-12);
    CHECK(g[1].test_std == 0);
    CHECK(g[2].seconds_mean < 0); /* vit-small has no total_seconds */
    /* max counts the models without writing past it */
    CHECK(nn_beyond_groups(g, 1, runs, N_SYNTH) == 3);
    for (int i = 0; i < N_SYNTH; i++) nn_run_free(&runs[i]);
}

static void check_section(const char *md) {
    CHECK_CONTAINS(md, "## Beyond the seed");
    CHECK_CONTAINS(md, "| cnn-bn | 3 | 93.50 | 0.50 | +2.00 (CNN) | 41.0 |");
    CHECK_CONTAINS(md, "| mlp | 1 | 85.00 | n/a (one seed) | +5.00 (MLP) | "
                       "3.5 |");
    CHECK_CONTAINS(md, "| vit-small | 1 | 70.00 | n/a (one seed) | n/a | "
                       "n/a |");
    CHECK_CONTAINS(md, "### cnn-bn\n");
    CHECK_CONTAINS(md, "| Augmentation | crop=2,flip |");
    CHECK_CONTAINS(md, "| Weight decay | 0.05 |");
    CHECK_CONTAINS(md, "| Threads | seed 1: 2; seed 2: 2; seed 3: 4 |");
    /* the seeds' rows in seed order, then the mean */
    const char *r1 = strstr(md, "| cnn-bn (seed 1) | 1 | 93.00 | 93.00 | 2 | "
                                "92.00 | 40.5 | 11.000 | Test CPU |\n");
    const char *r2 = strstr(md, "| cnn-bn (seed 2) | 2 | 94.00 | 94.00 | 3 | "
                                "94.00 | 61.5 | 20.000 | Test CPU |\n");
    const char *r3 = strstr(md, "| cnn-bn (seed 3) | 3 | 93.50 | 92.00 | 1 | "
                                "91.00 | 21 | 6.000 | Test CPU |\n"
                                "| Mean of 3 seeds |  | 93.50 | 93.00 |  | "
                                "92.33 | 41.0 | 12.333 |  |\n");
    CHECK(r1 && r2 && r3 && r1 < r2 && r2 < r3);
    CHECK_CONTAINS(md, "Test accuracy 93.50% ± 0.50 (standard deviation over "
                       "3 seeds): +2.00 points over the seed recipe's CNN "
                       "(91.50%, `" FIXTURE_CNN "`). Mean training time "
                       "41.0 s, against 37.5 s for the CNN (3 epochs).");
    CHECK_CONTAINS(md, "Test accuracy 85.00% (one seed: no spread): +5.00 "
                       "points over the seed recipe's MLP (80.00%, `"
                       FIXTURE_MLP "`).");
    CHECK_CONTAINS(md, "this report has no run of model \"vit-small\"");
    CHECK_CONTAINS(md, "| Mean of 1 seed |  | 70.00 | 70.00 |  | 70.00 | "
                       "n/a | 2.000 |  |");
    CHECK_CONTAINS(md, "(figures/beyond_val.png)");
    CHECK_CONTAINS(md, "(figures/beyond_test.png)");
    /* after the seed experiment's sections, before the footer */
    const char *beyond = strstr(md, "## Beyond the seed");
    CHECK(beyond && strstr(md, "## Most frequent confusions") < beyond &&
          strstr(md, "\n---\n") > beyond);
}

static void check_report(const char *out) {
    const char *dirs[] = {FIXTURE_MLP, FIXTURE_CNN};
    char path[600];
    nn_err err;
    nn_report_opts opts = {dirs, 2, NULL, out, -1, NULL, synth_list, N_SYNTH};
    CHECK(nn_report_check(&opts, &err) == 0);
    CHECK(nn_report_write(&opts, &err) == 0);
    snprintf(path, sizeof path, "%s/REPORT.md", out);
    char *md = read_file(path, NULL);
    CHECK(md != NULL);
    if (md) check_section(md);
    free(md);
    /* without figures: said in the section, no link */
    opts.figures_error = "gnuplot not found";
    CHECK(nn_report_write(&opts, &err) == 0);
    md = read_file(path, NULL);
    CHECK(md && !strstr(md, "beyond_val.png"));
    CHECK_CONTAINS(md, "### Figures\n\nNot rendered: gnuplot not found");
    free(md);
    /* no beyond runs: no section */
    opts.n_beyond = 0;
    opts.figures_error = NULL;
    CHECK(nn_report_write(&opts, &err) == 0);
    md = read_file(path, NULL);
    CHECK(md && !strstr(md, "Beyond the seed"));
    free(md);
}

/* A stand-in gnuplot that appends its -e argument and script to LOG and
 * writes a one-line outfile, so the data passed can be read back. */
static void make_fake_gnuplot(const char *program, const char *log) {
    char text[1024];
    snprintf(text, sizeof text,
             "#!/bin/sh\nprintf '%%s %%s\\n' \"$3\" \"$2\" >> '%s'\n"
             "out=$(printf '%%s' \"$2\" | sed -n \"s/.*outfile='\\([^']*\\)'"
             "; $/\\1/p\")\necho x > \"$out\"\n", log);
    write_file(program, text);
    chmod(program, 0755);
}

/* The gnuplot data of beyond_val and beyond_test, exactly. */
static void check_gnuplot_data(const char *dir, const char *out) {
    const char *dirs[] = {FIXTURE_MLP, FIXTURE_CNN};
    char program[400], log[400];
    nn_err err;
    snprintf(program, sizeof program, "%s/fake-gnuplot", dir);
    snprintf(log, sizeof log, "%s/gnuplot.log", dir);
    make_fake_gnuplot(program, log);
    setenv("NNTRAIN_GNUPLOT", program, 1);
    nn_report_opts opts = {dirs, 2, NULL, out, -1, NULL, synth_list, N_SYNTH};
    CHECK(nn_report_figures(&opts, &err) == 0);
    unsetenv("NNTRAIN_GNUPLOT");
    char *calls = read_file(log, NULL);
    const char *val = calls ? strstr(calls, "beyond_val.gp ") : NULL;
    const char *test = calls ? strstr(calls, "beyond_test.gp ") : NULL;
    CHECK(val && test);
    if (!val || !test) {
        free(calls);
        return;
    }
    /* the seed recipe's runs, with their test accuracies */
    CHECK_CONTAINS(val, "ns=2; smetrics1='" FIXTURE_MLP "/metrics.csv'; "
                        "smodel1='mlp'; slabel1='MLP'; stest1=80; ");
    CHECK_CONTAINS(val, "smodel2='cnn'; slabel2='CNN'; stest2=91.5; ");
    /* sorted: cnn-bn seeds 1, 2, 3, then mlp, then vit-small */
    char expect[1024];
    snprintf(expect, sizeof expect, "nb=5; metrics1='%s/metrics.csv'; "
             "label1='cnn-bn (seed 1)'; group1=1; rank1=1; test1=93; "
             "gname1='cnn-bn'; gn1=3; gmean1=93.5; gstd1=0.5; ",
             synth_list[2]);
    CHECK_CONTAINS(val, expect);
    CHECK_CONTAINS(val, "label2='cnn-bn (seed 2)'; group2=1; rank2=2; "
                        "test2=94; ");
    CHECK_CONTAINS(val, "label3='cnn-bn (seed 3)'; group3=1; rank3=3; "
                        "test3=93.5; ");
    CHECK_CONTAINS(val, "label4='mlp (seed 1)'; group4=2; rank4=1; test4=85; "
                        "gname2='mlp'; gn2=1; gmean2=85; gstd2=0; ");
    CHECK_CONTAINS(val, "label5='vit-small (seed 7)'; group5=3; rank5=1; "
                        "test5=70; gname3='vit-small'; gn3=1; ");
    CHECK_CONTAINS(val, "ng=3; outfile='");
    /* both scripts get the same data */
    CHECK_CONTAINS(test, "gmean1=93.5; gstd1=0.5; ");
    free(calls);
}

/* The figures drawn by the real gnuplot show the labels and numbers. */
static void check_rendered(const char *out) {
    const char *dirs[] = {FIXTURE_MLP, FIXTURE_CNN};
    char path[600];
    nn_err err;
    nn_report_opts opts = {dirs, 2, NULL, out, -1, NULL, synth_list, N_SYNTH};
    if (nn_report_figures(&opts, &err) < 0) {
        CHECK_CONTAINS(err.msg, "gnuplot not found");
        printf("rendering skipped: %s\n", err.msg);
        return;
    }
    snprintf(path, sizeof path, "%s/figures/beyond_val.svg", out);
    char *svg = read_file(path, NULL);
    CHECK_CONTAINS(svg, "cnn-bn (seed 3)");
    CHECK_CONTAINS(svg, "CNN (seed recipe)");
    free(svg);
    snprintf(path, sizeof path, "%s/figures/beyond_test.svg", out);
    svg = read_file(path, NULL);
    CHECK_CONTAINS(svg, "cnn-bn mean 93.50 ± 0.50 (3 seeds)");
    CHECK_CONTAINS(svg, "mlp (1 seed: no spread)");
    CHECK_CONTAINS(svg, "CNN (seed recipe) 91.50%");
    CHECK_CONTAINS(svg, "cnn-bn (seed 2) 94.00%");
    free(svg);
    snprintf(path, sizeof path, "%s/figures/beyond_test.png", out);
    size_t size = 0;
    char *png = read_file(path, &size);
    CHECK(png && size > 1000 && memcmp(png, "\x89PNG", 4) == 0);
    free(png);
}

/* A bad --beyond folder: one line naming it, from the check, the figures
 * and the report alike; an earlier REPORT.md stays as it was. */
static void check_bad(const char *out, const char *bad,
                      const char *fragment) {
    const char *dirs[] = {FIXTURE_MLP, FIXTURE_CNN};
    const char *beyond[] = {synth_list[2], bad};
    char path[600];
    nn_err err = {""};
    nn_report_opts opts = {dirs, 2, NULL, out, -1, NULL, beyond, 2};
    snprintf(path, sizeof path, "%s/REPORT.md", out);
    char *before = read_file(path, NULL);
    CHECK(nn_report_check(&opts, &err) == -1);
    CHECK_CONTAINS(err.msg, fragment);
    CHECK(!strchr(err.msg, '\n'));
    err.msg[0] = '\0';
    setenv("NNTRAIN_GNUPLOT", "/bin/true", 1);
    CHECK(nn_report_figures(&opts, &err) == -1);
    unsetenv("NNTRAIN_GNUPLOT");
    CHECK_CONTAINS(err.msg, fragment);
    err.msg[0] = '\0';
    CHECK(nn_report_write(&opts, &err) == -1);
    CHECK_CONTAINS(err.msg, fragment);
    char *after = read_file(path, NULL);
    CHECK(before && after && strcmp(before, after) == 0);
    free(before);
    free(after);
    snprintf(path, sizeof path, "%s/REPORT.md.tmp", out);
    CHECK(!file_exists(path));
}

static void check_bad_folders(const char *dir, const char *out) {
    char bad[400], msg[1024], path[600];
    const char *dirs[] = {FIXTURE_MLP, FIXTURE_CNN};
    nn_err err;
    nn_report_opts opts = {dirs, 2, NULL, out, -1, NULL, NULL, 0};
    CHECK(nn_report_write(&opts, &err) == 0); /* the REPORT.md to keep */

    snprintf(bad, sizeof bad, "%s/missing", dir);
    snprintf(msg, sizeof msg, "--beyond %s: No such file or directory", bad);
    check_bad(out, bad, msg);

    snprintf(bad, sizeof bad, "%s/fake-gnuplot", dir);
    snprintf(msg, sizeof msg, "--beyond %s: not a folder", bad);
    check_bad(out, bad, msg);

    snprintf(bad, sizeof bad, "%s/empty", dir);
    mkdir(bad, 0777);
    snprintf(msg, sizeof msg, "--beyond %s: not a run folder (no "
             "summary.json)", bad);
    check_bad(out, bad, msg);

    /* a run folder whose metrics.csv is broken: the folder, then the file */
    synth_run broken = synth[2];
    broken.name = "broken";
    make_synth(dir, &broken, bad, sizeof bad);
    snprintf(path, sizeof path, "%s/metrics.csv", bad);
    write_file(path, "epoch,val_acc\n1,90\n");
    snprintf(msg, sizeof msg, "--beyond %s: %s/metrics.csv: ", bad, bad);
    check_bad(out, bad, msg);

    synth_run no_seed = synth[2];
    no_seed.name = "no-seed";
    no_seed.seed = -1;
    make_synth(dir, &no_seed, bad, sizeof bad);
    snprintf(msg, sizeof msg, "--beyond %s: summary.json has no integer "
             "\"seed\"", bad);
    check_bad(out, bad, msg);

    /* the same model and seed twice */
    synth_run again = synth[2];
    again.name = "again";
    make_synth(dir, &again, bad, sizeof bad);
    snprintf(msg, sizeof msg, "--beyond %s and --beyond %s: both are runs of "
             "model \"cnn-bn\" with seed 1", synth_list[2], bad);
    check_bad(out, bad, msg);
}

int main(void) {
    char dir[256], out[300];
    CHECK(make_temp_dir(dir, sizeof dir, "nn_report_beyond_") == 0);
    snprintf(out, sizeof out, "%s/out", dir);
    make_all(dir);
    check_numbers();
    check_report(out);
    check_gnuplot_data(dir, out);
    check_rendered(out);
    check_bad_folders(dir, out);
    remove_tree(dir);
    return test_summary();
}
