/* pool.c: reference pooling (no padding): max pooling with an argmax
 * workspace, and average pooling. */
#include "kernels.h"

/* One plane: out (oh, ow), arg (oh, ow) from in (ih, iw). A strict '>'
 * keeps the first maximum in row-major order on ties. */
static void forward_plane(float *out, int32_t *arg, const float *in,
                          const pool_shape *s, int oh, int ow) {
    for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
            const int y0 = oy * s->stride, x0 = ox * s->stride;
            int32_t best_i = y0 * s->iw + x0;
            float best = in[best_i];
            for (int y = y0; y < y0 + s->k; y++) {
                for (int x = x0; x < x0 + s->k; x++) {
                    if (in[y * s->iw + x] > best) {
                        best = in[y * s->iw + x];
                        best_i = y * s->iw + x;
                    }
                }
            }
            out[oy * ow + ox] = best;
            arg[oy * ow + ox] = best_i;
        }
    }
}

/* dst, argmax (n, c, oh, ow); src (n, c, ih, iw); parallel over planes. */
void maxpool_forward(float *dst, int32_t *argmax, const float *src,
                     const pool_shape *s) {
    const int oh = conv_out_dim(s->ih, s->k, s->stride, 0);
    const int ow = conv_out_dim(s->iw, s->k, s->stride, 0);
    const size_t in_plane = (size_t)s->ih * s->iw, out_plane = (size_t)oh * ow;
    #pragma omp parallel for schedule(static)
    for (int p = 0; p < s->n * s->c; p++)
        forward_plane(dst + p * out_plane, argmax + p * out_plane,
                      src + p * in_plane, s, oh, ow);
}

/* diff_src (n, c, ih, iw) = 0, then diff_src[argmax] += diff_dst for every
 * output. '+=' matters when windows overlap (stride < k) and share a max;
 * each plane belongs to one thread, so the sums are in a fixed order. */
void maxpool_backward(float *diff_src, const float *diff_dst,
                      const int32_t *argmax, const pool_shape *s) {
    const int oh = conv_out_dim(s->ih, s->k, s->stride, 0);
    const int ow = conv_out_dim(s->iw, s->k, s->stride, 0);
    const size_t in_plane = (size_t)s->ih * s->iw, out_plane = (size_t)oh * ow;
    #pragma omp parallel for schedule(static)
    for (int p = 0; p < s->n * s->c; p++) {
        float *dx = diff_src + p * in_plane;       // (ih, iw)
        const float *dy = diff_dst + p * out_plane; // (oh, ow)
        const int32_t *arg = argmax + p * out_plane;
        for (size_t i = 0; i < in_plane; i++) dx[i] = 0.0f;
        for (size_t i = 0; i < out_plane; i++) dx[arg[i]] += dy[i];
    }
}

/* dst (n, c, oh, ow) = mean of each k x k window of src (n, c, ih, iw); the
 * window is summed in row-major order. Parallel over planes. */
void avgpool_forward(float *dst, const float *src, const pool_shape *s) {
    const int oh = conv_out_dim(s->ih, s->k, s->stride, 0);
    const int ow = conv_out_dim(s->iw, s->k, s->stride, 0);
    const size_t in_plane = (size_t)s->ih * s->iw, out_plane = (size_t)oh * ow;
    const float area = (float)(s->k * s->k);
    #pragma omp parallel for schedule(static)
    for (int p = 0; p < s->n * s->c; p++) {
        const float *in = src + p * in_plane; // (ih, iw)
        float *out = dst + p * out_plane;     // (oh, ow)
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                const int y0 = oy * s->stride, x0 = ox * s->stride;
                float sum = 0.0f;
                for (int y = y0; y < y0 + s->k; y++)
                    for (int x = x0; x < x0 + s->k; x++)
                        sum += in[y * s->iw + x];
                out[oy * ow + ox] = sum / area;
            }
        }
    }
}

/* diff_src (n, c, ih, iw) = 0, then every output's diff_dst / (k*k) is added
 * to each input of its window; inputs of overlapping windows (stride < k)
 * collect several shares, inputs of none (stride > k, or the last rows and
 * columns a window does not reach) stay 0. Each plane belongs to one thread
 * and is walked in output order, so the sums are in a fixed order. */
void avgpool_backward(float *diff_src, const float *diff_dst,
                      const pool_shape *s) {
    const int oh = conv_out_dim(s->ih, s->k, s->stride, 0);
    const int ow = conv_out_dim(s->iw, s->k, s->stride, 0);
    const size_t in_plane = (size_t)s->ih * s->iw, out_plane = (size_t)oh * ow;
    const float area = (float)(s->k * s->k);
    #pragma omp parallel for schedule(static)
    for (int p = 0; p < s->n * s->c; p++) {
        float *dx = diff_src + p * in_plane;        // (ih, iw)
        const float *dy = diff_dst + p * out_plane; // (oh, ow)
        for (size_t i = 0; i < in_plane; i++) dx[i] = 0.0f;
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                const int y0 = oy * s->stride, x0 = ox * s->stride;
                const float share = dy[oy * ow + ox] / area;
                for (int y = y0; y < y0 + s->k; y++)
                    for (int x = x0; x < x0 + s->k; x++)
                        dx[y * s->iw + x] += share;
            }
        }
    }
}
