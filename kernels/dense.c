/* dense.c: reference inner product (fully connected), forward and backward. */
#include "kernels.h"

/* dst[i][o] = bias[o] + sum_k src[i][k] * weights[o][k] */
void dense_forward(float *dst, const float *src, const float *weights,
                   const float *bias, int n, int ic, int oc) {
    #pragma omp parallel for collapse(2) schedule(static)
    for (int i = 0; i < n; i++) {
        for (int o = 0; o < oc; o++) {
            const float *x = src + (size_t)i * ic;     // (ic)
            const float *w = weights + (size_t)o * ic; // (ic)
            float acc = bias[o];
            for (int k = 0; k < ic; k++) acc += x[k] * w[k];
            dst[(size_t)i * oc + o] = acc;
        }
    }
}

/* diff_src[i][k] = sum_o diff_dst[i][o] * weights[o][k]; one row per thread,
 * summed over o in order with the innermost loop running along k. */
void dense_backward_data(float *diff_src, const float *diff_dst,
                         const float *weights, int n, int ic, int oc) {
    #pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) {
        float *dx = diff_src + (size_t)i * ic;        // (ic)
        const float *dy = diff_dst + (size_t)i * oc;  // (oc)
        for (int k = 0; k < ic; k++) dx[k] = 0.0f;
        for (int o = 0; o < oc; o++) {
            const float *w = weights + (size_t)o * ic; // (ic)
            const float g = dy[o];
            for (int k = 0; k < ic; k++) dx[k] += g * w[k];
        }
    }
}

/* diff_weights[o][k] = sum_i diff_dst[i][o] * src[i][k];
 * diff_bias[o] = sum_i diff_dst[i][o]. One output feature per iteration,
 * summed over the batch in order. */
void dense_backward_weights(float *diff_weights, float *diff_bias,
                            const float *diff_dst, const float *src,
                            int n, int ic, int oc) {
    #pragma omp parallel for schedule(static)
    for (int o = 0; o < oc; o++) {
        float *dw = diff_weights + (size_t)o * ic; // (ic)
        float db = 0.0f;
        for (int k = 0; k < ic; k++) dw[k] = 0.0f;
        for (int i = 0; i < n; i++) {
            const float *x = src + (size_t)i * ic; // (ic)
            const float g = diff_dst[(size_t)i * oc + o];
            for (int k = 0; k < ic; k++) dw[k] += g * x[k];
            db += g;
        }
        diff_bias[o] = db;
    }
}
