/* test_kernels_known.c: every kernel against small answers worked by hand,
 * and closed-form properties where a hand answer would be random data. */
#include <stdint.h>
#include <stdlib.h>

#include "kernels.h"
#include "test_util.h"

/* src (2, 3) = [[1 2 3] [4 5 6]], weights (2, 3) = [[1 0 -1] [.5 1 2]],
 * bias = [.1 -1]:
 *   dst[0] = [1 - 3 + .1,  .5 + 2 + 6 - 1] = [-1.9  7.5]
 *   dst[1] = [4 - 6 + .1,  2 + 5 + 12 - 1] = [-1.9 18  ] */
static void test_dense(void)
{
    const float src[6] = {1, 2, 3, 4, 5, 6};
    const float weights[6] = {1, 0, -1, 0.5f, 1, 2};
    const float bias[2] = {0.1f, -1};
    const float want[4] = {-1.9f, 7.5f, -1.9f, 18};
    float dst[4];
    dense_forward(dst, src, weights, bias, 2, 3, 2);
    for (int i = 0; i < 4; i++) CHECK_CLOSE(dst[i], want[i], 1e-6);
}

/* src (1, 1, 3, 3) = [[1 2 3] [4 5 6] [7 8 9]], weights (1, 1, 2, 2) =
 * [[1 2] [3 4]], bias 0.5. Without padding, stride 1:
 *   [1+4+12+20  2+6+15+24]   [37 47]
 *   [4+10+21+32 5+12+24+36] = [67 77]
 * stride 2 keeps only the top-left window: [37].
 * With pad 1, stride 1 (zero border, 4x4 output), e.g. the corner is
 * 4*x00 = 4, the top edge next to it 3*x00 + 4*x01 = 11:
 *   [ 4 11 18  9]
 *   [18 37 47 21]
 *   [36 67 77 33]
 *   [14 23 26  9]
 * pad 1, stride 2 keeps rows and columns 0 and 2: [[4 18] [36 77]].
 * Every value gets the bias 0.5 added. */
