#!/bin/sh
# bench/fusion_runq.sh's row averaged over `radnet run --seed S` for several
# seeds (the run's k-means seed; fusion_runq.sh uses the default 42): a copy
# of DIR/ws per seed, run, export --reveal-uids, fusion_run_quality.py; prints
# one Markdown row: LABEL, K, seeds, mean H mod, H reg, C reg, NMI mod, NMI reg.
#   usage: anatomy_runq_seeds.sh RADNET DIR LABEL K OUT SEED...
# OUT: a scratch folder (removed). Threads: JOBS (default 2).
set -eu
bin=$1 dir=$2 label=$3 k=$4 out=$5
shift 5
here=$(cd "$(dirname "$0")" && pwd)
for s in "$@"; do
    rm -rf "$out"
    mkdir -p "$out"
    cp -a "$dir/ws" "$out/ws"
    "$bin" --quiet run "$dir/arch/dicom" --reports "$dir/arch/reports.csv" -w "$out/ws" \
        -k "$k" -j "${JOBS:-2}" --seed "$s" > "$out/run.log" 2>&1
    "$bin" export -w "$out/ws" --out "$out/labels.csv" --reveal-uids > /dev/null
    /usr/bin/python3 "$here/fusion_run_quality.py" "$out/labels.csv" "$dir/arch/truth.csv" "$out/ws"
done | awk -F'|' -v l="$label" -v k="$k" '
    { n++; for (i = 4; i <= 8; i++) s[i] += $i }
    END { printf "| %s | %s | %d |", l, k, n; for (i = 4; i <= 8; i++) printf " %.3f |", s[i] / n; print "" }'
rm -rf "$out"
