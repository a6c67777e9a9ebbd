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
 * avoids the cancellation of E[x^2] - E[x]^2. The normalization uses the
 * float mean and var as stored, the values the backward will be given. */
void bnorm_forward_training(float *dst, float *mean, float *var,
                            const float *src, const float *scale,
                            const float *shift, const bnorm_shape *s) {
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

/* With M = n*hw values per channel, r = 1 / sqrt(var + eps) and
 * xhat = (src - mean) r:
 *   diff_shift = sum dy,  diff_scale = sum dy xhat,
 *   diff_src   = scale r (dy - diff_shift / M - xhat diff_scale / M),
 * the last two terms being the paths through the batch mean and variance. */
void bnorm_backward(float *diff_src, float *diff_scale, float *diff_shift,
                    const float *diff_dst, const float *src,
                    const float *mean, const float *var, const float *scale,
                    const bnorm_shape *s) {
    const double count = (double)s->n * s->hw;
    #pragma omp parallel for schedule(static)
    for (int ch = 0; ch < s->c; ch++) {
        const double r = 1.0 / sqrt((double)var[ch] + s->eps);
        double sum_dy = 0, sum_dy_xhat = 0;
        for (int i = 0; i < s->n; i++) {
            for (int j = 0; j < s->hw; j++) {
                const size_t k = at(s, i, ch, j);
                sum_dy += diff_dst[k];
                sum_dy_xhat += diff_dst[k] * (((double)src[k] - mean[ch]) * r);
            }
        }
        const double a = scale[ch] * r;
        const double mean_dy = sum_dy / count;
        const double mean_dy_xhat = sum_dy_xhat / count;
        for (int i = 0; i < s->n; i++) {
            for (int j = 0; j < s->hw; j++) {
                const size_t k = at(s, i, ch, j);
                const double xhat = ((double)src[k] - mean[ch]) * r;
                diff_src[k] =
                    (float)(a * (diff_dst[k] - mean_dy - xhat * mean_dy_xhat));
            }
        }
        diff_scale[ch] = (float)sum_dy_xhat;
        diff_shift[ch] = (float)sum_dy;
    }
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