static void check_conv(int stride, int pad, const float *want, int count)
{
    const float src[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const float weights[4] = {1, 2, 3, 4};
    const float bias[1] = {0.5f};
    const conv_shape s = {.n = 1, .ic = 1, .ih = 3, .iw = 3, .oc = 1,
                          .kh = 2, .kw = 2, .stride = stride, .pad = pad};
    const int oh = conv_out_dim(3, 2, stride, pad);
    float dst[16];
    CHECK(oh * oh == count);
    conv2d_forward(dst, src, weights, bias, &s);
    for (int i = 0; i < count; i++) CHECK_CLOSE(dst[i], want[i] + 0.5, 1e-6);
}

static void test_conv(void)
{
    const float s1p0[4] = {37, 47, 67, 77};
    const float s2p0[1] = {37};
    const float s1p1[16] = {4, 11, 18, 9, 18, 37, 47, 21,
                            36, 67, 77, 33, 14, 23, 26, 9};
    const float s2p1[4] = {4, 18, 36, 77};
    check_conv(1, 0, s1p0, 4);
    check_conv(2, 0, s2p0, 1);
    check_conv(1, 1, s1p1, 16);
    check_conv(2, 1, s2p1, 4);
}

/* 4x4 -> 2x2, k 2, stride 2. Windows and their maxima (index y*4 + x):
 *   [1 3 / 4 0]     -> 4 at (1,0) = 4
 *   [2 2 / 1 2]     -> 2, tie: first in row-major, (0,2) = 2
 *   [5 5 / 5 2]     -> 5, tie: (2,0) = 8
 *   [-1 -3 / -2 -4] -> -1 at (2,2) = 10
 * Backward with diff_dst [1 2 3 4] puts 1, 2, 3, 4 at 4, 2, 8, 10 and zeros
 * elsewhere (diff_src starts as garbage: the kernel must overwrite it). */
static void test_maxpool(void)
{
    const float src[16] = {1, 3, 2, 2, 4, 0, 1, 2,
                           5, 5, -1, -3, 5, 2, -2, -4};
    const pool_shape s = {.n = 1, .c = 1, .ih = 4, .iw = 4,
                          .k = 2, .stride = 2};
    const float want[4] = {4, 2, 5, -1};
    const int32_t want_arg[4] = {4, 2, 8, 10};
    const float diff_dst[4] = {1, 2, 3, 4};
    float dst[4], diff_src[16];
    int32_t arg[4];
    maxpool_forward(dst, arg, src, &s);
    for (int i = 0; i < 4; i++) {
        CHECK(dst[i] == want[i]);
        CHECK(arg[i] == want_arg[i]);
    }
    for (int i = 0; i < 16; i++) diff_src[i] = 99;
    maxpool_backward(diff_src, diff_dst, arg, &s);
    for (int i = 0; i < 16; i++) {
        float w = 0;
        for (int j = 0; j < 4; j++)
            if (want_arg[j] == i) w = diff_dst[j];
        CHECK(diff_src[i] == w);
    }
}

/* Overlapping windows: 3x3 with the max in the centre, k 2, stride 1. All
 * four windows pick index 4, so backward adds 1 + 2 + 3 + 4 = 10 there. */
static void test_maxpool_overlap(void)
{
    const float src[9] = {0, 1, 0, 1, 9, 1, 0, 1, 0};
    const pool_shape s = {.n = 1, .c = 1, .ih = 3, .iw = 3,
                          .k = 2, .stride = 1};
    const float diff_dst[4] = {1, 2, 3, 4};
    float dst[4], diff_src[9];
    int32_t arg[4];
    maxpool_forward(dst, arg, src, &s);
    for (int i = 0; i < 4; i++) CHECK(dst[i] == 9 && arg[i] == 4);
    maxpool_backward(diff_src, diff_dst, arg, &s);
    for (int i = 0; i < 9; i++) CHECK(diff_src[i] == (i == 4 ? 10 : 0));
}

/* The maxpool 4x4 above, averaged: window sums 8, 7, 17, -10, over 4:
 *   [2 1.75 / 4.25 -2.5]
 * Backward with diff_dst [1 2 3 4] gives each input its window's
 * diff_dst / 4: [.25 .25 .5 .5 / .25 .25 .5 .5 / .75 .75 1 1 / .75 .75 1 1].
 * Overlapping, 3x3 k2 s1 (sums 14 8 / 14 8 over 4: [3.5 2 / 3.5 2]):
 * backward with [1 2 3 4] / 4 sums the shares of every window covering an
 * input: corners 1, 2, 3, 4, edges 1+2, 1+3, 2+4, 3+4, the centre 10, all
 * over 4. diff_src starts as garbage: the kernel must overwrite it. */
static void test_avgpool(void)
{
    const float src[16] = {1, 3, 2, 2, 4, 0, 1, 2,
                           5, 5, -1, -3, 5, 2, -2, -4};
    const pool_shape s = {.n = 1, .c = 1, .ih = 4, .iw = 4,
                          .k = 2, .stride = 2};
    const float want[4] = {2, 1.75f, 4.25f, -2.5f};
    const float diff_dst[4] = {1, 2, 3, 4};
    const float want_diff[16] = {.25f, .25f, .5f, .5f, .25f, .25f, .5f, .5f,
                                 .75f, .75f, 1, 1, .75f, .75f, 1, 1};
    float dst[4], diff_src[16];
    avgpool_forward(dst, src, &s);
    for (int i = 0; i < 4; i++) CHECK(dst[i] == want[i]);
    for (int i = 0; i < 16; i++) diff_src[i] = 99;
    avgpool_backward(diff_src, diff_dst, &s);
    for (int i = 0; i < 16; i++) CHECK(diff_src[i] == want_diff[i]);

    const float src3[9] = {0, 1, 0, 1, 9, 1, 0, 1, 5};
    const pool_shape s3 = {.n = 1, .c = 1, .ih = 3, .iw = 3,
                           .k = 2, .stride = 1};
    const float want3[4] = {2.75f, 2.75f, 2.75f, 4};
    const float want3_diff[9] = {1, 3, 2, 4, 10, 6, 3, 7, 4};
    float diff3[9];
    avgpool_forward(dst, src3, &s3);
    for (int i = 0; i < 4; i++) CHECK(dst[i] == want3[i]);
    for (int i = 0; i < 9; i++) diff3[i] = 99;
    avgpool_backward(diff3, diff_dst, &s3);
    for (int i = 0; i < 9; i++) CHECK(diff3[i] == want3_diff[i] / 4);
}

/* (n 2, c 2, hw 2) with eps 4, so that sqrt(var + eps) is whole:
 *   channel 0: [1 3] [5 7]   mean 4, var (9+1+1+9)/4 = 5,  sqrt(9) = 3
 *   channel 1: [2 2] [2 10]  mean 4, var (4+4+4+36)/4 = 12, sqrt(16) = 4
 * scale [3 2], shift [1 -1]:
 *   channel 0: 3 (x - 4) / 3 + 1 = [-2 0] [2 4]
 *   channel 1: 2 (x - 4) / 4 - 1 = [-2 -2] [-2 2]
 * Backward, channel 0 with dy = xhat = (x - 4) / 3 = [-1 -1/3] [1/3 1]:
 *   diff_shift = 0, diff_scale = sum xhat^2 = 20/9,
 *   diff_src = 3/3 (xhat - 0 - xhat (20/9) / 4) = 4/9 xhat;
 * channel 1 with dy = 1 everywhere: diff_shift = 4, diff_scale = 0, and
 * diff_src = 0 (a constant gradient is absorbed by the mean). */
static void test_bnorm_hand(void)
{
    const bnorm_shape s = {.n = 2, .c = 2, .hw = 2, .eps = 4};
    const float src[8] = {1, 3, 2, 2, 5, 7, 2, 10}; // (n, c, hw)
    const float scale[2] = {3, 2}, shift[2] = {1, -1};
    const float want[8] = {-2, 0, -2, -2, 2, 4, -2, 2};
    const float xhat0[4] = {-1, -1 / 3.0f, 1 / 3.0f, 1};
    const float diff_dst[8] = {xhat0[0], xhat0[1], 1, 1,
                               xhat0[2], xhat0[3], 1, 1};
    float dst[8], mean[2], var[2], diff_src[8], diff_scale[2], diff_shift[2];
    bnorm_forward_training(dst, mean, var, src, scale, shift, &s);
    CHECK(mean[0] == 4 && mean[1] == 4);
    CHECK(var[0] == 5 && var[1] == 12);
    for (int i = 0; i < 8; i++) CHECK_CLOSE(dst[i], want[i], 1e-6);
    for (int i = 0; i < 8; i++) diff_src[i] = 99;
    bnorm_backward(diff_src, diff_scale, diff_shift, diff_dst, src, mean, var,
                   scale, &s);
    CHECK_CLOSE(diff_shift[0], 0, 1e-6);
    CHECK_CLOSE(diff_scale[0], 20 / 9.0, 1e-6);
    CHECK_CLOSE(diff_shift[1], 4, 1e-6);
    CHECK_CLOSE(diff_scale[1], 0, 1e-6);
    for (int i = 0; i < 2; i++) {
        CHECK_CLOSE(diff_src[i], 4 / 9.0 * xhat0[i], 1e-6);         // n 0
        CHECK_CLOSE(diff_src[4 + i], 4 / 9.0 * xhat0[2 + i], 1e-6); // n 1
        CHECK_CLOSE(diff_src[2 + i], 0, 1e-6);
        CHECK_CLOSE(diff_src[6 + i], 0, 1e-6);
    }
}

/* Random (4, 3, 5) data with offsets per channel: the output of each
 * channel has mean shift and variance scale^2 var / (var + eps) (the
 * normalized values have variance var / (var + eps), not 1), and mean/var
 * are the batch mean and BIASED variance, all recomputed here in double. */
static void test_bnorm_stats(void)
{
    enum { N = 4, C = 3, HW = 5 };
    const bnorm_shape s = {.n = N, .c = C, .hw = HW, .eps = 0.1f};
    const float scale[C] = {2, -0.5f, 1}, shift[C] = {0.5f, -3, 0};
    float src[N * C * HW], dst[N * C * HW], mean[C], var[C];
    uint32_t x = 12345;
    for (int i = 0; i < N * C * HW; i++) {
        x = x * 1664525u + 1013904223u; // a small LCG is enough here
        src[i] = (float)(x >> 8) / 16777216.0f + (i / HW % C) * 10.0f;
    }
    bnorm_forward_training(dst, mean, var, src, scale, shift, &s);
    for (int ch = 0; ch < C; ch++) {
        double m_src = 0, m_dst = 0, v_src = 0, v_dst = 0;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < HW; j++) {
                m_src += src[(i * C + ch) * HW + j] / (double)(N * HW);
                m_dst += dst[(i * C + ch) * HW + j] / (double)(N * HW);
            }
        for (int i = 0; i < N; i++)
            for (int j = 0; j < HW; j++) {
                const double a = src[(i * C + ch) * HW + j] - m_src;
                const double b = dst[(i * C + ch) * HW + j] - m_dst;
                v_src += a * a / (N * HW);
                v_dst += b * b / (N * HW);
            }
        CHECK_CLOSE(mean[ch], m_src, 1e-6);
        CHECK_CLOSE(var[ch], v_src, 1e-6);
        CHECK_CLOSE(m_dst, shift[ch], 1e-5);
        CHECK_CLOSE(v_dst, scale[ch] * scale[ch] * v_src / (v_src + s.eps),
                    1e-5);
    }
}

