#!/usr/bin/python3
"""Fusion variants of a workspace's embeddings against the synthetic truth.

Rebuilds radnet's fusion in numpy (include/radnet/fusion.h: per source centre,
unit rows, weight; a missing row — all NaN, or a text source's "no report"
row — is a zero block and the present sources' weights are renormalised so
the row keeps squared length sum w²) and scores k-means (k-means++, Elkan,
n_init 10) on every image: homogeneity at k = 50, NMI at k = #modalities and
k = #regions against true Modality and region, mean pairwise ARI of seeds
1..S at k = 50.

usage: fusion_weights.py WS truth.csv SPEC... [--seeds S] [--check FUSED.npy]
SPEC = name:weight+name:weight+... (names of WS/embeddings/<name>.npy), e.g.
image-hog:1+meta-authors:2+meta-text-tags:1+text-tfidf:1. --check compares
the first SPEC with a fused.npy radnet wrote (max |difference|)."""
import argparse, time
import numpy as np

from fusion_quality import labels, score


def block(ws, name):
    x = np.load(f"{ws}/embeddings/{name}.npy").astype(np.float64)
    missing = np.isnan(x).all(axis=1)
    if name.startswith("text-"):
        rest = np.abs(x[:, :-1]).sum(axis=1) == 0
        missing |= (x[:, -1] == 1) & rest
    present = ~missing
    y = np.zeros_like(x)
    y[present] = x[present] - x[present].mean(axis=0)
    norm = np.linalg.norm(y, axis=1)
    ok = present & (norm > 0)
    y[ok] /= norm[ok, None]
    return y, present


def fuse(ws, spec, cache):
    parts = [p.split(":") for p in spec.split("+")]
    names = [p[0] for p in parts]
    w = np.array([float(p[1]) if len(p) > 1 else 1.0 for p in parts])
    blocks = []
    for n in names:
        if n not in cache:
            cache[n] = block(ws, n)
        blocks.append(cache[n])
    present = np.stack([b[1] for b in blocks], axis=1).astype(np.float64)
    total = np.sqrt((w ** 2).sum())
    have = np.sqrt((present * w ** 2).sum(axis=1))
    scale = total / have
    return np.hstack([b[0] * (w[i] * scale)[:, None] for i, b in enumerate(blocks)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ws")
    ap.add_argument("truth")
    ap.add_argument("specs", nargs="+")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--check")
    a = ap.parse_args()
    mod, reg = labels(a.ws, a.truth)
    km, kr = len(set(mod)), len(set(reg))
    cache = {}
    if a.check:
        d = np.abs(fuse(a.ws, a.specs[0], cache) - np.load(a.check)).max()
        print(f"max |numpy - radnet| = {d:.2e}")
    print(f"rows {len(mod)}, {km} modalities, {kr} regions")
    print(f"| fusion | H mod k50 | H reg k50 | NMI mod k={km} | NMI reg k={kr} | ARI k50 ({a.seeds} seeds) | s |")
    print("|---|---|---|---|---|---|---|")
    for spec in a.specs:
        t0 = time.time()
        x = fuse(a.ws, spec, cache)
        print(f"| {spec} | {score(x, mod, reg, a.seeds)} | {time.time() - t0:.0f} |", flush=True)


if __name__ == "__main__":
    main()
