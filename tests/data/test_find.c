/* test_find.c: where nn_data_find_dir looks (--data, $NNTRAIN_DATA,
 * ./data/fashion-mnist, /usr/share/datasets/fashion-mnist) and what it says
 * when the data is not there. Usage: test_find FIXTURES_DIR */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "nn_data.h"
#include "test_util.h"

#define SYSTEM_DIR "/usr/share/datasets/fashion-mnist"

static nn_err err;
static char dir[4096];

static void expect_find_error(const char *flag_dir, const char *fragment) {
    memset(&err, 0, sizeof err);
    int rc = nn_data_find_dir(dir, sizeof dir, flag_dir, &err);
    printf("  %s\n", err.msg);
    CHECK(rc == -1);
    if (flag_dir) CHECK(strncmp(err.msg, flag_dir, strlen(flag_dir)) == 0);
    CHECK_CONTAINS(err.msg, fragment);
}

/* Makes folder name in the tmp folder holding the first n of the four
 * files (empty: only their presence matters here). */
static const char *make_data_dir(const char *name, int n) {
    static const char *const files[4] = {NN_TRAIN_IMAGES, NN_TRAIN_LABELS,
                                         NN_TEST_IMAGES, NN_TEST_LABELS};
    char path[1024];
    const char *folder = fixture_tmp(name);
    mkdir(folder, 0700);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", name, files[i]);
        fixture_write_raw(fixture_tmp(path), (const uint8_t *)"", 0);
    }
    return folder;
}

static void test_flag_dir(const char *fixtures) {
    CHECK(nn_data_find_dir(dir, sizeof dir, fixtures, &err) == 0);
    CHECK(strcmp(dir, fixtures) == 0);
    /* a relative folder comes back absolute, so a resume works from
     * anywhere */
    make_data_dir("rel", 4);
    CHECK(nn_data_find_dir(dir, sizeof dir, "rel", &err) == 0);
    CHECK(dir[0] == '/' && strcmp(dir, fixture_tmp("rel")) == 0);
    expect_find_error("/nonexistent/fashion",
                      "cannot open data folder: No such file or directory");
    const char *three = make_data_dir("three-files", 3);
    expect_find_error(three, "t10k-labels-idx1-ubyte.gz is missing");
    char file[4096];
    snprintf(file, sizeof file, "%s/%s", three, NN_TRAIN_IMAGES);
    expect_find_error(file, "not a folder");
    /* one of the files is a FIFO: named as such, and nothing blocks */
    const char *fifo = make_data_dir("fifo", 3);
    CHECK(mkfifo(fixture_tmp("fifo/" NN_TEST_LABELS), 0600) == 0);
    expect_find_error(fifo, NN_TEST_LABELS ": is a FIFO, expected a gzipped "
                      "IDX file");
    memset(&err, 0, sizeof err);
    CHECK(nn_data_find_dir(dir, 8, fixtures, &err) == -1);
    CHECK_CONTAINS(err.msg, "path too long");
}

/* Run inside the tmp folder so that ./data/fashion-mnist is ours. */
static void test_search_order(const char *fixtures) {
    setenv("NNTRAIN_DATA", fixtures, 1);
    CHECK(nn_data_find_dir(dir, sizeof dir, NULL, &err) == 0);
    CHECK(strcmp(dir, fixtures) == 0);
    /* a $NNTRAIN_DATA that is not a usable folder is an error, not a
     * silent fallback to the folders below */
    make_data_dir("data", 0);
    make_data_dir("data/fashion-mnist", 4);
    setenv("NNTRAIN_DATA", "/nonexistent/env", 1);
    expect_find_error(NULL, "$NNTRAIN_DATA=/nonexistent/env: cannot open "
                      "data folder: No such file or directory");
    setenv("NNTRAIN_DATA", fixture_tmp("data/fashion-mnist/" NN_TRAIN_IMAGES),
           1);
    expect_find_error(NULL, "not a folder");
    unsetenv("NNTRAIN_DATA");
    CHECK(nn_data_find_dir(dir, sizeof dir, NULL, &err) == 0);
    CHECK(strcmp(dir, fixture_tmp("data/fashion-mnist")) == 0);
    remove(fixture_tmp("data/fashion-mnist/" NN_TEST_LABELS));
    if (access(SYSTEM_DIR "/" NN_TRAIN_IMAGES, F_OK) == 0) {
        CHECK(nn_data_find_dir(dir, sizeof dir, NULL, &err) == 0);
        CHECK(strcmp(dir, SYSTEM_DIR) == 0);
        printf("  (" SYSTEM_DIR " present: not-found message not tested)\n");
        return;
    }
    expect_find_error(NULL, "Fashion-MNIST not found (install it with "
                      "`apt-get install dataset-fashion-mnist`, or pass "
                      "--data DIR); looked in ./data/fashion-mnist, "
                      SYSTEM_DIR);
}

int main(int argc, char **argv) {
    if (argc != 2 || argv[1][0] != '/') {
        fprintf(stderr, "usage: %s ABSOLUTE_FIXTURES_DIR\n", argv[0]);
        return 2;
    }
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd) || chdir(fixture_tmp(NULL)) != 0) {
        perror("test_find: cannot enter the tmp folder");
        return 1;
    }
    test_flag_dir(argv[1]);
    test_search_order(argv[1]);
    if (chdir(cwd) != 0) perror(cwd);
    fixture_tmp_clean();
    return test_summary();
}
