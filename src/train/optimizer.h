/* optimizer.h: optimizer state over the flat parameter vector. */
#ifndef NN_OPTIMIZER_H
#define NN_OPTIMIZER_H

#include <stddef.h>

#include "nn_error.h"
#include "nn_train.h"

typedef struct {
    nn_optim_kind kind;
    float lr;           /* of the next step: the trainer sets it from the
                           schedule before each step */
    float beta1, beta2, eps, momentum;
    float weight_decay; /* adamw: decoupled; adam, sgd: L2 (coupled) */
    long step;  /* updates done so far */
    size_t n;   /* parameters */
    float *m;   /* (n) Adam first moment, or SGD velocity */
    float *v;   /* (n) Adam second moment; NULL for SGD */
} nn_optimizer;

/* Adam and AdamW use PyTorch's defaults (0.9, 0.999, 1e-8). State starts
 * at zero. */
int nn_optimizer_init(nn_optimizer *o, nn_optim_kind kind, size_t n, float lr,
                      float momentum, float weight_decay, nn_err *err);
void nn_optimizer_free(nn_optimizer *o);
/* One update of params from grads (both (n)) with the learning rate o->lr. */
void nn_optimizer_step(nn_optimizer *o, float *params, const float *grads);

#endif
