/* Kernel choice of a loaded model (hvic_model_set_kernels, hvic_advanced.h):
 * the fastest kernels this CPU has (common/cpu.h), unless a caller picks
 * others. A choice only flips these fields: each kernel's weight layout is
 * made on its first use (hv_model_prepare). */
#include "model.h"

#include <string.h>

#include "cpu.h"
#include "gs_bf16.h"

void hv_kernels_choose(hvic_model *m)
{
    const hv_cpu *cpu = hv_cpu_features();
    m->kernels.det = cpu->avx512 ? HV_DET_AVX512 : cpu->avx2_fma ? HV_DET_AVX2 : HV_DET_GENERIC;
    m->kernels.gs = !hv_gs_bf16_usable(m) ? HV_GS_FLOAT : cpu->amx_bf16 ? HV_GS_AMX : HV_GS_AVX512BF16;
    m->kernels.hs = cpu->avx512_vnni ? HV_HS_VNNI : cpu->avx2_fma ? HV_HS_AVX2 : HV_HS_DGEMM;
}

/* The names of each stage's kernels (hvic_kernels), indexed by HV_DET_*, 0/1
 * HV_GS_* and HV_HS_*. */
static const char *const det_names[] = {"generic", "avx2", "avx512"};
static const char *const gs_names[] = {"float", "amx-bf16", "avx512-bf16"};
static const char *const hs_names[] = {"dgemm", "avx2", "vnni"};

/* The index of name in names[0..n), or -1. */
static int find(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return i;
    return -1;
}

/* 1 if model m can run kernels k on this CPU. */
static int runnable(const hvic_model *m, const hv_kernels *k)
{
    const hv_cpu *cpu = hv_cpu_features();
    return !(k->det == HV_DET_AVX2 && !cpu->avx2_fma) && !(k->det == HV_DET_AVX512 && !cpu->avx512) &&
           !(k->gs != HV_GS_FLOAT && !hv_gs_bf16_usable(m)) && !(k->gs == HV_GS_AMX && !cpu->amx_bf16) &&
           !(k->gs == HV_GS_AVX512BF16 && !cpu->avx512_bf16) && !(k->hs == HV_HS_AVX2 && !cpu->avx2_fma) &&
           !(k->hs == HV_HS_VNNI && !cpu->avx512_vnni);
}

hvic_status hvic_model_set_kernels(hvic_model *m, const hvic_kernels *k)
{
    if (!m || !k) return HVIC_ERR_ARG;
    hv_kernels next = m->kernels;
    if ((k->analysis && (next.det = find(det_names, 3, k->analysis)) < 0) ||
        (k->synthesis && (next.gs = find(gs_names, 3, k->synthesis)) < 0) ||
        (k->hyper && (next.hs = find(hs_names, 3, k->hyper)) < 0))
        return HVIC_ERR_ARG;
    if (!runnable(m, &next)) return HVIC_ERR_UNSUPPORTED;
    m->kernels = next;
    return HVIC_OK;
}

unsigned hv_prep_hs(int kernel)
{
    return kernel == HV_HS_DGEMM ? HV_PREP_HS_DGEMM : HV_PREP_HS_PAIRS;
}

unsigned hv_prep_gs(int kernel)
{
    return kernel == HV_GS_FLOAT ? HV_PREP_GS_FLOAT : HV_PREP_GS_BF16;
}

hvic_status hvic_model_get_kernels(const hvic_model *m, hvic_kernels *k)
{
    if (!m || !k) return HVIC_ERR_ARG;
    k->analysis = det_names[m->kernels.det];
    k->synthesis = gs_names[m->kernels.gs];
    k->hyper = hs_names[m->kernels.hs];
    return HVIC_OK;
}
