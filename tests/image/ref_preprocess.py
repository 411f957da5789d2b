#!/usr/bin/python3
"""Reference implementation of SPEC §3 preprocessing in numpy/PIL, written
from the SPEC (and the RadiologyNET authors' code it describes), and a
differential test of `radnet preview` against it.

    ref_preprocess.py FILE [--size S]            print the reference result
    ref_preprocess.py --check DATA_DIR [--size S] [--compressed]
        compare radnet on every native-syntax image under DATA_DIR (pydicom
        reads those without codecs) and on synthesized variants; every pixel
        within +-1, identical drop decision, window source, window and
        inversion. Exit 1 on any mismatch. --compressed adds encapsulated
        images, with gdcm's decoded values (gdcmraw) as the input.

Needs Debian's python3 (numpy, pydicom, PIL). radnet is $RADNET_BIN.
"""
import copy
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pydicom
from PIL import Image

NATIVE = {
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.1.99",
    "1.2.840.10008.1.2.2",
}
DEFAULT_SIZE = 128


class Skip(Exception):
    """Not an image the reference handles (no pixels, compressed...)."""


def fix_big_endian_ow(ds, ts):
    """OW under explicit big endian is a stream of 16-bit words, whatever the
    pixel size (gdcm and dcmtk read and write it so); pydicom 2.3 instead
    reads 8-bit samples unswapped and 32-bit samples as whole big-endian
    words, exchanging their halves. Rewrite the value into the layout pydicom
    expects (big-endian words of BitsAllocated bits) so the reference sees
    the real samples."""
    elem = ds["PixelData"]
    bits = int(ds.BitsAllocated)
    if ts != "1.2.840.10008.1.2.2" or elem.VR != "OW" or bits not in (8, 32):
        return
    raw = np.frombuffer(elem.value, dtype=np.uint8)
    if raw.size % 4:
        raw = np.concatenate([raw, np.zeros(4 - raw.size % 4, dtype=np.uint8)])
    little = raw.reshape(-1, 2)[:, ::-1].reshape(-1)
    unit = bits // 8
    elem.value = little.reshape(-1, unit)[:, ::-1].tobytes()[:len(elem.value)]


WITH_COMPRESSED = False
RLE = "1.2.840.10008.1.2.5"


def decoded_by_gdcm(path, ds):
    """Stored values of an encapsulated image as gdcm decodes them
    (`gdcmconv --raw`, gdcm being the oracle of `radnet decode`), read back
    by pydicom. Copies the photometric interpretation gdcm gives the decoded
    data (e.g. YBR_FULL for JPEG 4:2:2, RGB for JPEG 2000 RCT) into ds."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "raw.dcm")
        r = subprocess.run(["gdcmconv", "--raw", path, out], capture_output=True)
        if r.returncode != 0 or not os.path.exists(out):
            raise Skip("gdcm cannot decode")
        raw = pydicom.dcmread(out, force=True)
        if str(raw.file_meta.TransferSyntaxUID) not in NATIVE:
            raise Skip("gdcm left it encapsulated")
        fix_big_endian_ow(raw, str(raw.file_meta.TransferSyntaxUID))
        ds.PhotometricInterpretation = raw.PhotometricInterpretation
        return raw.pixel_array


def first_value(v):
    if isinstance(v, pydicom.multival.MultiValue):
        return v[0] if len(v) else None
    return v


def finite(v):
    try:
        f = float(first_value(v))
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def group_macro(ds, seq_kw):
    """Enhanced multi-frame: shared functional groups, else the first frame's."""
    for groups in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        g = ds.get(groups)
        if g and len(g) and seq_kw in g[0] and len(g[0][seq_kw].value):
            return g[0][seq_kw].value[0]
    return None


def attrs(ds):
    src = ds
    if "RescaleSlope" not in ds and "RescaleIntercept" not in ds:
        src = group_macro(ds, "PixelValueTransformationSequence")
    slope = finite(src.get("RescaleSlope")) if src is not None else None
    intercept = finite(src.get("RescaleIntercept")) if src is not None else None
    win = ds
    if "WindowCenter" not in ds and "WindowWidth" not in ds:
        win = group_macro(ds, "FrameVOILUTSequence")
    c = finite(win.get("WindowCenter")) if win is not None else None
    w = finite(win.get("WindowWidth")) if win is not None else None
    return {
        "slope": 1.0 if slope is None else slope,
        "intercept": 0.0 if intercept is None else intercept,
        "center": c,
        "width": w,
        "modality": str(ds.get("Modality", "") or ""),
        "inverse": str(ds.get("PresentationLUTShape", "") or "").strip() == "INVERSE",
    }


