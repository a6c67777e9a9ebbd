/* test_kernels_grad.c: every backward kernel against central finite
 * differences of its forward, on tiny random shapes.
 *
 * Each case uses the scalar objective L = sum(dst * r) for a fixed random r,
 * so diff_dst = r, and compares the kernel's gradient with
 *   dL/dx_i ~ (L(x_i + h) - L(x_i - h)) / (2h),
 * L summed in double over float forwards. The error is measured against the
 * gradient's own scale, max_i |got_i - fd_i| / max_i |fd_i|, so a missing
 * term, a wrong index or a wrong sign shows up as an error near 1. Backward
 * outputs start as NaN, so an element the kernel fails to write fails too. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernels.h"
#include "nn_rng.h"
#include "test_util.h"

/* Dense and conv are linear in each input, so the FD is exact up to float
 * rounding of the forward: a large step keeps that rounding small. ReLU and
 * max-pool are piecewise linear: a small step, and points within 2h of a
 * kink are skipped. Softmax losses are smooth: the O(h^2) truncation error
 * at 1e-2 is ~1e-5 of the gradient. Measured errors are all below 1e-4. */
#define H_LINEAR 1e-2f
#define H_KINK 5e-4f
#define H_SMOOTH 1e-2f
#define TOL 1e-3

typedef double (*objective_fn)(void *ctx);

static nn_rng rng;

/* n floats uniform in [-1, 1); caller frees. */
static float *rand_vec(size_t n) {
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = (float)(2 * nn_rng_uniform(&rng) - 1);
    return v;
}

/* n floats set to NaN; caller frees. */
static float *nan_vec(size_t n) {
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = NAN;
    return v;
}

static void free_all(float **bufs, size_t n) {
    for (size_t i = 0; i < n; i++) free(bufs[i]);
}

/* L = sum_i a_i r_i in double */
static double weighted_sum(const float *a, const float *r, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * r[i];
    return s;
}

/* fd (n) = central differences of f w.r.t. x (n), perturbed in place and
 * restored. The step is divided by the float values actually used. */
static void fd_grad(double *fd, float *x, size_t n, float h, objective_fn f,
                    void *ctx) {
    for (size_t i = 0; i < n; i++) {
        const float x0 = x[i], xp = x0 + h, xm = x0 - h;
        x[i] = xp;
        const double lp = f(ctx);
        x[i] = xm;
        const double lm = f(ctx);
        x[i] = x0;
        fd[i] = (lp - lm) / ((double)xp - (double)xm);
    }
}

/* max |got - fd| / max |fd| over the points not skipped; NaN propagates. */
static double grad_err(const float *got, const double *fd,
                       const uint8_t *skip, size_t n) {
    double diff = 0, scale = 0;
    for (size_t i = 0; i < n; i++) {
        if (skip && skip[i]) continue;
        const double d = fabs(got[i] - fd[i]);
        if (!(d <= diff)) diff = d;
        if (fabs(fd[i]) > scale) scale = fabs(fd[i]);
    }
    return diff / fmax(scale, 1e-30);
}

/* Checks the kernel gradient got (n) w.r.t. x (n) against FD of f. skip
 * may be NULL; at most a quarter of the points may be skipped. */
static void check_fd(const char *what, const float *got, float *x, size_t n,
                     float h, objective_fn f, void *ctx, const uint8_t *skip) {
    double *fd = malloc(n * sizeof *fd);
    size_t skipped = 0;
    for (size_t i = 0; skip && i < n; i++) skipped += skip[i];
    fd_grad(fd, x, n, h, f, ctx);
    const double err = grad_err(got, fd, skip, n);
    printf("%-40s %4zu points, %zu skipped, err %.2e\n", what, n, skipped, err);
    CHECK(err < TOL);
    CHECK(skipped * 4 <= n);
    free(fd);
}

