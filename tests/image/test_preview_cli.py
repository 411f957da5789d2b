#!/usr/bin/python3
"""`radnet preview`: writes a valid 8-bit grayscale PNG of the asked size,
reports window / source / inversion / drop (text on stderr, JSON on stdout),
reports a dropped image without failing, gives the same image for lossless
transfer syntaxes of the same data, and fails with exit 2 / 1 and
"radnet: FILE: reason" on bad input / usage."""
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import BIN, check, finish  # noqa: E402

DATA = os.environ["RADNET_TESTDATA"]
FILES = os.path.join(DATA, "pydicom", "test_files")


def preview(path, out, *extra):
    return subprocess.run([BIN, "preview", path, "-o", out, *extra],
                          capture_output=True, text=True)


def png_header(path):
    """Signature and IHDR read by hand: width, height, depth, colour type."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature")
    length, kind = struct.unpack(">I4s", data[8:16])
    check(kind == b"IHDR" and length == 13, "IHDR first")
    ihdr = data[16:29]
    crc = struct.unpack(">I", data[29:33])[0]
    check(zlib.crc32(b"IHDR" + ihdr) == crc, "IHDR CRC")
    return struct.unpack(">IIBB", ihdr[:10])


def main():
    ct = os.path.join(FILES, "CT_small.dcm")
    mr = os.path.join(FILES, "MR_small.dcm")
    if not (os.path.isfile(ct) and os.path.isfile(mr)):
        print("missing test data under " + FILES)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "ct.png")
        r = preview(ct, out, "--size", "64")
        check(r.returncode == 0, "CT preview exit %d: %s" % (r.returncode, r.stderr))
        width, height, depth, colour = png_header(out)
        check((width, height, depth, colour) == (64, 64, 8, 0),
              "CT PNG is %dx%d depth %d colour %d" % (width, height, depth, colour))
        img = np.asarray(Image.open(out))
        check(img.shape == (64, 64) and img.max() > 200 and img.min() == 0,
              "CT PNG content range %d..%d" % (img.min(), img.max()))
        check("window" in r.stderr and "robust" in r.stderr,
              "text report on stderr: %r" % r.stderr)

        r = preview(mr, out, "--json")
        meta = json.loads(r.stdout)
        check(r.returncode == 0 and meta["size"] == 128, "MR JSON size")
        check(meta["window_source"] == "header" and meta["window_center"] == 600
              and meta["window_width"] == 1600, "MR header window %r" % meta)
        check(meta["drop"] == "none" and meta["inverted"] is False, "MR flags")
        check(png_header(out)[:2] == (128, 128), "default size 128")
        base = np.asarray(Image.open(out))

        # Lossless encodings of MR_small decode to the same stored values.
        for name in ("MR_small_RLE.dcm", "MR_small_jp2klossless.dcm",
                     "MR_small_jpeg_ls_lossless.dcm", "MR_small_bigendian.dcm",
                     "MR_small_implicit.dcm"):
            other = os.path.join(tmp, name + ".png")
            r = preview(os.path.join(FILES, name), other, "--json")
            same = r.returncode == 0 and np.array_equal(np.asarray(Image.open(other)), base)
            check(same, "%s gives the MR_small image (%s)" % (name, r.stderr.strip()))

        # A dropped image is written and reported, exit 0.
        seg = os.path.join(FILES, "liver_1frame.dcm")
        r = preview(seg, out)
        check(r.returncode == 0 and "dropped: sparse_histogram" in r.stderr,
              "dropped SEG reported: %d %r" % (r.returncode, r.stderr))
        check(os.path.getsize(out) > 0, "dropped image still written")

        # Errors: missing file -> 2 with the file named; usage -> 1.
        missing = os.path.join(tmp, "nope.dcm")
        r = preview(missing, out)
        check(r.returncode == 2 and r.stderr.startswith("radnet: " + missing + ": "),
              "missing file: %d %r" % (r.returncode, r.stderr))
        notdicom = os.path.join(tmp, "x.dcm")
        with open(notdicom, "wb") as f:
            f.write(b"hello, not DICOM at all")
        r = preview(notdicom, out)
        check(r.returncode == 2 and ("radnet: " + notdicom) in r.stderr,
              "not DICOM: %d %r" % (r.returncode, r.stderr))
        r = subprocess.run([BIN, "preview", ct], capture_output=True, text=True)
        check(r.returncode == 1, "no -o is a usage error (%d)" % r.returncode)
        r = preview(ct, out, "--size", "0")
        check(r.returncode == 1, "--size 0 is a usage error (%d)" % r.returncode)
        r = preview(ct, os.path.join(tmp, "no", "dir.png"))
        check(r.returncode == 2, "unwritable output (%d)" % r.returncode)
        r = subprocess.run([BIN, "preview", "--help"], capture_output=True, text=True)
        check(r.returncode == 0 and "usage" in r.stdout, "--help")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