def stored_values(ds, arr):
    """Mask to BitsStored (at HighBit) and sign-extend signed data."""
    ba, bs = int(ds.BitsAllocated), int(ds.BitsStored)
    hb = int(ds.get("HighBit", bs - 1))
    if ba == 1:
        return arr.astype(np.int64)
    shift = hb + 1 - bs if (hb + 1 >= bs and hb < ba) else 0
    u = arr.astype(np.int64) & ((1 << ba) - 1)  # raw bits, as unsigned
    v = (u >> shift) & ((1 << bs) - 1)
    if int(ds.PixelRepresentation) == 1:
        s = 1 << (bs - 1)
        v = (v ^ s) - s
    return v


def luminance(ds, arr):
    photometric = ds.PhotometricInterpretation
    if photometric == "PALETTE COLOR":
        from pydicom.pixel_data_handlers.util import apply_color_lut
        rgb = apply_color_lut(arr, ds).astype(np.float64)
        return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]
    a = stored_values(ds, arr).astype(np.float64)
    if photometric in ("MONOCHROME1", "MONOCHROME2"):
        return a
    if photometric in ("YBR_FULL", "YBR_FULL_422"):
        return a[..., 0]  # pydicom expands stored 4:2:2 to full samples
    if photometric == "RGB":
        return 0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]
    raise Skip("photometric " + photometric)


def lerp(prev, nxt, gamma):
    diff = nxt - prev
    return nxt - diff * (1 - gamma) if gamma >= 0.5 else prev + diff * gamma


def window(x, c, w):
    # The authors' np.piecewise, on float64.
    return np.piecewise(
        x, [x <= c - w / 2, x > c + w / 2],
        [0.0, 255.0, lambda v: (v - c + w / 2) / w * 255.0])


def value_policy(img, threshold):
    """The authors' drop rules on the windowed 8-bit image."""
    m = int(img.max())
    if m < 1:
        return "black"
    bits = int(np.log2(m)) + 1
    if bits < 7:
        return "low_bits"
    hist, _ = np.histogram(img.ravel(), bins=np.linspace(0, 2**bits - 1, 2**bits))
    if np.count_nonzero(hist) / (2**bits - 1) > threshold:
        return "none"
    return "sparse_histogram"


