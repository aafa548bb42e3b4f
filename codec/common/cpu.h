/* The CPU's instruction-set features, detected once per process: the one
 * place where hvic asks the CPU what it has. Kernels are chosen from these
 * at model load (model/kernels.c) and may be overridden through
 * hvic_model_set_kernels() (hvic_advanced.h). Internal header. */
#ifndef HV_CPU_H
#define HV_CPU_H

/** Features used by hvic's kernels; each 1 when present and usable. */
typedef struct hv_cpu {
    int avx2_fma;   /* AVX2 and FMA3 */
    int avx512;     /* AVX-512 F, BW, VL */
    int avx512_vnni;
    int avx512_bf16;
    int amx_bf16;   /* AMX-TILE and AMX-BF16 with AVX-512, and the kernel has
                       granted this process the tile data state (Linux >= 5.16) */
} hv_cpu;

/** This CPU's features (all 0 off x86-64). Thread-safe; detected on the
 *  first call. */
const hv_cpu *hv_cpu_features(void);

#endif
