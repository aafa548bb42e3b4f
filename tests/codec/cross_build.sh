#!/bin/sh
# Encoded bytes and decoded latents must not depend on the compiler or the
# optimisation level: builds hvic a second time with clang -O0 (or gcc -O0
# when clang is missing) and compares with the main build's hvic.
# Usage: cross_build.sh SOURCE_DIR MAIN_HVIC MODEL IMAGE WORKDIR
set -u
src=$1 main=$2 model=$3 image=$4 work=$5
cc=clang
command -v clang > /dev/null 2>&1 || cc=gcc
mkdir -p "$work"
bdir=$work/build-$cc-O0
start=$(date +%s)
if ! { cmake -S "$src" -B "$bdir" -DCMAKE_C_COMPILER=$cc -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_C_FLAGS_DEBUG=-O0 -DHVIC_BUILD_TESTS=OFF > "$work/configure.log" 2>&1 &&
      cmake --build "$bdir" --target hvic -j2 > "$work/build.log" 2>&1; }; then
    echo "FAIL: second build ($cc -O0) failed; see $work/*.log"; tail -20 "$work/build.log"; exit 1
fi
echo "built hvic with $cc -O0 in $(( $(date +%s) - start )) s"
other=$bdir/hvic
export HVIC_MODEL="$model"
fails=0
for q in 10 90; do
    "$main" encode "$image" -o "$work/main_$q.hvic" -q $q || fails=$((fails + 1))
    t0=$(date +%s)
    "$other" encode "$image" -o "$work/other_$q.hvic" -q $q || fails=$((fails + 1))
    t1=$(date +%s)
    if cmp -s "$work/main_$q.hvic" "$work/other_$q.hvic"; then
        echo "ok   quality $q: identical files ($(wc -c < "$work/main_$q.hvic") bytes; -O0 encode $((t1 - t0)) s)"
    else
        echo "FAIL quality $q: files differ"; fails=$((fails + 1))
    fi
    a=$("$main" info "$work/main_$q.hvic" --latents-hash)
    b=$("$other" info "$work/main_$q.hvic" --latents-hash)
    if [ -n "$a" ] && [ "$a" = "$b" ]; then echo "ok   quality $q: decoded $a in both"
    else echo "FAIL quality $q: decoded latents hash '$a' vs '$b'"; fails=$((fails + 1)); fi
done
[ "$fails" -eq 0 ] && echo "PASS" || echo "FAIL: $fails"
[ "$fails" -eq 0 ]
