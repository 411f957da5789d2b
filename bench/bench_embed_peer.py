#!/usr/bin/python3
"""Peers of bench/bench_embed.c on the same thumbnails: scikit-image HOG and
uniform LBP per 64×64 image (area-downsampled as radnet does; CPU time),
scikit-learn randomized PCA fit + transform of the 32×32 thumbnails (wall
and CPU time). One JSON object.
    bench_embed_peer.py THUMBS.npy [--runs R] [--pca-rows N]"""
import json
import sys
import time

import numpy as np
from skimage.feature import hog, local_binary_pattern
from sklearn.decomposition import PCA


def area(stack, side):
    n, s, _ = stack.shape
    if s % side:
        raise SystemExit("thumbnail size %d is not a multiple of %d" % (s, side))
    f = s // side
    return (stack.reshape(n, side, f, side, f).astype(np.float32).mean(axis=(2, 4))
            / np.float32(255))


def main():
    args = sys.argv[1:]
    runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 7
    stack = np.load(args[0])
    pca_rows = int(args[args.index("--pca-rows") + 1]) if "--pca-rows" in args else len(stack)
    img64, img32 = area(stack, 64), area(stack, 32)
    hog_n = min(len(stack), 300)
    t = []
    for _ in range(runs):
        t0 = time.process_time()
        for im in img64[:hog_n]:
            hog(im, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2),
                block_norm="L2-Hys")
        t.append((time.process_time() - t0) / hog_n)
    hog_ms = float(np.median(t)) * 1e3
    t = []
    for _ in range(max(1, runs // 2)):
        t0 = time.process_time()
        for im in img64[:hog_n // 4]:
            for P, R in ((8, 1), (16, 2), (24, 3)):
                local_binary_pattern(im.astype(np.float64), P, R, "uniform")
        t.append((time.process_time() - t0) / (hog_n // 4))
    lbp_ms = float(np.median(t)) * 1e3
    X = img32[:pca_rows].reshape(pca_rows, -1)
    fit = []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        p = PCA(n_components=64, svd_solver="randomized", random_state=0).fit(X)
        t1, c1 = time.perf_counter(), time.process_time()
        p.transform(X)
        t2 = time.perf_counter()
        fit.append((t1 - t0, t2 - t1, c1 - c0))
    fit = np.array(fit)
    print(json.dumps({"images": len(stack), "skimage_hog_64_ms": hog_ms,
                      "skimage_lbp3_64_ms": lbp_ms, "pca_rows": pca_rows,
                      "sklearn_pca_fit_s": float(np.median(fit[:, 0])),
                      "sklearn_pca_fit_cpu_s": float(np.median(fit[:, 2])),
                      "sklearn_pca_transform_s": float(np.median(fit[:, 1]))}))


if __name__ == "__main__":
    main()
