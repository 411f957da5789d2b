#!/usr/bin/env bash
# The test command: installs what the tests need (Debian packages, the npm
# corpus), builds, runs the whole default suite, and ends with
# "N passed, N failed".
#   scripts/test.sh [BUILD_DIR] [extra meson setup options...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${1:-build}
shift || true

scripts/deps.sh --test
scripts/fetch-testdata.sh

if [ -f "$build/build.ninja" ]; then
  meson configure "$build" "$@" >/dev/null
else
  meson setup "$build" "$@" >/dev/null
fi
ninja -C "$build" >/dev/null

set +e
meson test -C "$build" --no-suite slow --num-processes "$(nproc)" --print-errorlogs \
  > "$build/test-output.txt" 2>&1
status=$?
set -e
grep -E '^ *[0-9]+/[0-9]+ ' "$build/test-output.txt" || true
scripts/count-tests.sh "$build"
exit $status
