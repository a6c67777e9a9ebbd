/* optim.c: Adam and SGD-with-momentum updates over flat parameter vectors. */
#include <math.h>

#include "kernels.h"

/* m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 * p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
 * evaluated as PyTorch does: p -= step_size * m / (sqrt(v) / sqrt(bc2) + eps)
 * with step_size = lr / bc1, so the loop has one division and vectorizes
 * (the build uses -fno-math-errno so that sqrtf is an instruction). The
 * bias corrections are computed once, in double. */
void adam_update(float *params, float *m, float *v, const float *grads,
                 size_t n, float lr, float beta1, float beta2, float eps,
                 long step) {
    const double bc1 = 1.0 - pow(beta1, (double)step);
    const double bc2 = 1.0 - pow(beta2, (double)step);
    const float step_size = (float)(lr / bc1);
    const float inv_sqrt_bc2 = (float)(1.0 / sqrt(bc2));
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        const float g = grads[i];
        const float mi = beta1 * m[i] + (1.0f - beta1) * g;
        const float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        params[i] -= step_size * mi / (sqrtf(vi) * inv_sqrt_bc2 + eps);
    }
}

/* buf = momentum buf + g;  p -= lr buf. With buf starting at zero the first
 * step gives buf = g, as PyTorch does. */
void sgd_update(float *params, float *velocity, const float *grads, size_t n,
                float lr, float momentum) {
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        velocity[i] = momentum * velocity[i] + grads[i];
        params[i] -= lr * velocity[i];
    }
}
