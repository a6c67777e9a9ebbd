/* bnorm_dump.c: the reference batch-norm kernels on seeded random data, for
 * test_bnorm.py to compare with PyTorch.
 *
 *   bnorm_dump N C HW OUT
 *
 * writes to OUT, as raw float32 one after the other: the inputs src
 * (n, c, hw), scale (c), shift (c), diff_dst (n, c, hw), running_mean (c),
 * running_var (c); then the outputs of the training forward dst, mean, var,
 * of the inference forward on the running statistics dst_inf, of the
 * backward diff_src, diff_scale, diff_shift, and the running statistics
 * after bnorm_update_running (momentum 0.1). eps is 1e-5. */
#include <stdio.h>
#include <stdlib.h>

#include "kernels.h"
#include "nn_rng.h"

/* n floats a + b * uniform[-1, 1) */
static void fill(float *v, size_t n, nn_rng *rng, float a, float b) {
    for (size_t i = 0; i < n; i++)
        v[i] = a + b * (float)(2 * nn_rng_uniform(rng) - 1);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: bnorm_dump N C HW OUT\n");
        return 2;
    }
    const bnorm_shape s = {.n = atoi(argv[1]), .c = atoi(argv[2]),
                           .hw = atoi(argv[3]), .eps = 1e-5f};
    const size_t len = (size_t)s.n * s.c * s.hw, c = (size_t)s.c;
    if (s.n < 1 || s.c < 1 || s.hw < 1) {
        fprintf(stderr, "bnorm_dump: N, C and HW must be positive\n");
        return 2;
    }
    // one block carved into the 15 arrays, in the order they are written
    const size_t sizes[15] = {len, c, c, len, c, c,           // inputs
                              len, c, c, len, len, c, c, c, c}; // outputs
    float *a[15], *block;
    size_t total = 0;
    for (int i = 0; i < 15; i++) total += sizes[i];
    block = malloc(total * sizeof *block);
    if (!block) {
        fprintf(stderr, "bnorm_dump: out of memory\n");
        return 1;
    }
    for (int i = 0, off = 0; i < 15; off += sizes[i], i++) a[i] = block + off;
    float *src = a[0], *scale = a[1], *shift = a[2], *dy = a[3];
    float *rmean = a[4], *rvar = a[5];
    nn_rng rng;
    nn_rng_seed(&rng, 2024);
    // each channel its own offset and spread, so mean and var differ
    for (int i = 0; i < s.n; i++)
        for (int ch = 0; ch < s.c; ch++)
            fill(src + ((size_t)i * s.c + ch) * s.hw, s.hw, &rng,
                 (float)ch - 1, 0.5f + ch);
    fill(scale, c, &rng, 1, 0.5f);
    fill(shift, c, &rng, 0, 1);
    fill(dy, len, &rng, 0, 1);
    fill(rmean, c, &rng, 0, 1);
    fill(rvar, c, &rng, 2, 1);
    bnorm_forward_inference(a[9], src, rmean, rvar, scale, shift, &s);
    bnorm_forward_training(a[6], a[7], a[8], src, scale, shift, &s);
    bnorm_backward(a[10], a[11], a[12], dy, src, a[7], a[8], scale, &s);
    for (size_t i = 0; i < c; i++) {
        a[13][i] = rmean[i];
        a[14][i] = rvar[i];
    }
    bnorm_update_running(a[13], a[14], a[7], a[8], s.c, (long)s.n * s.hw,
                         0.1f);
    FILE *f = fopen(argv[4], "wb");
    if (!f || fwrite(block, sizeof *block, total, f) != total ||
        fclose(f) != 0) {
        fprintf(stderr, "bnorm_dump: %s: cannot write\n", argv[4]);
        return 1;
    }
    free(block);
    return 0;
}
