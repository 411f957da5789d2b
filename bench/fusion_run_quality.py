#!/usr/bin/python3
"""The clustering `radnet run` made, scored against a synthetic archive's
truth: homogeneity, completeness and NMI of the run's labels (its k)
against true Modality and region, and the run's own seed stability
(WS/run/evaluation.json).

usage: fusion_run_quality.py labels.csv truth.csv WS [--coarse]
(labels.csv from `radnet export --reveal-uids`, so its id is the SOPInstanceUID).
--coarse: the true regions merged into 17 (COARSE), the number of regions
issue 11's judging archive has; radnet synth draws 27."""
import csv, json, sys
from sklearn.metrics import completeness_score, homogeneity_score, normalized_mutual_info_score

# 27 SPEC §5 regions into 17: neighbours a coarser archive would name alike
COARSE = {"SKULL": "HEAD", "CSPINE": "SPINE", "TSPINE": "SPINE", "LSPINE": "SPINE",
          "GITRACT": "ABDOMEN", "CLAVICLE": "SHOULDER", "ELBOW": "ARM", "WRIST": "HAND",
          "FINGER": "HAND", "ANKLE": "FOOT", "HEEL": "FOOT"}


def main():
    labels, truth, ws = sys.argv[1:4]
    merge = COARSE if "--coarse" in sys.argv[4:] else {}
    t = {r["SOPInstanceUID"]: (r["Modality"], merge.get(r["Region"], r["Region"]))
         for r in csv.DictReader(open(truth))}
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