/* ---- dense --------------------------------------------------------------- */
typedef struct {
    float *dst, *src, *weights, *bias; // (n, oc), (n, ic), (oc, ic), (oc)
    float *r;                          // (n, oc)
    int n, ic, oc;
} dense_case;

static double dense_objective(void *ctx) {
    dense_case *c = ctx;
    dense_forward(c->dst, c->src, c->weights, c->bias, c->n, c->ic, c->oc);
    return weighted_sum(c->dst, c->r, (size_t)c->n * c->oc);
}

static void test_dense(void) {
    const int n = 3, ic = 5, oc = 4;
    dense_case c = {.dst = nan_vec(n * oc), .src = rand_vec(n * ic),
                    .weights = rand_vec(oc * ic), .bias = rand_vec(oc),
                    .r = rand_vec(n * oc), .n = n, .ic = ic, .oc = oc};
    float *diff_src = nan_vec(n * ic);       // (n, ic)
    float *diff_weights = nan_vec(oc * ic);  // (oc, ic)
    float *diff_bias = nan_vec(oc);          // (oc)
    dense_backward_data(diff_src, c.r, c.weights, n, ic, oc);
    dense_backward_weights(diff_weights, diff_bias, c.r, c.src, n, ic, oc);
    check_fd("dense backward_data", diff_src, c.src, n * ic, H_LINEAR,
             dense_objective, &c, NULL);
    check_fd("dense backward_weights", diff_weights, c.weights, oc * ic,
             H_LINEAR, dense_objective, &c, NULL);
    check_fd("dense backward_weights bias", diff_bias, c.bias, oc, H_LINEAR,
             dense_objective, &c, NULL);
    float *bufs[] = {c.dst, c.src, c.weights, c.bias, c.r,
                     diff_src, diff_weights, diff_bias};
    free_all(bufs, sizeof bufs / sizeof *bufs);
}

/* ---- conv ---------------------------------------------------------------- */
typedef struct {
    float *dst, *src, *weights, *bias; // (n, oc, oh, ow), (n, ic, ih, iw),
                                       // (oc, ic, kh, kw), (oc)
    float *r;                          // (n, oc, oh, ow)
    conv_shape s;
    size_t dst_len;
} conv_case;

static double conv_objective(void *ctx) {
    conv_case *c = ctx;
    conv2d_forward(c->dst, c->src, c->weights, c->bias, &c->s);
    return weighted_sum(c->dst, c->r, c->dst_len);
}

static void check_conv(const char *name, conv_shape s) {
    const size_t oh = conv_out_dim(s.ih, s.kh, s.stride, s.pad);
    const size_t ow = conv_out_dim(s.iw, s.kw, s.stride, s.pad);
    const size_t src_len = (size_t)s.n * s.ic * s.ih * s.iw;
    const size_t w_len = (size_t)s.oc * s.ic * s.kh * s.kw;
    conv_case c = {.s = s, .dst_len = (size_t)s.n * s.oc * oh * ow};
    c.dst = nan_vec(c.dst_len);
    c.src = rand_vec(src_len);
    c.weights = rand_vec(w_len);
    c.bias = rand_vec(s.oc);
    c.r = rand_vec(c.dst_len);
    float *diff_src = nan_vec(src_len), *diff_weights = nan_vec(w_len);
    float *diff_bias = nan_vec(s.oc);
    conv2d_backward_data(diff_src, c.r, c.weights, &s);
    conv2d_backward_weights(diff_weights, diff_bias, c.r, c.src, &s);
    char what[64];
    snprintf(what, sizeof what, "conv %s backward_data", name);
    check_fd(what, diff_src, c.src, src_len, H_LINEAR, conv_objective, &c,
             NULL);
    snprintf(what, sizeof what, "conv %s backward_weights", name);
    check_fd(what, diff_weights, c.weights, w_len, H_LINEAR, conv_objective,
             &c, NULL);
    snprintf(what, sizeof what, "conv %s backward_weights bias", name);
    check_fd(what, diff_bias, c.bias, s.oc, H_LINEAR, conv_objective, &c, NULL);
    float *bufs[] = {c.dst, c.src, c.weights, c.bias, c.r,
                     diff_src, diff_weights, diff_bias};
    free_all(bufs, sizeof bufs / sizeof *bufs);
}

