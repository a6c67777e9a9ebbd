/* test_kernels_determinism.c: backward kernels give the same bits on every
 * run at a fixed thread count (here 2), as kernels.h promises. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "nn_rng.h"
#include "test_util.h"

/* n floats uniform in [-1, 1); caller frees. */
static float *rand_vec(nn_rng *rng, size_t n) {
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = (float)(2 * nn_rng_uniform(rng) - 1);
    return v;
}

/* Runs conv2d_backward_weights twice into separate buffers and memcmps. */
static void test_conv_backward_weights(nn_rng *rng) {
    const conv_shape s = {.n = 8, .ic = 4, .ih = 12, .iw = 12, .oc = 6,
                          .kh = 3, .kw = 3, .stride = 1, .pad = 1};
    const size_t dst_len = (size_t)s.n * s.oc * s.ih * s.iw; // same size: pad 1
    const size_t w_len = (size_t)s.oc * s.ic * s.kh * s.kw;
    float *src = rand_vec(rng, (size_t)s.n * s.ic * s.ih * s.iw);
    float *diff_dst = rand_vec(rng, dst_len);
    float *dw[2], *db[2];
    for (int run = 0; run < 2; run++) {
        dw[run] = calloc(w_len, sizeof(float));
        db[run] = calloc(s.oc, sizeof(float));
        conv2d_backward_weights(dw[run], db[run], diff_dst, src, &s);
    }
    CHECK(memcmp(dw[0], dw[1], w_len * sizeof(float)) == 0);
    CHECK(memcmp(db[0], db[1], s.oc * sizeof(float)) == 0);
    for (int run = 0; run < 2; run++) {
        free(dw[run]);
        free(db[run]);
    }
    free(src);
    free(diff_dst);
}

/* Same for dense_backward_weights, whose sums run over the batch. */
static void test_dense_backward_weights(nn_rng *rng) {
    const int n = 64, ic = 50, oc = 10;
    float *src = rand_vec(rng, (size_t)n * ic);
    float *diff_dst = rand_vec(rng, (size_t)n * oc);
    float *dw[2], *db[2];
    for (int run = 0; run < 2; run++) {
        dw[run] = calloc((size_t)oc * ic, sizeof(float));
        db[run] = calloc(oc, sizeof(float));
        dense_backward_weights(dw[run], db[run], diff_dst, src, n, ic, oc);
    }
    CHECK(memcmp(dw[0], dw[1], (size_t)oc * ic * sizeof(float)) == 0);
    CHECK(memcmp(db[0], db[1], oc * sizeof(float)) == 0);
    for (int run = 0; run < 2; run++) {
        free(dw[run]);
        free(db[run]);
    }
    free(src);
    free(diff_dst);
}

int main(void) {
    nn_rng rng;
    nn_rng_seed(&rng, 7);
    omp_set_num_threads(2);
    CHECK(omp_get_max_threads() == 2);
    test_conv_backward_weights(&rng);
    test_dense_backward_weights(&rng);
    return test_summary();
}
