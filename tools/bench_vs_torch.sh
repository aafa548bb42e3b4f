#!/usr/bin/env bash
# hvic against the PyTorch forward of the same model, in one run on one
# machine: bench_codec (the C codec through its API) and
# tools/train/bench_torch.py (the Python reference) over the same images
# and threads, then their median encode and decode seconds as ratios.
#
# Usage: tools/bench_vs_torch.sh [MODEL] [IMAGES] [LIMIT] [THREADS]
#   defaults: models/default.hvicm, ../shared/data/kodak, 6 images, 2 threads.
# Needs build/ (tools/setup.sh --tests) and Debian's python3-torch.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODEL=${1:-$ROOT/models/default.hvicm}
IMAGES=${2:-$ROOT/../shared/data/kodak}
LIMIT=${3:-6}
THREADS=${4:-2}
c=$("$ROOT/build/tests/codec/bench_codec" --model "$MODEL" --images "$IMAGES" --limit "$LIMIT" \
    --threads "$THREADS")
t=$(/usr/bin/python3 "$ROOT/tools/train/bench_torch.py" "$MODEL" --images "$IMAGES" \
    --limit "$LIMIT" --threads "$THREADS")
echo "$c" | grep -E '^(model|median|peak)'
echo "$t"
# "median encode X s (..), decode Y s (..), ..." and "...: median encode X s, decode Y s"
ce=$(sed -n 's/^median encode \([0-9.]*\) s.*/\1/p' <<<"$c")
cd=$(sed -n 's/^median .*, decode \([0-9.]*\) s (.*/\1/p' <<<"$c")
te=$(sed -n 's/.*median encode \([0-9.]*\) s, decode.*/\1/p' <<<"$t")
td=$(sed -n 's/.*, decode \([0-9.]*\) s$/\1/p' <<<"$t")
awk -v ce="$ce" -v cd="$cd" -v te="$te" -v td="$td" 'BEGIN {
    printf "hvic / PyTorch: encode %.3f / %.3f s = %.2fx faster, decode %.3f / %.3f s = %.2fx faster\n",
           ce, te, te / ce, cd, td, td / cd }'
