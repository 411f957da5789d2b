#!/usr/bin/python3
"""The clustering `radnet run` made, scored against a synthetic archive's
truth: homogeneity, completeness and NMI of the run's labels (its k)
against true Modality and region, and the run's own seed stability
(WS/run/evaluation.json).

usage: fusion_run_quality.py labels.csv truth.csv WS
(labels.csv from `radnet export --reveal-uids`, so its id is the SOPInstanceUID)."""
import csv, json, sys
from sklearn.metrics import completeness_score, homogeneity_score, normalized_mutual_info_score


def main():
    labels, truth, ws = sys.argv[1:4]
    t = {r["SOPInstanceUID"]: (r["Modality"], r["Region"]) for r in csv.DictReader(open(truth))}
    rows = [(t[r["id"]], r["Cluster"]) for r in csv.DictReader(open(labels))]
    mod = [a[0] for a, _ in rows]
    reg = [a[1] for a, _ in rows]
    pred = [c for _, c in rows]
    ev = json.load(open(f"{ws}/run/evaluation.json"))
    ari = find(ev, "mean_adjusted_rand_score")
    print(f"| {len(rows)} | {len(set(pred))} | {homogeneity_score(mod, pred):.3f} | {homogeneity_score(reg, pred):.3f} "
          f"| {completeness_score(reg, pred):.3f} | {normalized_mutual_info_score(mod, pred):.3f} "
          f"| {normalized_mutual_info_score(reg, pred):.3f} | {ari} |")


def find(o, key):
    """The first value under `key` anywhere in a JSON object, as text."""
    if isinstance(o, dict):
        for k, v in o.items():
            if k == key:
                return "%.3f" % v
            r = find(v, key)
            if r is not None:
                return r
    if isinstance(o, list):
        for v in o:
            r = find(v, key)
            if r is not None:
                return r
    return None


if __name__ == "__main__":
    main()
