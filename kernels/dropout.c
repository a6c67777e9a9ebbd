/* dropout.c: reference dropout, forward and backward (in place allowed).
 * The mask is never stored: both directions redraw it from (seed, step,
 * first + i) with dropout_keep, so any thread, any batch slice and the
 * backward all see the same mask. */
#include "kernels.h"

/* Like PyTorch, kept values are multiplied by the float 1 / (1 - p) (not
 * divided by 1 - p; the two can differ in the last bit). */
static void dropout_apply(float *dst, const float *src, size_t n, size_t first,
                          float p, uint64_t seed, uint64_t step) {
    const float scale = 1.0f / (1.0f - p);
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        dst[i] = dropout_keep(seed, step, first + i, p) ? src[i] * scale : 0.0f;
}

void dropout_forward(float *dst, const float *src, size_t n, size_t first,
                     float p, uint64_t seed, uint64_t step) {
    dropout_apply(dst, src, n, first, p, seed, step);
}

/* diff_src = diff_dst * mask / (1 - p): the same map as the forward. */
void dropout_backward(float *diff_src, const float *diff_dst, size_t n,
                      size_t first, float p, uint64_t seed, uint64_t step) {
    dropout_apply(diff_src, diff_dst, n, first, p, seed, step);
}