/* Inference with mean 0 and var 1 - eps is dst = scale src + shift; with
 * mean [1 -2] and var [4 9] - eps, (src - mean) / [2 3]. */
static void test_bnorm_inference(void)
{
    const bnorm_shape s = {.n = 2, .c = 2, .hw = 3, .eps = 1e-5f};
    const float src[12] = {1, -2, 0.5f, 3, 4, -1, 7, 0, -0.25f, 2, 2, 8};
    const float scale[2] = {1.5f, -2}, shift[2] = {0.25f, 1};
    const float zero[2] = {0, 0}, one[2] = {1 - s.eps, 1 - s.eps};
    const float mean[2] = {1, -2}, var[2] = {4 - s.eps, 9 - s.eps};
    const float sd[2] = {2, 3};
    float dst[12];
    bnorm_forward_inference(dst, src, zero, one, scale, shift, &s);
    for (int i = 0; i < 12; i++) {
        const int ch = i / 3 % 2;
        CHECK_CLOSE(dst[i], scale[ch] * src[i] + shift[ch], 1e-6);
    }
    bnorm_forward_inference(dst, src, mean, var, scale, shift, &s);
    for (int i = 0; i < 12; i++) {
        const int ch = i / 3 % 2;
        CHECK_CLOSE(dst[i],
                    scale[ch] * (src[i] - mean[ch]) / sd[ch] + shift[ch],
                    1e-6);
    }
}