/* Non-square inputs and kernels so a swapped h/w shows up; stride 2 with
 * pad 1 leaves the last row and column only partly covered. */
static void test_conv(void) {
    check_conv("s1 p1", (conv_shape){.n = 2, .ic = 3, .ih = 5, .iw = 6,
                                     .oc = 4, .kh = 3, .kw = 3,
                                     .stride = 1, .pad = 1});
    check_conv("s2 p0", (conv_shape){.n = 2, .ic = 2, .ih = 7, .iw = 6,
                                     .oc = 3, .kh = 3, .kw = 2,
                                     .stride = 2, .pad = 0});
    check_conv("s2 p1", (conv_shape){.n = 2, .ic = 2, .ih = 6, .iw = 5,
                                     .oc = 3, .kh = 3, .kw = 3,
                                     .stride = 2, .pad = 1});
}

/* ---- max pooling --------------------------------------------------------- */
typedef struct {
    float *dst, *src, *r; // (n, c, oh, ow), (n, c, ih, iw), (n, c, oh, ow)
    int32_t *argmax;      // (n, c, oh, ow)
    pool_shape s;
    size_t dst_len;
} pool_case;

static double pool_objective(void *ctx) {
    pool_case *c = ctx;
    maxpool_forward(c->dst, c->argmax, c->src, &c->s);
    return weighted_sum(c->dst, c->r, c->dst_len);
}

/* Marks in skip (ih, iw) every value of the window at (y0, x0) of the plane
 * x (ih, iw) that lies within 2h = 1e-3 of another value in that window:
 * a step of h could move the window's argmax there. */
static void mark_near_ties(uint8_t *skip, const float *x, int y0, int x0,
                           int k, int iw) {
    for (int a = 0; a < k * k; a++) {
        const int ia = (y0 + a / k) * iw + x0 + a % k;
        for (int b = 0; b < k * k; b++) {
            const int ib = (y0 + b / k) * iw + x0 + b % k;
            if (a != b && fabsf(x[ia] - x[ib]) < 2 * H_KINK) skip[ia] = 1;
        }
    }
}

/* skip (n, c, ih, iw), caller frees. */
static uint8_t *pool_skips(const float *src, const pool_shape *s) {
    const int oh = conv_out_dim(s->ih, s->k, s->stride, 0);
    const int ow = conv_out_dim(s->iw, s->k, s->stride, 0);
    const size_t plane = (size_t)s->ih * s->iw;
    uint8_t *skip = calloc((size_t)s->n * s->c * plane, 1);
    for (int p = 0; p < s->n * s->c; p++)
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
                mark_near_ties(skip + p * plane, src + p * plane,
                               oy * s->stride, ox * s->stride, s->k, s->iw);
    return skip;
}

static void check_pool(const char *what, pool_shape s) {
    const int oh = conv_out_dim(s.ih, s.k, s.stride, 0);
    const int ow = conv_out_dim(s.iw, s.k, s.stride, 0);
    const size_t src_len = (size_t)s.n * s.c * s.ih * s.iw;
    pool_case c = {.s = s, .dst_len = (size_t)s.n * s.c * oh * ow};
    c.dst = nan_vec(c.dst_len);
    c.src = rand_vec(src_len);
    c.r = rand_vec(c.dst_len);
    c.argmax = malloc(c.dst_len * sizeof *c.argmax);
    c.src[1] = c.src[0]; // an exact tie, which the skip rule must catch
    uint8_t *skip = pool_skips(c.src, &s);
    CHECK(skip[0] && skip[1]);
    float *diff_src = nan_vec(src_len);
    pool_objective(&c);
    maxpool_backward(diff_src, c.r, c.argmax, &s);
    check_fd(what, diff_src, c.src, src_len, H_KINK, pool_objective, &c, skip);
    float *bufs[] = {c.dst, c.src, c.r, diff_src};
    free_all(bufs, sizeof bufs / sizeof *bufs);
    free(c.argmax);
    free(skip);
}

