#!/usr/bin/python3
"""Which descriptor parts to combine into one image embedding (how hoglbp was chosen).

    bench/embed_parts.py WS TRUTH.csv COMBO... [--radnet BIN]

A COMBO is PART[:WEIGHT]+PART...[/DIM[/w]]: the parts' rows, each scaled to
unit length and multiplied by WEIGHT (1), concatenated, PCA-reduced to DIM
(64; 0 = none; w = whitened), then scikit-learn k-means (n_init 3, seed 1)
at k = 50, #Modalities and #regions, NMI against truth.csv. Parts: hN (HOG
with N-pixel cells on 64², 2×2 blocks), h4 (4-pixel cells on 32²), h32
(32-pixel cells on 128²), lbp / lbp2 / lbp1 (the lbp method on a 4×4 / 2×2 /
1×1 grid), all through `radnet embed --options ...,pca=off` and cached in
WS/parts/; ihN (grey-level histogram of N bins, square-rooted), rawN (the
thumbnail block-averaged to N×N). Needs a previous `radnet embed` of WS
(rows.csv). Prints a Markdown table."""
import argparse
import csv
import os
import subprocess
import sys

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import normalized_mutual_info_score as nmi

from embed_quality import read_rows, thumbnails

RADNET_PARTS = {
    "h16": ("hog", "cell=16,pca=off"), "h8": ("hog", "cell=8,pca=off"),
    "h4": ("hog", "size=32,cell=4,pca=off"), "h32": ("hog", "size=128,cell=32,pca=off"),
    "lbp": ("lbp", "pca=off"), "lbp2": ("lbp", "grid=2,pca=off"),
    "lbp1": ("lbp", "grid=1,pca=off"),
}


def thumbs(ws, rows):
    T, index = thumbnails(ws)
    return np.stack([T[index[s]] for s in rows])


def part(name, a, T):
    if name in RADNET_PARTS:
        path = os.path.join(a.ws, "parts", name + ".npy")
        if not os.path.exists(path):
            method, opts = RADNET_PARTS[name]
            subprocess.run([a.radnet, "--quiet", "embed", "-w", a.ws, "--source", "image",
                            "--method", method, "--options", opts, "--force", "-j", "2"],
                           check=True)
            os.replace(os.path.join(a.ws, "embeddings", "image-%s.npy" % method), path)
        return np.load(path).astype(np.float64)
    if name.startswith("ih"):
        bins = int(name[2:])
        counts = [np.bincount(t.ravel().astype(int) * bins // 256, minlength=bins) for t in T]
        return np.sqrt(np.stack(counts) / T[0].size)
    if name.startswith("raw"):
        side = int(name[3:])
        f = T.shape[1] // side
        return T.reshape(len(T), side, f, side, f).mean(axis=(2, 4)).reshape(len(T), -1) / 255
    raise SystemExit("unknown part " + name)


def embed(combo, a, T):
    spec = combo.split("/")
    dim = int(spec[1]) if len(spec) > 1 and spec[1] else 64
    blocks = []
    for item in spec[0].split("+"):
        name, _, weight = item.partition(":")
        X = part(name, a, T)
        X = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
        blocks.append(float(weight or 1) * X)
    X = np.hstack(blocks)
    if dim:
        X = PCA(dim, whiten=len(spec) > 2 and spec[2] == "w", random_state=0).fit_transform(X)
    return X


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ws")
    ap.add_argument("truth")
    ap.add_argument("combos", nargs="+")
    ap.add_argument("--radnet", default="build/radnet")
    a = ap.parse_args()
    os.makedirs(os.path.join(a.ws, "parts"), exist_ok=True)
    rows = read_rows(a.ws)
    truth = {}
    with open(a.truth) as f:
        for row in csv.DictReader(f):
            truth[row["SOPInstanceUID"]] = (row["Modality"], row["Region"])
    mod = [truth[s][0] for s in rows]
    reg = [truth[s][1] for s in rows]
    T = thumbs(a.ws, rows)
    km, kr = len(set(mod)), len(set(reg))
    print("| combo | k=50 NMI Mod. | k=50 NMI region | k=%d NMI Mod. | k=%d NMI region |"
          % (km, kr))
    print("|---|---|---|---|---|")
    for combo in a.combos:
        X = embed(combo, a, T)
        p50, pm, pr = (KMeans(k, n_init=3, random_state=1).fit_predict(X) for k in (50, km, kr))
        print("| %s | %.3f | %.3f | %.3f | %.3f |" % (
            combo, nmi(mod, p50), nmi(reg, p50), nmi(mod, pm), nmi(reg, pr)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
