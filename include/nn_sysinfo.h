/* nn_sysinfo.h: what a result must be recorded with: nntrain version and
 * commit, CPU model, oneDNN version and the ISA its kernels use. */
#ifndef NN_SYSINFO_H
#define NN_SYSINFO_H

typedef struct {
    char version[32];        /* nntrain */
    char commit[48];         /* git describe of the build */
    char cpu[128];           /* /proc/cpuinfo model name */
    char onednn_version[32]; /* e.g. 2.6.3 */
    char onednn_isa[32];     /* e.g. avx512_core_bf16 */
} nn_sysinfo;

void nn_sysinfo_get(nn_sysinfo *s);

#endif
