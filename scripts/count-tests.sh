#!/usr/bin/env bash
# Prints "N passed, N failed" for a meson build dir, from its test log
# (meson-logs/testlog.json, or LOGBASE.json for `meson test --logbase`).
#   scripts/count-tests.sh BUILD_DIR [LOGBASE]
set -euo pipefail
log="$1/meson-logs/${2:-testlog}.json"
[ -f "$log" ] || { echo "0 passed, 1 failed"; exit 0; }
/usr/bin/python3 - "$log" <<'PY'
import json, sys
passed = failed = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result", "")
    if r in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif r != "SKIP":
        failed += 1
print(f"{passed} passed, {failed} failed")
PY
