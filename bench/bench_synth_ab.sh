#!/bin/sh
# Two radnet generators, old and new alternating in the same run: CPU
# seconds (user, sys) and peak RSS (KB) of `radnet --quiet synth --out X
# -n N --seed 5 --size S -j 1` for S = full (N_FULL) and small (N_SMALL),
# ROUNDS times. The ratio new/old of user+sys is the per-file cost ratio
# (the same files). Build the old one from `git archive REV | tar -x -C DIR`.
# usage: bench/bench_synth_ab.sh OLD_BIN NEW_BIN [ROUNDS] [N_FULL] [N_SMALL] [SCRATCH]
# prints: binary size n user sys maxrss_kb
set -eu
OLD=$1
NEW=$2
ROUNDS=${3:-2}
N_FULL=${4:-600}
N_SMALL=${5:-3000}
OUT=${6:-/tmp/rn_bench_synth_ab}
for r in $(seq 1 "$ROUNDS"); do
    for size in full small; do
        if [ "$size" = full ]; then n=$N_FULL; else n=$N_SMALL; fi
        for bin in "$OLD" "$NEW"; do
            rm -rf "$OUT"
            /usr/bin/time -f "$bin $size $n %U %S %M" "$bin" --quiet synth --out "$OUT" \
                -n "$n" --seed 5 --size "$size" -j 1 2>&1 | tail -1
        done
    done
done
rm -rf "$OUT"