static void test_pool(void) {
    check_pool("maxpool backward k2 s2",
               (pool_shape){.n = 2, .c = 3, .ih = 6, .iw = 4,
                            .k = 2, .stride = 2});
    check_pool("maxpool backward k3 s2 (overlapping)",
               (pool_shape){.n = 2, .c = 2, .ih = 7, .iw = 5,
                            .k = 3, .stride = 2});
}

/* ---- average pooling ----------------------------------------------------- */
static double avgpool_objective(void *ctx) {
    pool_case *c = ctx;
    avgpool_forward(c->dst, c->src, &c->s);
    return weighted_sum(c->dst, c->r, c->dst_len);
}

static void check_avgpool(const char *what, pool_shape s) {
    const int oh = conv_out_dim(s.ih, s.k, s.stride, 0);
    const int ow = conv_out_dim(s.iw, s.k, s.stride, 0);
    const size_t src_len = (size_t)s.n * s.c * s.ih * s.iw;
    pool_case c = {.s = s, .dst_len = (size_t)s.n * s.c * oh * ow};
    c.dst = nan_vec(c.dst_len);
    c.src = rand_vec(src_len);
    c.r = rand_vec(c.dst_len);
    float *diff_src = nan_vec(src_len);
    avgpool_backward(diff_src, c.r, &s);
    check_fd(what, diff_src, c.src, src_len, H_LINEAR, avgpool_objective, &c,
             NULL);
    float *bufs[] = {c.dst, c.src, c.r, diff_src};
    free_all(bufs, sizeof bufs / sizeof *bufs);
}

/* 5x5 planes: k2 s2 leaves the last row and column out of every window,
 * k3 s2 overlaps, k2 s3 leaves gaps between windows (zero gradient there). */
static void test_avgpool(void) {
    check_avgpool("avgpool backward k2 s2",
                  (pool_shape){.n = 3, .c = 2, .ih = 5, .iw = 5,
                               .k = 2, .stride = 2});
    check_avgpool("avgpool backward k3 s2 (overlapping)",
                  (pool_shape){.n = 3, .c = 2, .ih = 5, .iw = 5,
                               .k = 3, .stride = 2});
    check_avgpool("avgpool backward k2 s3 (gaps)",
                  (pool_shape){.n = 3, .c = 2, .ih = 5, .iw = 5,
                               .k = 2, .stride = 3});
    check_avgpool("avgpool backward k3 s1, 5x6",
                  (pool_shape){.n = 3, .c = 2, .ih = 5, .iw = 6,
                               .k = 3, .stride = 1});
}

/* ---- batch normalization ------------------------------------------------- */
typedef struct {
    float *dst, *src, *scale, *shift; // (n, c, hw), (n, c, hw), (c), (c)
    float *mean, *var, *r;            // (c), (c), (n, c, hw)
    bnorm_shape s;
    size_t len;
} bnorm_case;

static double bnorm_objective(void *ctx) {
    bnorm_case *c = ctx;
    bnorm_forward_training(c->dst, c->mean, c->var, c->src, c->scale,
                           c->shift, &c->s);
    return weighted_sum(c->dst, c->r, c->len);
}

/* Batch norm is smooth but its output is rounded to float: H_BNORM is
 * small enough for the O(h^2) truncation and large enough that the
 * forward's rounding (~1e-7 of L) stays ~1e-4 of the gradient. The backward
 * uses the statistics of the unperturbed forward, as in training. */
#define H_BNORM 1e-3f

