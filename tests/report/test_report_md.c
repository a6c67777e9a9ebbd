/* test_report_md.c: the numbers of the report and REPORT.md's content, against hand-computed fixture values. */
#include <math.h>
#include <stddef.h>

#include "nn_report.h"
#include "report_test_util.h"
#include "test_util.h"

/* The fixture runs have 3 epochs (tests/report/fixtures/<model>/):
 *   MLP train_acc 80, 86, 92   val_acc 82, 84, 86
 *       epoch_seconds 2.0, 2.5, 3.0   images/s 27000, 21600, 18000
 *       confusion: 100 images, trace 7+10+6+9+7+10+5+8+10+8 = 80
 *   CNN train_acc 85, 91, 97   val_acc 88, 89.5, 91
 *       epoch_seconds 10, 12, 14   images/s 5400, 4500, 3600
 *       confusion: 200 images, trace 17+20+18+19+17+19+15+20+19+19 = 183
 * Their summary.json holds decoys (mean_train_acc 11.11, mean_val_acc 22.22,
 * test_acc 33.33): the report must compute these from the CSV files. */

static void check_numbers(void) {
    nn_run mlp, cnn;
    nn_err err;
    CHECK(nn_run_load(&mlp, FIXTURE_MLP, &err) == 0);
    CHECK(nn_run_load(&cnn, FIXTURE_CNN, &err) == 0);
    CHECK(mlp.n_epochs == 3 && cnn.n_epochs == 3);
    CHECK(strcmp(mlp.model, "mlp") == 0 && strcmp(cnn.model, "cnn") == 0);
    CHECK(strcmp(mlp.class_names[9], "Ankle boot") == 0);

    /* (a) means over all epochs. MLP: (80+86+92)/3 = 86, (82+84+86)/3 = 84,
     * gap 2; test 80/100 = 80%. */
    nn_accuracy_table t = nn_run_mean_table(&mlp);
    CHECK_CLOSE(t.train_acc, 86.0, 1e-12);
    CHECK_CLOSE(t.val_acc, 84.0, 1e-12);
    CHECK_CLOSE(t.gap, 2.0, 1e-12);
    CHECK_CLOSE(t.test_acc, 80.0, 1e-12);
    /* CNN: (85+91+97)/3 = 91, (88+89.5+91)/3 = 89.5, gap 1.5; 183/200 =
     * 91.5%. */
    t = nn_run_mean_table(&cnn);
    CHECK_CLOSE(t.train_acc, 91.0, 1e-12);
    CHECK_CLOSE(t.val_acc, 89.5, 1e-12);
    CHECK_CLOSE(t.gap, 1.5, 1e-12);
    CHECK_CLOSE(t.test_acc, 91.5, 1e-12);

    /* (b) last epoch: MLP 92 / 86, gap 6; CNN 97 / 91, gap 6. */
    t = nn_run_final_table(&mlp);
    CHECK_CLOSE(t.train_acc, 92.0, 1e-12);
    CHECK_CLOSE(t.val_acc, 86.0, 1e-12);
    CHECK_CLOSE(t.gap, 6.0, 1e-12);
    t = nn_run_final_table(&cnn);
    CHECK_CLOSE(t.train_acc, 97.0, 1e-12);
    CHECK_CLOSE(t.gap, 6.0, 1e-12);

    /* Time: MLP (2+2.5+3)/3 = 2.5 s, (27000+21600+18000)/3 = 22200 img/s. */
    CHECK_CLOSE(nn_run_mean(&mlp, NN_METRIC_EPOCH_SECONDS), 2.5, 1e-12);
    CHECK_CLOSE(nn_run_mean(&mlp, NN_METRIC_TRAIN_IMAGES_PER_S), 22200, 1e-12);
    CHECK_CLOSE(nn_run_mean(&cnn, NN_METRIC_EPOCH_SECONDS), 12.0, 1e-12);
    /* The decoy in summary.json is read, but not used for the table. */
    CHECK(strcmp(nn_run_summary(&mlp, "mean_train_acc"), "11.11") == 0);
    CHECK(strcmp(nn_run_summary(&mlp, "cpu"),
                 "Test CPU \"fixture\" @ 1.0GHz") == 0);
    CHECK(nn_run_summary(&mlp, "no_such_key") == NULL);
    nn_run_free(&mlp);
    nn_run_free(&cnn);
}

