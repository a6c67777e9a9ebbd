/* run_dir.h: a run folder belongs to one run. A new run refuses a folder
 * that holds one (unless told to replace it), the default folder is the next
 * free one, and a lock keeps a second process out while a run uses it. */
#ifndef NN_RUN_DIR_H
#define NN_RUN_DIR_H

#include <stddef.h>

#include "nn_error.h"

/* The files a run writes into its folder. */
#define NN_CHECKPOINT_FILE "checkpoint.ckpt" /* latest, every save_every */
#define NN_FINAL_FILE "final.ckpt"           /* after the last epoch */
#define NN_METRICS_FILE "metrics.csv"
#define NN_CONFUSION_FILE "confusion_test.csv"
#define NN_SUMMARY_FILE "summary.json"
/* Held with flock() while a process trains into the folder; holds its PID. */
#define NN_LOCK_FILE ".nntrain.lock"

/* Which run files dir holds, as "checkpoint.ckpt, metrics.csv" in list;
 * returns how many (0: no run there, or no such folder). */
int nn_run_dir_files(const char *dir, char *list, size_t cap);

/* -1 with a message saying what is in dir and what to do when dir holds a
 * run; 0 when it holds none (or does not exist yet). */
int nn_run_dir_check_free(const char *dir, nn_err *err);

/* The first of base, base-2, base-3, ... for which every one of the n
 * subfolders `sub` (or base itself when n is 0) holds no run. */
int nn_run_dir_next_free(char *out, size_t cap, const char *base,
                         const char *const *sub, int n, nn_err *err);

/* An exclusive lock on dir (which must exist): fails at once, naming the
 * PID of the process that holds it. Removes the temp files a killed run
 * left behind. */
typedef struct {
    int fd; /* -1 when not held */
} nn_run_lock;

int nn_run_dir_lock(nn_run_lock *lock, const char *dir, nn_err *err);
void nn_run_dir_unlock(nn_run_lock *lock);

/* Removes the run files from dir (under the lock): --overwrite. */
int nn_run_dir_clear(const char *dir, nn_err *err);

#endif
