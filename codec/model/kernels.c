/* Kernel choice of a loaded model (hvic_model_set_kernels, hvic_advanced.h):
 * the fastest kernels this CPU has (common/cpu.h), unless a caller picks
 * others. The weights of every kernel the CPU can run are prepared at load
 * (analysis/, hyper/, synthesis/), so a choice only flips these fields. */
#include "model.h"

#include <string.h>

#include "conv_det.h"
#include "cpu.h"

void hv_kernels_choose(hvic_model *m)
{
    const hv_cpu *cpu = hv_cpu_features();
    m->kernels.det = cpu->avx512 ? HV_DET_AVX512 : cpu->avx2_fma ? HV_DET_AVX2 : HV_DET_GENERIC;
    m->kernels.gs_amx = m->gs_amx != NULL;
    m->kernels.hs = cpu->avx512_vnni ? HV_HS_VNNI : cpu->avx2_fma ? HV_HS_AVX2 : HV_HS_DGEMM;
}

hvic_status hvic_model_set_kernels(hvic_model *m, const hvic_kernels *k)
{
    if (!m || !k) return HVIC_ERR_ARG;
    const hv_cpu *cpu = hv_cpu_features();
    hv_kernels next = m->kernels;
    if (k->analysis) {
        if (strcmp(k->analysis, "generic") == 0) next.det = HV_DET_GENERIC;
        else if (strcmp(k->analysis, "avx2") == 0) next.det = HV_DET_AVX2;
        else if (strcmp(k->analysis, "avx512") == 0) next.det = HV_DET_AVX512;
        else return HVIC_ERR_ARG;
        if ((next.det == HV_DET_AVX2 && !cpu->avx2_fma) || (next.det == HV_DET_AVX512 && !cpu->avx512))
            return HVIC_ERR_UNSUPPORTED;
    }
    if (k->synthesis) {
        if (strcmp(k->synthesis, "float") == 0) next.gs_amx = 0;
        else if (strcmp(k->synthesis, "amx-bf16") == 0) next.gs_amx = 1;
        else return HVIC_ERR_ARG;
        if (next.gs_amx && !m->gs_amx) return HVIC_ERR_UNSUPPORTED;
    }
    if (k->hyper) {
        if (strcmp(k->hyper, "dgemm") == 0) next.hs = HV_HS_DGEMM;
        else if (strcmp(k->hyper, "avx2") == 0) next.hs = HV_HS_AVX2;
        else if (strcmp(k->hyper, "vnni") == 0) next.hs = HV_HS_VNNI;
        else return HVIC_ERR_ARG;
        if ((next.hs == HV_HS_VNNI && !cpu->avx512_vnni) || (next.hs == HV_HS_AVX2 && !cpu->avx2_fma))
            return HVIC_ERR_UNSUPPORTED;
    }
    m->kernels = next;
    return HVIC_OK;
}

hvic_status hvic_model_get_kernels(const hvic_model *m, hvic_kernels *k)
{
    if (!m || !k) return HVIC_ERR_ARG;
    k->analysis = hv_det_kernel_name(m->kernels.det);
    k->synthesis = m->kernels.gs_amx ? "amx-bf16" : "float";
    k->hyper = m->kernels.hs == HV_HS_VNNI ? "vnni" : m->kernels.hs == HV_HS_AVX2 ? "avx2" : "dgemm";
    return HVIC_OK;
}