/* Momentum .1, running mean [0 1], var [1 2], batch mean [4 4], var [5 12]
 * over count 4 (unbiased: [20/3 16]):
 *   mean = [.4  .9 + .4 = 1.3], var = [.9 + 2/3 = 1.5666667  1.8 + 1.6 = 3.4]
 * count 1 keeps the batch variance: .9 * 1 + .1 * 5 = 1.4. */
static void test_bnorm_update_running(void)
{
    float rm[2] = {0, 1}, rv[2] = {1, 2};
    const float mean[2] = {4, 4}, var[2] = {5, 12};
    bnorm_update_running(rm, rv, mean, var, 2, 4, 0.1f);
    CHECK_CLOSE(rm[0], 0.4, 1e-6);
    CHECK_CLOSE(rm[1], 1.3, 1e-6);
    CHECK_CLOSE(rv[0], 0.9 + 2 / 3.0, 1e-6);
    CHECK_CLOSE(rv[1], 3.4, 1e-6);
    float rm1 = 0, rv1 = 1;
    bnorm_update_running(&rm1, &rv1, mean, var, 1, 1, 0.1f);
    CHECK_CLOSE(rm1, 0.4, 1e-6);
    CHECK_CLOSE(rv1, 1.4, 1e-6);
}

/* Dropout over 1e5 ones-and-more: with p .5 the kept count is
 * Binomial(1e5, .5), mean 5e4, sd 158: 5 sd either side is a bound a
 * correct mask leaves once in ~2e6 runs (and the mask is fixed by the seed
 * anyway). Kept values are exactly src / (1 - p) (= src * 2 exactly),
 * the rest exactly 0; the backward has the forward's zeros. */
