#!/bin/sh
# CPU of `radnet fuse` (the defaults: imputation and PCA) on a copy of a
# prepared workspace (bench/fusion_prep.sh), binaries side by side in the
# same run: user and system CPU seconds (GNU time), medians over REPS runs,
# per binary and thread count; and whether fused.npy is the same bytes for
# every thread count of a binary.
#
# usage: fusion_cost.sh WS "BIN ..." "THREADS ..."   (env REPS, default 3)
set -eu
[ $# -eq 3 ] || { sed -n 2,9p "$0"; exit 2; }
ws=$1 bins=$2 threads=$3
reps=${REPS:-3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fusion_cost.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp -r "$ws" "$tmp/ws"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "| binary | -j | user s | sys s | fused.npy |"
echo "|---|---:|---:|---:|---|"
for b in $bins; do
    first=
    for j in $threads; do
        jopt="-j $j"
        # a binary without -j (before the pool): its single thread
        "$b" fuse --help | grep -q -- '--jobs' || jopt=
        : > "$tmp/t"
        for r in $(seq "$reps"); do
            /usr/bin/time -f "%U %S" -a -o "$tmp/t" "$b" --quiet fuse -w "$tmp/ws" --force $jopt
        done
        sum=$(sha256sum "$tmp/ws/embeddings/fused.npy" | cut -c1-12)
        [ -n "$first" ] || first=$sum
        same=$([ "$sum" = "$first" ] && echo "$sum" || echo "$sum DIFFERS")
        label=$j
        [ -n "$jopt" ] || label="1 (no -j)"
        echo "| $(basename "$b") | $label | $(cut -d' ' -f1 "$tmp/t" | median) |" \
             "$(cut -d' ' -f2 "$tmp/t" | median) | $same |"
    done
done