static void check_top_confusions(void) {
    nn_run mlp;
    nn_err err;
    nn_confusion top[5];
    CHECK(nn_run_load(&mlp, FIXTURE_MLP, &err) == 0);
    /* Ordered, off-diagonal MLP counts: Shirt->T-shirt 4; T-shirt->Shirt 3
     * and Pullover->Coat 3 (tie: smaller true class first); Coat->Pullover 2
     * and Ankle boot->Sneaker 2; then six 1s. */
    CHECK(nn_run_top_confusions(&mlp, 0, top, 5) == 5);
    CHECK(top[0].true_class == 6 && top[0].pred_class == 0 && top[0].count == 4);
    CHECK(top[1].true_class == 0 && top[1].pred_class == 6 && top[1].count == 3);
    CHECK(top[2].true_class == 2 && top[2].pred_class == 4 && top[2].count == 3);
    CHECK(top[3].true_class == 4 && top[3].pred_class == 2 && top[3].count == 2);
    CHECK(top[4].true_class == 9 && top[4].pred_class == 7 && top[4].count == 2);
    /* Unordered: T-shirt<->Shirt 3+4 = 7, Pullover<->Coat 3+2 = 5,
     * Sneaker<->Ankle boot 1+2 = 3, Pullover<->Shirt 1+1 = 2, then the 1s of
     * which T-shirt<->Dress (0,3) comes first. */
    CHECK(nn_run_top_confusions(&mlp, 1, top, 5) == 5);
    CHECK(top[0].true_class == 0 && top[0].pred_class == 6 && top[0].count == 7);
    CHECK(top[1].true_class == 2 && top[1].pred_class == 4 && top[1].count == 5);
    CHECK(top[2].true_class == 7 && top[2].pred_class == 9 && top[2].count == 3);
    CHECK(top[3].true_class == 2 && top[3].pred_class == 6 && top[3].count == 2);
    CHECK(top[4].true_class == 0 && top[4].pred_class == 3 && top[4].count == 1);
    /* 11 non-zero off-diagonal cells (the five above and six 1s): asking
     * for 20 gives 11. */
    nn_confusion all[20];
    CHECK(nn_run_top_confusions(&mlp, 0, all, 20) == 11);
    nn_run_free(&mlp);
}

/* Every line of REPORT.md that carries a number the test can compute. */
static void check_report_numbers(const char *md) {
    /* (a) means over the epochs beside the seed's table; differences:
     * MLP 86-93.09 = -7.09, 84-89.34 = -5.34, 80-88.65 = -8.65,
     * 2-3.75 = -1.75; CNN 91-97.25 = -6.25, 89.5-91.98 = -2.48,
     * 91.5-91.17 = +0.33, 1.5-5.27 = -3.77. */
    CHECK_CONTAINS(md, "| MLP (nntrain) | 3 | 86.00 | 84.00 | 80.00 | 2.00 |");
    CHECK_CONTAINS(md, "| MLP (seed, published) | 50 | 93.09 | 89.34 | 88.65 "
                       "| 3.75 |");
    CHECK_CONTAINS(md, "| MLP difference (nntrain - seed) |  | -7.09 | -5.34 "
                       "| -8.65 | -1.75 |");
    CHECK_CONTAINS(md, "| CNN (nntrain) | 3 | 91.00 | 89.50 | 91.50 | 1.50 |");
    CHECK_CONTAINS(md, "| CNN (seed, published) | 50 | 97.25 | 91.98 | 91.17 "
                       "| 5.27 |");
    CHECK_CONTAINS(md, "| CNN difference (nntrain - seed) |  | -6.25 | -2.48 "
                       "| +0.33 | -3.77 |");
    /* (b) last epoch: MLP 92 - 86 = 6, CNN 97 - 91 = 6. */
    CHECK_CONTAINS(md, "| MLP (nntrain) | 3 | 92.00 | 86.00 | 80.00 | 6.00 |");
    CHECK_CONTAINS(md, "| CNN (nntrain) | 3 | 97.00 | 91.00 | 91.50 | 6.00 |");
    /* The decoys of summary.json never reach the report. */
    CHECK(!strstr(md, "11.11") && !strstr(md, "22.22") && !strstr(md, "33.33"));
    /* Time: total from summary.json, means from metrics.csv; CNN images/s
     * (5400+4500+3600)/3 = 4500. */
    CHECK_CONTAINS(md, "| MLP | 3 | 8.25 | 2.500 | 22200 |");
    CHECK_CONTAINS(md, "| CNN | 3 | 37.5 | 12.000 | 4500 |");
    /* Configuration, with the escaped quote of the CPU name undone. */
    CHECK_CONTAINS(md, "| Parameters | 235146 | 421642 |");
    CHECK_CONTAINS(md, "| Learning rate | 0.001 | 0.001 |");
    CHECK_CONTAINS(md, "| oneDNN ISA | avx512_core | avx512_core |");
    CHECK_CONTAINS(md, "| CPU | Test CPU \"fixture\" @ 1.0GHz |");
    CHECK_CONTAINS(md, "| Validation split (--val) | 60 | 60 |");
    CHECK_CONTAINS(md, "| Classes | 10 | 10 |");
    /* Per class, the diagonal over the row: T-shirt/top MLP 7/10, CNN
     * 17/20; Shirt 5/10 and 15/20. */
    CHECK_CONTAINS(md, "| Class | MLP (%) | CNN (%) |\n|---|---|---|\n"
                       "| 0 T-shirt/top | 70.00 | 85.00 |\n");
    CHECK_CONTAINS(md, "| 6 Shirt | 50.00 | 75.00 |\n");
}

