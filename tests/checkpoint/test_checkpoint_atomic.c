/* test_checkpoint_atomic.c: a save that fails (temp file cannot be created,
 * disk full mid-write, missing or read-only folder) leaves the previous
 * checkpoint byte for byte and no temp file behind. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint/files.h"
#include "checkpoint/state.h"
#include "test_util.h"

static char dir[64], path[128], tmp[140];
static uint8_t *old_bytes;
static size_t old_size;

static void check_old_intact(void) {
    size_t n = 0;
    uint8_t *b = test_read_file(path, &n);
    CHECK(b && n == old_size && memcmp(b, old_bytes, n) == 0);
    free(b);
}

static void check_no_tmp(void) {
    struct stat st;
    CHECK(stat(tmp, &st) != 0 && errno == ENOENT);
}

/* A folder sits where the temp file should go. */
static void fail_tmp_taken(nn_train_state *s) {
    nn_err err = {""};
    CHECK(mkdir(tmp, 0777) == 0);
    CHECK(nn_checkpoint_save(path, s, &err) == -1);
    CHECK_CONTAINS(err.msg, tmp);
    CHECK_CONTAINS(err.msg, "cannot create");
    CHECK(rmdir(tmp) == 0);
    check_old_intact();
}

/* The file size limit stops the write part way, as a full disk would. */
static void fail_mid_write(nn_train_state *s) {
    nn_err err = {""};
    struct rlimit saved, small;
    CHECK(getrlimit(RLIMIT_FSIZE, &saved) == 0);
    small = saved;
    small.rlim_cur = 64 * 1024;
    signal(SIGXFSZ, SIG_IGN);
    CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
    int rc = nn_checkpoint_save(path, s, &err);
    CHECK(setrlimit(RLIMIT_FSIZE, &saved) == 0);
    CHECK(rc == -1);
    CHECK_CONTAINS(err.msg, path);
    CHECK_CONTAINS(err.msg, "write failed: File too large");
    check_old_intact();
    check_no_tmp();
}

static void fail_missing_folder(nn_train_state *s) {
    nn_err err = {""};
    char missing[160];
    snprintf(missing, sizeof missing, "%s/no/such/x.ckpt", dir);
    CHECK(nn_checkpoint_save(missing, s, &err) == -1);
    CHECK_CONTAINS(err.msg, "/no/such/x.ckpt.tmp: cannot create: No such");
}

/* Only without root: root writes into read-only folders. */
static void fail_read_only_folder(nn_train_state *s) {
    if (geteuid() == 0) return;
    nn_err err = {""};
    CHECK(chmod(dir, 0555) == 0);
    CHECK(nn_checkpoint_save(path, s, &err) == -1);
    CHECK(chmod(dir, 0755) == 0);
    CHECK_CONTAINS(err.msg, "cannot create: Permission denied");
    check_old_intact();
    check_no_tmp();
}

int main(void) {
    nn_err err = {""};
    if (test_make_dir(dir, sizeof dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/run.ckpt", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    test_state a, b, got;
    CHECK(test_state_init(&a, "mlp", NN_OPTIM_ADAM, TEST_EPOCHS, TEST_ORDER,
                          &err) == 0);
    CHECK(test_state_init(&b, "mlp", NN_OPTIM_ADAM, TEST_EPOCHS, TEST_ORDER,
                          &err) == 0);
    CHECK(test_state_init(&got, "mlp", NN_OPTIM_ADAM, TEST_EPOCHS,
                          TEST_ORDER, &err) == 0);
    test_state_fill(&a, 1);
    test_state_fill(&b, 2);
    nn_train_state av = test_state_view(&a), bv = test_state_view(&b);
    CHECK(nn_checkpoint_save(path, &av, &err) == 0);
    old_bytes = test_read_file(path, &old_size);
    CHECK(old_bytes != NULL);
    check_no_tmp();

    fail_tmp_taken(&bv);
    fail_mid_write(&bv);
    fail_missing_folder(&bv);
    fail_read_only_folder(&bv);

    /* and a save that works replaces the file whole */
    nn_train_state gv = test_state_view(&got);
    CHECK(nn_checkpoint_save(path, &bv, &err) == 0);
    check_no_tmp();
    CHECK(nn_checkpoint_load(path, &gv, 0, &err) == 0);
    CHECK(test_state_diff(&got, &b) == NULL);

    free(old_bytes);
    test_state_free(&a);
    test_state_free(&b);
    test_state_free(&got);
    test_remove_dir(dir);
    return test_summary();
}
