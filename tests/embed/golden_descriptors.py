#!/usr/bin/python3
"""Golden test of the image descriptors against their oracles, on real
thumbnails (`radnet preview --size 64` of every previewable file of the
test corpus) plus a few synthetic images:
  HOG   vs skimage.feature.hog (L2-Hys), several layouts: equal to float32
        rounding (radnet stores float32; skimage works in float64);
  LBP   vs skimage.feature.local_binary_pattern(method='uniform'): identical
        codes (same float64 arithmetic);
  PCA   (randomized, 4 LU-normalised power iterations) vs sklearn PCA(svd_solver='full'):
        explained variance, principal angles, captured variance."""
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image
from scipy.linalg import subspace_angles
from skimage.feature import hog, local_binary_pattern
from sklearn.decomposition import PCA

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import BIN, check, finish  # noqa: E402

DATA = os.environ["RADNET_TESTDATA"]
DUMP = sys.argv[1]


def corpus_thumbnails(tmp, size=64, limit=160):
    files = sorted(f for f in glob.glob(os.path.join(DATA, "**", "*"), recursive=True)
                   if os.path.isfile(f))
    thumbs = []
    for i, f in enumerate(files):
        out = os.path.join(tmp, "t%d.png" % i)
        r = subprocess.run([BIN, "preview", f, "-o", out, "--size", str(size)],
                           capture_output=True)
        if r.returncode == 0 and os.path.isfile(out):
            thumbs.append(np.asarray(Image.open(out).convert("L")))
        if len(thumbs) >= limit:
            break
    return np.stack(thumbs)


def synthetic(n=24, size=64, seed=5):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    out = []
    for i in range(n):
        img = np.zeros((size, size))
        img += 120 * (((xx - size / 2) ** 2 + (yy - size / 2) ** 2) < (size * rng.uniform(.2, .45)) ** 2)
        img += rng.integers(0, 60, (size, size)) * (i % 3 == 0)
        img += (xx * rng.uniform(0, 2)) * (i % 3 == 1)
        out.append(np.clip(img, 0, 255).astype(np.uint8))
    return np.stack(out)


def run(*args):
    r = subprocess.run([DUMP, *args], capture_output=True, text=True)
    check(r.returncode == 0, "dump %s: %s" % (" ".join(args), r.stderr))


def golden_hog(stack, path, tmp):
    # Odd orientation counts only: with an even count, angles of exactly 45°,
    # 90° or 135° (common in 8-bit images) sit on a bin edge, and which side
    # skimage puts them on depends on the arctan2 of the numpy build (SVML on
    # AVX-512 machines rounds differently from glibc).
    for orient, cell, block in [(9, 8, 2), (9, 8, 3), (7, 6, 2), (5, 16, 1)]:
        out = os.path.join(tmp, "hog.npy")
        run("hog", str(orient), str(cell), str(block), path, out)
        ours = np.load(out)
        imgs = stack.astype(np.float32) / np.float32(255)
        want = np.stack([hog(im, orientations=orient, pixels_per_cell=(cell, cell),
                             cells_per_block=(block, block), block_norm="L2-Hys")
                         for im in imgs])
        check(ours.shape == want.shape, "hog %s shape %s vs %s" % (
            (orient, cell, block), ours.shape, want.shape))
        if ours.shape == want.shape:
            err = np.abs(ours.astype(np.float64) - want).max()
            # float32 output of values <= 1; skimage's own cell sums are float32
            check(err < 2e-6, "hog %s max error %g" % ((orient, cell, block), err))


def golden_lbp(stack, path, tmp):
    for P, R in [(8, 1), (16, 2), (24, 3), (12, 1.5)]:
        out = os.path.join(tmp, "lbp.npy")
        run("lbp", str(P), str(R), path, out)
        ours = np.load(out)
        imgs = stack.astype(np.float32) / np.float32(255)
        want = np.stack([local_binary_pattern(im, P, R, method="uniform") for im in imgs])
        diff = int((ours != want).sum())
        check(diff == 0, "lbp P=%d R=%g: %d of %d codes differ" % (P, R, diff, want.size))


def golden_pca(stack, tmp):
    # 32×32 (the pca method's default working size), mean of 2×2 blocks
    small = stack.reshape(len(stack), 32, 2, 32, 2).mean(axis=(2, 4)).astype(np.uint8)
    path = os.path.join(tmp, "small.npy")
    np.save(path, small)
    X = small.reshape(len(small), -1).astype(np.float64) / 255
    k = 16
    comps, var = os.path.join(tmp, "c.npy"), os.path.join(tmp, "v.npy")
    run("pca", str(k), "4", path, comps, var)
    C, v = np.load(comps).astype(np.float64), np.load(var).astype(np.float64)
    ref = PCA(n_components=k, svd_solver="full").fit(X)
    rel = np.abs(v - ref.explained_variance_) / ref.explained_variance_
    # leading components: randomized SVD with 4 (LU-normalised) power
    # iterations is exact to float32 rounding; the last ones converge more
    # slowly (small gaps)
    check(rel[:k // 2].max() < 1e-3, "pca leading variances off by %s" % rel[:k // 2])
    check(rel.max() < 2e-2, "pca variances off by %s" % rel)
    angles = np.degrees(subspace_angles(C[:k // 2].T, ref.components_[:k // 2].T))
    check(angles.max() < 1.0, "pca leading subspace angle %.3g°" % angles.max())
    Xc = X - X.mean(axis=0)
    captured = np.square(Xc @ C.T).sum() / np.square(Xc @ ref.components_.T).sum()
    check(captured > 0.999, "pca captures %.5f of the exact variance" % captured)
    gram = C @ C.T
    check(np.abs(gram - np.eye(k)).max() < 1e-4, "pca components not orthonormal")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        real = corpus_thumbnails(tmp)
        check(len(real) >= 40, "only %d previewable corpus files" % len(real))
        stack = np.concatenate([real, synthetic()])
        path = os.path.join(tmp, "thumbs.npy")
        np.save(path, stack)
        print("%d real + %d synthetic thumbnails" % (len(real), len(stack) - len(real)))
        golden_hog(stack, path, tmp)
        golden_lbp(stack, path, tmp)
        golden_pca(stack, tmp)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