static void check_report_confusions(const char *md) {
    /* MLP, share of the true class: Shirt row 4/10 = 40%, ... */
    CHECK_CONTAINS(md, "Test accuracy 80.00% (80 of 100 images); 20 "
                       "misclassified.");
    CHECK_CONTAINS(md, "| 1 | Shirt | T-shirt/top | 4 | 40.00 |\n"
                       "| 2 | T-shirt/top | Shirt | 3 | 30.00 |\n"
                       "| 3 | Pullover | Coat | 3 | 30.00 |\n"
                       "| 4 | Coat | Pullover | 2 | 20.00 |\n"
                       "| 5 | Ankle boot | Sneaker | 2 | 20.00 |\n");
    CHECK_CONTAINS(md, "| 1 | T-shirt/top <-> Shirt | 7 |\n"
                       "| 2 | Pullover <-> Coat | 5 |\n"
                       "| 3 | Sneaker <-> Ankle boot | 3 |\n"
                       "| 4 | Pullover <-> Shirt | 2 |\n"
                       "| 5 | T-shirt/top <-> Dress | 1 |\n");
    /* CNN (rows of 20): Shirt->T-shirt 3 (15%), T-shirt->Shirt 2 and
     * Coat->Pullover 2 (10%), then the 1s T-shirt->Dress, Pullover->Coat.
     * Pairs: 2+3 = 5, 1+2 = 3, Pullover<->Shirt 1+1 = 2, Coat<->Shirt
     * 1+1 = 2, T-shirt<->Dress 1. */
    CHECK_CONTAINS(md, "Test accuracy 91.50% (183 of 200 images); 17 "
                       "misclassified.");
    CHECK_CONTAINS(md, "| 1 | Shirt | T-shirt/top | 3 | 15.00 |\n"
                       "| 2 | T-shirt/top | Shirt | 2 | 10.00 |\n"
                       "| 3 | Coat | Pullover | 2 | 10.00 |\n"
                       "| 4 | T-shirt/top | Dress | 1 | 5.00 |\n"
                       "| 5 | Pullover | Coat | 1 | 5.00 |\n");
    CHECK_CONTAINS(md, "| 1 | T-shirt/top <-> Shirt | 5 |\n"
                       "| 2 | Pullover <-> Coat | 3 |\n"
                       "| 3 | Pullover <-> Shirt | 2 |\n"
                       "| 4 | Coat <-> Shirt | 2 |\n"
                       "| 5 | T-shirt/top <-> Dress | 1 |\n");
}

