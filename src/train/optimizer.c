/* optimizer.c: Adam, AdamW and SGD-with-momentum state around the kernels/
 * update loops. */
#include "optimizer.h"

#include <stdlib.h>
#include <string.h>

#include "kernels.h"

int nn_optimizer_init(nn_optimizer *o, nn_optim_kind kind, size_t n, float lr,
                      float momentum, float weight_decay, nn_err *err) {
    memset(o, 0, sizeof *o);
    o->kind = kind, o->n = n, o->lr = lr, o->momentum = momentum;
    o->weight_decay = weight_decay;
    o->beta1 = 0.9f, o->beta2 = 0.999f, o->eps = 1e-8f;
    int moments2 = kind != NN_OPTIM_SGD;
    o->m = calloc(n, sizeof(float));
    if (moments2) o->v = calloc(n, sizeof(float));
    if (!o->m || (moments2 && !o->v)) {
        nn_optimizer_free(o);
        return nn_errf(err, "optimizer: out of memory for %zu parameters", n);
    }
    return 0;
}

void nn_optimizer_free(nn_optimizer *o) {
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

void nn_optimizer_step(nn_optimizer *o, float *params, const float *grads) {
    o->step++;
    switch (o->kind) {
    case NN_OPTIM_ADAM:
    case NN_OPTIM_ADAMW:
        adam_update(params, o->m, o->v, grads, o->n, o->lr, o->beta1,
                    o->beta2, o->eps, o->weight_decay,
                    o->kind == NN_OPTIM_ADAMW, o->step);
        break;
    case NN_OPTIM_SGD:
        sgd_update(params, o->m, grads, o->n, o->lr, o->momentum,
                   o->weight_decay);
        break;
    }
}