def fit(img, size):
    h, w = img.shape
    aspect = h / w
    nh, nw = size, size
    if h > w:
        nw = round(size / aspect)
    else:
        nh = round(size * aspect)
    nh, nw = max(1, nh), max(1, nw)
    scaled = Image.fromarray(img).resize((nw, nh), Image.BILINEAR)
    out = Image.new("L", (size, size), color=0)
    out.paste(scaled, ((size - nw) // 2, (size - nh) // 2))
    return np.asarray(out)


def preprocess(path, size=DEFAULT_SIZE):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path, force=True)
        if "PixelData" not in ds:
            raise Skip("no pixel data")
        ts = str(getattr(ds, "file_meta", {}).get("TransferSyntaxUID", "")) \
            if hasattr(ds, "file_meta") else ""
        if ts in NATIVE:
            fix_big_endian_ow(ds, ts)
            arr = ds.pixel_array
        elif WITH_COMPRESSED and ts == RLE:
            # pydicom's own RLE decoder; gdcm 3.0.21 swaps the byte
            # segments of 16/32-bit colour RLE (SC_rgb_rle_16bit: red comes
            # out as 0, 0xFF00, 0x00FF), so it cannot be the oracle there.
            arr = ds.pixel_array
        elif WITH_COMPRESSED:
            arr = decoded_by_gdcm(path, ds)
        else:
            raise Skip("transfer syntax " + ts)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if frames > 1:
        arr = arr[0]
    a = attrs(ds)
    values = luminance(ds, arr) * a["slope"] + a["intercept"]
    if a["width"] is not None and a["center"] is not None and a["width"] > 0:
        c, w, source = a["center"], a["width"], "header"
    else:
        lo, hi = np.percentile(values, [0.5, 99.5])
        c, w, source = (lo + hi) / 2, hi - lo, "robust"
    y = window(values, c, w)
    inverted = ds.PhotometricInterpretation == "MONOCHROME1" or (
        a["modality"] in ("CR", "DX") and a["inverse"])
    if inverted:
        y = 255.0 - y
    img = y.astype(np.uint8)
    rows, cols = img.shape
    if min(rows, cols) / max(rows, cols) < 0.1:
        drop = "aspect"
    else:
        xa_cine = frames > 1 and a["modality"] == "XA"
        drop = value_policy(img, 0.2 if xa_cine else 0.1)
    return {
        "pixels": fit(img, size), "window_center": float(c),
        "window_width": float(w), "window_source": source,
        "inverted": bool(inverted), "drop": drop,
        "source_rows": rows, "source_columns": cols,
    }


def run_radnet(path, size, tmp):
    out = os.path.join(tmp, "p.png")
    r = subprocess.run([os.environ["RADNET_BIN"], "preview", path, "-o", out,
                        "--size", str(size), "--json"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()
    meta = json.loads(r.stdout)
    png = Image.open(out)
    if png.mode != "L" or png.size != (size, size):
        return None, "PNG is %s %s" % (png.mode, png.size)
    meta["pixels"] = np.asarray(png)
    return meta, None


def compare(ref, got):
    problems = []
    for key in ("window_source", "drop", "inverted", "source_rows", "source_columns"):
        if ref[key] != got[key]:
            problems.append("%s: ref %r radnet %r" % (key, ref[key], got[key]))
    for key in ("window_center", "window_width"):
        if not np.isclose(ref[key], got[key], rtol=1e-12, atol=1e-9):
            problems.append("%s: ref %r radnet %r" % (key, ref[key], got[key]))
    diff = np.abs(ref["pixels"].astype(int) - got["pixels"].astype(int))
    if diff.max() > 1:
        problems.append("pixels: max diff %d at %d places" % (diff.max(), (diff > 1).sum()))
    return problems, int((diff > 0).sum())


def dicom_files(root):
    for d, _, names in sorted(os.walk(root)):
        for n in sorted(names):
            if n.endswith(".dcm"):
                yield os.path.join(d, n)


def synthesize(root, out_dir):
    """Variants of corpus images for the cases the corpus lacks: MONOCHROME1,
    CR/DX with PresentationLUTShape INVERSE (and IDENTITY), signed 12 bits in
    16 with junk above the stored bits, a multi-frame XA, an odd 1 x N strip,
    a tiny-window CT. Returns their paths."""
    src = os.path.join(root, "pydicom", "test_files")
    ct = pydicom.dcmread(os.path.join(src, "CT_small.dcm"))
    mr = pydicom.dcmread(os.path.join(src, "MR_small.dcm"))
    made = []

    def save(ds, name):
        path = os.path.join(out_dir, name)
        ds.save_as(path, write_like_original=False)
        made.append(path)

    d = copy.deepcopy(ct); d.PhotometricInterpretation = "MONOCHROME1"; save(d, "ct_mono1.dcm")
    for modality, shape in (("CR", "INVERSE"), ("DX", "INVERSE"), ("CR", "IDENTITY"),
                            ("CT", "INVERSE")):
        d = copy.deepcopy(mr); d.Modality = modality; d.PresentationLUTShape = shape
        save(d, "mr_as_%s_%s.dcm" % (modality, shape))
    d = copy.deepcopy(ct)
    a = ct.pixel_array.astype(np.int16)
    junk = (np.arange(a.size).reshape(a.shape) % 16).astype(np.uint16) << 12
    d.BitsStored, d.HighBit = 12, 11
    d.PixelData = ((a.astype(np.uint16) & 0x0FFF) | junk).astype("<u2").tobytes()
    save(d, "ct_signed12_junk.dcm")
    # 40 of 255 bins filled: kept as one frame (> 0.1), dropped as
    # multi-frame XA (<= 0.2). Intercept 0.5 in window [0, 255] keeps values.
    xa = ((np.arange(64 * 64) % 40) * 6 + 10).astype(np.uint8).reshape(64, 64)
    for frames in (1, 3):
        d = copy.deepcopy(mr); d.Modality = "XA"; d.NumberOfFrames = frames
        d.BitsAllocated, d.BitsStored, d.HighBit, d.PixelRepresentation = 8, 8, 7, 0
        d.WindowCenter, d.WindowWidth = "127.5", "255"
        d.RescaleIntercept, d.RescaleSlope = "0.5", "1"
        d.PixelData = np.concatenate([xa.ravel()] * frames).tobytes()
        d["PixelData"].VR = "OB"
        save(d, "xa_%dframes.dcm" % frames)
    d = copy.deepcopy(mr); d.Rows, d.Columns = 1, 64
    d.PixelData = mr.pixel_array[32:33, :].astype("<i2").tobytes(); save(d, "mr_1x64.dcm")
    d = copy.deepcopy(ct); d.WindowCenter, d.WindowWidth = ["40", "400"], ["0.5", "80"]
    d.RescaleSlope = "0.5"; save(d, "ct_slope_multiwindow.dcm")
    # Enhanced multi-frame style: window only in the shared functional
    # groups, rescale only in the first per-frame group.
    d = copy.deepcopy(mr)
    for kw in ("WindowCenter", "WindowWidth"):
        del d[kw]
    voi = pydicom.Dataset(); voi.WindowCenter, voi.WindowWidth = "300", "500"
    shared = pydicom.Dataset(); shared.FrameVOILUTSequence = [voi]
    d.SharedFunctionalGroupsSequence = [shared]
    pvt = pydicom.Dataset(); pvt.RescaleSlope, pvt.RescaleIntercept = "2", "-100"
    frame = pydicom.Dataset(); frame.PixelValueTransformationSequence = [pvt]
    d.PerFrameFunctionalGroupsSequence = [frame]
    save(d, "mr_functional_groups.dcm")
    idx = np.clip(mr.pixel_array >> 3, 0, 255).astype(np.uint8)
    ramp = np.arange(256)
    for name, entries, first, bits in (("palette16", 256, 0, 16), ("palette8", 200, 20, 8)):
        d = copy.deepcopy(mr)
        d.PhotometricInterpretation = "PALETTE COLOR"
        d.BitsAllocated, d.BitsStored, d.HighBit, d.PixelRepresentation = 8, 8, 7, 0
        for kw in ("WindowCenter", "WindowWidth"):
            del d[kw]
        d.PixelData = idx.tobytes()
        d["PixelData"].VR = "OB"
        tables = (ramp[:entries], (255 - ramp[:entries]) // 2, (ramp[:entries] * 7) % 256)
        for colour, table in zip(("Red", "Green", "Blue"), tables):
            desc = pydicom.DataElement(
                pydicom.datadict.tag_for_keyword(colour + "PaletteColorLookupTableDescriptor"),
                "US", [entries, first, bits])
            d[desc.tag] = desc
            data = (table * 257).astype("<u2") if bits == 16 else table.astype(np.uint8)
            setattr(d, colour + "PaletteColorLookupTableData", data.tobytes())
        save(d, name + ".dcm")
    return made


def check(root, size):
    if not os.path.isdir(root):
        print("missing test data: " + root)
        return 1
    compared, failures, off_by_one = 0, 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        synth_dir = os.path.join(tmp, "synth")
        os.mkdir(synth_dir)
        synthesize(root, synth_dir)
        for path in list(dicom_files(root)) + list(dicom_files(synth_dir)):
            try:
                ref = preprocess(path, size)
            except Skip:
                continue
            except Exception as e:  # pydicom cannot read it: radnet must refuse too
                got, err = run_radnet(path, size, tmp)
                status = "ok (both refuse)" if got is None else "FAIL: radnet accepted"
                if got is not None:
                    failures += 1
                print("%s: reference error %s; %s" % (path, type(e).__name__, status))
                continue
            got, err = run_radnet(path, size, tmp)
            compared += 1
            if got is None:
                failures += 1
                print("%s: FAIL radnet: %s" % (path, err))
                continue
            problems, n_diff = compare(ref, got)
            off_by_one += n_diff
            if problems:
                failures += 1
            print("%s: %s (%s, %s window %.6g/%.6g, drop %s, %d pixels off by 1)" % (
                path, "FAIL " + "; ".join(problems) if problems else "ok",
                got["window_source"], "inverted" if got["inverted"] else "plain",
                got["window_center"], got["window_width"], got["drop"], n_diff))
    print("%d images compared, %d failures, %d pixels off by one" % (
        compared, failures, off_by_one))
    return 1 if failures or compared == 0 else 0


def main(argv):
    size = DEFAULT_SIZE
    if "--size" in argv:
        i = argv.index("--size")
        size = int(argv[i + 1])
        del argv[i:i + 2]
    if "--compressed" in argv:
        global WITH_COMPRESSED
        WITH_COMPRESSED = True
        argv.remove("--compressed")
    if len(argv) == 3 and argv[1] == "--check":
        return check(argv[2], size)
    if len(argv) == 2:
        r = preprocess(argv[1], size)
        r["pixels"] = "%dx%d, sum %d" % (size, size, int(r["pixels"].sum()))
        print(json.dumps(r))
        return 0
    print(__doc__)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
