/* bnorm.c: reference batch normalization over (n, c, hw), per channel:
 * training and inference forwards, the backward of the training forward,
 * and PyTorch's running-statistics update.
 *
 * Every per-channel sum is taken in double, in the order n then hw, by the
 * one thread that owns the channel: the result does not depend on the
 * thread count. */
#include <math.h>

#include "kernels.h"

/* Element (i, ch, j) of an (n, c, hw) tensor. */
static inline size_t at(const bnorm_shape *s, int i, int ch, int j) {
    return ((size_t)i * s->c + ch) * s->hw + j;
}

/* Two passes per channel (mean, then the mean of squared deviations), which
 * avoids the cancellation of E[x^2] - E[x]^2. */
void bnorm_batch_stats(float *mean, float *var, const float *src,
                       const bnorm_shape *s) {
    const double count = (double)s->n * s->hw;
    #pragma omp parallel for schedule(static)
    for (int ch = 0; ch < s->c; ch++) {
        double sum = 0, sq = 0;
        for (int i = 0; i < s->n; i++)
            for (int j = 0; j < s->hw; j++) sum += src[at(s, i, ch, j)];
        const double m = sum / count;
        for (int i = 0; i < s->n; i++) {
            for (int j = 0; j < s->hw; j++) {
                const double d = src[at(s, i, ch, j)] - m;
                sq += d * d;
            }
        }
        mean[ch] = (float)m;
        var[ch] = (float)(sq / count);
    }
}

/* The normalization uses the float mean and var as stored, the values the
 * backward will be given. */
void bnorm_forward_training(float *dst, float *mean, float *var,
                            const float *src, const float *scale,
                            const float *shift, const bnorm_shape *s) {
    bnorm_batch_stats(mean, var, src, s);
    bnorm_forward_inference(dst, src, mean, var, scale, shift, s);
}

/* dst = scale * (src - mean) / sqrt(var + eps) + shift, with the factor
 * scale / sqrt(var + eps) computed once per channel in double. */
void bnorm_forward_inference(float *dst, const float *src, const float *mean,
                             const float *var, const float *scale,
                             const float *shift, const bnorm_shape *s) {
    #pragma omp parallel for collapse(2) schedule(static)
    for (int i = 0; i < s->n; i++) {
        for (int ch = 0; ch < s->c; ch++) {
            const float a =
                (float)(scale[ch] / sqrt((double)var[ch] + s->eps));
            for (int j = 0; j < s->hw; j++) {
                const size_t k = at(s, i, ch, j);
                dst[k] = a * (src[k] - mean[ch]) + shift[ch];
            }
        }
    }
}

void bnorm_backward_sums(double *sum_dy, double *sum_dy_xhat,
                         const float *diff_dst, const float *src,
                         const float *mean, const float *var,
                         const bnorm_shape *s) {
    #pragma omp parallel for schedule(static)
    for (int ch = 0; ch < s->c; ch++) {
        const double r = 1.0 / sqrt((double)var[ch] + s->eps);
        double dy = 0, dy_xhat = 0;
        for (int i = 0; i < s->n; i++) {
            for (int j = 0; j < s->hw; j++) {
                const size_t k = at(s, i, ch, j);
                dy += diff_dst[k];
                dy_xhat += diff_dst[k] * (((double)src[k] - mean[ch]) * r);
            }
        }
        sum_dy[ch] = dy;
        sum_dy_xhat[ch] = dy_xhat;
    }
}

/* With r = 1 / sqrt(var + eps) and xhat = (src - mean) r:
 *   diff_src = scale r (dy - sum_dy / count - xhat sum_dy_xhat / count),
 * the last two terms being the paths through the batch mean and variance. */
void bnorm_backward_data(float *diff_src, const float *diff_dst,
                         const float *src, const float *mean,
                         const float *var, const float *scale,
                         const double *sum_dy, const double *sum_dy_xhat,
                         double count, const bnorm_shape *s) {
    #pragma omp parallel for schedule(static)
    for (int ch = 0; ch < s->c; ch++) {
        const double r = 1.0 / sqrt((double)var[ch] + s->eps);
        const double a = scale[ch] * r;
        const double mean_dy = sum_dy[ch] / count;
        const double mean_dy_xhat = sum_dy_xhat[ch] / count;
        for (int i = 0; i < s->n; i++) {
            for (int j = 0; j < s->hw; j++) {
                const size_t k = at(s, i, ch, j);
                const double xhat = ((double)src[k] - mean[ch]) * r;
                diff_src[k] =
                    (float)(a * (diff_dst[k] - mean_dy - xhat * mean_dy_xhat));
            }
        }
    }
}

/* diff_shift = sum dy, diff_scale = sum dy xhat, over this batch. */
void bnorm_backward(float *diff_src, float *diff_scale, float *diff_shift,
                    const float *diff_dst, const float *src,
                    const float *mean, const float *var, const float *scale,
                    const bnorm_shape *s) {
    double sum_dy[s->c], sum_dy_xhat[s->c];
    bnorm_backward_sums(sum_dy, sum_dy_xhat, diff_dst, src, mean, var, s);
    for (int ch = 0; ch < s->c; ch++) {
        diff_scale[ch] = (float)sum_dy_xhat[ch];
        diff_shift[ch] = (float)sum_dy[ch];
    }
    if (diff_src)
        bnorm_backward_data(diff_src, diff_dst, src, mean, var, scale, sum_dy,
                            sum_dy_xhat, (double)s->n * s->hw, s);
}

/* running = (1 - momentum) running + momentum batch, the batch variance
 * made unbiased by count / (count - 1) as PyTorch does. */
void bnorm_update_running(float *running_mean, float *running_var,
                          const float *mean, const float *var, int c,
                          long count, float momentum) {
    const double unbias = count > 1 ? (double)count / (double)(count - 1) : 1.0;
    for (int ch = 0; ch < c; ch++) {
        running_mean[ch] = (float)((1.0 - momentum) * running_mean[ch] +
                                   momentum * mean[ch]);
        running_var[ch] = (float)((1.0 - momentum) * running_var[ch] +
                                  momentum * (var[ch] * unbias));
    }
}
