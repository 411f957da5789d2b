#!/usr/bin/python3
"""Where region is lost inside modalities, and what the split of k among the
modalities costs: per true Modality its rows, true regions, SPEC §5 header
regions (the catalogue's `region`: all values / values of >= 1 % of the
modality's rows), the header region's NMI with the true region, and the
clusters each allocation gives it at k = 50 with the region homogeneity of
the modality's own k-means (scikit-learn, k-means++, Elkan, n_init 10,
seed 1) on the fused rows.

Allocations (all need no truth but `oracle`):
  rows    k_g proportional to the modality's rows (radnet run's default)
  pairs   one per modality, then one per (Modality, header region) pair in
          decreasing size (radnet cluster --group-share pairs)
  oracle  the same with the TRUE region (the ceiling of any allocation)

usage: fusion_region_alloc.py WS truth.csv [FUSED.npy] [K]"""
import csv, sqlite3, sys
from collections import Counter
import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import homogeneity_score, normalized_mutual_info_score


def rows(ws, truth):
    sops = [r["sop_instance_uid"] for r in csv.DictReader(open(f"{ws}/embeddings/rows.csv"))]
    t = {r["SOPInstanceUID"]: (r["Modality"], r["Region"]) for r in csv.DictReader(open(truth))}
    db = sqlite3.connect(f"file:{ws}/catalog.sqlite?mode=ro", uri=True)
    hdr = dict(db.execute("SELECT sop_uid, COALESCE(modality,'') || '|' || COALESCE(region,'') FROM images"))
    tm = np.array([t[s][0] for s in sops])
    tr = np.array([t[s][1] for s in sops])
    hm = np.array([hdr[s].split("|")[0] for s in sops])
    hr = np.array([hdr[s].split("|")[1] for s in sops])
    return tm, tr, hm, hr


def largest_remainder(share, cap, k):
    alloc = {g: 1 for g in share}
    tot = sum(share.values())
    for _ in range(k - len(share)):
        g = max((g for g in share if alloc[g] < cap[g]),
                key=lambda g: (k * share[g] / tot - alloc[g], -sorted(share).index(g)))
        alloc[g] += 1
    return alloc


def by_pairs(groups, sub, k):
    """One per group, then one per (group, sub) pair beyond each group's
    largest, in decreasing pair size; the rest by rows."""
    cap = Counter(groups)
    alloc = {g: 1 for g in cap}
    pairs = Counter(zip(groups, sub))
    first = set()
    given = len(alloc)
    for (g, s), n in sorted(pairs.items(), key=lambda p: (-p[1], p[0])):
        if g not in first:
            first.add(g)
            continue
        if given == k:
            break
        if alloc[g] < cap[g]:
            alloc[g] += 1
            given += 1
    if given < k:
        rest = largest_remainder({g: cap[g] for g in cap}, cap, k)
        # top up towards the rows quota where pairs ran out
        while given < k:
            g = max(cap, key=lambda g: (rest[g] - alloc[g], g))
            alloc[g] += 1
            given += 1
    return alloc


def main():
    ws, truth = sys.argv[1], sys.argv[2]
    fused = sys.argv[3] if len(sys.argv) > 3 else f"{ws}/embeddings/fused.npy"
    k = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    tm, tr, hm, hr = rows(ws, truth)
    x = np.load(fused).astype(np.float64)
    allocs = {
        "rows": largest_remainder(Counter(hm), Counter(hm), k),
        "pairs": by_pairs(list(hm), list(hr), k),
        "oracle": by_pairs(list(hm), list(tr), k),
    }
    labels = {a: np.zeros(len(tm), dtype=np.int64) for a in allocs}
    print(f"{len(tm)} rows, k = {k}; header Modality = true Modality on "
          f"{np.mean(hm == tm):.3f} of rows; header region = true region on {np.mean(hr == tr):.3f}")
    print()
    print("| modality | rows | true regions | header regions (all / >= 1 %) | NMI(header, true region) "
          "| rows: k, H reg | pairs: k, H reg | oracle: k, H reg |")
    print("|---|---|---|---|---|---|---|---|")
    for m in sorted(set(hm), key=lambda m: -np.sum(hm == m)):
        idx = np.flatnonzero(hm == m)
        hc = Counter(hr[idx])
        cells = []
        for a, al in allocs.items():
            kg = min(al[m], len(idx))
            lab = KMeans(kg, n_init=10, random_state=1, algorithm="elkan").fit_predict(x[idx]) if kg > 1 else np.zeros(len(idx), dtype=np.int64)
            labels[a][idx] = lab + 1000 * sorted(allocs["rows"]).index(m)
            cells.append(f"{kg}, {homogeneity_score(tr[idx], lab):.2f}")
        print(f"| {m} | {len(idx)} | {len(set(tr[idx]))} | {len(hc)} / {sum(v >= 0.01 * len(idx) for v in hc.values())} "
              f"| {normalized_mutual_info_score(tr[idx], hr[idx]):.2f} | " + " | ".join(cells) + " |")
    print()
    for a in allocs:
        print(f"{a}: H mod {homogeneity_score(tm, labels[a]):.3f}, H reg {homogeneity_score(tr, labels[a]):.3f}, "
              f"NMI reg {normalized_mutual_info_score(tr, labels[a]):.3f}")


if __name__ == "__main__":
    main()
