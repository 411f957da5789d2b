#!/usr/bin/env bash
# k-means and ingest with 1 and 2 MPI ranks (one thread per rank), the same
# inputs, outputs checked equal. Prints per run: wall seconds, CPU seconds
# (user + sys of mpirun and all its ranks) and the busiest rank's CPU
# seconds (the critical path: the wall time when every rank has a core of
# its own, which a shared machine cannot show), then medians and ratios.
#   bench/bench_dist.sh [BUILD_DIR] [RUNS]    (default build, 3)
# Scratch goes to ${TMPDIR:-/tmp}/radnet-bench-dist (removed at the end).
set -euo pipefail
build=${1:-build}
runs=${2:-3}
bin=$(cd "$build" && pwd)/radnet
dump=$(cd "$build" && pwd)/tests/dist/dump_ws
tmp=${TMPDIR:-/tmp}/radnet-bench-dist
mpirun=(mpirun --allow-run-as-root --oversubscribe --bind-to none)
rm -rf "$tmp" && mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

/usr/bin/python3 - "$tmp/X.npy" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(1)
c = rng.uniform(0, 10, (50, 32))
x = c[rng.integers(0, 50, 200000)] + rng.normal(0, 1.5, (200000, 32))
np.save(sys.argv[1], x.astype(np.float32))
PY
"$bin" --quiet synth --out "$tmp/A" -n 3000 --seed 11 --size small

# time_run NAME RANKS CMD...: appends "wall cpu busiest-rank-cpu" to $tmp/NAME.
time_run() {
  local name=$1 ranks=$2; shift 2
  rm -f "$tmp"/rank.*
  if [ "$ranks" -eq 1 ]; then
    /usr/bin/time -f "%e %U %S" -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" ||
      [ $? -eq 3 ] || { cat "$tmp/err"; exit 1; }
    awk '{printf "%s %.2f %.2f\n", $1, $2 + $3, $2 + $3}' "$tmp/t" >> "$tmp/$name"
    return
  fi
  /usr/bin/time -f "%e %U %S" -o "$tmp/t" "${mpirun[@]}" -n "$ranks" sh -c \
    '/usr/bin/time -f "%U %S" -o "$0/rank.$OMPI_COMM_WORLD_RANK" "$@"' "$tmp" "$@" \
    >/dev/null 2>"$tmp/err" || [ $? -eq 3 ] || { cat "$tmp/err"; exit 1; }
  busiest=$(cat "$tmp"/rank.* | awk '{c = $1 + $2; if (c > m) m = c} END {printf "%.2f", m}')
  awk -v b="$busiest" '{printf "%s %.2f %s\n", $1, $2 + $3, b}' "$tmp/t" >> "$tmp/$name"
}

for i in $(seq "$runs"); do
  time_run kmeans1 1 "$bin" cluster --input "$tmp/X.npy" --k 50 --threads 1 --out "$tmp/l1.csv"
  time_run kmeans2 2 "$bin" cluster --input "$tmp/X.npy" --k 50 \
    --threads 1 --out "$tmp/l2.csv"
  cmp "$tmp/l1.csv" "$tmp/l2.csv"
  rm -rf "$tmp/W1" "$tmp/W2"
  time_run ingest1 1 "$bin" --quiet ingest "$tmp/A/dicom" -w "$tmp/W1" -j 1
  time_run ingest2 2 "$bin" --quiet ingest "$tmp/A/dicom" -w "$tmp/W2" -j 1
  cmp <("$dump" "$tmp/W1") <("$dump" "$tmp/W2")
done

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
for stage in kmeans ingest; do
  for r in 1 2; do
    echo "$stage, $r rank(s): wall $(cut -d' ' -f1 "$tmp/$stage$r" | tr '\n' ' ')" \
         "cpu $(cut -d' ' -f2 "$tmp/$stage$r" | tr '\n' ' ')" \
         "busiest rank $(cut -d' ' -f3 "$tmp/$stage$r" | tr '\n' ' ')"
  done
  w1=$(cut -d' ' -f1 "$tmp/${stage}1" | median); w2=$(cut -d' ' -f1 "$tmp/${stage}2" | median)
  c1=$(cut -d' ' -f2 "$tmp/${stage}1" | median); c2=$(cut -d' ' -f2 "$tmp/${stage}2" | median)
  b1=$(cut -d' ' -f3 "$tmp/${stage}1" | median); b2=$(cut -d' ' -f3 "$tmp/${stage}2" | median)
  awk -v s="$stage" -v w1="$w1" -v w2="$w2" -v c1="$c1" -v c2="$c2" -v b1="$b1" -v b2="$b2" 'BEGIN {
    printf "%s: median wall %.2f s -> %.2f s (1 rank / 2 ranks = %.2f); CPU %.2f s -> %.2f s (x%.2f); busiest rank %.2f s -> %.2f s (1 rank / 2 ranks = %.2f)\n",
           s, w1, w2, w1 / w2, c1, c2, c2 / c1, b1, b2, b1 / b2 }'
done
