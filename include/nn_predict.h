/* nn_predict.h: forward passes of saved weights over images, batched, on the
 * same executors and runner as training (forward only). Needs no data set. */
#ifndef NN_PREDICT_H
#define NN_PREDICT_H

#include <stdint.h>

#include "nn_error.h"
#include "nn_model.h"
#include "nn_train.h"

typedef struct nn_predictor nn_predictor;

/* Loads the model and weights of a checkpoint (nn_saved_model_load). */
int nn_predictor_open(nn_predictor **out, const char *checkpoint,
                      nn_err *err);
/* Builds the executors for batches of `batch` images on `threads` OpenMP
 * threads, with the backend and parallel strategy the run used. Once,
 * before nn_predictor_run. */
int nn_predictor_start(nn_predictor *p, int batch, int threads, nn_err *err);
void nn_predictor_free(nn_predictor *p);

const nn_model *nn_predictor_model(const nn_predictor *p);
const nn_train_config *nn_predictor_config(const nn_predictor *p);

/* For n images (n, C*H*W) in [0, 1]: logits (n, classes), probabilities
 * (n, classes) = softmax of the logits, pred (n) = arg-max of the logits
 * (the first on ties, as training counts accuracy). Any output may be NULL. */
int nn_predictor_run(nn_predictor *p, const float *images, int n,
                     float *logits, float *probs, uint8_t *pred, nn_err *err);

#endif
