/* CPU feature detection (common/cpu.h): cpuid through GCC/Clang's builtins,
 * and the AMX permission request of Linux's arch_prctl. */
#define _GNU_SOURCE /* syscall */
#include "cpu.h"

#include <pthread.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

static hv_cpu features;
static pthread_once_t features_once = PTHREAD_ONCE_INIT;

static void detect(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    features.avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    features.avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl");
    features.avx512_vnni = features.avx512 && __builtin_cpu_supports("avx512vnni");
    unsigned a, b, c, d;
    if (!features.avx512 || !__get_cpuid_count(7, 0, &a, &b, &c, &d) || a < 1) return;
    const int tile = (d >> 24) & 1, bf16 = (d >> 22) & 1;
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return;
    features.avx512_bf16 = (a >> 5) & 1;
    /* ARCH_REQ_XCOMP_PERM (0x1023) for XFEATURE_XTILEDATA (18) */
    features.amx_bf16 = tile && bf16 && features.avx512_bf16 &&
                        syscall(SYS_arch_prctl, 0x1023, 18) == 0;
#endif
}

const hv_cpu *hv_cpu_features(void)
{
    pthread_once(&features_once, detect);
    return &features;
}
