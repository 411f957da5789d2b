"""Every high byte (0x80..0xFF) of core's single-byte decoders against
Python's codecs: ISO-8859-1, ISO-8859-2 and Windows-1250 (its unassigned
bytes as U+FFFD). Usage: text_codecs.py TEST_TEXT_BINARY."""
import os
import subprocess
import sys
import tempfile

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "tables.txt")
    subprocess.run([sys.argv[1], path], check=True)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
high = bytes(range(0x80, 0x100))
failures = 0
for line, codec in zip(lines, ["iso8859-1", "iso8859-2", "cp1250"]):
    want = high.decode(codec, errors="replace")
    for i, (got_c, want_c) in enumerate(zip(line, want)):
        if got_c != want_c:
            print("FAIL: %s 0x%02X: U+%04X, Python U+%04X" % (codec, 0x80 + i, ord(got_c),
                                                              ord(want_c)))
            failures += 1
    if len(line) != len(want):
        print("FAIL: %s: %d characters, want %d" % (codec, len(line), len(want)))
        failures += 1
print("%d failures" % failures)
sys.exit(1 if failures else 0)
