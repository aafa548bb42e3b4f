#!/bin/sh
# Encoder analysis (g_a, h_a, integer h_s, rounding) must be bit-identical
# across OpenBLAS core types and thread counts, hvic thread counts and SIMD
# kernels: every run prints the same latents hash.
# Usage: determinism.sh DUMP_LATENTS MODEL IMAGE WORKDIR
set -eu
dump=$1 model=$2 image=$3 work=$4
mkdir -p "$work"
first=
run() { # label, then env assignments
    label=$1; shift
    h=$(env "$@" "$dump" "$model" analyse "$image" 14000 9000 "$work" "${THREADS:-2}" | sed -n 's/^hash //p')
    echo "$label: $h"
    [ -n "$h" ] || { echo "no hash"; exit 1; }
    if [ -z "$first" ]; then first=$h; elif [ "$h" != "$first" ]; then echo "FAIL: hash differs"; exit 1; fi
}
run "Haswell, 1 BLAS thread" OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=1
run "Haswell, 2 BLAS threads" OPENBLAS_CORETYPE=Haswell OPENBLAS_NUM_THREADS=2
# the AVX-512 cores only where the CPU runs them (on an AVX2 CPU OpenBLAS's
# SkylakeX kernels die of an illegal instruction)
if grep -qw avx512f /proc/cpuinfo; then
    run "Cooperlake, 2 BLAS threads" OPENBLAS_CORETYPE=Cooperlake OPENBLAS_NUM_THREADS=2
    run "SkylakeX, 1 BLAS thread" OPENBLAS_CORETYPE=SkylakeX OPENBLAS_NUM_THREADS=1
else
    echo "no AVX-512 on this CPU: OpenBLAS Cooperlake/SkylakeX not compared"
fi
# the encoder's g_a/h_a kernels (hvic_model_set_kernels through the CLI's
# HVIC_KERNEL), each where the CPU has it
run "generic kernel" HVIC_KERNEL=generic
if grep -qw avx2 /proc/cpuinfo; then run "avx2 kernel" HVIC_KERNEL=avx2; fi
if grep -qw avx512f /proc/cpuinfo; then run "avx512 kernel" HVIC_KERNEL=avx512; fi
THREADS=1 run "1 hvic thread" OPENBLAS_NUM_THREADS=1
THREADS=3 run "3 hvic threads" OPENBLAS_NUM_THREADS=2
echo "PASS: all hashes equal"