static void test_dropout_mask(void)
{
    enum { N = 100000 };
    float *src = malloc(N * sizeof *src), *dst = malloc(N * sizeof *dst);
    float *diff = malloc(N * sizeof *diff), *ones = malloc(N * sizeof *ones);
    for (int i = 0; i < N; i++) {
        src[i] = 1 + (i % 97) * 0.37f;
        ones[i] = 1;
    }
    dropout_forward(dst, src, N, 0, 0.5f, 1, 1);
    dropout_backward(diff, ones, N, 0, 0.5f, 1, 1);
    long kept = 0, bad = 0;
    for (int i = 0; i < N; i++) {
        const int keep = dropout_keep(1, 1, (uint64_t)i, 0.5f);
        kept += keep;
        bad += dst[i] != (keep ? src[i] / (1 - 0.5f) : 0);
        bad += diff[i] != (keep ? 2 : 0);
    }
    printf("dropout p .5: %ld of %d kept\n", kept, N);
    CHECK(labs(kept - N / 2) < 5 * 158);
    CHECK(bad == 0);
    // p .2: 8e4 expected, sd sqrt(1e5 .2 .8) = 126; kept src * (1 / .8f)
    dropout_forward(dst, src, N, 0, 0.2f, 1, 2);
    kept = bad = 0;
    for (int i = 0; i < N; i++) {
        kept += dst[i] != 0;
        bad += dst[i] != 0 && fabs(dst[i] - src[i] / 0.8) > 1e-6 * dst[i];
    }
    CHECK(labs(kept - 80000) < 5 * 126);
    CHECK(bad == 0);
    // p 0 is the identity
    dropout_forward(dst, src, N, 0, 0, 1, 3);
    CHECK(memcmp(dst, src, N * sizeof *dst) == 0);
    free(src);
    free(dst);
    free(diff);
    free(ones);
}

/* The mask depends on the logical index only: [0, n) in one call equals
 * [0, k) and [k, n) with first = k, and in place; another step or seed
 * gives another mask. */
static void test_dropout_slices(void)
{
    enum { N = 1000, K = 337 };
    float src[N], whole[N], parts[N], inplace[N], other[N];
    for (int i = 0; i < N; i++) src[i] = inplace[i] = (float)(i + 1);
    dropout_forward(whole, src, N, 0, 0.3f, 9, 4);
    dropout_forward(parts, src, K, 0, 0.3f, 9, 4);
    dropout_forward(parts + K, src + K, N - K, K, 0.3f, 9, 4);
    dropout_forward(inplace, inplace, N, 0, 0.3f, 9, 4);
    CHECK(memcmp(whole, parts, sizeof whole) == 0);
    CHECK(memcmp(whole, inplace, sizeof whole) == 0);
    dropout_backward(parts, src, K, 0, 0.3f, 9, 4);
    dropout_backward(parts + K, src + K, N - K, K, 0.3f, 9, 4);
    CHECK(memcmp(whole, parts, sizeof whole) == 0);
    dropout_forward(other, src, N, 0, 0.3f, 9, 5);
    CHECK(memcmp(whole, other, sizeof whole) != 0);
    dropout_forward(other, src, N, 0, 0.3f, 10, 4);
    CHECK(memcmp(whole, other, sizeof whole) != 0);
}

/* relu [-2 -.5 0 .5 3] = [0 0 0 .5 3]; backward with [1 2 3 4 5] passes
 * only where dst > 0: [0 0 0 4 5]. Both in place. */
static void test_relu(void)
{
    float x[5] = {-2, -0.5f, 0, 0.5f, 3};
    float g[5] = {1, 2, 3, 4, 5};
    const float want[5] = {0, 0, 0, 0.5f, 3};
    const float want_g[5] = {0, 0, 0, 4, 5};
    relu_forward(x, x, 5);
    relu_backward(g, g, x, 5);
    for (int i = 0; i < 5; i++) {
        CHECK(x[i] == want[i]);
        CHECK(g[i] == want_g[i]);
    }
}

