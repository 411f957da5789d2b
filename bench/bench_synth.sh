#!/bin/sh
# radnet synth throughput: files/s, MB/s and peak RSS at -j1 and -j2, for
# the small (test) and full (modality-typical) sizes, with `cp -r` of the
# same archive as the I/O peer (what the disk allows), and callgrind
# instructions per file. Medians of hyperfine runs; CPU = mean user+sys
# (the honest figure on a shared, loaded machine).
# usage: bench/bench_synth.sh [RADNET_BIN] [SCRATCH_DIR] [N_SMALL] [N_FULL]
set -eu
BIN=${1:-build/radnet}
OUT=${2:-/tmp/rn_bench_synth}
N_SMALL=${3:-10000}
N_FULL=${4:-1000}
RUNS=${RUNS:-3}
mkdir -p "$OUT"

median() { # hyperfine JSON -> median seconds
    /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"
}

run_case() { # size n threads
    size=$1 n=$2 j=$3 tag="$1-$2-j$3"
    hyperfine -N --runs "$RUNS" --prepare "rm -rf $OUT/a" \
        --export-json "$OUT/$tag.json" \
        "$BIN --quiet synth --out $OUT/a -n $n --size $size -j $j --seed 5" >/dev/null
    rm -rf "$OUT/a"
    /usr/bin/time -f "%M" -o "$OUT/$tag.rss" \
        "$BIN" --quiet synth --out "$OUT/a" -n "$n" --size "$size" -j "$j" --seed 5
    bytes=$(du -sb "$OUT/a" | cut -f1)
    t=$(median "$OUT/$tag.json")
    rss=$(cat "$OUT/$tag.rss")
    cpu=$(/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["results"][0]; print(d["user"]+d["system"])' "$OUT/$tag.json")
    /usr/bin/python3 -c 'import sys; n,t,b,r,c=int(sys.argv[2]),float(sys.argv[3]),int(sys.argv[4]),int(sys.argv[5]),float(sys.argv[6]); print("%-16s median %7.2f s %7.1f files/s %6.1f MB/s | CPU %6.2f s %7.1f files/CPU-s | %6.1f MB | peak RSS %5.1f MB" % (sys.argv[1], t, n/t, b/t/1e6, c, n/c, b/1e6, r/1024))' \
        "$tag" "$n" "$t" "$bytes" "$rss" "$cpu"
}

peer_cp() { # the archive left by the last run_case
    hyperfine -N --runs "$RUNS" --prepare "rm -rf $OUT/b" --export-json "$OUT/cp.json" \
        "cp -r $OUT/a $OUT/b" >/dev/null
    echo "cp -r of that archive    median $(median "$OUT/cp.json") s (I/O peer)"
    rm -rf "$OUT/b"
}

echo "radnet synth: $BIN, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
run_case small "$N_SMALL" 1
run_case small "$N_SMALL" 2
peer_cp
run_case small 1000 2
run_case full "$N_FULL" 1
run_case full "$N_FULL" 2
peer_cp
rm -rf "$OUT/a"
[ "${CALLGRIND:-1}" = 1 ] || exit 0
valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.out" \
    "$BIN" --quiet synth --out "$OUT/a" -n 200 --size small -j 1 --seed 5 2>"$OUT/cg.log"
echo "callgrind, 200 small files -j1: $(grep -o 'refs: *[0-9,]*' "$OUT/cg.log" | tr -d ' ,' | cut -d: -f2) instructions"
rm -rf "$OUT/a"
