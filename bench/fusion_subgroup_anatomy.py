#!/usr/bin/python3
"""Would `radnet run`'s split of k be better by the anatomy block than by
the SPEC §5 header region? The run splits k by (Modality, §5 region)
pairs (src/run/cluster.c); here the subgroup of a row is instead the
strongest column of its meta-anatomy block where the tags name a body part
(last column 0), else its §5 region. Both with `radnet cluster --groups G
--subgroups S --group-share pairs --n-init 30 --k 50` on the run's
fused.npy, two seeds; prints region homogeneity against truth.

usage: fusion_subgroup_anatomy.py RADNET WS truth.csv G.txt S.txt
(WS: a workspace after `radnet run`; G.txt, S.txt: bench/fusion_groups.py's
catalogue Modality and §5 region per row)."""
import csv, os, subprocess, sys, tempfile
import numpy as np
from sklearn.metrics import homogeneity_score


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    radnet, ws, truth, groups, s5 = sys.argv[1:]
    sops = [r["sop_instance_uid"] for r in csv.DictReader(open(f"{ws}/embeddings/rows.csv"))]
    region = {r["SOPInstanceUID"]: r["Region"] for r in csv.DictReader(open(truth))}
    y = np.array([region.get(s, "") for s in sops])
    anat = np.load(f"{ws}/embeddings/meta-anatomy.npy")
    header = [line.rstrip("\n") for line in open(s5)]
    with tempfile.TemporaryDirectory() as tmp:
        by_anat = os.path.join(tmp, "S_anatomy.txt")
        with open(by_anat, "w") as f:
            for a, h in zip(anat, header):
                f.write(("anatomy%d" % a.argmax() if a[-1] == 0 else h) + "\n")
        for name, sub in (("§5 header region", s5), ("anatomy, else §5", by_anat)):
            scores = []
            for seed in (1, 2):
                out = os.path.join(tmp, "labels.csv")
                subprocess.run([radnet, "--quiet", "cluster", "--input",
                                f"{ws}/embeddings/fused.npy", "--k", "50", "--groups", groups,
                                "--subgroups", sub, "--group-share", "pairs", "--n-init", "30",
                                "--seed", str(seed), "--out", out], check=True)
                lab = np.array([r[-1] for r in csv.reader(open(out))][1:])
                scores.append(homogeneity_score(y, lab))
            print(f"| {name} | " + " | ".join(f"{s:.3f}" for s in scores) + " |")


main()
