/* optim.c: Adam (with L2 or decoupled weight decay) and SGD-with-momentum
 * updates over flat parameter vectors, each one pass over the elements. */
#include <math.h>

#include "kernels.h"

/* The build targets plain x86-64 (SSE2: 4 floats a vector). These loops are
 * also compiled for AVX2 and AVX-512 and the CPU's best runs (an ifunc
 * resolved at load): same operations element by element (C11 mode: no FMA
 * contraction), so the same bits. Adam over the MLP's 235k parameters:
 * 0.16 -> 0.09 ms a step (2 threads, AVX-512). */
#if defined(__SANITIZE_ADDRESS__) /* gcc */
#define NN_SANITIZED 1
#elif defined(__has_feature) /* clang */
#if __has_feature(address_sanitizer)
#define NN_SANITIZED 1
#endif
#endif
/* (not under a sanitizer: ifunc resolvers run before its runtime is up;
 * not with clang 14, whose clones of these OpenMP loops left the callers'
 * symbols undefined at link time) */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(NN_SANITIZED)
#define WIDE_SIMD __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define WIDE_SIMD
#endif

/* coupled:    g += wd p                (torch.optim.Adam's weight_decay)
 * decoupled:  p *= 1 - lr wd           (torch.optim.AdamW)
 * m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 * p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
 * evaluated as PyTorch does: p -= step_size * m / (sqrt(v) / sqrt(bc2) + eps)
 * with step_size = lr / bc1, so the loop has one division and vectorizes
 * (the build uses -fno-math-errno so that sqrtf is an instruction). The
 * bias corrections are computed once, in double. Both kinds of decay are
 * folded into two constants so the loop has no branch: without decay,
 * g + 0 p and p * 1 are exact and the result is plain Adam's, bit for bit. */
WIDE_SIMD
void adam_update(float *params, float *m, float *v, const float *grads,
                 size_t n, float lr, float beta1, float beta2, float eps,
                 float weight_decay, int decoupled, long step) {
    const double bc1 = 1.0 - pow(beta1, (double)step);
    const double bc2 = 1.0 - pow(beta2, (double)step);
    const float step_size = (float)(lr / bc1);
    const float inv_sqrt_bc2 = (float)(1.0 / sqrt(bc2));
    const float l2 = decoupled ? 0.0f : weight_decay;
    const float shrink =
        decoupled ? (float)(1.0 - (double)lr * weight_decay) : 1.0f;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        const float p = params[i] * shrink;
        const float g = grads[i] + l2 * params[i];
        const float mi = beta1 * m[i] + (1.0f - beta1) * g;
        const float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        params[i] = p - step_size * mi / (sqrtf(vi) * inv_sqrt_bc2 + eps);
    }
}

/* g += wd p;  buf = momentum buf + g;  p -= lr buf. With buf starting at
 * zero the first step gives buf = g, as PyTorch does. */
WIDE_SIMD
void sgd_update(float *params, float *velocity, const float *grads, size_t n,
                float lr, float momentum, float weight_decay) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        const float g = grads[i] + weight_decay * params[i];
        velocity[i] = momentum * velocity[i] + g;
        params[i] -= lr * velocity[i];
    }
}
