/* test_report_malformed.c: broken run folders and bench CSVs give errors that name the file and the problem. */
#include <stdlib.h>

#include "nn_report.h"
#include "report_test_util.h"
#include "test_util.h"

static const char *const run_files[] = {"metrics.csv", "confusion_test.csv",
                                        "summary.json"};

/* A copy of the MLP fixture in dir/run, with file `name` replaced by text
 * (or left out when text is NULL). Returns the run folder's path. */
static const char *make_run(const char *dir, const char *name,
                            const char *text) {
    static char run[512];
    char src[512], dst[600];
    snprintf(run, sizeof run, "%s/run", dir);
    remove_tree(run);
    mkdir(run, 0777);
    for (int i = 0; i < 3; i++) {
        snprintf(dst, sizeof dst, "%s/%s", run, run_files[i]);
        if (strcmp(run_files[i], name) == 0) {
            if (text) write_file(dst, text);
            continue;
        }
        snprintf(src, sizeof src, "%s/%s", FIXTURE_MLP, run_files[i]);
        char *data = read_file(src, NULL);
        write_file(dst, data ? data : "");
        free(data);
    }
    return run;
}

/* Loading fails, the run is left empty, and the message has each fragment. */
static void check_load_fails(const char *run_dir, const char *fragment1,
                             const char *fragment2) {
    nn_run run;
    nn_err err = {""};
    CHECK(nn_run_load(&run, run_dir, &err) == -1);
    CHECK(run.epochs == NULL && run.summary == NULL && run.dir == NULL);
    CHECK_CONTAINS(err.msg, fragment1);
    CHECK_CONTAINS(err.msg, fragment2);
    nn_run_free(&run);
}

#define METRICS_HEAD                                                        \
    "epoch,train_loss,train_acc,val_loss,val_acc,epoch_seconds,"            \
    "train_images_per_s\n"

static void check_metrics(const char *dir) {
    check_load_fails(make_run(dir, "metrics.csv", NULL),
                     "/run/metrics.csv: cannot open", "No such file");
    check_load_fails(make_run(dir, "metrics.csv", METRICS_HEAD
                              "1,0.03,80,0.025,82,2.0,27000\n"
                              "2,0.02,86,0.022,84,2.5\n"),
                     "/run/metrics.csv: line 3: ",
                     "expected 7 fields as in the header, found 6");
    check_load_fails(make_run(dir, "metrics.csv", METRICS_HEAD
                              "1,0.03,eighty,0.025,82,2.0,27000\n"),
                     "/run/metrics.csv: line 2, column train_acc: ",
                     "\"eighty\" is not a number");
    check_load_fails(make_run(dir, "metrics.csv", METRICS_HEAD
                              "1,0.03,0.8,0.025,182,2.0,27000\n"),
                     "/run/metrics.csv: line 2: ", "percentages in 0..100");
    check_load_fails(make_run(dir, "metrics.csv", "epoch,train_loss\n"),
                     "/run/metrics.csv: ", "no column \"train_acc\"");
    check_load_fails(make_run(dir, "metrics.csv", METRICS_HEAD),
                     "/run/metrics.csv: ", "no epochs");
    check_load_fails(make_run(dir, "metrics.csv", ""), "/run/metrics.csv: ",
                     "empty file");
}

#define CONFUSION_HEAD                                                      \
    "true\\predicted,T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,"  \
    "Sneaker,Bag,Ankle boot\n"
#define CONFUSION_ROW(name) name ",1,0,0,0,0,0,0,0,0,0\n"

static void check_confusion(const char *dir) {
    check_load_fails(make_run(dir, "confusion_test.csv", CONFUSION_HEAD
                              CONFUSION_ROW("T-shirt/top")),
                     "/run/confusion_test.csv: ",
                     "expected 10 class rows, found 1");
    check_load_fails(make_run(dir, "confusion_test.csv", CONFUSION_HEAD
                              CONFUSION_ROW("Trouser")),
                     "/run/confusion_test.csv: line 2: ",
                     "expected row \"T-shirt/top\"");
    check_load_fails(make_run(dir, "confusion_test.csv", CONFUSION_HEAD
                              "T-shirt/top,1,0,0,0,-4,0,0,0,0,0\n"),
                     "/run/confusion_test.csv: line 2: ", "negative count");
    check_load_fails(make_run(dir, "confusion_test.csv", CONFUSION_HEAD
                              "T-shirt/top,1,0,0,0,0,0,0,0,0\n"),
                     "/run/confusion_test.csv: line 2: ",
                     "expected 11 fields as in the header, found 10");
    check_load_fails(make_run(dir, "confusion_test.csv", "a\n"),
                     "/run/confusion_test.csv: line 1: ",
                     "expected a corner cell and 2..256 class names, found 1 "
                     "field");
    check_load_fails(make_run(dir, "confusion_test.csv", "a,b,c\n"),
                     "/run/confusion_test.csv: ",
                     "expected 2 class rows, found 0");
    /* summary.json's "classes" must be the names of the matrix */
    check_load_fails(make_run(dir, "summary.json", "{\"model\": \"mlp\", "
                              "\"classes\": [\"a\", \"b\"]}"),
                     "/run/confusion_test.csv: line 1: ",
                     "10 class names, but summary.json lists 2 \"classes\"");
    check_load_fails(make_run(dir, "summary.json", "{\"model\": \"mlp\", "
                              "\"classes\": [\"T-shirt/top\", \"Trouser\", "
                              "\"Pullover\", \"Dress\", \"Coat\", "
                              "\"Sandal\", \"Shirts\", \"Sneaker\", \"Bag\", "
                              "\"Ankle boot\"]}"),
                     "/run/confusion_test.csv: line 1: ",
                     "class 6 is \"Shirt\", but summary.json's \"classes\" "
                     "has \"Shirts\"");
}

