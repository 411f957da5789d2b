#!/usr/bin/env bash
# CAE benchmark (method `cae` of the embed stage).
#
#   bench/bench_cae.sh [BUILD_DIR]      (default: build; a release build)
#
# 1. Per layer: each 3×3 convolution shape of the default network (64×64
#    input, channels 16/32/64, batch 32), im2col + OpenBLAS against oneDNN,
#    forward / input gradient / weight gradient (bench_cae_onednn).
# 2. The whole network: training images/s (forward, backward, Adam; batch
#    32) and bottleneck inference images/s (batch 64) of radnet (bench_cae)
#    and of PyTorch's CPU training of the same architecture
#    (bench_cae_torch.py, Debian python3-torch), same batch and threads.
#    The two alternate REPEATS times; the table gives medians and the ratio.
# Results: the CAE section of bench/RESULTS.md.
set -euo pipefail
build=${1:-build}
REPEATS=${REPEATS:-5}
ninja -C "$build" tests/embed/bench_cae tests/embed/bench_cae_onednn >/dev/null
bin="$build/tests/embed"
py=/usr/bin/python3
here=$(dirname "$0")
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

echo "## per layer (ms per call, batch 32, 1 thread; medians of 7 runs x 3 calls)"
echo "| layer (h w cin cout) | im2col fwd | im2col dx | im2col dW | oneDNN fwd | oneDNN dx | oneDNN dW | max rel diff |"
echo "|---|---|---|---|---|---|---|---|"
for shape in "64 64 1 16" "32 32 16 32" "16 16 32 64" "16 16 64 32" "32 32 32 16" "64 64 16 1"; do
  r=$(OMP_NUM_THREADS=1 "$bin/bench_cae_onednn" 32 $shape 1 3 7)
  echo "| $shape | $(echo "$r" | awk '{print $1" | "$2" | "$3" | "$4" | "$5" | "$6" | "$7}') |"
done

echo
echo "## whole network, 64x64, levels 3, channels 16, dim 64 (images/s)"
echo "| threads | mode | batch | radnet | PyTorch | radnet / PyTorch |"
echo "|---|---|---|---|---|---|"
for threads in 1 2; do
  for mode in train infer; do
    if [ $mode = train ]; then batch=32; steps=6; else batch=64; steps=20; fi
    args="$mode 64 3 16 64 $batch $threads $steps 3"
    c=(); t=()
    for _ in $(seq "$REPEATS"); do
      c+=("$(OMP_NUM_THREADS=$threads "$bin/bench_cae" $args)")
      t+=("$($py "$here/bench_cae_torch.py" $args)")
    done
    mc=$(printf '%s\n' "${c[@]}" | median)
    mt=$(printf '%s\n' "${t[@]}" | median)
    echo "| $threads | $mode | $batch | $mc | $mt | $(awk -v a="$mc" -v b="$mt" 'BEGIN {printf "%.2f", a / b}') |"
  done
done
