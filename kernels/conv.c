/* conv.c: reference 2D convolution (cross-correlation), forward and backward.
 *
 * Output position o along one dimension reads input o*stride - pad + k for
 * kernel tap k. For each tap the range of o that stays inside the input is
 * computed once (valid_range), so the inner loops carry no padding checks. */
#include "kernels.h"

/* Output positions o in [*lo, *hi) whose input o*stride - pad + k lies in
 * [0, in):  o >= ceil((pad - k) / stride),
 *           o <= (in - 1 + pad - k) / stride. */
static void valid_range(int *lo, int *hi, int k, int in, int out, int stride,
                        int pad) {
    const int first = pad - k, last = in - 1 + pad - k;
    *lo = first > 0 ? (first + stride - 1) / stride : 0;
    *hi = last < 0 ? 0 : last / stride + 1;
    if (*hi > out) *hi = out;
    if (*lo > *hi) *lo = *hi;
}

/* One output plane: out (oh, ow) = bias + sum_{c,ky,kx} w[c][ky][kx] *
 * in[c][oy*stride - pad + ky][ox*stride - pad + kx], with in (ic, ih, iw)
 * one sample and w (ic, kh, kw) one output channel's filter. */
static void forward_plane(float *out, const float *in, const float *w,
                          float bias, const conv_shape *s, int oh, int ow) {
    for (int i = 0; i < oh * ow; i++) out[i] = bias;
    for (int c = 0; c < s->ic; c++) {
        for (int ky = 0; ky < s->kh; ky++) {
            int y0, y1;
            valid_range(&y0, &y1, ky, s->ih, oh, s->stride, s->pad);
            for (int kx = 0; kx < s->kw; kx++) {
                int x0, x1;
                valid_range(&x0, &x1, kx, s->iw, ow, s->stride, s->pad);
                const float wv = w[(c * s->kh + ky) * s->kw + kx];
                for (int oy = y0; oy < y1; oy++) {
                    const int iy = oy * s->stride - s->pad + ky;
                    const float *row = in + ((size_t)c * s->ih + iy) * s->iw;
                    float *orow = out + (size_t)oy * ow;
                    for (int ox = x0; ox < x1; ox++)
                        orow[ox] += wv * row[ox * s->stride - s->pad + kx];
                }
            }
        }
    }
}

void conv2d_forward(float *dst, const float *src, const float *weights,
                    const float *bias, const conv_shape *s) {
    const int oh = conv_out_dim(s->ih, s->kh, s->stride, s->pad);
    const int ow = conv_out_dim(s->iw, s->kw, s->stride, s->pad);
    const size_t in_plane = (size_t)s->ih * s->iw, out_plane = (size_t)oh * ow;
    const size_t filter = (size_t)s->ic * s->kh * s->kw;
    #pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < s->n; b++)
        for (int o = 0; o < s->oc; o++)
            forward_plane(dst + ((size_t)b * s->oc + o) * out_plane,
                          src + (size_t)b * s->ic * in_plane,
                          weights + (size_t)o * filter, bias[o], s, oh, ow);
}

/* One input plane (sample b, channel c): din (ih, iw) = sum over o, ky, kx,
 * oy, ox of w[o][c][ky][kx] * dout[o][oy][ox] scattered to the input
 * position that tap read, in a fixed order. dout (oc, oh, ow) is sample b,
 * weights (oc, ic, kh, kw) the whole tensor. */
static void backward_data_plane(float *din, const float *dout,
                                const float *weights, int c,
                                const conv_shape *s, int oh, int ow) {
    for (int i = 0; i < s->ih * s->iw; i++) din[i] = 0.0f;
    for (int o = 0; o < s->oc; o++) {
        const float *w = weights + ((size_t)o * s->ic + c) * s->kh * s->kw;
        for (int ky = 0; ky < s->kh; ky++) {
            int y0, y1;
            valid_range(&y0, &y1, ky, s->ih, oh, s->stride, s->pad);
            for (int kx = 0; kx < s->kw; kx++) {
                int x0, x1;
                valid_range(&x0, &x1, kx, s->iw, ow, s->stride, s->pad);
                const float wv = w[ky * s->kw + kx];
                for (int oy = y0; oy < y1; oy++) {
                    const int iy = oy * s->stride - s->pad + ky;
                    float *row = din + (size_t)iy * s->iw;
                    const float *grow = dout + ((size_t)o * oh + oy) * ow;
                    for (int ox = x0; ox < x1; ox++)
                        row[ox * s->stride - s->pad + kx] += wv * grow[ox];
                }
            }
        }
    }
}

