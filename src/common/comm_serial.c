/* comm_serial.c: nn_comm.h without MPI: one process, rank 0 of 1; the
 * reductions and the broadcast leave their buffers as they are. */
#include "nn_comm.h"

int nn_comm_init(int *argc, char ***argv, nn_err *err) {
    (void)argc, (void)argv, (void)err;
    return 0;
}
void nn_comm_finalize(void) {}
int nn_comm_rank(void) { return 0; }
int nn_comm_size(void) { return 1; }
int nn_comm_local_size(void) { return 1; }
const char *nn_comm_library(void) { return "no MPI"; }

int nn_comm_sum_floats(float *buf, size_t n, nn_err *err) {
    (void)buf, (void)n, (void)err;
    return 0;
}
int nn_comm_sum_doubles(double *buf, size_t n, nn_err *err) {
    (void)buf, (void)n, (void)err;
    return 0;
}
int nn_comm_sum_longs(long *buf, size_t n, nn_err *err) {
    (void)buf, (void)n, (void)err;
    return 0;
}
int nn_comm_bcast(void *buf, size_t bytes, int root, nn_err *err) {
    (void)buf, (void)bytes, (void)root, (void)err;
    return 0;
}

static int failed_rank = -1;
int nn_comm_agree(int rc, nn_err *err) {
    (void)err;
    if (rc) failed_rank = 0;
    return rc ? -1 : 0;
}
int nn_comm_failed(void) { return failed_rank >= 0; }
int nn_comm_failed_rank(void) { return failed_rank; }
void nn_comm_abort(int code) { (void)code; }
