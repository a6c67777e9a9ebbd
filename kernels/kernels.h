/* kernels.h: plain C + OpenMP kernels for every op nntrain runs.
 *
 * They are the test oracle for the oneDNN backend and a fallback backend that
 * needs no oneDNN at run time; the loss and optimizer kernels are used by
 * every backend. Written for clarity first, speed second.
 *
 * Layouts are PyTorch's, row-major: activations (N, C, H, W), dense weights
 * (OC, IC), conv weights (OC, IC, KH, KW). Forward kernels overwrite dst.
 * Backward kernels OVERWRITE their outputs (diff_src, diff_weights,
 * diff_bias); they never accumulate. Gradients are dL/dx, never negated.
 * Reductions are done in a fixed order so results do not depend on how
 * OpenMP schedules threads: same inputs, same thread count, same bits. */
#ifndef NN_KERNELS_H
#define NN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* ---- counter-based random numbers ----------------------------------------- */
/* A uniform float in [0, 1) that is a pure function of (seed, stream, index):
 * no state, so any thread can draw any element's number and the result does
 * not depend on the thread count or the order of the draws. Dropout keys it
 * by (seed, step, element), augmentation by (seed, step, image). Each word is
 * folded in through splitmix64's finalizer, a bijective 64-bit mix. */
static inline uint64_t nn_counter_mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}
static inline float nn_counter_uniform(uint64_t seed, uint64_t stream,
                                       uint64_t index) {
    uint64_t x = nn_counter_mix(nn_counter_mix(nn_counter_mix(seed) ^ stream) ^
                                index);
    return (float)(x >> 40) * (1.0f / 16777216.0f); /* top 24 bits */
}

/* ---- dense (inner product) ---------------------------------------------- */
/* dst (n, oc) = src (n, ic) . weights (oc, ic)^T + bias (oc) */
void dense_forward(float *dst, const float *src, const float *weights,
                   const float *bias, int n, int ic, int oc);
/* diff_src (n, ic) = diff_dst (n, oc) . weights (oc, ic) */
void dense_backward_data(float *diff_src, const float *diff_dst,
                         const float *weights, int n, int ic, int oc);
/* diff_weights (oc, ic) = diff_dst^T . src; diff_bias (oc) = column sums */
void dense_backward_weights(float *diff_weights, float *diff_bias,
                            const float *diff_dst, const float *src,
                            int n, int ic, int oc);

/* ---- 2D convolution (cross-correlation, like PyTorch) -------------------- */
typedef struct {
    int n, ic, ih, iw;   /* src (n, ic, ih, iw) */
    int oc, kh, kw;      /* weights (oc, ic, kh, kw), bias (oc) */
    int stride, pad;     /* same in both directions, zero padding */
} conv_shape;

/* Output size of a conv or pool window along one dimension. */
static inline int conv_out_dim(int in, int k, int stride, int pad) {
    return (in + 2 * pad - k) / stride + 1;
}

void conv2d_forward(float *dst, const float *src, const float *weights,
                    const float *bias, const conv_shape *s);
void conv2d_backward_data(float *diff_src, const float *diff_dst,
                          const float *weights, const conv_shape *s);
void conv2d_backward_weights(float *diff_weights, float *diff_bias,
                             const float *diff_dst, const float *src,
                             const conv_shape *s);

/* ---- max pooling (no padding) --------------------------------------------- */
typedef struct {
    int n, c, ih, iw;    /* src (n, c, ih, iw); dst (n, c, oh, ow) */
    int k, stride;       /* square window k x k */
} pool_shape;

/* argmax (n, c, oh, ow): index y*iw + x of the max inside its (ih, iw) plane;
 * ties go to the first element in row-major order. */
void maxpool_forward(float *dst, int32_t *argmax, const float *src,
                     const pool_shape *s);
/* diff_src is overwritten: zero everywhere but the argmax positions. */
void maxpool_backward(float *diff_src, const float *diff_dst,
                      const int32_t *argmax, const pool_shape *s);

/* ---- average pooling (no padding): mean over each k x k window ---------- */
void avgpool_forward(float *dst, const float *src, const pool_shape *s);
/* diff_src overwritten: each window's diff_dst / (k*k) added to its inputs */
void avgpool_backward(float *diff_src, const float *diff_dst,
                      const pool_shape *s);

/* ---- batch normalization, per channel over (n, c, hw) -------------------- */
typedef struct {
    int n, c, hw; /* src (n, c, hw): hw = H*W for conv outputs, 1 for dense */
    float eps;    /* added to the variance (PyTorch: 1e-5) */
} bnorm_shape;
/* The batch mean and BIASED variance (divide by n*hw) per channel. */
void bnorm_batch_stats(float *mean, float *var, const float *src,
                       const bnorm_shape *s);
/* Training: batch mean and BIASED variance (divide by n*hw) per channel into
 * mean (c), var (c); dst = scale * (src - mean) / sqrt(var + eps) + shift. */
void bnorm_forward_training(float *dst, float *mean, float *var,
                            const float *src, const float *scale,
                            const float *shift, const bnorm_shape *s);
