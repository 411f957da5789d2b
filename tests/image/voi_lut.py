#!/usr/bin/python3
"""Modality LUT, VOI LUT and multi-valued windows (SPEC §3) against pydicom.

The corpus has no file with a Modality LUT Sequence (0028,3000) or a VOI
LUT Sequence (0028,3010), so this test makes some from real images with
pydicom: CR exports with one or two VOI LUT items instead of a window
(16-bit words, OW data, 8-bit entries, 65536 entries written as 0, a
negative first mapped value), a CT whose rescale is a Modality LUT (with a
header window, and with none: the robust window over the LUT's output), and
a CT with three window pairs. For every VOI transform the header offers,
`radnet preview --voi I --json` must match the reference: pydicom's
apply_modality_lut, then the window pair (the authors' formula) or
pydicom's apply_voi_lut scaled to 8 bits by 255 / (2^bits - 1), then
inversion, the uint8 cast and the resize of ref_preprocess.py (pixels
within +-1, the same window source, window, inversion and drop decision).

usage: voi_lut.py
env: RADNET_BIN, RADNET_TESTDATA
"""
import copy
import os
import sys
import tempfile
import warnings

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut, apply_voi_lut

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ref_preprocess as ref  # noqa: E402


def lut_item(entries, first, bits, data, vr="US", desc_vr="US"):
    item = pydicom.Dataset()
    item.add_new(0x00283002, desc_vr, [entries, first, bits])
    if vr == "OW":
        item.add_new(0x00283006, "OW", np.asarray(data, dtype="<u2").tobytes())
    else:
        item.add_new(0x00283006, "US", [int(v) for v in data])
    item.LUTExplanation = "test"
    return item


def no_window(ds):
    for kw in ("WindowCenter", "WindowWidth"):
        if kw in ds:
            del ds[kw]


def make_files(root, out):
    src = os.path.join(root, "pydicom", "test_files")
    mr = pydicom.dcmread(os.path.join(src, "MR_small.dcm"))   # signed, 127..2145
    ct = pydicom.dcmread(os.path.join(src, "CT_small.dcm"))   # signed, 128..2191
    made = []

    def save(ds, name):
        path = os.path.join(out, name)
        ds.save_as(path, write_like_original=False)
        made.append(path)

    # CR with two VOI LUTs: a 12-bit gamma curve over 2048 entries from 100,
    # and a 16-bit OW table of 65536 entries (descriptor 0) from -32768.
    d = copy.deepcopy(mr)
    no_window(d)
    d.Modality = "CR"
    x = np.arange(2048) / 2047.0
    gamma = np.round(4095 * x ** 0.6).astype(np.uint16)
    ramp = np.clip((np.arange(65536) - 32768 - 100) * 24, 0, 65535).astype(np.uint16)
    d.VOILUTSequence = [lut_item(2048, 100, 12, gamma, desc_vr="SS"),
                        lut_item(0, -32768, 16, ramp, vr="OW", desc_vr="SS")]
    save(d, "cr_voi_luts.dcm")
    # A descriptor that claims 8 bits for 12-bit entries: the bits follow
    # the data (as dcmtk corrects such tables).
    d.VOILUTSequence = [lut_item(2048, 100, 8, gamma, desc_vr="SS")]
    save(d, "cr_voi_lut_bits_wrong.dcm")
    # DX, 8-bit entries, PresentationLUTShape INVERSE: inverted after the LUT.
    d = copy.deepcopy(mr)
    no_window(d)
    d.Modality, d.PresentationLUTShape = "DX", "INVERSE"
    steps = np.round(255 * (np.arange(256) / 255.0) ** 2).astype(np.uint16)
    d.VOILUTSequence = [lut_item(256, 700, 8, steps, desc_vr="SS")]
    save(d, "dx_voi_lut8_inverse.dcm")
    # CT: Modality LUT instead of the rescale, a header window, and a VOI
    # LUT too (window pair first, the LUT second).
    d = copy.deepcopy(ct)
    for kw in ("RescaleIntercept", "RescaleSlope"):
        del d[kw]
    curve = np.round(3000 * (np.arange(4096) / 4095.0) ** 1.5).astype(np.uint16)
    d.ModalityLUTSequence = [lut_item(4096, 0, 16, curve, desc_vr="SS")]
    d.ModalityLUTSequence[0].ModalityLUTType = "HU"
    d.WindowCenter, d.WindowWidth = "500", "1200"
    d.VOILUTSequence = [lut_item(3001, 0, 16, np.linspace(0, 65535, 3001).astype(np.uint16),
                                 desc_vr="SS")]
    save(d, "ct_modality_lut.dcm")
    # The same without any VOI: the robust window over the LUT's output.
    no_window(d)
    del d.VOILUTSequence
    save(d, "ct_modality_lut_robust.dcm")
    # Three window pairs.
    d = copy.deepcopy(ct)
    d.WindowCenter, d.WindowWidth = ["40", "300", "-600"], ["400", "1500", "1200"]
    save(d, "ct_three_windows.dcm")
    return made


