#!/bin/sh
# CPU per body-ultrasound image, the generator before the 3-D acoustic
# windows against after them, alternating ROUNDS times (bench/RESULTS.md).
# usage: bench/bench_synth_us.sh BEFORE_SRC BEFORE_BUILD AFTER_SRC AFTER_BUILD [REPS] [ROUNDS]
# (a *_BUILD is a meson build tree of its *_SRC with librn_synth.a and librn_core.a built)
set -eu
REPS=${5:-60}
ROUNDS=${6:-3}
OUT=${TMPDIR:-/tmp}/bench_synth_us
mkdir -p "$OUT"
build() { # src build flag out
    cc -O2 -std=c17 $3 -I"$1/include" -I"$1/src" "$(dirname "$0")/bench_synth_us.c" \
        "$2/src/synth/librn_synth.a" "$2/src/core/librn_core.a" \
        -lm -ljpeg -lopenjp2 -lcharls -lz -lpthread -o "$4"
}
build "$1" "$2" "" "$OUT/before"
build "$3" "$4" "-DUS3D" "$OUT/after"
for r in $(seq "$ROUNDS"); do
    echo "round $r before: $("$OUT/before" "$REPS" | tail -1)"
    echo "round $r after:  $("$OUT/after" "$REPS" | tail -1)"
done
