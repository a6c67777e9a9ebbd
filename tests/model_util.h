/* model_util.h: building a model from a layer list in tests. */
#ifndef NN_TEST_MODEL_UTIL_H
#define NN_TEST_MODEL_UTIL_H

#include <stdio.h>
#include <string.h>

#include "nn_model.h"

/* The table of n layers on a c x h x w input. */
static inline nn_model_desc test_model_desc(const char *name,
                                            const nn_layer_spec *specs, int n,
                                            int c, int h, int w) {
    nn_model_desc d;
    memset(&d, 0, sizeof d);
    snprintf(d.name, sizeof d.name, "%s", name);
    d.in_c = c, d.in_h = h, d.in_w = w, d.n_layers = n;
    memcpy(d.layers, specs, (size_t)n * sizeof *specs);
    return d;
}

static inline int test_model_init(nn_model *m, const char *name,
                                  const nn_layer_spec *specs, int n, int c,
                                  int h, int w, nn_err *err) {
    nn_model_desc d = test_model_desc(name, specs, n, c, h, w);
    return nn_model_init(m, &d, err);
}

#endif