def windows(ds):
    if "WindowCenter" not in ds or "WindowWidth" not in ds:
        return []
    c, w = ds.WindowCenter, ds.WindowWidth
    c = list(c) if isinstance(c, pydicom.multival.MultiValue) else [c]
    w = list(w) if isinstance(w, pydicom.multival.MultiValue) else [w]
    return [(float(a), float(b)) for a, b in zip(c, w)]


def reference(path, index, size=ref.DEFAULT_SIZE):
    ds = pydicom.dcmread(path)
    stored = ref.stored_values(ds, ds.pixel_array)
    if "ModalityLUTSequence" in ds:
        values = apply_modality_lut(stored, ds).astype(np.float64)
    else:
        values = stored * float(ds.get("RescaleSlope", 1)) + float(ds.get("RescaleIntercept", 0))
    pairs = windows(ds)
    luts = list(ds.get("VOILUTSequence", []))
    if index < len(pairs):
        (c, w), source = pairs[index], "header"
        y = ref.window(values, c, w)
    elif index - len(pairs) < len(luts):
        item = luts[index - len(pairs)]
        entries, first, bits = item.LUTDescriptor
        entries = entries or 65536
        # apply_voi_lut with the window attributes out of the way, so that
        # it applies VOI LUT item `index` (its prefer_lut does the same).
        only_lut = copy.deepcopy(ds)
        no_window(only_lut)
        data = item.LUTData if item["LUTData"].VR == "US" else \
            np.frombuffer(item.LUTData, dtype="<u2")
        top = int(np.max(data))
        if not 8 <= bits <= 16 or top >= 2 ** bits:
            bits = max(1, top.bit_length())  # dcmtk's correction
            only_lut.VOILUTSequence[index - len(pairs)].LUTDescriptor = [entries, first, 16]
        # pydicom 2.3 computes the 8-bit table's indices in uint8, which
        # wraps past 255: clamping to the table's input range first is the
        # same lookup without the wrap.
        inputs = np.clip(values, first, first + entries - 1) if bits == 8 else values
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "VOI LUT on a float input array"
            y = apply_voi_lut(inputs, only_lut, index=index - len(pairs)).astype(np.float64)
        y = y / (2 ** bits - 1) * 255.0
        c, w, source = first + entries / 2.0, float(entries), "voi_lut"
    else:
        lo, hi = np.percentile(values, [0.5, 99.5])
        c, w, source = (lo + hi) / 2, hi - lo, "robust"
        y = ref.window(values, c, w)
    inverted = ds.PhotometricInterpretation == "MONOCHROME1" or (
        ds.Modality in ("CR", "DX") and str(ds.get("PresentationLUTShape", "")) == "INVERSE")
    if inverted:
        y = 255.0 - y
    img = y.astype(np.uint8)
    rows, cols = img.shape
    return {
        "pixels": ref.fit(img, size), "window_center": float(c), "window_width": float(w),
        "window_source": source, "inverted": bool(inverted), "drop": ref.value_policy(img, 0.1),
        "source_rows": rows, "source_columns": cols,
        "voi_count": len(pairs) + len(luts),
        "modality_lut": "ModalityLUTSequence" in ds,
    }


def run_radnet(path, index, tmp):
    import json
    import subprocess
    from PIL import Image
    out = os.path.join(tmp, "p.png")
    r = subprocess.run([os.environ.get("RADNET_BIN", "build/radnet"), "preview", path, "-o", out,
                        "--voi", str(index), "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    meta = json.loads(r.stdout)
    meta["pixels"] = np.asarray(Image.open(out))
    return meta, None


def main():
    root = os.environ.get("RADNET_TESTDATA", "tests/data")
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in make_files(root, tmp):
            count = reference(path, 0)["voi_count"]
            for index in range(max(count, 1)):
                want = reference(path, index)
                got, err = run_radnet(path, index, tmp)
                problems = [err] if got is None else ref.compare(want, got)[0]
                if got is not None:
                    for key in ("voi_count", "modality_lut"):
                        if got[key] != want[key]:
                            problems.append("%s: ref %r radnet %r" % (key, want[key], got[key]))
                name = "%s --voi %d" % (os.path.basename(path), index)
                if problems:
                    failed += 1
                    print("FAIL %s: %s" % (name, "; ".join(problems)))
                else:
                    passed += 1
                    print("ok %s (%s, window %.6g/%.6g)" % (name, got["window_source"],
                                                            got["window_center"], got["window_width"]))
            # One past the last transform is a usage error, not an image.
            got, err = run_radnet(path, max(count, 1), tmp)
            if got is not None:
                failed += 1
                print("FAIL %s --voi %d: accepted" % (os.path.basename(path), max(count, 1)))
            else:
                passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
