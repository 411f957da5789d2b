#!/usr/bin/python3
"""Quality of single-source and fused embeddings of a workspace against the
synthetic archive's truth.csv: k-means (k-means++, n_init 10, seed s) at
k = 50 and k = #classes; homogeneity and NMI against true Modality and
region; seed stability (mean pairwise ARI of 3 seeds at k = 50).

usage: fusion_quality.py WS truth.csv NAME.npy... (names relative to
WS/embeddings, or absolute paths). Prints one Markdown row per matrix.
fusion_weights.py scores its fusion variants with labels() and score()."""
import csv, itertools, os, sys, time
import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import (adjusted_rand_score, homogeneity_score,
                             normalized_mutual_info_score)


def labels(ws, truth):
    with open(f"{ws}/embeddings/rows.csv") as f:
        sops = [r["sop_instance_uid"] for r in csv.DictReader(f)]
    t = {}
    with open(truth) as f:
        for r in csv.DictReader(f):
            t[r["SOPInstanceUID"]] = (r["Modality"], r["Region"])
    mod = np.array([t[s][0] for s in sops])
    reg = np.array([t[s][1] for s in sops])
    return mod, reg


def kmeans(x, k, seed):
    return KMeans(k, n_init=10, random_state=seed, algorithm="elkan").fit_predict(x)


def score(x, mod, reg, seeds=3):
    """The Markdown row's cells: homogeneity of true Modality and region at
    k = 50, NMI at k = #modalities and #regions, mean pairwise ARI of seeds
    1..seeds at k = 50."""
    runs = [kmeans(x, 50, s) for s in range(1, seeds + 1)]
    ari = np.mean([adjusted_rand_score(a, b) for a, b in itertools.combinations(runs, 2)])
    nm = normalized_mutual_info_score(mod, kmeans(x, len(set(mod)), 1))
    nr = normalized_mutual_info_score(reg, kmeans(x, len(set(reg)), 1))
    return (f"{homogeneity_score(mod, runs[0]):.3f} | {homogeneity_score(reg, runs[0]):.3f} "
            f"| {nm:.3f} | {nr:.3f} | {ari:.3f}")


def main():
    ws, truth, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    mod, reg = labels(ws, truth)
    km, kr = len(set(mod)), len(set(reg))
    print(f"rows {len(mod)}, {km} modalities, {kr} regions")
    print()
    print("| embedding | H mod k50 | H reg k50 | NMI mod k=%d | NMI reg k=%d | ARI seeds k50 | s |" % (km, kr))
    print("|---|---|---|---|---|---|---|")
    for name in names:
        t0 = time.time()
        x = np.load(name if os.path.isabs(name) else f"{ws}/embeddings/{name}").astype(np.float64)
        print(f"| {os.path.basename(name)} | {score(x, mod, reg)} | {time.time() - t0:.0f} |",
              flush=True)


if __name__ == "__main__":
    main()
