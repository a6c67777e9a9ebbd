/* comm_mpi.c: nn_comm.h on MPI_COMM_WORLD. MPI is initialised only when a
 * launcher started the process (its environment says so): `nntrain train`
 * run on its own stays exactly the single process it was without MPI,
 * with no MPI start-up cost and no dependence on the MPI runtime. Errors
 * return (MPI_ERRORS_RETURN) and become messages; a rank that dies ends
 * the job through the MPI runtime. */
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn_comm.h"

static int active; /* MPI_Init done, MPI_Finalize not yet */
static int rank, size = 1, local_size = 1;
static int failed_rank = -1; /* of the agreement that found a failure */
static char library[64] = "MPI";

/* Set by mpirun (Open MPI), by PMIx or PMI launchers (srun, hydra). */
static int launched(void) {
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK",
                                       "PMI_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        if (getenv(vars[i])) return 1;
    return 0;
}

static int mpi_fail(nn_err *err, const char *what, int code) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) len = 0;
    text[len] = '\0';
    return nn_errf(err, "MPI: %s failed on rank %d of %d: %s", what, rank,
                   size, len ? text : "unknown error");
}

/* The library's name and version, first line only ("Open MPI v4.1.4"). */
static void read_library(void) {
    char text[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    if (MPI_Get_library_version(text, &len) != MPI_SUCCESS) return;
    text[len < (int)sizeof text ? len : (int)sizeof text - 1] = '\0';
    size_t cut = strcspn(text, ",\n");
    if (cut >= sizeof library) cut = sizeof library - 1;
    memcpy(library, text, cut);
    library[cut] = '\0';
}

int nn_comm_init(int *argc, char ***argv, nn_err *err) {
    read_library();
    if (!launched()) return 0;
    /* only the main thread calls MPI; OpenMP threads never do */
    int provided, rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED,
                                       &provided);
    if (rc != MPI_SUCCESS) return mpi_fail(err, "MPI_Init_thread", rc);
    active = 1;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* the ranks that share this node's cores */
    MPI_Comm node;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank,
                            MPI_INFO_NULL, &node) == MPI_SUCCESS) {
        MPI_Comm_size(node, &local_size);
        MPI_Comm_free(&node);
    }
    read_library();
    return 0;
}

void nn_comm_finalize(void) {
    if (active) MPI_Finalize();
    active = 0;
}

int nn_comm_rank(void) { return rank; }
int nn_comm_size(void) { return size; }
int nn_comm_local_size(void) { return local_size; }
const char *nn_comm_library(void) { return library; }

static int sum(void *buf, size_t n, MPI_Datatype type, nn_err *err) {
    if (size == 1) return 0;
    if (n > INT_MAX)
        return nn_errf(err, "MPI: a reduction of %zu values (at most %d)", n,
                       INT_MAX);
    int rc = MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, type, MPI_SUM,
                           MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? 0 : mpi_fail(err, "MPI_Allreduce", rc);
}

int nn_comm_sum_floats(float *buf, size_t n, nn_err *err) {
    return sum(buf, n, MPI_FLOAT, err);
}
int nn_comm_sum_doubles(double *buf, size_t n, nn_err *err) {
    return sum(buf, n, MPI_DOUBLE, err);
}
int nn_comm_sum_longs(long *buf, size_t n, nn_err *err) {
    return sum(buf, n, MPI_LONG, err);
}

int nn_comm_bcast(void *buf, size_t bytes, int root, nn_err *err) {
    if (size == 1) return 0;
    if (bytes > INT_MAX)
        return nn_errf(err, "MPI: a broadcast of %zu bytes (at most %d)",
                       bytes, INT_MAX);
    int rc = MPI_Bcast(buf, (int)bytes, MPI_BYTE, root, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? 0 : mpi_fail(err, "MPI_Bcast", rc);
}

/* The lowest failing rank in an MPI_MIN of (failed ? rank : size), then
 * its message to all. An MPI error here leaves no way to agree: abort. */
int nn_comm_agree(int rc, nn_err *err) {
    int mine = rc ? rank : size, first = mine;
    if (size > 1 && MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN,
                                  MPI_COMM_WORLD) != MPI_SUCCESS)
        nn_comm_abort(1);
    if (first == size) return 0;
    failed_rank = first;
    if (size > 1 && MPI_Bcast(err->msg, sizeof err->msg, MPI_CHAR, first,
                              MPI_COMM_WORLD) != MPI_SUCCESS)
        nn_comm_abort(1);
    return -1;
}

int nn_comm_failed(void) { return failed_rank >= 0; }
int nn_comm_failed_rank(void) { return failed_rank; }

void nn_comm_abort(int code) {
    if (active) MPI_Abort(MPI_COMM_WORLD, code);
}
