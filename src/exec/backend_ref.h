/* backend_ref.h: the reference executor behind nn_exec, built on kernels/
 * (see nn_backend.h for the meaning of each call). */
#ifndef NN_BACKEND_REF_H
#define NN_BACKEND_REF_H

#include <stdint.h>

#include "nn_backend.h"
#include "nn_error.h"
#include "nn_model.h"

typedef struct ref_exec ref_exec;

int ref_exec_create(ref_exec **out, const nn_model *m, int batch,
                    const nn_exec_opts *o, const float *params, float *grads,
                    nn_err *err);
void ref_exec_free(ref_exec *e);
void ref_exec_set_step(ref_exec *e, uint64_t seed, uint64_t step);
void ref_exec_set_first_image(ref_exec *e, int first_image);
void ref_exec_forward(ref_exec *e, const float *src, float *logits);
int ref_exec_backward(ref_exec *e, const float *diff_logits, nn_err *err);

#endif
