#!/usr/bin/env bash
# Applies each planted bug of tests/mutants/ in turn to a clean checkout,
# runs the test named for it in README.md (it must fail), reverts the patch
# and runs the test again (it must pass). Not part of the suite (it
# rebuilds once per mutant); run by hand:
#   tests/mutants/check.sh BUILD_DIR [MUTANT...]
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
shift
cd "$root"
mutants=("$@")
[ ${#mutants[@]} -gt 0 ] || mapfile -t mutants < <(sed -n 's/^| `\([a-z0-9-]*\)\.patch`.*/\1/p' tests/mutants/README.md)
status=0
for m in "${mutants[@]}"; do
  test_name=$(sed -n "s/^| \`$m\.patch\` | \`\([a-z0-9_]*\)\`.*/\1/p" tests/mutants/README.md)
  if [ -z "$test_name" ] || ! git apply "tests/mutants/$m.patch"; then
    echo "$m: no test named in README.md, or the patch does not apply"; status=1; continue
  fi
  ninja -C "$build" >/dev/null
  meson test -C "$build" "$test_name" >/dev/null 2>&1
  with=$?
  git apply -R "tests/mutants/$m.patch"
  ninja -C "$build" >/dev/null
  meson test -C "$build" "$test_name" >/dev/null 2>&1
  without=$?
  verdict=caught
  if [ $with -eq 0 ] || [ $without -ne 0 ]; then verdict=MISSED; status=1; fi
  echo "$m: $test_name exit $with with the mutant, $without without: $verdict"
done
exit $status
