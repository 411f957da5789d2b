#!/usr/bin/python3
"""Contact sheet of a synthetic archive: one thumbnail per (Modality, Region,
View) (first frame of an image from the middle of its series, dcmtk's
rendering with the file's first VOI window or a min-max window), labelled,
for a human to check that images look like their region and view.
Usage: montage.py ARCHIVE_DIR OUT.png [per_key]
Prints the number of tiles; exits non-zero when no tile could be drawn."""
import csv
import os
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw

THUMB = 96


def render(path, tmp):
    out = os.path.join(tmp, "x.png")
    for window in (["+Wi", "1"], ["+Wm"]):
        r = subprocess.run(["dcmj2pnm", "-q", "+on"] + window + [path, out],
                           capture_output=True)
        if r.returncode == 0 and os.path.exists(out):
            return Image.open(out).convert("RGB")  # colour Doppler stays in colour
    return None


def main():
    root, dest = sys.argv[1], sys.argv[2]
    per_pair = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    picks = {}
    with open(os.path.join(root, "truth.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["Modality"] == "SR":
                continue
            organ = "-" + row["Organ"] if row.get("Organ") else ""  # cardiac exams
            key = (row["Modality"], row["Region"] + organ, row["View"])
            if len(picks.setdefault(key, [])) < per_pair + 12:
                picks[key].append(row["Path"])  # spares: dcmtk has no JPEG 2000
    for key, paths in picks.items():  # middle of a series first, not its edge slice
        mid = len(paths) // 2
        picks[key] = paths[mid:] + paths[:mid]
    tiles = []
    with tempfile.TemporaryDirectory() as tmp:
        for key in sorted(picks):
            done = 0
            for p in picks[key]:
                img = render(os.path.join(root, p), tmp) if done < per_pair else None
                if img is None:
                    continue
                done += 1
                img.thumbnail((THUMB, THUMB))
                tile = Image.new("RGB", (THUMB, THUMB + 14))
                tile.paste(img, ((THUMB - img.width) // 2, 14 + (THUMB - img.height) // 2))
                ImageDraw.Draw(tile).text((2, 1), "%s %s %s" % key, fill=(255, 255, 255))
                tiles.append(tile)
    if not tiles:
        print("no tile drawn", file=sys.stderr)
        return 1
    cols = 14
    rows = (len(tiles) + cols - 1) // cols
    sheet = Image.new("RGB", (cols * THUMB, rows * (THUMB + 14)), (40, 40, 40))
    for i, t in enumerate(tiles):
        sheet.paste(t, ((i % cols) * THUMB, (i // cols) * (THUMB + 14)))
    # A 256-colour palette keeps the greys and the Doppler colours at the
    # size of a grey sheet.
    sheet.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(dest, optimize=True)
    print("%d tiles -> %s" % (len(tiles), dest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
