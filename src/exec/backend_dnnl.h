/* backend_dnnl.h: the oneDNN executor behind nn_exec (see nn_backend.h for
 * the meaning of each call). */
#ifndef NN_BACKEND_DNNL_H
#define NN_BACKEND_DNNL_H

#include <stdint.h>

#include "nn_error.h"
#include "nn_model.h"

typedef struct dnnl_exec dnnl_exec;

#include "nn_backend.h"

/* o's precision, inference mode and first image (see backend_dnnl.c). */
int dnnl_exec_create(dnnl_exec **out, const nn_model *m, int batch,
                     const nn_exec_opts *o, const float *params, float *grads,
                     nn_err *err);
void dnnl_exec_set_step(dnnl_exec *e, uint64_t seed, uint64_t step);
void dnnl_exec_set_first_image(dnnl_exec *e, int first_image);
void dnnl_exec_free(dnnl_exec *e);
int dnnl_exec_sync_params(dnnl_exec *e, nn_err *err);
void dnnl_exec_profile(dnnl_exec *e, int enable);
void dnnl_exec_layer_seconds(const dnnl_exec *e, double *fwd, double *bwd);
int dnnl_exec_forward(dnnl_exec *e, const float *src, float *logits,
                      nn_err *err);
int dnnl_exec_backward(dnnl_exec *e, const float *diff_logits, nn_err *err);

#endif
