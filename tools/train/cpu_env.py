"""Picks OpenBLAS's and PyTorch's CPU kernels for this machine; import before numpy or torch.

Debian's OpenBLAS 0.3.21 and PyTorch pick slow kernels on the project's AVX-512 machines unless
told (DEVELOPERS' guide), and forcing AVX-512 kernels on a CPU without AVX-512 kills the process
with an illegal instruction. From /proc/cpuinfo's flags: AVX-512 with BF16 → OpenBLAS Cooperlake,
AVX-512 → SkylakeX (both with ATen's avx512 kernels), AVX2 → Haswell (ATen chooses itself).
Values already in the environment win.
"""
import os


def cpu_flags():
    """The CPU's feature flags from /proc/cpuinfo (empty where it cannot be read)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def kernels(flags):
    """(OPENBLAS_CORETYPE, ATEN_CPU_CAPABILITY or None) for a set of CPU flags, or (None, None)."""
    if "avx512f" in flags:
        return ("Cooperlake" if "avx512_bf16" in flags else "SkylakeX"), "avx512"
    if "avx2" in flags:
        return "Haswell", None
    return None, None


_core, _cap = kernels(cpu_flags())
if _core:
    os.environ.setdefault("OPENBLAS_CORETYPE", _core)
if _cap:
    os.environ.setdefault("ATEN_CPU_CAPABILITY", _cap)
