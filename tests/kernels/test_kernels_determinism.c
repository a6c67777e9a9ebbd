/* test_kernels_determinism.c: backward kernels give the same bits on every
 * run at a fixed thread count (here 2), as kernels.h promises; average
 * pooling, batch norm and dropout give the same bits with 1 and 2 threads
 * (their sums are per plane or per channel, in one thread each). */
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

/* Every output of the average pooling, batch norm and dropout kernels, run
 * on the same inputs with a given thread count. */
enum { P_N = 4, P_C = 6, P_H = 13, P_K = 3, P_S = 2, P_O = 6 }; // P_O: 13 k3 s2
enum { B_N = 16, B_C = 8, B_HW = 49, B_LEN = B_N * B_C * B_HW };
enum { D_LEN = 100000, D_FIRST = 12345 };
typedef struct {
    float pool[P_N * P_C * P_O * P_O], pool_diff[P_N * P_C * P_H * P_H];
    float bn[B_LEN], bn_mean[B_C], bn_var[B_C], bn_inf[B_LEN];
    float bn_diff[B_LEN], bn_diff_scale[B_C], bn_diff_shift[B_C];
    float drop[D_LEN], drop_diff[D_LEN];
} new_outputs;

static void run_new_kernels(new_outputs *o, int threads, const float *pool_src,
                            const float *pool_dy, const float *bn_src,
                            const float *bn_dy, const float *bn_param) {
    const pool_shape ps = {.n = P_N, .c = P_C, .ih = P_H, .iw = P_H,
                           .k = P_K, .stride = P_S};
    const bnorm_shape bs = {.n = B_N, .c = B_C, .hw = B_HW, .eps = 1e-5f};
    const float *scale = bn_param, *shift = bn_param + B_C;
    omp_set_num_threads(threads);
    avgpool_forward(o->pool, pool_src, &ps);
    avgpool_backward(o->pool_diff, pool_dy, &ps);
    bnorm_forward_training(o->bn, o->bn_mean, o->bn_var, bn_src, scale, shift,
                           &bs);
    bnorm_forward_inference(o->bn_inf, bn_src, shift, scale, scale, shift,
                            &bs); // any mean; var = scale, which is > 0
    bnorm_backward(o->bn_diff, o->bn_diff_scale, o->bn_diff_shift, bn_dy,
                   bn_src, o->bn_mean, o->bn_var, scale, &bs);
    dropout_forward(o->drop, bn_src, D_LEN, D_FIRST, 0.4f, 3, 8);
    dropout_backward(o->drop_diff, bn_dy, D_LEN, D_FIRST, 0.4f, 3, 8);
    omp_set_num_threads(2);
}

static void test_new_kernels_threads(nn_rng *rng) {
    float *pool_src = rand_vec(rng, P_N * P_C * P_H * P_H);
    float *pool_dy = rand_vec(rng, P_N * P_C * P_O * P_O);
    float *bn_src = rand_vec(rng, D_LEN); // D_LEN >= B_LEN: shared by both
    float *bn_dy = rand_vec(rng, D_LEN);
    float *bn_param = rand_vec(rng, 2 * B_C); // scale (c), shift (c)
    for (int ch = 0; ch < B_C; ch++) bn_param[ch] += 1.5f; // scale > 0
    new_outputs *o[2];
    for (int run = 0; run < 2; run++) {
        o[run] = malloc(sizeof *o[run]);
        // different garbage in each run, so an unwritten output differs
        memset(o[run], run ? 0x00 : 0xff, sizeof *o[run]);
        run_new_kernels(o[run], run + 1, pool_src, pool_dy, bn_src, bn_dy,
                        bn_param);
    }
    CHECK(memcmp(o[0]->pool, o[1]->pool, sizeof o[0]->pool) == 0);
    CHECK(memcmp(o[0]->pool_diff, o[1]->pool_diff,
                 sizeof o[0]->pool_diff) == 0);
    CHECK(memcmp(o[0]->bn, o[1]->bn, sizeof o[0]->bn) == 0);
    CHECK(memcmp(o[0]->bn_mean, o[1]->bn_mean, sizeof o[0]->bn_mean) == 0);
    CHECK(memcmp(o[0]->bn_var, o[1]->bn_var, sizeof o[0]->bn_var) == 0);
    CHECK(memcmp(o[0]->bn_inf, o[1]->bn_inf, sizeof o[0]->bn_inf) == 0);
    CHECK(memcmp(o[0]->bn_diff, o[1]->bn_diff, sizeof o[0]->bn_diff) == 0);
    CHECK(memcmp(o[0]->bn_diff_scale, o[1]->bn_diff_scale,
                 sizeof o[0]->bn_diff_scale) == 0);
    CHECK(memcmp(o[0]->bn_diff_shift, o[1]->bn_diff_shift,
                 sizeof o[0]->bn_diff_shift) == 0);
    CHECK(memcmp(o[0]->drop, o[1]->drop, sizeof o[0]->drop) == 0);
    CHECK(memcmp(o[0]->drop_diff, o[1]->drop_diff,
                 sizeof o[0]->drop_diff) == 0);
    for (int run = 0; run < 2; run++) free(o[run]);
    free(pool_src);
    free(pool_dy);
    free(bn_src);
    free(bn_dy);
    free(bn_param);
}

int main(void) {
    nn_rng rng;
    nn_rng_seed(&rng, 7);
    omp_set_num_threads(2);
    CHECK(omp_get_max_threads() == 2);
    test_conv_backward_weights(&rng);
    test_dense_backward_weights(&rng);
    test_new_kernels_threads(&rng);
    return test_summary();
}