static void check_report_sections(const char *md) {
    static const char *const expected[] = {
        "# nntrain results", "## Configuration", "## Final accuracies",
        "### (a) As the seed computed its table: mean over all epochs",
        "### (b) Final epoch", "## Training time", "## Figures",
        "## Most frequent confusions", "### MLP", "### CNN",
        "## Throughput (benchmark)",
        "](figures/accuracy.png)", "](figures/mlp_loss.png)",
        "](figures/cnn_loss.png)", "](figures/mlp_confusion.png)",
        "](figures/cnn_confusion.png)", "](figures/throughput.png)",
        /* The bench rows; MLP efficiency 230000 / (2 x 175000) = 0.657. */
        "| MLP | f32 | 64 | intra | 2 | 230000 | 0.278 | 230.0 | 0.575 | 0.657 |",
        "| CNN | f32 | 64 | batch | 2 | 10600 | 6.038 | 265.0 | 0.663 | 0.964 |",
        /* A quoted CSV field with a comma and doubled quotes inside. */
        "CPU Test CPU, \"2\" cores, ISA avx512_core, OMP_WAIT_POLICY=passive",
        "The whole command took 12.5 s on Test CPU \"fixture\" @ 1.0GHz.",
    };
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
        CHECK_CONTAINS(md, expected[i]);
}

/* REPORT.md from the fixtures, with and without the bench CSV. */
static void check_report(void) {
    char out[256], path[512];
    const char *dirs[] = {FIXTURE_MLP, FIXTURE_CNN};
    nn_err err;
    CHECK(make_temp_dir(out, sizeof out, "nn_report_md_") == 0);
    nn_report_opts opts = {dirs, 2, FIXTURE_BENCH, out, 12.5, NULL, NULL, 0};
    CHECK(nn_report_write(&opts, &err) == 0);
    snprintf(path, sizeof path, "%s/REPORT.md", out);
    char *md = read_file(path, NULL);
    CHECK(md != NULL);
    if (md) {
        check_report_numbers(md);
        check_report_confusions(md);
        check_report_sections(md);
    }
    free(md);
    snprintf(path, sizeof path, "%s/REPORT.md.tmp", out);
    CHECK(!file_exists(path));

    /* No bench CSV, no wall time: no throughput section, and it says so. */
    opts.bench_csv = NULL;
    opts.wall_seconds = -1;
    CHECK(nn_report_write(&opts, &err) == 0);
    snprintf(path, sizeof path, "%s/REPORT.md", out);
    md = read_file(path, NULL);
    CHECK(md && !strstr(md, "## Throughput") && !strstr(md, "throughput.png"));
    CHECK_CONTAINS(md, "the command's wall time was not given");
    free(md);
    remove_tree(out);
}

/* A run of k classes named "c0", "c1", ... in dir/<model>: 3 epochs of
 * the MLP fixture's metrics, summary.json listing the names, and a
 * confusion matrix with i + 1 correct images of class i and one image of
 * class i predicted as class i + 1 (mod k). */
static const char *make_run_of(const char *dir, const char *model, int k) {
    static char run[300];
    char path[400];
    snprintf(run, sizeof run, "%s/%s", dir, model);
    mkdir(run, 0777);
    char *metrics = read_file(FIXTURE_MLP "/metrics.csv", NULL);
    snprintf(path, sizeof path, "%s/metrics.csv", run);
    write_file(path, metrics ? metrics : "");
    free(metrics);
    size_t cap = (size_t)k * (k * 8 + 16) + 4096, n = 0;
    char *text = malloc(cap);
    n += (size_t)snprintf(text + n, cap - n, "true\\predicted");
    for (int j = 0; j < k; j++)
        n += (size_t)snprintf(text + n, cap - n, ",c%d", j);
    for (int i = 0; i < k; i++) {
        n += (size_t)snprintf(text + n, cap - n, "\nc%d", i);
        for (int j = 0; j < k; j++)
            n += (size_t)snprintf(text + n, cap - n, ",%d",
                                  j == i ? i + 1 : j == (i + 1) % k);
    }
    snprintf(text + n, cap - n, "\n");
    snprintf(path, sizeof path, "%s/confusion_test.csv", run);
    write_file(path, text);
    n = (size_t)snprintf(text, cap, "{\"model\": \"%s\", \"classes\": [",
                         model);
    for (int j = 0; j < k; j++)
        n += (size_t)snprintf(text + n, cap - n, "%s\"c%d\"", j ? ", " : "",
                              j);
    snprintf(text + n, cap - n, "]}\n");
    snprintf(path, sizeof path, "%s/summary.json", run);
    write_file(path, text);
    free(text);
    return run;
}

