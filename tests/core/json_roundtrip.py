"""Round-trip of RnJsonWriter output through Python's json module: the
document parses (no trailing commas, valid escapes, valid UTF-8) and every
double reads back to exactly the value whose hex form sits beside it.
Usage: json_roundtrip.py TEST_JSON_BINARY."""
import json
import math
import os
import subprocess
import sys
import tempfile

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "doc.json")
    subprocess.run([sys.argv[1], path], check=True)
    with open(path, "rb") as f:
        raw = f.read()
doc = json.loads(raw.decode("utf-8"))
failures = 0
if doc["text"] != "č ć đ š ž \"quoted\" \\ \x7f \x1f / \u2028":
    print("FAIL: text", repr(doc["text"]))
    failures += 1
for value, hexform in doc["values"]:
    expected = float.fromhex(hexform)
    if not isinstance(value, float) or value != expected or \
            math.copysign(1, value) != math.copysign(1, expected):
        print("FAIL:", value, "!=", hexform)
        failures += 1
if len(doc["values"]) < 1900:
    print("FAIL: too few values", len(doc["values"]))
    failures += 1
print(len(doc["values"]), "doubles,", failures, "failures")
sys.exit(1 if failures else 0)
