#!/bin/sh
# Eval-stage benchmarks against scikit-learn 1.2 on the same data, same run.
#   bench/bench_eval.sh [BUILD_DIR]     (a release build; default: build)
# Prints a markdown report (medians of wall and CPU time, ratios, peak RSS,
# callgrind counts); its section of bench/RESULTS.md holds the last one.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/build}" && pwd)
WORK=${BENCH_EVAL_DIR:-/tmp/radnet-bench-eval}
PY=/usr/bin/python3
REPS=${REPS:-5}
mkdir -p "$WORK"
[ -f "$WORK/x5000.npy" ] || $PY "$SRC/bench/bench_eval.py" gen "$WORK"
cc -O2 -std=c17 -D_GNU_SOURCE -I"$SRC/include" -I"$SRC/src" "$SRC/bench/bench_eval.c" \
   "$BUILD/src/eval/librn_eval.a" "$BUILD/src/core/librn_core.a" \
   -lopenblas -lm -lpthread -o "$WORK/bench_eval"

field() { awk -v k="$1" '$1 == k { print $'"$2"' }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
# row NAME DESCRIPTION OURS PEER: one table row from two `name wall cpu value` outputs
row() {
  ow=$(echo "$3" | field "$1" 2); oc=$(echo "$3" | field "$1" 3)
  pw=$(echo "$4" | field "$1" 2); pc=$(echo "$4" | field "$1" 3)
  echo "| $2 | $ow | $pw | $(ratio "$pw" "$ow") | $oc | $pc | $(ratio "$pc" "$oc") |" \
       "$(echo "$3" | field "$1" 4) / $(echo "$4" | field "$1" 4) |"
}

echo "# eval benchmarks ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
echo
echo "Medians; wall = elapsed, CPU = summed over threads (insensitive to the load of"
echo "the shared machine). radnet runs 2 threads, sklearn its default."
echo
echo "| measurement | radnet wall s | sklearn wall s | wall ratio | radnet CPU s | sklearn CPU s | CPU ratio | value radnet / sklearn |"
echo "|---|---|---|---|---|---|---|---|"
for x in x20000.npy x20000_f64.npy; do
  ours=$("$WORK/bench_eval" silhouette "$WORK/$x" "$WORK/l20000.npy" 2 "$REPS")
  peer=$($PY "$SRC/bench/bench_eval.py" silhouette "$WORK/$x" "$WORK/l20000.npy" 3)
  row silhouette_score "silhouette_score exact, 20k × 64, k = 50, $x" "$ours" "$peer"
done
for shape in "t1m p1m 20 × 50" "t1m_100 p1m_100 100 × 100"; do
  set -- $shape
  ours=$("$WORK/bench_eval" labels "$WORK/$1.npy" "$WORK/$2.npy" "$REPS")
  peer=$($PY "$SRC/bench/bench_eval.py" labels "$WORK/$1.npy" "$WORK/$2.npy" 3)
  for m in adjusted_mutual_info_score normalized_mutual_info_score; do
    row $m "$m, 10^6 labels, $3 $4 $5" "$ours" "$peer"
  done
done
echo
echo "Exact silhouette, 200k × 64 float32, k = 50, 2 threads, one run of the CLI"
echo "(\`radnet metrics --pred l200000.csv --data x200000.npy --json\`, includes"
echo "loading, Davies–Bouldin and Calinski–Harabasz; sklearn is not run at this size):"
echo
/usr/bin/time -v "$BUILD/radnet" --quiet metrics --pred "$WORK/l200000.csv" \
  --data "$WORK/x200000.npy" --json > "$WORK/out200k.json" 2> "$WORK/time200k.txt"
echo "- result: \`$(cat "$WORK/out200k.json")\`"
echo "- wall $(grep 'Elapsed (wall' "$WORK/time200k.txt" | sed 's/.*: //'), user $(grep 'User time' "$WORK/time200k.txt" | sed 's/.*: //') s,"\
     "peak RSS $(grep 'Maximum resident' "$WORK/time200k.txt" | sed 's/.*: //') KB (X alone is $(( $(stat -c %s "$WORK/x200000.npy") / 1024 )) KB; an n² float32 matrix would be 160 GB)"
echo
echo "Instruction counts (valgrind --tool=callgrind, one run each):"
echo
for m in "labels $WORK/t1m.npy $WORK/p1m.npy 1" "labels $WORK/t1m_100.npy $WORK/p1m_100.npy 1" \
         "silhouette $WORK/x5000.npy $WORK/l5000.npy 1 1"; do
  valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$WORK/bench_eval" $m \
    > /dev/null 2> "$WORK/cg.txt"
  echo "- \`bench_eval $(echo "$m" | sed "s|$WORK/||g")\`: $(grep -o 'Collected : [0-9]*' "$WORK/cg.txt" | sed 's/Collected : //') instructions"
done
