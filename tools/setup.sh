#!/usr/bin/env bash
# Set up a Debian machine for hvic and build it into build/ (Release).
#
# Installs the build dependencies only if some are missing (apt-get update
# runs only then), as root or through sudo. When everything is installed
# and built already, this is a quick no-op (an incremental build).
#
# With --tests it also installs what the test suite needs beyond the build:
# Debian's Python 3 with PyTorch, NumPy, PIL, zstandard, pytest, SciPy and
# matplotlib (the Python reference of the model and the metrics),
# gdk-pixbuf (the GdkPixbuf loader, its test and gdk-pixbuf-thumbnailer), and
# abigail-tools (the ABI check).
#
# Environment: HVIC_JOBS (parallel build jobs, default 2).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

PACKAGES=(
    gcc libc6-dev make cmake pkg-config
    clang libclang-rt-14-dev
    libpng-dev libjpeg62-turbo-dev libzstd-dev zlib1g-dev libopenblas-dev
)
if [ "${1:-}" = "--tests" ]; then
    PACKAGES+=(python3 python3-torch python3-numpy python3-pil python3-zstandard
               python3-pytest python3-scipy python3-matplotlib
               libgdk-pixbuf-2.0-dev libgdk-pixbuf2.0-bin shared-mime-info abigail-tools)
fi

installed() {
    local status
    # Capture first: piping into `grep -q` could SIGPIPE dpkg under pipefail.
    status=$(dpkg -s "$1" 2>/dev/null) || return 1
    grep -qx 'Status: install ok installed' <<<"$status"
}

missing=()
for p in "${PACKAGES[@]}"; do
    installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        echo "setup: missing packages (${missing[*]}); run as root or install sudo" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -f build/CMakeCache.txt ]; then
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
fi
cmake --build build -j "${HVIC_JOBS:-2}"
