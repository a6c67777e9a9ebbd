/* denormals.c: flush-to-zero for the training threads. */
#include "denormals.h"

#if defined(__SSE2__)
#include <pmmintrin.h>
#include <xmmintrin.h>
#endif

void nn_flush_denormals(void) {
#if defined(__SSE2__)
    /* MXCSR is per thread: set it on every thread of the OpenMP pool, which
     * libgomp keeps alive and reuses for oneDNN's primitives too. */
#pragma omp parallel
    {
        _MM_SET_FLUSH_ZERO_MODE(_MM_FLUSH_ZERO_ON);
        _MM_SET_DENORMALS_ZERO_MODE(_MM_DENORMALS_ZERO_ON);
    }
#endif
}
