/* sysinfo.c: version, commit, CPU model and oneDNN ISA of this run. */
#include "nn_sysinfo.h"

#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <string.h>

#include "version.h"

static const char *isa_name(dnnl_cpu_isa_t isa) {
    switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "unknown";
    }
}

static void cpu_model(char *out, size_t cap) {
    snprintf(out, cap, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0) continue;
        char *v = strchr(line, ':');
        if (!v) break;
        v += 1 + (v[1] == ' ');
        v[strcspn(v, "\n")] = '\0';
        snprintf(out, cap, "%s", v);
        break;
    }
    fclose(f);
}

void nn_sysinfo_get(nn_sysinfo *s) {
    memset(s, 0, sizeof *s);
    snprintf(s->version, sizeof s->version, "%s", NN_VERSION);
    snprintf(s->commit, sizeof s->commit, "%s", NN_COMMIT);
    cpu_model(s->cpu, sizeof s->cpu);
    const dnnl_version_t *v = dnnl_version();
    snprintf(s->onednn_version, sizeof s->onednn_version, "%d.%d.%d",
             v->major, v->minor, v->patch);
    snprintf(s->onednn_isa, sizeof s->onednn_isa, "%s",
             isa_name(dnnl_get_effective_cpu_isa()));
}
