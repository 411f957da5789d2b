#!/usr/bin/python3
"""Where `radnet run`'s clustering keeps or loses region: region
homogeneity of the run's labels (radnet export --reveal-uids) over every
row, over each kind of row (an anatomy word in the descriptive tags; none
there but one in the report; none anywhere) and per catalogue Modality
(all its rows, and in brackets its rows without a tag word).

usage: fusion_run_where.py labels.csv truth.csv WS [MODALITY...]
(WS: the run's workspace, for its embeddings/rows.csv, meta-anatomy and
text-anatomy; default modalities CT MR CR DX US)."""
import csv, sys
import numpy as np
from sklearn.metrics import homogeneity_score

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from fusion_region_explore import load, emb, missing_rows  # noqa: E402


def h(tr, lab, rows):
    return f"{homogeneity_score(tr[rows], lab[rows]):.2f}" if rows.sum() > 1 else "–"


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    labels, truth, ws = sys.argv[1:4]
    mods = sys.argv[4:] or ["CT", "MR", "CR", "DX", "US"]
    tm, tr, hm, hr = load(ws, truth)
    sops = [r["sop_instance_uid"] for r in csv.DictReader(open(f"{ws}/embeddings/rows.csv"))]
    cl = {r["id"]: r["Cluster"] for r in csv.DictReader(open(labels))}
    keep = np.array([s in cl for s in sops])
    lab = np.array([cl.get(s, "") for s in sops])
    tag = ~missing_rows("meta-anatomy", emb(ws, "meta-anatomy"))
    rep = ~missing_rows("text-anatomy", emb(ws, "text-anatomy"))
    kinds = [keep, keep & tag, keep & ~tag & rep, keep & ~tag & ~rep]
    cells = [h(tr, lab, k) for k in kinds]
    for m in mods:
        g = keep & (hm == m)
        cells.append(f"{h(tr, lab, g)} ({h(tr, lab, g & ~tag)})")
    print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
