/* relu.c: reference ReLU, forward and backward (in place allowed). */
#include "kernels.h"

/* dst = max(src, 0). Written as a comparison with 0 rather than fmaxf so a
 * NaN passes through (as it does in oneDNN) and NaN checks still see it. */
void relu_forward(float *dst, const float *src, size_t n) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) dst[i] = src[i] < 0.0f ? 0.0f : src[i];
}

/* diff_src = dst > 0 ? diff_dst : 0 */
void relu_backward(float *diff_src, const float *diff_dst, const float *dst,
                   size_t n) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        diff_src[i] = dst[i] > 0.0f ? diff_dst[i] : 0.0f;
}
