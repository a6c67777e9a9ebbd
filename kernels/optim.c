/* optim.c: Adam and SGD-with-momentum updates over flat parameter vectors. */
#include <math.h>

#include "kernels.h"

/* m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 * p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
 * The bias corrections are computed once, in double. */
void adam_update(float *params, float *m, float *v, const float *grads,
                 size_t n, float lr, float beta1, float beta2, float eps,
                 long step) {
    const float bc1 = (float)(1.0 - pow(beta1, (double)step));
    const float bc2 = (float)(1.0 - pow(beta2, (double)step));
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        const float g = grads[i];
        m[i] = beta1 * m[i] + (1.0f - beta1) * g;
        v[i] = beta2 * v[i] + (1.0f - beta2) * g * g;
        const float m_hat = m[i] / bc1;
        const float v_hat = v[i] / bc2;
        params[i] -= lr * m_hat / (sqrtf(v_hat) + eps);
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