/* Other class counts: 3 classes tabulated, 60 noted; runs of different
 * classes are not put in one per-class table. */
static void check_class_counts(void) {
    char dir[256], path[512];
    nn_err err;
    nn_run run;
    CHECK(make_temp_dir(dir, sizeof dir, "nn_report_classes_") == 0);
    char three[300];
    snprintf(three, sizeof three, "%s", make_run_of(dir, "three", 3));
    CHECK(nn_run_load(&run, three, &err) == 0);
    /* trace 1 + 2 + 3 = 6 of 6 + 3 = 9 images */
    CHECK(run.n_classes == 3 && strcmp(run.class_names[2], "c2") == 0);
    CHECK(nn_run_confusion(&run, 2, 0) == 1);
    CHECK_CLOSE(nn_run_test_acc(&run), 100.0 * 6 / 9, 1e-12);
    nn_run_free(&run);
    const char *dirs[2] = {three, NULL};
    nn_report_opts opts = {dirs, 1, NULL, dir, -1, "not rendered here",
                           NULL, 0};
    CHECK(nn_report_write(&opts, &err) == 0);
    snprintf(path, sizeof path, "%s/REPORT.md", dir);
    char *md = read_file(path, NULL);
    /* class 2: 3 of 4 images */
    CHECK_CONTAINS(md, "| Class | THREE (%) |\n|---|---|\n| 0 c0 | 50.00 |\n"
                       "| 1 c1 | 66.67 |\n| 2 c2 | 75.00 |\n");
    CHECK_CONTAINS(md, "| Classes | 3 |");
    CHECK(!strstr(md, "The seed lists"));
    free(md);
    char many[300];
    snprintf(many, sizeof many, "%s", make_run_of(dir, "many", 60));
    dirs[0] = many;
    CHECK(nn_report_write(&opts, &err) == 0);
    md = read_file(path, NULL);
    CHECK_CONTAINS(md, "Not tabulated: 60 classes (more than 50)");
    CHECK_CONTAINS(md, "| Classes | 60 |");
    free(md);
    dirs[0] = three, dirs[1] = many;
    opts.n_runs = 2;
    CHECK(nn_report_write(&opts, &err) == 0);
    md = read_file(path, NULL);
    CHECK_CONTAINS(md, "Not tabulated: the runs have different classes.");
    free(md);
    remove_tree(dir);
}

/* The bench CSVs: the older one has no precision and no images/s range
 * (f32 and NaN); the newer one's ranges hold their medians. */
static void check_bench_load(void) {
    nn_bench bench;
    nn_err err;
    CHECK(nn_bench_load(&bench, FIXTURE_BENCH, &err) == 0);
    CHECK(bench.n_rows == 6 && !bench.has_precision && !bench.has_range);
    for (int i = 0; i < bench.n_rows; i++) {
        CHECK(strcmp(bench.rows[i].precision, "f32") == 0);
        CHECK(isnan(bench.rows[i].images_per_s_min) &&
              isnan(bench.rows[i].images_per_s_max));
    }
    nn_bench_free(&bench);

    CHECK(nn_bench_load(&bench, FIXTURE_BENCH_REPS, &err) == 0);
    CHECK(bench.n_rows == 23 && bench.has_precision && bench.has_range);
    for (int i = 0; i < bench.n_rows; i++) {
        const nn_bench_row *row = &bench.rows[i];
        CHECK(row->images_per_s_min <= row->images_per_s &&
              row->images_per_s <= row->images_per_s_max);
    }
    /* the 2nd row: MLP, f32, batch 64, intra, 1 thread, 175000 images/s
     * median of 157500 .. 183750 */
    CHECK(strcmp(bench.rows[1].precision, "f32") == 0);
    CHECK_CLOSE(bench.rows[1].images_per_s, 175000, 1e-9);
    CHECK_CLOSE(bench.rows[1].images_per_s_min, 157500, 1e-9);
    CHECK_CLOSE(bench.rows[1].images_per_s_max, 183750, 1e-9);
    CHECK(strcmp(bench.rows[2].precision, "bf16") == 0);
    nn_bench_free(&bench);
}

int main(void) {
    check_numbers();
    check_bench_load();
    check_top_confusions();
    check_report();
    check_class_counts();
    return test_summary();
}
