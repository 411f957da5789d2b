#!/bin/sh
# `radnet run` end to end on a copy of an archive's workspace from
# bench/fusion_prep.sh, scored against its truth (bench/fusion_run_quality.py:
# images, clusters, H mod, H reg, C reg, NMI mod, NMI reg at the run's k, and
# the run's own seed ARI from WS/run/evaluation.json).
#   usage: fusion_runq.sh RADNET DIR K OUT
# DIR: the archive's folder (DIR/arch, DIR/ws); OUT: a new folder for the
# copy (removed first); prints one Markdown row. Threads: JOBS (default 2);
# SEED: the run's seed (default: radnet run's); VIEW: its --view (default
# auto).
set -eu
bin=$1 dir=$2 k=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out"
mkdir -p "$out"
cp -a "$dir/ws" "$out/ws"
"$bin" --quiet run "$dir/arch/dicom" --reports "$dir/arch/reports.csv" -w "$out/ws" \
    -k "$k" -j "${JOBS:-2}" ${SEED:+--seed "$SEED"} ${VIEW:+--view "$VIEW"} > "$out/run.log" 2>&1
"$bin" export -w "$out/ws" --out "$out/labels.csv" --reveal-uids
/usr/bin/python3 "$here/fusion_run_quality.py" "$out/labels.csv" "$dir/arch/truth.csv" "$out/ws"
