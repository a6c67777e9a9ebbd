/* test_backends.c: the oneDNN executor against the reference kernels, layer
 * kind by layer kind and on the real models: logits (forward), and every
 * parameter gradient (backward-weights of each layer, and through them the
 * backward-data of every layer after the first), with intra-op and
 * batch-split execution, in f32. */
#include "backend_cases.h"

int main(void) {
    compare_all(NN_PRECISION_F32, (tolerance){1e-4, 1e-4}, 0);
    return test_summary();
}