static void check_bnorm(const char *name, bnorm_shape s) {
    bnorm_case c = {.s = s, .len = (size_t)s.n * s.c * s.hw};
    c.dst = nan_vec(c.len);
    c.src = rand_vec(c.len);
    c.scale = rand_vec(s.c);
    c.shift = rand_vec(s.c);
    c.mean = nan_vec(s.c);
    c.var = nan_vec(s.c);
    c.r = rand_vec(c.len);
    for (int ch = 0; ch < s.c; ch++) c.scale[ch] += 1.5f; // away from 0
    float *diff_src = nan_vec(c.len), *diff_scale = nan_vec(s.c);
    float *diff_shift = nan_vec(s.c);
    bnorm_objective(&c);
    bnorm_backward(diff_src, diff_scale, diff_shift, c.r, c.src, c.mean,
                   c.var, c.scale, &s);
    char what[64];
    snprintf(what, sizeof what, "bnorm %s backward diff_src", name);
    check_fd(what, diff_src, c.src, c.len, H_BNORM, bnorm_objective, &c, NULL);
    snprintf(what, sizeof what, "bnorm %s backward diff_scale", name);
    check_fd(what, diff_scale, c.scale, s.c, H_LINEAR, bnorm_objective, &c,
             NULL);
    snprintf(what, sizeof what, "bnorm %s backward diff_shift", name);
    check_fd(what, diff_shift, c.shift, s.c, H_LINEAR, bnorm_objective, &c,
             NULL);
    float *bufs[] = {c.dst, c.src, c.scale, c.shift, c.mean, c.var, c.r,
                     diff_src, diff_scale, diff_shift};
    free_all(bufs, sizeof bufs / sizeof *bufs);
}

/* hw 5 as after a conv; hw 1 as after a dense layer (4 values a channel). */
static void test_bnorm(void) {
    check_bnorm("hw 5", (bnorm_shape){.n = 4, .c = 3, .hw = 5, .eps = 1e-5f});
    check_bnorm("hw 1", (bnorm_shape){.n = 4, .c = 3, .hw = 1, .eps = 1e-5f});
}

/* ---- dropout ------------------------------------------------------------- */
typedef struct {
    float *dst, *src, *r; // (n) each
    size_t n;
} dropout_case;

#define DROPOUT_P 0.3f
#define DROPOUT_FIRST 1000
#define DROPOUT_SEED 42
#define DROPOUT_STEP 7

static double dropout_objective(void *ctx) {
    dropout_case *c = ctx;
    dropout_forward(c->dst, c->src, c->n, DROPOUT_FIRST, DROPOUT_P,
                    DROPOUT_SEED, DROPOUT_STEP);
    return weighted_sum(c->dst, c->r, c->n);
}

/* Linear in src for a fixed mask, which the backward must redraw alike. */
static void test_dropout(void) {
    const size_t n = 64;
    dropout_case c = {.dst = nan_vec(n), .src = rand_vec(n), .r = rand_vec(n),
                      .n = n};
    float *diff_src = nan_vec(n);
    dropout_backward(diff_src, c.r, n, DROPOUT_FIRST, DROPOUT_P, DROPOUT_SEED,
                     DROPOUT_STEP);
    check_fd("dropout backward", diff_src, c.src, n, H_LINEAR,
             dropout_objective, &c, NULL);
    float *bufs[] = {c.dst, c.src, c.r, diff_src};
    free_all(bufs, sizeof bufs / sizeof *bufs);
}

/* ---- ReLU ---------------------------------------------------------------- */
typedef struct {
    float *dst, *src, *r; // (n) each
    size_t n;
} relu_case;

static double relu_objective(void *ctx) {
    relu_case *c = ctx;
    relu_forward(c->dst, c->src, c->n);
    return weighted_sum(c->dst, c->r, c->n);
}

