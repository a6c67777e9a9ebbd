/* softmax_loss.c: softmax followed by MSE or cross-entropy loss, with the
 * gradient of the batch-mean loss w.r.t. the logits. */
#include <math.h>

#include "kernels.h"

/* p_j = exp(z_j - zmax) / sum, recomputed where needed instead of stored so
 * the kernel needs no scratch buffer (rows are short: one per class). */
static float prob(const float *z, int j, float zmax, float inv_sum) {
    return expf(z[j] - zmax) * inv_sum;
}

/* MSE on one row: loss = mean_j (p_j - y_j)^2. With g_j = scale (p_j - y_j),
 * scale = 2 / (n * classes):  dz_i = p_i (g_i - sum_j g_j p_j). */
static float mse_row(float *dz, const float *z, int label, int classes,
                     float zmax, float inv_sum, float scale) {
    float sq = 0.0f, gp = 0.0f; // gp = sum_j g_j p_j
    for (int j = 0; j < classes; j++) {
        const float p = prob(z, j, zmax, inv_sum);
        const float d = p - (j == label ? 1.0f : 0.0f);
        sq += d * d;
        gp += scale * d * p;
    }
    if (dz) {
        for (int i = 0; i < classes; i++) {
            const float p = prob(z, i, zmax, inv_sum);
            const float g = scale * (p - (i == label ? 1.0f : 0.0f));
            dz[i] = p * (g - gp);
        }
    }
    return sq / (float)classes;
}

/* Cross-entropy on one row: loss = -log p_label = log(sum) - (z_label - zmax),
 * finite even when p_label underflows.  dz_i = (p_i - y_i) / n. */
static float ce_row(float *dz, const float *z, int label, int classes,
                    float zmax, float sum, float inv_n) {
    if (dz) {
        const float inv_sum = 1.0f / sum;
        for (int i = 0; i < classes; i++) {
            const float p = prob(z, i, zmax, inv_sum);
            dz[i] = (p - (i == label ? 1.0f : 0.0f)) * inv_n;
        }
    }
    return logf(sum) - (z[label] - zmax);
}

void softmax_loss(float *diff_logits, float *sample_loss, uint8_t *pred,
                  const float *logits, const uint8_t *labels, int n,
                  int classes, loss_kind kind) {
    #pragma omp parallel for schedule(static)
    for (int r = 0; r < n; r++) {
        const float *z = logits + (size_t)r * classes; // (classes)
        float *dz = diff_logits ? diff_logits + (size_t)r * classes : NULL;
        int best = 0; // arg-max, first on ties
        for (int j = 1; j < classes; j++)
            if (z[j] > z[best]) best = j;
        const float zmax = z[best];
        float sum = 0.0f;
        for (int j = 0; j < classes; j++) sum += expf(z[j] - zmax);
        pred[r] = (uint8_t)best;
        if (kind == LOSS_MSE)
            sample_loss[r] = mse_row(dz, z, labels[r], classes, zmax,
                                     1.0f / sum, 2.0f / ((float)n * classes));
        else
            sample_loss[r] = ce_row(dz, z, labels[r], classes, zmax, sum,
                                    1.0f / (float)n);
    }
}
