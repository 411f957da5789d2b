#!/bin/sh
# Image embedding at scale: wall time, CPU time and peak RSS of
# `radnet embed --source image` per method on workspaces of growing N.
#
#   bench/bench_embed_scale.sh RADNET WS... [-- METHODS]
#
# Each WS is a workspace made by `radnet ingest` (bench/RESULTS.md used
# hard-linked subsets of one `radnet synth --size small` archive). Every run
# is `--force -j 2`; pca, hog and lbp fit on the default sample (10 000
# rows), cae on a sample of $CAE_SAMPLE rows for $CAE_EPOCHS epochs, so
# its fit costs the same at every N and the growth with N is inference.
# Prints one markdown row per (N, method): rows, wall s, CPU s (user+sys),
# peak RSS MB (/usr/bin/time %M), size of the .npy MB.
set -eu
bin=$1
shift
methods="pca hog lbp cae"
wss=""
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; methods="$*"; break; fi
  wss="$wss $1"
  shift
done
CAE_SAMPLE=${CAE_SAMPLE:-2000}
CAE_EPOCHS=${CAE_EPOCHS:-2}
echo "| rows | method | wall s | CPU s | peak RSS MB | .npy MB |"
echo "|---|---|---|---|---|---|"
for ws in $wss; do
  for m in $methods; do
    extra=""
    if [ "$m" = cae ]; then
      extra="--sample $CAE_SAMPLE --options epochs=$CAE_EPOCHS,patience=$CAE_EPOCHS"
    fi
    t=$(mktemp)
    # shellcheck disable=SC2086
    /usr/bin/time -f "%e %U %S %M" -o "$t" "$bin" embed -w "$ws" --source image \
      --method "$m" --force -j 2 --quiet $extra
    npy="$ws/embeddings/image-$m.npy"
    rows=$(($(wc -l < "$ws/embeddings/rows.csv") - 1))
    awk -v rows="$rows" -v m="$m" -v bytes="$(stat -c %s "$npy")" \
      '{printf "| %d | %s | %.1f | %.1f | %.1f | %.1f |\n", rows, m, $1, $2 + $3, $4 / 1024, bytes / 1048576}' "$t"
    rm -f "$t"
  done
done
