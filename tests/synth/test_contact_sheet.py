#!/usr/bin/python3
"""Renders the contact sheet of a small synthetic archive (montage.py): one
tile per (Modality, Region, View) found in truth.csv, every one drawable by
dcmtk, in a PNG well under 1 MB. docs/synth-contact-sheet.png is made the
same way: montage.py ARCHIVE docs/synth-contact-sheet.png."""
import csv
import os
import shutil
import subprocess
import sys
import tempfile

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    tmp = tempfile.mkdtemp(prefix="rn_sheet_")
    fails = []
    try:
        arch, png = os.path.join(tmp, "a"), os.path.join(tmp, "sheet.png")
        r = subprocess.run([os.environ["RADNET_BIN"], "--quiet", "synth", "--out", arch, "-n", "1500",
                            "--seed", "7", "--size", "small", "-j", "2"], capture_output=True, text=True)
        if r.returncode != 0:
            fails.append("synth: " + r.stderr)
        else:
            with open(os.path.join(arch, "truth.csv"), encoding="utf-8") as f:
                keys = {(t["Modality"], t["Region"] + ("-" + t["Organ"] if t["Organ"] else ""),
                         t["View"]) for t in csv.DictReader(f) if t["Modality"] != "SR"}
            r = subprocess.run(["/usr/bin/python3", os.path.join(HERE, "montage.py"), arch, png],
                               capture_output=True, text=True)
            tiles = int(r.stdout.split()[0]) if r.returncode == 0 and r.stdout else 0
            print(r.stdout.strip(), "of", len(keys), "keys")
            # dcmtk has no JPEG 2000: a rare key may have only such files.
            if tiles < 0.95 * len(keys) or tiles > len(keys):
                fails.append("%d tiles for %d (Modality, Region, View) keys: %s" %
                             (tiles, len(keys), r.stderr[-300:]))
            if len(keys) < 60:
                fails.append("only %d (Modality, Region, View) keys" % len(keys))
            if os.path.exists(png):
                im = Image.open(png)
                if os.path.getsize(png) >= 1 << 20 or im.width < 500:
                    fails.append("sheet %dx%d, %d bytes" % (im.width, im.height, os.path.getsize(png)))
            else:
                fails.append("no sheet written")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in fails:
        print("FAIL:", f, file=sys.stderr)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
