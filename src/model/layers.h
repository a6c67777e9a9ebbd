/* layers.h: what each layer kind is, in one table: its name in model files,
 * its shape and parameter counts, whether a ReLU fuses into it. */
#ifndef NN_LAYERS_H
#define NN_LAYERS_H

#include "nn_model.h"

/* Fills l's output shape and its parameter and state counts from its input
 * shape (already in l); prev is the layer before (NULL for the first). The
 * message says what does not fit, without the layer's position
 * ("maxpool 2 does not fit a 1x1 input"). */
int nn_layer_shape(nn_layer *l, const nn_layer *prev, nn_err *err);

/* The input shape is within bounds. */
int nn_input_check(int c, int h, int w, nn_err *err);

#endif
