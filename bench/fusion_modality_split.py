#!/usr/bin/python3
"""Global k-means of the fused rows against a modality-aware clustering:
k split among the values of the Modality tag, each modality's rows
clustered on their own. Scored against a synthetic archive's truth:
H mod / H reg at k = 50 (seed 1), NMI mod at k = #modalities, NMI reg at
k = #regions (seed 1), mean pairwise ARI of SEEDS seeds at k = 50, CPU s.

usage: fusion_modality_split.py WS TRUTH VARIANT...
  VARIANT = SPACE:ALLOC:NINIT
  SPACE  fused   WS/embeddings/fused.npy (radnet fuse, the defaults)
         content WS/embeddings/content.npy (fuse of the content sources,
                 no PCA), PCA to 32 per modality
  ALLOC  global  one k-means of all rows
         size    k_m proportional to n_m
         inertia k_m proportional to the modality's inertia about its mean
         greedy  one more cluster at a time to the modality whose k-means
                 inertia drops most
  NINIT  k-means restarts
The Modality of a row is the argmax of WS/embeddings/meta-modality.npy (the
tag, not the truth). SEEDS (environment) default 5."""
import itertools, os, sys, time
import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import (adjusted_rand_score, homogeneity_score,
                             normalized_mutual_info_score)

from fusion_quality import labels


def kmeans(x, k, seed, n_init):
    km = KMeans(k, n_init=n_init, random_state=seed, algorithm="elkan").fit(x)
    return km.labels_, km.inertia_


def largest_remainder(share, k, cap):
    """k clusters in proportion to share, each group >= 1 and <= cap."""
    alloc = np.ones(len(share), dtype=int)
    while alloc.sum() < k:
        want = share / share.sum() * k - alloc
        want[alloc >= cap] = -np.inf
        alloc[int(np.argmax(want))] += 1
    return alloc


def allocate(rule, xs, k, seed, n_init):
    n = np.array([len(x) for x in xs])
    if rule == "size":
        return largest_remainder(n.astype(float), k, n)
    if rule == "inertia":
        w = np.array([((x - x.mean(0)) ** 2).sum() for x in xs])
        return largest_remainder(w + 1e-12, k, n)
    if rule == "greedy":
        alloc = np.ones(len(xs), dtype=int)
        cur = [((x - x.mean(0)) ** 2).sum() for x in xs]
        nxt = [kmeans(x, 2, seed, n_init)[1] if len(x) > 1 else np.inf for x in xs]
        while alloc.sum() < k:
            gain = np.array(cur) - np.array(nxt)
            gain[alloc >= n] = -np.inf
            m = int(np.argmax(gain))
            alloc[m] += 1
            cur[m] = nxt[m]
            nxt[m] = kmeans(xs[m], alloc[m] + 1, seed, n_init)[1] if alloc[m] < n[m] else np.inf
        return alloc
    raise SystemExit(f"unknown allocation {rule}")


def per_modality_pca(x, d=32):
    x = x - x.mean(0)
    if x.shape[0] <= 1:
        return x[:, :1] * 0
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    d = min(d, vt.shape[0])
    return x @ vt[:d].T


def cluster(space, rule, x, groups, k, seed, n_init):
    if rule == "global":
        return kmeans(x, k, seed, n_init)[0]
    ids = sorted(set(groups))
    rows = [np.flatnonzero(groups == g) for g in ids]
    xs = [x[r] for r in rows]
    if space == "content":
        xs = [per_modality_pca(v) for v in xs]
    alloc = allocate(rule, xs, k, seed, n_init)
    out = np.zeros(len(x), dtype=int)
    base = 0
    for r, v, a in zip(rows, xs, alloc):
        out[r] = base + (kmeans(v, a, seed, n_init)[0] if a > 1 else 0)
        base += a
    return out


def main():
    ws, tp, variants = sys.argv[1], sys.argv[2], sys.argv[3:]
    seeds = range(1, int(os.environ.get("SEEDS", "5")) + 1)
    mod, reg = labels(ws, tp)
    km, kr = len(set(mod)), len(set(reg))
    groups = np.load(f"{ws}/embeddings/meta-modality.npy").argmax(1)
    print(f"{ws}: rows {len(mod)}, {km} modalities, {kr} regions, {len(set(groups))} Modality values")
    print(f"| variant | H mod k50 | H reg k50 | NMI mod k={km} | NMI reg k={kr} | ARI k50 ({len(seeds)} seeds) | CPU s per k50 fit |")
    print("|---|---|---|---|---|---|---|")
    for v in variants:
        space, rule, n_init = v.split(":")
        x = np.load(f"{ws}/embeddings/{'fused' if space == 'fused' else 'content'}.npy").astype(np.float64)
        t0 = time.process_time()
        runs = [cluster(space, rule, x, groups, 50, s, int(n_init)) for s in seeds]
        cpu = (time.process_time() - t0) / len(seeds)
        ari = np.mean([adjusted_rand_score(a, b) for a, b in itertools.combinations(runs, 2)])
        nm = normalized_mutual_info_score(mod, cluster(space, rule, x, groups, km, 1, int(n_init)))
        nr = normalized_mutual_info_score(reg, cluster(space, rule, x, groups, kr, 1, int(n_init)))
        print(f"| {v} | {homogeneity_score(mod, runs[0]):.3f} | {homogeneity_score(reg, runs[0]):.3f} "
              f"| {nm:.3f} | {nr:.3f} | {ari:.3f} | {cpu:.1f} |", flush=True)


if __name__ == "__main__":
    main()
