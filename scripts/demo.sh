#!/usr/bin/env bash
# The main job on the demo archive: build radnet, generate a synthetic
# hospital archive (SPEC §7), ingest it into a workspace (embedded SQLite),
# show its statistics, a tag dump and a preview, then cluster the image
# thumbnails and score the clusters against the true Modality and region.
#   scripts/demo.sh [N_FILES]      (default 2000; output in demo/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
n=${1:-2000}
out=demo

scripts/deps.sh
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3 >/dev/null; }
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
rn=build/radnet
mkdir -p "$out"

echo "== synth: $n files"
[ -f "$out/archive/truth.csv" ] || $rn synth --out "$out/archive" -n "$n" --seed 1 --size small
echo "== ingest (resumable: a second run does no work)"
set +e
$rn ingest "$out/archive" -w "$out/ws" --reports "$out/archive/reports.csv" -j "$(nproc)"
rc=$?
set -e
[ $rc -eq 0 ] || [ $rc -eq 3 ] || exit $rc
echo "== stats"
$rn stats -w "$out/ws"

first=$(awk -F, 'NR == 2 {print $9}' "$out/archive/truth.csv")
echo "== tags of $first (first lines)"
$rn tags "$out/archive/$first" > "$out/tags.txt"
head -n 25 "$out/tags.txt"
echo "== preview"
$rn preview "$out/archive/$first" -o "$out/preview.png"

echo "== cluster the thumbnails (pixels only) and score against the truth"
sqlite3 -csv "$out/ws/catalog.sqlite" \
  "SELECT thumb_index, sop_uid FROM images WHERE thumb_index IS NOT NULL ORDER BY thumb_index" \
  > "$out/thumb_rows.csv"
awk -F, 'NR == FNR {if (FNR > 1) {mod[$1] = $2; reg[$1] = $3}; next}
         FNR == 1 {print "id,label" > m; print "id,label" > r}
         {print $1 "," mod[$2] > m; print $1 "," reg[$2] > r}' \
  m="$out/true_modality.csv" r="$out/true_region.csv" "$out/archive/truth.csv" "$out/thumb_rows.csv"
$rn cluster --input "$out/ws/thumbs.npy" --k 20 --seed 1 --out "$out/labels.csv"
echo "-- against Modality"
$rn metrics --true "$out/true_modality.csv" --pred "$out/labels.csv"
echo "-- against anatomical region"
$rn metrics --true "$out/true_region.csv" --pred "$out/labels.csv"
echo "demo outputs in $out/"
