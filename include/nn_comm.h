/* nn_comm.h: the processes of one run. Under mpirun (built with MPI) they
 * are the ranks of MPI_COMM_WORLD; otherwise one process of rank 0, and
 * every call below is a no-op that succeeds. The trainer calls the same
 * functions either way. All but nn_comm_rank/size/library are collective:
 * every rank must make the same calls in the same order. */
#ifndef NN_COMM_H
#define NN_COMM_H

#include <stddef.h>

#include "nn_error.h"

/* Joins the job when launched by mpirun (Open MPI, or a PMI launcher such
 * as srun); a process started on its own stays a single rank without
 * initialising MPI. Returns 0, or -1 with a message. */
int nn_comm_init(int *argc, char ***argv, nn_err *err);
void nn_comm_finalize(void);

int nn_comm_rank(void);
int nn_comm_size(void);
/* The ranks on this node (sharing its cores), this one included. */
int nn_comm_local_size(void);
/* "Open MPI v4.1.4" (the library compiled in), or "no MPI". */
const char *nn_comm_library(void);

/* buf (n) = its sum over the ranks, on every rank. */
int nn_comm_sum_floats(float *buf, size_t n, nn_err *err);
int nn_comm_sum_doubles(double *buf, size_t n, nn_err *err);
int nn_comm_sum_longs(long *buf, size_t n, nn_err *err);
/* buf (bytes) = root's buf, on every rank. */
int nn_comm_bcast(void *buf, size_t bytes, int root, nn_err *err);

/* Whether any rank failed, before the next collective: rc is this rank's
 * status (0: fine). Returns 0 when every rank passed 0; else -1 on every
 * rank with the message of the lowest failing rank in *err (which that rank
 * must have filled), so that the message is the same everywhere and rank 0
 * alone prints it. Every agreement is this one call, so ranks that failed
 * at different points still pair their agreements. */
int nn_comm_agree(int rc, nn_err *err);
/* 1 once an agreement found a failure: the ranks have left the collective
 * path together and make no further collective call. */
int nn_comm_failed(void);
/* The lowest failing rank of that agreement, or -1. */
int nn_comm_failed_rank(void);

/* Ends every rank of the job with exit status code (a failure no
 * agreement can reach). */
void nn_comm_abort(int code);

#endif