static void check_summary(const char *dir) {
    static const struct {
        const char *text, *fragment;
    } cases[] = {
        {"{\n  \"model\" \"mlp\"\n}\n", "line 2: expected ':' after a key"},
        {"{\n  \"model\": \"mlp\",\n  \"ok\": true\n}\n",
         "line 3: expected a string or a number value, found 't'"},
        {"{\n  \"model\": \"mlp\n}\n", "line 2: unterminated string"},
        {"{\n  \"model\": \"mlp\"\n  \"epochs\": 3\n}\n",
         "line 3: expected ',' or '}', found '\"'"},
        {"{\"model\": \"mlp\"} x", "line 1: expected the end of the file"},
        {"{\"model\": \"mlp\", \"model\": \"cnn\"}", "\"model\" appears twice"},
        {"{\"model\": \"a\\qb\"}", "expected an escape"},
        {"{\"epochs\": 1e999, \"model\": \"mlp\"}", "malformed number"},
        {"{\"epochs\": 3}", "no \"model\" key"},
        {"{\"model\": \"../x\"}", "\"model\" must be"},
        {"", "line 1: expected '{', found the end of the file"},
        {"{\"model\": \"mlp\", \"classes\": [\"a\" \"b\"]}",
         "line 1: expected ',' or ']', found '\"'"},
        {"{\"model\": \"mlp\", \"classes\": [1]}",
         "line 1: expected '\"', found '1'"},
        {"{\"model\": \"mlp\", \"classes\": [\"a\\nb\"]}",
         "line 1: a list item holds a line break"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_load_fails(make_run(dir, "summary.json", cases[i].text),
                         "/run/summary.json: ", cases[i].fragment);
}

static void check_bench_and_report(const char *dir) {
    char path[700];
    nn_bench bench;
    nn_err err = {""};
    snprintf(path, sizeof path, "%s/bench.csv", dir);
    write_file(path, "model,batch,parallel,threads\nmlp,64,intra,1\n");
    CHECK(nn_bench_load(&bench, path, &err) == -1);
    CHECK_CONTAINS(err.msg, "/bench.csv: header has no column \"commit\"");
    CHECK(bench.rows == NULL);
    /* A median outside the range of its repetitions. */
    write_file(path, "commit,cpu,isa,omp_wait_policy,model,parallel,batch,"
                     "threads,images_per_s,images_per_s_min,images_per_s_max,"
                     "step_ms,achieved_gflops,peak_fraction,efficiency\n"
                     "abc,cpu,avx2,default,mlp,intra,64,1,100,120,130,0.64,"
                     "0.1,0.5,1\n");
    CHECK(nn_bench_load(&bench, path, &err) == -1);
    CHECK_CONTAINS(err.msg, "/bench.csv: line 2: images_per_s 100 is not "
                            "within images_per_s_min 120 and "
                            "images_per_s_max 130");
    CHECK(bench.rows == NULL);

    /* The report refuses a broken run before it writes anything. */
    const char *dirs[] = {make_run(dir, "metrics.csv", NULL)};
    char out[600];
    snprintf(out, sizeof out, "%s/out", dir);
    nn_report_opts opts = {dirs, 1, NULL, out, -1, NULL, NULL, 0};
    CHECK(nn_report_write(&opts, &err) == -1);
    CHECK_CONTAINS(err.msg, "/run/metrics.csv: cannot open");
    snprintf(path, sizeof path, "%s/REPORT.md", out);
    CHECK(!file_exists(path));
    /* Two runs of one model would overwrite each other's figures. */
    const char *twice[] = {FIXTURE_MLP, FIXTURE_MLP};
    opts.run_dirs = twice;
    opts.n_runs = 2;
    CHECK(nn_report_write(&opts, &err) == -1);
    CHECK_CONTAINS(err.msg, "both are runs of model \"mlp\"");
}

int main(void) {
    char dir[256];
    CHECK(make_temp_dir(dir, sizeof dir, "nn_report_bad_") == 0);
    check_metrics(dir);
    check_confusion(dir);
    check_summary(dir);
    check_bench_and_report(dir);
    remove_tree(dir);
    return test_summary();
}
