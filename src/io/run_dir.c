/* run_dir.c: run folder ownership: what a folder holds, the next free one,
 * the lock, and clearing a run that is to be replaced. */
#define _DEFAULT_SOURCE /* flock */
#include "run_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "nn_path.h"

static const char *const run_files[] = {
    NN_CHECKPOINT_FILE, NN_FINAL_FILE, NN_METRICS_FILE, NN_SUMMARY_FILE,
    NN_CONFUSION_FILE};
#define N_RUN_FILES (int)(sizeof run_files / sizeof *run_files)

int nn_run_dir_files(const char *dir, char *list, size_t cap) {
    char path[NN_PATH_MAX];
    struct stat st;
    int n = 0;
    list[0] = '\0';
    for (int i = 0; i < N_RUN_FILES; i++) {
        if (nn_path_join(path, sizeof path, dir, run_files[i], NULL) ||
            lstat(path, &st) != 0)
            continue;
        size_t used = strlen(list);
        snprintf(list + used, cap - used, "%s%s", n ? ", " : "", run_files[i]);
        n++;
    }
    return n;
}

/* "model cnn, 3 of 50 epochs done; " from the checkpoint, when readable. */
static void describe_checkpoint(char *buf, size_t cap, const char *dir) {
    char path[NN_PATH_MAX];
    nn_train_config *cfg = malloc(sizeof *cfg);
    int done;
    buf[0] = '\0';
    if (!cfg) return;
    for (int i = 0; i < 2 && !buf[0]; i++) {
        const char *name = i ? NN_CHECKPOINT_FILE : NN_FINAL_FILE;
        if (nn_path_join(path, sizeof path, dir, name, NULL) == 0 &&
            access(path, F_OK) == 0 &&
            nn_checkpoint_read_config(path, cfg, &done, NULL) == 0)
            snprintf(buf, cap, "model %s, %d of %d epochs done; ", cfg->model.name,
                     done, cfg->epochs);
    }
    free(cfg);
}

int nn_run_dir_check_free(const char *dir, nn_err *err) {
    char files[256], what[96];
    if (nn_run_dir_files(dir, files, sizeof files) == 0) return 0;
    describe_checkpoint(what, sizeof what, dir);
    return nn_errf(err, "%s already holds a run (%s%s): continue it with "
                   "`nntrain train --resume %s`, choose another --out, or add "
                   "--overwrite to replace it", dir, what, files, dir);
}

int nn_run_dir_next_free(char *out, size_t cap, const char *base,
                         const char *const *sub, int n, nn_err *err) {
    char dir[NN_PATH_MAX], path[NN_PATH_MAX], files[256];
    for (int k = 1; k < 1000; k++) {
        int len = k == 1 ? snprintf(dir, sizeof dir, "%s", base)
                         : snprintf(dir, sizeof dir, "%s-%d", base, k);
        if (len < 0 || (size_t)len >= sizeof dir)
            return nn_errf(err, "%s: path too long", base);
        int taken = 0;
        for (int i = 0; i < (n ? n : 1) && !taken; i++) {
            if (n && nn_path_join(path, sizeof path, dir, sub[i], err))
                return -1;
            taken = nn_run_dir_files(n ? path : dir, files, sizeof files) > 0;
        }
        if (!taken) return nn_path_copy(out, cap, dir, err);
    }
    return nn_errf(err, "%s: no free run folder among %s-2 .. %s-999", base,
                   base, base);
}

/* The PID written into the lock file by the process that holds it. */
static long lock_holder(int fd) {
    char buf[32] = "";
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    return n > 0 ? strtol(buf, NULL, 10) : 0;
}

/* A killed run may leave NAME.tmp files: nobody else can be writing them
 * while we hold the lock. */
static void remove_stale_tmp(const char *dir) {
    char name[64], path[NN_PATH_MAX];
    for (int i = 0; i < N_RUN_FILES; i++) {
        snprintf(name, sizeof name, "%s.tmp", run_files[i]);
        if (nn_path_join(path, sizeof path, dir, name, NULL) == 0)
            unlink(path);
    }
}

int nn_run_dir_lock(nn_run_lock *lock, const char *dir, nn_err *err) {
    char path[NN_PATH_MAX];
    lock->fd = -1;
    if (nn_path_join(path, sizeof path, dir, NN_LOCK_FILE, err)) return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return nn_errf(err, "%s: cannot create the lock file: %s", path,
                       strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int why = errno;
        long pid = lock_holder(fd);
        close(fd);
        if (why != EWOULDBLOCK)
            return nn_errf(err, "%s: cannot lock: %s", path, strerror(why));
        if (pid > 0)
            return nn_errf(err, "%s is in use by another nntrain (PID %ld): "
                           "wait for it to finish or choose another folder",
                           dir, pid);
        return nn_errf(err, "%s is in use by another nntrain: wait for it "
                       "to finish or choose another folder", dir);
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        nn_errf(err, "%s: cannot write the lock file: %s", path,
                strerror(errno));
        close(fd);
        return -1;
    }
    remove_stale_tmp(dir);
    lock->fd = fd;
    return 0;
}

void nn_run_dir_unlock(nn_run_lock *lock) {
    if (lock->fd >= 0) close(lock->fd); /* closing releases the flock */
    lock->fd = -1;
}

int nn_run_dir_clear(const char *dir, nn_err *err) {
    char path[NN_PATH_MAX];
    for (int i = 0; i < N_RUN_FILES; i++) {
        if (nn_path_join(path, sizeof path, dir, run_files[i], err)) return -1;
        if (unlink(path) != 0 && errno != ENOENT)
            return nn_errf(err, "%s: cannot remove: %s", path,
                           strerror(errno));
    }
    return 0;
}
