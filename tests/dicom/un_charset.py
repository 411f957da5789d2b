#!/usr/bin/python3
"""The catalogue decodes a UN text value with the file's character set.

A StudyDescription stored as UN in an ISO_IR 101 (Latin-2) file must be
catalogued as "Pluća RTG", like the same bytes stored as LO (the
SeriesDescription here), not read as Latin-1 ("Pluæa RTG"). Also: a UN
private element of a known creator gets its dictionary VR in the
catalogue's elements JSON, and a UN binary value its number.

usage: un_charset.py
env: RADNET_BIN, RADNET_TESTDATA
"""
import io
import json
import os
import sqlite3
import struct
import subprocess
import sys
import tempfile

import pydicom

WANT = "Plu\u0107a RTG"


def as_un(data, group, element, vr):
    """Rewrites the explicit VR LE header of one top-level element as UN
    (pydicom itself writes UN values of known tags with their real VR)."""
    head = struct.pack("<HH2sH", group, element, vr.encode(), 0)
    at = data.index(head[:6])
    length = struct.unpack_from("<H", data, at + 6)[0]
    return data[:at] + struct.pack("<HH2sHI", group, element, b"UN", 0, length) + data[at + 8:]


def make(root, path):
    ds = pydicom.dcmread(os.path.join(root, "pydicom/test_files/CT_small.dcm"))
    ds.SpecificCharacterSet = "ISO_IR 101"
    latin2 = WANT.encode("iso8859_2")
    ds.StudyDescription = latin2.decode("iso8859_2")
    ds.SeriesDescription = latin2.decode("iso8859_2")
    ds.add_new(0x00189073, "FD", 2.5)  # AcquisitionDuration
    block = ds.private_block(0x0029, "SIEMENS CSA HEADER", create=True)
    block.add_new(0x08, "CS", "IMAGE NUM 4")
    buf = io.BytesIO()
    ds.save_as(buf)
    data = buf.getvalue()
    data = as_un(data, 0x0008, 0x1030, "LO")   # StudyDescription
    data = as_un(data, 0x0018, 0x9073, "FD")   # AcquisitionDuration
    creator, csa_type = block.block_start >> 8, block.get_tag(0x08)
    data = as_un(data, 0x0029, creator, "LO")                # private creator
    data = as_un(data, 0x0029, csa_type & 0xFFFF, "CS")      # CSAImageHeaderType
    with open(path, "wb") as f:
        f.write(data)
    return "%08X" % csa_type


def main():
    radnet = os.environ.get("RADNET_BIN", "build/radnet")
    root = os.environ.get("RADNET_TESTDATA", "tests/data")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src")
        os.mkdir(src)
        csa_key = make(root, os.path.join(src, "latin2_un.dcm"))
        ws = os.path.join(tmp, "ws")
        r = subprocess.run([radnet, "ingest", src, "-w", ws, "--quiet"], capture_output=True)
        if r.returncode != 0:
            sys.exit("radnet ingest failed: %s" % r.stderr.decode(errors="replace"))
        db = sqlite3.connect(os.path.join(ws, "catalog.sqlite"))
        study = db.execute("SELECT study_description FROM studies").fetchall()
        series = db.execute("SELECT series_description FROM series").fetchall()
        elements = db.execute("SELECT json FROM elements").fetchone()[0]
        db.close()
    if study != [(WANT,)]:
        failures.append("study description (UN): %r" % study)
    if series != [(WANT,)]:
        failures.append("series description (LO): %r" % series)
    els = json.loads(elements)
    if els.get("StudyDescription") != ["LO", WANT]:
        failures.append("elements StudyDescription: %r" % els.get("StudyDescription"))
    if els.get("AcquisitionDuration") != ["FD", "2.5"]:
        failures.append("elements AcquisitionDuration (UN): %r" % els.get("AcquisitionDuration"))
    if els.get(csa_key) != ["CS", "IMAGE NUM 4"]:
        failures.append("elements %s (UN, SIEMENS CSA HEADER): %r" % (csa_key, els.get(csa_key)))
    for f in failures:
        print("FAIL", f)
    print("%d passed, %d failed" % (5 - len(failures), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
