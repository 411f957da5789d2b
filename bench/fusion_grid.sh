#!/bin/sh
# Fusion weights on one workspace, clustered by radnet itself:
#   bench/fusion_grid.sh RADNET WS TRUTH INPUTS WEIGHTS [WEIGHTS...]
# INPUTS = comma list of embeddings, each WEIGHTS a comma list. Per weight
# set: radnet fuse, radnet cluster (k-means, paper settings) at k = 50 with
# seeds 1, 2, 3 and at k = #true modalities / #true regions with seed 1;
# bench/fusion_grid_score.py prints one Markdown row. FUSE_ARGS: more
# radnet fuse options (e.g. "--scale standard", "--reduce 32"); CLUSTER_ARGS:
# more radnet cluster options (e.g. "--groups G.txt --group-share size").
set -eu
R=$1; WS=$2; TRUTH=$3; INPUTS=$4; shift 4
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
KS=$(/usr/bin/python3 "$HERE/fusion_grid_score.py" --ks "$WS" "$TRUTH")
for W in "$@"; do
  "$R" --quiet fuse -w "$WS" --inputs "$INPUTS" --weights "$W" ${FUSE_ARGS:-} 2>/dev/null
  for s in $(seq 1 ${SEEDS:-3}); do "$R" cluster --input "$WS/embeddings/fused.npy" --k 50 --seed $s --threads 2 ${CLUSTER_ARGS:-} --out "$T/k50-$s.csv" 2>/dev/null; done
  for k in $KS; do "$R" cluster --input "$WS/embeddings/fused.npy" --k $k --seed 1 --threads 2 ${CLUSTER_ARGS:-} --out "$T/k$k.csv" 2>/dev/null; done
  /usr/bin/python3 "$HERE/fusion_grid_score.py" "$WS" "$TRUTH" "$T" "$INPUTS x $W"
done