/* Inference: the same with the given (running) mean and var. */
void bnorm_forward_inference(float *dst, const float *src, const float *mean,
                             const float *var, const float *scale,
                             const float *shift, const bnorm_shape *s);
/* Backward of the training forward (batch statistics mean/var as it computed
 * them): diff_src (n, c, hw; NULL: not wanted), diff_scale (c), diff_shift
 * (c), overwritten. */
void bnorm_backward(float *diff_src, float *diff_scale, float *diff_shift,
                    const float *diff_dst, const float *src,
                    const float *mean, const float *var, const float *scale,
                    const bnorm_shape *s);
/* The backward in two halves, for statistics that span several batches
 * (synchronized batch norm: each MPI rank holds a slice): the per-channel
 * sums sum_dy = sum dy and sum_dy_xhat = sum dy xhat over this batch (c
 * each), then diff_src from the sums over all `count` values per channel
 * that the statistics came from. */
void bnorm_backward_sums(double *sum_dy, double *sum_dy_xhat,
                         const float *diff_dst, const float *src,
                         const float *mean, const float *var,
                         const bnorm_shape *s);
void bnorm_backward_data(float *diff_src, const float *diff_dst,
                         const float *src, const float *mean,
                         const float *var, const float *scale,
                         const double *sum_dy, const double *sum_dy_xhat,
                         double count, const bnorm_shape *s);
/* PyTorch's running statistics update after a training forward over `count`
 * values per channel (n*hw): running = (1 - momentum) * running + momentum *
 * batch, where the batch variance is made UNBIASED (var * count/(count-1);
 * count 1 keeps var as is). PyTorch's momentum is 0.1. */
void bnorm_update_running(float *running_mean, float *running_var,
                          const float *mean, const float *var, int c,
                          long count, float momentum);

/* ---- dropout ------------------------------------------------------------- */
/* Element i (logical index `first + i`, so a batch slice draws the same mask
 * as the whole batch) is kept with probability 1 - p and then scaled by
 * 1 / (1 - p), else zeroed; the mask is nn_counter_uniform(seed, step,
 * first + i) >= p (nn_counter_uniform is above). In place allowed.
 * p in [0, 1). */
static inline int dropout_keep(uint64_t seed, uint64_t step, uint64_t index,
                               float p) {
    return nn_counter_uniform(seed, step, index) >= p;
}
void dropout_forward(float *dst, const float *src, size_t n, size_t first,
                     float p, uint64_t seed, uint64_t step);
/* diff_src = diff_dst * the same mask and scale (recomputed, not stored). */
void dropout_backward(float *diff_src, const float *diff_dst, size_t n,
                      size_t first, float p, uint64_t seed, uint64_t step);

/* ---- ReLU (in place allowed: dst == src, diff_src == diff_dst) ---------- */
void relu_forward(float *dst, const float *src, size_t n);
/* Uses the forward output: diff_src = dst > 0 ? diff_dst : 0. */
void relu_backward(float *diff_src, const float *diff_dst, const float *dst,
                   size_t n);

/* ---- softmax + loss ------------------------------------------------------- */
typedef enum {
    LOSS_MSE,           /* mean over classes of (softmax - onehot)^2 (seed) */
    LOSS_CROSS_ENTROPY, /* -log softmax[label] */
} loss_kind;

/* For n rows of logits (n, classes): per-sample loss into sample_loss (n)
 * (mean over the classes for MSE, like PyTorch's MSELoss), the arg-max class
 * into pred (n), and, when diff_logits is not NULL, the gradient of the
 * batch loss (mean of sample_loss over the n rows) w.r.t. the logits into
 * diff_logits (n, classes). Softmax is computed stably (max subtracted).
 *   MSE:  p = softmax(z), g_j = 2 (p_j - y_j) / (n * classes),
 *         dL/dz_i = p_i (g_i - sum_j g_j p_j)
 *   CE:   dL/dz_i = (p_i - y_i) / n
 * OpenMP over the rows. Returns nothing: callers sum sample_loss in order. */
void softmax_loss(float *diff_logits, float *sample_loss, uint8_t *pred,
                  const float *logits, const uint8_t *labels, int n,
                  int classes, loss_kind kind);

/* ---- optimizers over flat parameter vectors (OpenMP over elements) -------- */
/* Adam as in PyTorch (step t counts from 1), with weight decay wd either
 * coupled (torch.optim.Adam's weight_decay: an L2 term in the gradient) or
 * decoupled (torch.optim.AdamW: the weights shrink before the Adam step):
 *   coupled:    g += wd p
 *   decoupled:  p *= 1 - lr wd
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *   p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
 * wd = 0 gives plain Adam, bit for bit. */
void adam_update(float *params, float *m, float *v, const float *grads,
                 size_t n, float lr, float beta1, float beta2, float eps,
                 float weight_decay, int decoupled, long step);
/* SGD with momentum and coupled weight decay as in PyTorch:
 *   g += wd p;  buf = momentum buf + g;  p -= lr buf. */
void sgd_update(float *params, float *velocity, const float *grads, size_t n,
                float lr, float momentum, float weight_decay);

#endif