static void test_relu(void) {
    const size_t n = 64;
    relu_case c = {.dst = nan_vec(n), .src = rand_vec(n), .r = rand_vec(n),
                   .n = n};
    float *diff_src = nan_vec(n);
    uint8_t skip[64];
    c.src[0] = 0; // the kink itself, skipped
    for (size_t i = 0; i < n; i++) skip[i] = fabsf(c.src[i]) < 2 * H_KINK;
    relu_objective(&c);
    relu_backward(diff_src, c.r, c.dst, n);
    check_fd("relu backward", diff_src, c.src, n, H_KINK, relu_objective, &c,
             skip);
    float *bufs[] = {c.dst, c.src, c.r, diff_src};
    free_all(bufs, sizeof bufs / sizeof *bufs);
}

/* ---- softmax + loss ------------------------------------------------------ */
typedef struct {
    float *logits, *loss;   // (n, classes), (n)
    uint8_t *labels, *pred; // (n), (n)
    int n, classes;
    loss_kind kind;
} softmax_case;

/* L = mean of sample_loss, the batch loss diff_logits is the gradient of. */
static double softmax_objective(void *ctx) {
    softmax_case *c = ctx;
    softmax_loss(NULL, c->loss, c->pred, c->logits, c->labels, c->n,
                 c->classes, c->kind);
    double s = 0;
    for (int i = 0; i < c->n; i++) s += c->loss[i];
    return s / c->n;
}

/* One row's loss straight from the definitions, in double (the logits are
 * small, so exp needs no max subtracted):
 *   p_j = e^z_j / sum_k e^z_k,  CE = -log p_label,
 *   MSE = mean_j (p_j - y_j)^2 */
static double reference_loss(const float *z, int label, int classes,
                             loss_kind kind) {
    double sum = 0, sq = 0;
    for (int j = 0; j < classes; j++) sum += exp(z[j]);
    if (kind == LOSS_CROSS_ENTROPY) return -log(exp(z[label]) / sum);
    for (int j = 0; j < classes; j++) {
        const double d = exp(z[j]) / sum - (j == label);
        sq += d * d;
    }
    return sq / classes;
}

/* pred and the loss against the double reference, row by row and as a mean. */
static void check_softmax_values(const softmax_case *c) {
    double got = 0, want = 0;
    for (int i = 0; i < c->n; i++) {
        const float *z = c->logits + (size_t)i * c->classes;
        int best = 0;
        for (int j = 1; j < c->classes; j++)
            if (z[j] > z[best]) best = j;
        CHECK(c->pred[i] == best);
        const double ref = reference_loss(z, c->labels[i], c->classes, c->kind);
        CHECK_CLOSE(c->loss[i], ref, 1e-6);
        got += c->loss[i];
        want += ref;
    }
    CHECK_CLOSE(got / c->n, want / c->n, 1e-6);
}

static void check_softmax(const char *what, loss_kind kind) {
    const int n = 4, classes = 5;
    softmax_case c = {.logits = rand_vec(n * classes), .loss = nan_vec(n),
                      .labels = malloc(n), .pred = malloc(n),
                      .n = n, .classes = classes, .kind = kind};
    for (int i = 0; i < n * classes; i++) c.logits[i] *= 3;
    for (int i = 0; i < n; i++)
        c.labels[i] = (uint8_t)nn_rng_below(&rng, classes);
    float *diff = nan_vec(n * classes); // (n, classes)
    softmax_loss(diff, c.loss, c.pred, c.logits, c.labels, n, classes, kind);
    check_softmax_values(&c);
    check_fd(what, diff, c.logits, n * classes, H_SMOOTH, softmax_objective,
             &c, NULL);
    float *bufs[] = {c.logits, c.loss, diff};
    free_all(bufs, sizeof bufs / sizeof *bufs);
    free(c.labels);
    free(c.pred);
}

int main(void) {
    nn_rng_seed(&rng, 20240611);
    test_dense();
    test_conv();
    test_pool();
    test_avgpool();
    test_bnorm();
    test_dropout();
    test_relu();
    check_softmax("softmax + MSE diff_logits", LOSS_MSE);
    check_softmax("softmax + cross-entropy diff_logits", LOSS_CROSS_ENTROPY);
    return test_summary();
}
