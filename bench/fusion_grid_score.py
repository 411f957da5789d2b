#!/usr/bin/python3
"""Scores bench/fusion_grid.sh's label files against truth (one Markdown row):
H mod / H reg at k = 50 (mean over the seeds), NMI mod at k = #modalities, NMI reg at
k = #regions, mean pairwise ARI of seeds 1..SEEDS (default 3) at k = 50.
usage: fusion_grid_score.py WS TRUTH DIR NAME | --ks WS TRUTH"""
import csv, itertools, os, sys
from sklearn.metrics import adjusted_rand_score, homogeneity_score, normalized_mutual_info_score


def truth(ws, path):
    sops = [r["sop_instance_uid"] for r in csv.DictReader(open(f"{ws}/embeddings/rows.csv"))]
    t = {r["SOPInstanceUID"]: (r["Modality"], r["Region"]) for r in csv.DictReader(open(path))}
    return [t[s][0] for s in sops], [t[s][1] for s in sops]


def labels(path):
    rows = list(csv.reader(open(path)))
    return [r[-1] for r in rows[1:]]


def main():
    if sys.argv[1] == "--ks":
        mod, reg = truth(sys.argv[2], sys.argv[3])
        print(len(set(mod)), len(set(reg)))
        return
    ws, tp, d, name = sys.argv[1:5]
    mod, reg = truth(ws, tp)
    km, kr = len(set(mod)), len(set(reg))
    k50 = [labels(f"{d}/k50-{s}.csv") for s in range(1, int(os.environ.get("SEEDS", "3")) + 1)]
    pairs = list(itertools.combinations(k50, 2))
    ari = sum(adjusted_rand_score(a, b) for a, b in pairs) / len(pairs)
    hm = sum(homogeneity_score(mod, p) for p in k50) / len(k50)
    hr = sum(homogeneity_score(reg, p) for p in k50) / len(k50)
    print(f"| {name} | {hm:.3f} | {hr:.3f} "
          f"| {normalized_mutual_info_score(mod, labels(f'{d}/k{km}.csv')):.3f} "
          f"| {normalized_mutual_info_score(reg, labels(f'{d}/k{kr}.csv')):.3f} | {ari:.3f} |", flush=True)


if __name__ == "__main__":
    main()