/* softmax([1 2 3]) = e^z / (e + e^2 + e^3) = e^z / 30.1928749
 *                  = [0.0900306 0.2447285 0.6652410].
 * Row 0 is [1 2 3] with label 2, row 1 is [1001 1002 1003] (same softmax,
 * overflows exp unless the max is subtracted) with label 0; n = 2.
 *   CE:  loss = -log p_y = [0.4076060 2.4076060]; dz = (p - y) / 2.
 *   MSE: loss = mean_j (p_j - y_j)^2
 *          row 0: (.0900306^2 + .2447285^2 + .3347590^2) / 3 = 0.0600204
 *          row 1: (.9099694^2 + .2447285^2 + .6652410^2) / 3 = 0.4434940
 *        g = 2 (p - y) / (2 * 3), dz_i = p_i (g_i - sum_j g_j p_j):
 *          row 0: [0.00734435  0.0325837  -0.0399280]
 *          row 1: [-0.0399280 -0.0143398   0.0542678] */
static void test_softmax_loss(void)
{
    const float logits[6] = {1, 2, 3, 1001, 1002, 1003};
    const uint8_t labels[2] = {2, 0};
    const double p[3] = {0.0900305732, 0.2447284711, 0.6652409558};
    const double mse_dz[6] = {0.007344348, 0.032583668, -0.039928016,
                              -0.039928016, -0.014339784, 0.054267801};
    float dz[6], loss[2];
    uint8_t pred[2];
    softmax_loss(dz, loss, pred, logits, labels, 2, 3, LOSS_CROSS_ENTROPY);
    CHECK_CLOSE(loss[0], 0.4076059644, 1e-6);
    CHECK_CLOSE(loss[1], 2.4076059644, 1e-6);
    CHECK(pred[0] == 2 && pred[1] == 2);
    for (int r = 0; r < 2; r++)
        for (int i = 0; i < 3; i++)
            CHECK_CLOSE(dz[r * 3 + i], (p[i] - (i == labels[r])) / 2, 1e-6);
    softmax_loss(dz, loss, pred, logits, labels, 2, 3, LOSS_MSE);
    CHECK_CLOSE(loss[0], 0.0600203821, 1e-6);
    CHECK_CLOSE(loss[1], 0.4434939705, 1e-6);
    for (int i = 0; i < 6; i++) CHECK_CLOSE(dz[i], mse_dz[i], 1e-6);
}

/* Without diff_logits the loss is the same; pred takes the first of tied
 * maxima: [5 5 1] -> 0. CE with label 1: -log(e^5 / (2 e^5 + e)) =
 * log(2 + e^-4) = 0.7022633. */
static void test_softmax_loss_no_grad(void)
{
    const float logits[3] = {5, 5, 1};
    const uint8_t label = 1;
    float loss;
    uint8_t pred = 99;
    softmax_loss(NULL, &loss, &pred, logits, &label, 1, 3, LOSS_CROSS_ENTROPY);
    CHECK(pred == 0);
    CHECK_CLOSE(loss, log(2 + exp(-4.0)), 1e-6);
}

/* Adam, lr .1, b1 .9, b2 .999, eps 1e-8, p = 1, m = v = 0.
 * Step 1, g = .5:  m = .05, v = .001 * .25 = .00025,
 *   m^ = .05 / .1 = .5, v^ = .00025 / .001 = .25,
 *   p = 1 - .1 * .5 / (.5 + 1e-8) = 0.900000002
 * Step 2, g = -1:  m = .045 - .1 = -.055, v = .00024975 + .001 = .00124975,
 *   m^ = -.055 / (1 - .81) = -.289473684,
 *   v^ = .00124975 / (1 - .998001) = .625187594, sqrt = .790688051,
 *   p = .9 + .1 * .289473684 / .790688051 = 0.936610354 */
static void test_adam(void)
{
    float p = 1, m = 0, v = 0, g = 0.5f;
    adam_update(&p, &m, &v, &g, 1, 0.1f, 0.9f, 0.999f, 1e-8f, 0, 0, 1);
    CHECK_CLOSE(m, 0.05, 1e-6);
    CHECK_CLOSE(v, 0.00025, 1e-6);
    CHECK_CLOSE(p, 0.900000002, 1e-6);
    g = -1;
    adam_update(&p, &m, &v, &g, 1, 0.1f, 0.9f, 0.999f, 1e-8f, 0, 0, 2);
    CHECK_CLOSE(m, -0.055, 1e-6);
    CHECK_CLOSE(v, 0.00124975, 1e-6);
    CHECK_CLOSE(p, 0.936610354, 1e-6);
}

