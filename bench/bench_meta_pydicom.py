#!/usr/bin/python3
"""pydicom's metadata path over a list of files (one per line)."""
import sys

import pydicom

count = 0
for path in open(sys.argv[1]).read().split("\n"):
    if path:
        pydicom.dcmread(path, stop_before_pixels=True, force=True)
        count += 1
print(count)
