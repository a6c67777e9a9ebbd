/* evaluate.h: loss, accuracy and confusion matrix of a model on a dataset. */
#ifndef NN_EVALUATE_H
#define NN_EVALUATE_H

#include <stdint.h>

#include "batch.h"
#include "nn_data.h"
#include "runner.h"

typedef struct {
    double loss;     /* mean per-sample loss */
    double acc;      /* % correct */
    int classes;     /* the batch's (the model's) */
    long *confusion; /* (classes, classes) [true][predicted], the caller's
                        buffer; NULL: not counted */
} nn_eval_result;

/* Forward passes over ds in order, batch by batch (the runner's batch size;
 * the last batch zero-padded). confusion, when not NULL, holds b->classes^2
 * counts: it is zeroed, filled and pointed to by out. */
int nn_evaluate(nn_runner *r, nn_batch *b, const nn_dataset *ds,
                nn_loss_kind loss, long *confusion, nn_eval_result *out,
                nn_err *err);

#endif