/* diff_src (n, ic, ih, iw), parallel over (n, ic): each input plane is
 * owned by one thread, so the scatter needs no atomics. */
void conv2d_backward_data(float *diff_src, const float *diff_dst,
                          const float *weights, const conv_shape *s) {
    const int oh = conv_out_dim(s->ih, s->kh, s->stride, s->pad);
    const int ow = conv_out_dim(s->iw, s->kw, s->stride, s->pad);
    const size_t in_plane = (size_t)s->ih * s->iw, out_plane = (size_t)oh * ow;
    #pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < s->n; b++)
        for (int c = 0; c < s->ic; c++)
            backward_data_plane(diff_src + ((size_t)b * s->ic + c) * in_plane,
                                diff_dst + (size_t)b * s->oc * out_plane,
                                weights, c, s, oh, ow);
}

/* One filter slice dw (kh, kw) for output channel o, input channel c:
 * dw[ky][kx] = sum_{b,oy,ox} diff_dst[b][o][oy][ox] *
 *              src[b][c][oy*stride - pad + ky][ox*stride - pad + kx]. */
static void backward_weights_slice(float *dw, const float *diff_dst,
                                   const float *src, int o, int c,
                                   const conv_shape *s, int oh, int ow) {
    const size_t in_plane = (size_t)s->ih * s->iw, out_plane = (size_t)oh * ow;
    for (int ky = 0; ky < s->kh; ky++) {
        int y0, y1;
        valid_range(&y0, &y1, ky, s->ih, oh, s->stride, s->pad);
        for (int kx = 0; kx < s->kw; kx++) {
            int x0, x1;
            valid_range(&x0, &x1, kx, s->iw, ow, s->stride, s->pad);
            float acc = 0.0f;
            for (int b = 0; b < s->n; b++) {
                const float *g = diff_dst + ((size_t)b * s->oc + o) * out_plane;
                const float *x = src + ((size_t)b * s->ic + c) * in_plane;
                for (int oy = y0; oy < y1; oy++) {
                    const int iy = oy * s->stride - s->pad + ky;
                    const float *row = x + (size_t)iy * s->iw;
                    const float *grow = g + (size_t)oy * ow;
                    for (int ox = x0; ox < x1; ox++)
                        acc += grow[ox] * row[ox * s->stride - s->pad + kx];
                }
            }
            dw[ky * s->kw + kx] = acc;
        }
    }
}

/* diff_weights (oc, ic, kh, kw), parallel over (oc, ic); diff_bias (oc) =
 * sum of diff_dst over (n, oh, ow), parallel over oc. Every element is one
 * serial sum, so thread count and schedule do not change the bits. */
void conv2d_backward_weights(float *diff_weights, float *diff_bias,
                             const float *diff_dst, const float *src,
                             const conv_shape *s) {
    const int oh = conv_out_dim(s->ih, s->kh, s->stride, s->pad);
    const int ow = conv_out_dim(s->iw, s->kw, s->stride, s->pad);
    const size_t out_plane = (size_t)oh * ow, taps = (size_t)s->kh * s->kw;
    #pragma omp parallel for collapse(2) schedule(static)
    for (int o = 0; o < s->oc; o++)
        for (int c = 0; c < s->ic; c++)
            backward_weights_slice(
                diff_weights + ((size_t)o * s->ic + c) * taps, diff_dst, src,
                o, c, s, oh, ow);
    #pragma omp parallel for schedule(static)
    for (int o = 0; o < s->oc; o++) {
        float acc = 0.0f;
        for (int b = 0; b < s->n; b++) {
            const float *g = diff_dst + ((size_t)b * s->oc + o) * out_plane;
            for (size_t i = 0; i < out_plane; i++) acc += g[i];
        }
        diff_bias[o] = acc;
    }
}