/* Weight decay .1 on the Adam case above (lr .1, p = 1, g = .5 then -1).
 * AdamW (decoupled): step 1, p = 1 * (1 - .1 * .1) = .99, then the Adam
 *   step of -.1 (m^ / sqrt(v^) = 1): p = .89; step 2, p = .89 * .99 =
 *   .8811, then Adam's +.036610354: p = .917710354.
 * Adam with L2 (coupled): step 1, g = .5 + .1 * 1 = .6, m = .06, v =
 *   .00036, m^ / sqrt(v^) = .6 / .6 = 1: p = .9. */
static void test_adam_weight_decay(void)
{
    float p = 1, m = 0, v = 0, g = 0.5f;
    adam_update(&p, &m, &v, &g, 1, 0.1f, 0.9f, 0.999f, 1e-8f, 0.1f, 1, 1);
    CHECK_CLOSE(m, 0.05, 1e-6);
    CHECK_CLOSE(p, 0.89, 1e-6);
    g = -1;
    adam_update(&p, &m, &v, &g, 1, 0.1f, 0.9f, 0.999f, 1e-8f, 0.1f, 1, 2);
    CHECK_CLOSE(m, -0.055, 1e-6);
    CHECK_CLOSE(v, 0.00124975, 1e-6);
    CHECK_CLOSE(p, 0.917710354, 1e-6);
    p = 1, m = 0, v = 0, g = 0.5f;
    adam_update(&p, &m, &v, &g, 1, 0.1f, 0.9f, 0.999f, 1e-8f, 0.1f, 0, 1);
    CHECK_CLOSE(m, 0.06, 1e-6);
    CHECK_CLOSE(v, 0.00036, 1e-6);
    CHECK_CLOSE(p, 0.9, 1e-6);
}

/* SGD with L2 .1, lr .1, momentum .9, p = 1, buf = 0.
 * Step 1, g = .5 + .1: buf = .6, p = 1 - .06 = .94
 * Step 2, g = .2 + .094: buf = .54 + .294 = .834, p = .94 - .0834 = .8566 */
static void test_sgd_weight_decay(void)
{
    float p = 1, buf = 0, g = 0.5f;
    sgd_update(&p, &buf, &g, 1, 0.1f, 0.9f, 0.1f);
    CHECK_CLOSE(buf, 0.6, 1e-6);
    CHECK_CLOSE(p, 0.94, 1e-6);
    g = 0.2f;
    sgd_update(&p, &buf, &g, 1, 0.1f, 0.9f, 0.1f);
    CHECK_CLOSE(buf, 0.834, 1e-6);
    CHECK_CLOSE(p, 0.8566, 1e-6);
}

/* SGD, lr .1, momentum .9, p = 1, buf = 0.
 * Step 1, g = .5: buf = .5, p = 1 - .05 = .95
 * Step 2, g = .2: buf = .45 + .2 = .65, p = .95 - .065 = .885 */
static void test_sgd(void)
{
    float p = 1, buf = 0, g = 0.5f;
    sgd_update(&p, &buf, &g, 1, 0.1f, 0.9f, 0);
    CHECK_CLOSE(buf, 0.5, 1e-6);
    CHECK_CLOSE(p, 0.95, 1e-6);
    g = 0.2f;
    sgd_update(&p, &buf, &g, 1, 0.1f, 0.9f, 0);
    CHECK_CLOSE(buf, 0.65, 1e-6);
    CHECK_CLOSE(p, 0.885, 1e-6);
}

int main(void)
{
    test_dense();
    test_conv();
    test_maxpool();
    test_maxpool_overlap();
    test_avgpool();
    test_bnorm_hand();
    test_bnorm_stats();
    test_bnorm_inference();
    test_bnorm_update_running();
    test_dropout_mask();
    test_dropout_slices();
    test_relu();
    test_softmax_loss();
    test_softmax_loss_no_grad();
    test_adam();
    test_adam_weight_decay();
    test_sgd();
    test_sgd_weight_decay();
    return test_summary();
}
