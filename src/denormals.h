/* denormals.h: treat denormal floats as zero on the training threads.
 *
 * Late in training many gradients are tiny; Adam's second moment (g^2 x
 * 0.001) then falls into the denormal range, where x86 arithmetic is several
 * times slower (measured: Adam over the MLP's 235k parameters 0.35 ms vs
 * 0.14 ms per step). Values below 1.2e-38 do not matter to training;
 * TensorFlow flushes them by default for the same reason. */
#ifndef NN_DENORMALS_H
#define NN_DENORMALS_H

void nn_flush_denormals(void);

#endif
