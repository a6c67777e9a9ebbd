/* bnorm_sync.c: batch statistics and gradient sums over every rank's slice
 * of the batch. These run inside a forward or backward pass, which has no
 * way back to the caller between its steps; a failed collective is beyond
 * any agreement anyway (the other ranks already wait in it), so it ends the
 * job. */
#include "bnorm_sync.h"

#include <stdio.h>

#include "nn_comm.h"

static void sum_or_abort(double *buf, size_t n) {
    nn_err err;
    if (!nn_comm_sum_doubles(buf, n, &err)) return;
    fprintf(stderr, "nntrain: batch norm statistics across ranks: %s\n",
            err.msg);
    nn_comm_abort(1);
}

/* The parallel form of the variance: with n_r values, mean m_r and
 * variance v_r on rank r, N = sum n_r, m = sum n_r m_r / N and
 * v = sum n_r (v_r + (m_r - m)^2) / N, exact and free of the cancellation
 * of E[x^2] - m^2. Two sums over the ranks, in double. */
long bnorm_sync_stats(float *mean, float *var, int c, long count,
                      double *scratch) {
    double *s = scratch;
    for (int ch = 0; ch < c; ch++) s[ch] = (double)count * mean[ch];
    s[c] = (double)count;
    sum_or_abort(s, (size_t)c + 1);
    const double total = s[c];
    for (int ch = 0; ch < c; ch++) {
        const double m = s[ch] / total, d = mean[ch] - m;
        s[c + 1 + ch] = (double)count * (var[ch] + d * d);
        mean[ch] = (float)m;
    }
    sum_or_abort(s + c + 1, (size_t)c);
    for (int ch = 0; ch < c; ch++) var[ch] = (float)(s[c + 1 + ch] / total);
    return (long)total;
}

void bnorm_sync_sums(double *sums, int n) { sum_or_abort(sums, (size_t)n); }
