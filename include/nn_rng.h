/* nn_rng.h: explicit random number state (xoshiro256**), so every run is
 * repeatable from one seed. No rand(), no hidden globals. */
#ifndef NN_RNG_H
#define NN_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} nn_rng;

void nn_rng_seed(nn_rng *rng, uint64_t seed);   /* splitmix64 expansion */
uint64_t nn_rng_next(nn_rng *rng);              /* 64 random bits */
double nn_rng_uniform(nn_rng *rng);             /* in [0, 1), 53 bits */
uint32_t nn_rng_below(nn_rng *rng, uint32_t n); /* in [0, n), unbiased */
void nn_rng_shuffle(int *a, int n, nn_rng *rng); /* Fisher-Yates */

#endif
