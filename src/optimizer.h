/* optimizer.h: optimizer state over the flat parameter vector. */
#ifndef NN_OPTIMIZER_H
#define NN_OPTIMIZER_H

#include <stddef.h>

#include "nn_error.h"
#include "nn_train.h"

typedef struct {
    nn_optim_kind kind;
    float lr, beta1, beta2, eps, momentum;
    long step;  /* updates done so far */
    size_t n;   /* parameters */
    float *m;   /* (n) Adam first moment, or SGD velocity */
    float *v;   /* (n) Adam second moment; NULL for SGD */
} nn_optimizer;

/* Adam uses PyTorch's defaults (0.9, 0.999, 1e-8). State starts at zero. */
int nn_optimizer_init(nn_optimizer *o, nn_optim_kind kind, size_t n, float lr,
                      float momentum, nn_err *err);
void nn_optimizer_free(nn_optimizer *o);
/* One update of params from grads (both (n)). */
void nn_optimizer_step(nn_optimizer *o, float *params, const float *grads);

#endif
