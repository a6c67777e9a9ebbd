/* bnorm_sync.h: synchronized batch norm. When a batch is spread over MPI
 * ranks, each rank's executor holds a slice, and batch norm must normalise
 * with the statistics of the whole batch (as one process would) and
 * propagate through them in its backward. Both backends call these between
 * their own per-slice computations. Collective: every rank calls them in
 * the same order, once per batch norm layer and pass. */
#ifndef NN_BNORM_SYNC_H
#define NN_BNORM_SYNC_H

/* mean and var (c each, biased variance) are this rank's over `count`
 * values per channel; they become those of all ranks' values together, and
 * the result is the number of those values per channel. scratch: 2c + 1
 * doubles. */
long bnorm_sync_stats(float *mean, float *var, int c, long count,
                      double *scratch);

/* sums (n doubles) = their sum over the ranks. */
void bnorm_sync_sums(double *sums, int n);

#endif
