#!/bin/bash
# Ingest throughput against two peers on the same files in the same run:
# reading the bytes (`cat` to /dev/null) and pydicom reading every header
# (dcmread stop_before_pixels=True). Medians of hyperfine runs (warm page
# cache), peak RSS from /usr/bin/time, catalogue sizes, and the elements
# layout (one JSON row per image vs a tag/value table) measured with dbstat.
#
# usage: [CONTENDERS="cat meta-j1 ..."] bench/bench_ingest.sh ARCHIVE [RADNET] [RUNS]
#   ARCHIVE  a folder of DICOM files, e.g. from
#            radnet synth --out /tmp/a -n 100000 --size small
#   RADNET   the binary (default build/radnet, a release build)
#   CONTENDERS  subset of: cat pydicom meta-j1 meta-j2 full-j1 full-j2 rerun-noop
# Prints a markdown section for bench/RESULTS.md (store).
set -euo pipefail
ARCH=$(realpath "$1")
RADNET=$(realpath "${2:-build/radnet}")
RUNS=${3:-3}
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/rn_bench_ingest_XXXXXX)
trap 'rm -rf "$WORK"' EXIT

NFILES=$(find "$ARCH" -type f | wc -l)
BYTES=$(find "$ARCH" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.0f\n", s}')
REPORTS=""
[ -f "$ARCH/reports.csv" ] && REPORTS="--reports $ARCH/reports.csv"

cat > "$WORK/pydicom_headers.py" <<'EOF'
import os, sys, warnings
import pydicom
warnings.simplefilter("ignore")
n = 0
for d, _, files in os.walk(sys.argv[1]):
    for f in files:
        try:
            pydicom.dcmread(os.path.join(d, f), stop_before_pixels=True)
            n += 1
        except Exception:
            pass
print(n)
EOF

# Warm the page cache so every contender reads from memory.
find "$ARCH" -type f -print0 | xargs -0 cat > /dev/null

# Contenders: name, the command, and what to run before each timing.
CONTENDERS=${CONTENDERS:-cat pydicom meta-j1 meta-j2 full-j1 full-j2 rerun-noop}
FRESH="rm -rf $WORK/ws"
declare -A CMD PREP
CMD[cat]="find '$ARCH' -type f -print0 | xargs -0 cat > /dev/null"; PREP[cat]=true
CMD[pydicom]="$PY $WORK/pydicom_headers.py '$ARCH'"; PREP[pydicom]=true
CMD[meta-j1]="$RADNET --quiet ingest '$ARCH' -w $WORK/ws --no-pixels -j 1 $REPORTS"; PREP[meta-j1]=$FRESH
CMD[meta-j2]="$RADNET --quiet ingest '$ARCH' -w $WORK/ws --no-pixels -j 2 $REPORTS"; PREP[meta-j2]=$FRESH
CMD[full-j1]="$RADNET --quiet ingest '$ARCH' -w $WORK/ws -j 1 $REPORTS"; PREP[full-j1]=$FRESH
CMD[full-j2]="$RADNET --quiet ingest '$ARCH' -w $WORK/ws -j 2 $REPORTS"; PREP[full-j2]=$FRESH
# A no-op rerun on a complete metadata-only workspace (built untimed once).
CMD[rerun-noop]="$RADNET --quiet ingest '$ARCH' -w $WORK/ws_noop --no-pixels -j 2 $REPORTS"
PREP[rerun-noop]="[ -f $WORK/ws_noop/catalog.sqlite ] || ${CMD[rerun-noop]} || true"
ARGS=()
for c in $CONTENDERS; do ARGS+=(--prepare "${PREP[$c]}"); done
for c in $CONTENDERS; do ARGS+=(-n "$c" "${CMD[$c]}"); done
# -i: ingest exits 3 when some files are quarantined.
hyperfine --style none -i --runs "$RUNS" --export-json "$WORK/h.json" "${ARGS[@]}" \
  > "$WORK/hyperfine.log" 2>&1 || { cat "$WORK/hyperfine.log" >&2; exit 1; }

rss() { # "seconds peak-RSS-KB" of one run into a fresh workspace
  rm -rf "$WORK/ws_rss"
  /usr/bin/time -f "%e %M" -o "$WORK/rss" "$RADNET" --quiet ingest "$ARCH" -w "$WORK/ws_rss" "$@" $REPORTS > /dev/null 2>&1 || true
  tail -1 "$WORK/rss"
}
RSS_META=$(rss --no-pixels -j 2 | tr ' ' ,)
RSS_FULL=$(rss -j 2 | tr ' ' ,)

# Elements layout: the JSON-per-image table as stored vs the same values as
# one row per element (with the index a tag lookup needs).
sqlite3 "$WORK/ws_rss/catalog.sqlite" "
  CREATE TABLE element_rows AS SELECT e.image_id, j.key AS keyword,
    json_extract(j.value, '\$[0]') AS vr, json_extract(j.value, '\$[1]') AS value
    FROM elements e, json_each(e.json) j;
  CREATE INDEX element_rows_key ON element_rows(keyword, image_id);" > /dev/null
LAYOUT=$(sqlite3 "$WORK/ws_rss/catalog.sqlite" "
  SELECT (SELECT sum(pgsize) FROM dbstat WHERE name = 'elements'),
         (SELECT sum(pgsize) FROM dbstat WHERE name IN ('element_rows', 'element_rows_key')),
         (SELECT count(*) FROM element_rows), (SELECT count(*) FROM elements),
         (SELECT sum(pgsize) FROM dbstat);")
THUMBS=$(stat -c %s "$WORK/ws_rss/thumbs.npy")

$PY - "$WORK/h.json" "$CONTENDERS" "$NFILES" "$BYTES" "$RSS_META" "$RSS_FULL" "$LAYOUT" "$THUMBS" "$ARCH" "$RADNET" "$RUNS" <<'EOF'
import json, sys
h, contenders, nfiles, nbytes, rss_meta, rss_full, layout, thumbs, arch, radnet, runs = sys.argv[1:]
nfiles, nbytes = int(nfiles), int(nbytes)
res = {r["command"]: r for r in json.load(open(h))["results"]}
med = {k: r["median"] for k, r in res.items()}
cat = med.get("cat", float("nan"))
print("### ingest of %d files (%.0f MB): %s" % (nfiles, nbytes / 1e6, arch))
print()
print('`CONTENDERS="%s" bench/bench_ingest.sh %s %s %s` (hyperfine, %s runs, warm page cache, medians)'
      % (contenders, arch, radnet, runs, runs))
print()
print("| contender | median s | files/s | MB/s | × cat | × pydicom headers |")
print("|---|---|---|---|---|---|")
for k in ["cat", "pydicom", "meta-j1", "meta-j2", "full-j1", "full-j2", "rerun-noop"]:
    if k not in med:
        continue
    m = med[k]
    print("| %s | %.2f | %.0f | %.1f | %.2f | %.2f |" % (k, m, nfiles / m, nbytes / 1e6 / m, m / cat,
                                                      m / med.get("pydicom", float("nan"))))
el_json, el_rows, n_rows, n_images, db_total = layout.split("|")
print()
(tm, km), (tf, kf) = rss_meta.split(","), rss_full.split(",")
print("single runs under /usr/bin/time: metadata-only -j 2 %s s, peak RSS %.0f MB; "
      "full -j 2 %s s (%.0f files/s), peak RSS %.0f MB"
      % (tm, int(km) / 1024, tf, nfiles / float(tf), int(kf) / 1024))
print("catalogue %.1f MB, thumbs.npy %.1f MB" % (int(db_total) / 1e6, int(thumbs) / 1e6))
print("elements: one JSON row per image %.1f MB (%s rows) vs one row per element + index %.1f MB (%s rows)"
      % (int(el_json) / 1e6, n_images, int(el_rows) / 1e6, n_rows))
EOF
