#!/usr/bin/python3
"""Peer timings for bench_image: the same 512 x 512 CT slice (dumped by
`bench_image --dump DIR`) through numpy + PIL, the authors' stack.

    bench_image_peer.py DIR [--runs R] [--iters N]

Times (median of runs, per image): PIL bilinear resize 512 -> 128 of the
8-bit windowed image, and the whole preprocessing (rescale, np.piecewise
window, uint8, drop rules, PIL resize + paste) with the header window and
with the percentile fallback. Prints one JSON object.
"""
import json
import sys
import time

import numpy as np
from PIL import Image

ROWS = COLS = 512
OUT = 128


def median_time(fn, runs, iters):
    t = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        t.append((time.perf_counter() - t0) / iters)
    return float(np.median(t))


def resize(img8):
    Image.fromarray(img8).resize((OUT, OUT), Image.BILINEAR)


def value_policy(img, threshold):
    m = int(img.max())
    if m < 1:
        return False
    bits = int(np.log2(m)) + 1
    if bits < 7:
        return False
    hist, _ = np.histogram(img.ravel(), bins=np.linspace(0, 2**bits - 1, 2**bits))
    return np.count_nonzero(hist) / (2**bits - 1) > threshold


def preprocess(stored, robust):
    x = stored * 1.0 + (-1024.0)
    if robust:
        lo, hi = np.percentile(x, [0.5, 99.5])
        c, w = (lo + hi) / 2, hi - lo
    else:
        c, w = 40.0, 400.0
    y = np.piecewise(x, [x <= c - w / 2, x > c + w / 2],
                     [0.0, 255.0, lambda v: (v - c + w / 2) / w * 255.0])
    img = y.astype(np.uint8)
    value_policy(img, 0.1)
    out = Image.new("L", (OUT, OUT), color=0)
    out.paste(Image.fromarray(img).resize((OUT, OUT), Image.BILINEAR), (0, 0))
    return np.asarray(out)


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 1
    d = argv[1]
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 15
    iters = int(argv[argv.index("--iters") + 1]) if "--iters" in argv else 50
    stored = np.fromfile(d + "/ct16.raw", dtype="<i2").reshape(ROWS, COLS)
    img8 = np.fromfile(d + "/windowed8.raw", dtype=np.uint8).reshape(ROWS, COLS)
    result = {
        "runs": runs, "iters": iters,
        "pil_resize_512_to_128_ms": 1e3 * median_time(lambda: resize(img8), runs, iters),
        "numpy_preprocess_header_ms":
            1e3 * median_time(lambda: preprocess(stored, False), runs, iters),
        "numpy_preprocess_robust_ms":
            1e3 * median_time(lambda: preprocess(stored, True), runs, iters),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
