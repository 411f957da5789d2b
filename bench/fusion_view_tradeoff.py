#!/usr/bin/python3
"""Can one rule that trades Modality against region serve every k? Starting
from one cluster per (Modality, region) pair of a workspace (the catalogue's
Modality; the region the tags' anatomy words name, else the SPEC §5 header
region), merges greedily the two groups whose union keeps
NMI(groups, Modality) + W · NMI(groups, region) highest, and prints the
partition's scores against the archive's truth at each k asked for. The
scores are computed from the groups' counts, so no k-means runs: the pairs
are what `radnet run` splits k by.

usage: fusion_view_tradeoff.py DIR K,K,... [W]
(DIR from bench/fusion_prep.sh: DIR/ws, DIR/arch/truth.csv, DIR/G.txt, DIR/S.txt.)"""
import csv, sys
import numpy as np
from sklearn.metrics import homogeneity_score, normalized_mutual_info_score as nmi

# src/embed/anatomy.c's regions, in its column order
REGIONS = ["HEAD", "SKULL", "NECK", "CSPINE", "TSPINE", "LSPINE", "SPINE", "CHEST", "BREAST",
           "ABDOMEN", "GITRACT", "URINARYTRACT", "PELVIS", "HIP", "SHOULDER", "CLAVICLE", "ARM",
           "ELBOW", "WRIST", "HAND", "FINGER", "LEG", "KNEE", "ANKLE", "FOOT", "HEEL", "CAROTID",
           "WHOLEBODY"]


def load(d):
    sops = [r["sop_instance_uid"] for r in csv.DictReader(open(f"{d}/ws/embeddings/rows.csv"))]
    mod = [l.rstrip("\n") for l in open(f"{d}/G.txt")]
    header = [l.rstrip("\n") for l in open(f"{d}/S.txt")]
    anat = np.load(f"{d}/ws/embeddings/meta-anatomy.npy")
    reg = [REGIONS[a[:-1].argmax()] if a[-1] == 0 else h for a, h in zip(anat, header)]
    t = {r["SOPInstanceUID"]: (r["Modality"], r["Region"])
         for r in csv.DictReader(open(f"{d}/arch/truth.csv"))}
    return mod, reg, [t[s][0] for s in sops], [t[s][1] for s in sops]


def xlogx(x):
    x = np.asarray(x, float)
    return np.where(x > 0, x * np.log(np.maximum(x, 1e-300)), 0.0)


def merge(mod, reg, ks, w):
    """{k: group of each row} for the k in ks below the number of pairs."""
    atoms = sorted(set(zip(mod, reg)))
    index = {a: i for i, a in enumerate(atoms)}
    mods, regs = sorted(set(mod)), sorted(set(reg))
    cm, cr = np.zeros((len(atoms), len(mods))), np.zeros((len(atoms), len(regs)))
    for m, r in zip(mod, reg):
        cm[index[(m, r)], mods.index(m)] += 1
        cr[index[(m, r)], regs.index(r)] += 1
    n = len(mod)
    hm, hr = -xlogx(cm.sum(0) / n).sum(), -xlogx(cr.sum(0) / n).sum()
    lm, lr = xlogx(cm.sum(0)).sum(), xlogx(cr.sum(0)).sum()
    groups, out = [[i] for i in range(len(atoms))], {}
    while len(groups) > min(ks):
        size = cm.sum(1)
        sm, sr, sn = xlogx(cm).sum(1), xlogx(cr).sum(1), xlogx(size)
        best = None
        for a in range(len(groups) - 1):
            # the scores after merging a with each later group b, from the counts
            um = sm.sum() - sm[a] - sm[a + 1:] + xlogx(cm[a] + cm[a + 1:]).sum(1)
            ur = sr.sum() - sr[a] - sr[a + 1:] + xlogx(cr[a] + cr[a + 1:]).sum(1)
            un = sn.sum() - sn[a] - sn[a + 1:] + xlogx(size[a] + size[a + 1:])
            hc = np.log(n) - un / n
            im = (um - un - lm + n * np.log(n)) / n
            ir = (ur - un - lr + n * np.log(n)) / n
            score = 2 * im / (hc + hm) + w * 2 * ir / (hc + hr)
            b = int(score.argmax())
            if best is None or score[b] > best[0]:
                best = (score[b], a, a + 1 + b)
        _, a, b = best
        groups[a] += groups.pop(b)
        cm[a] += cm[b]
        cr[a] += cr[b]
        cm, cr = np.delete(cm, b, 0), np.delete(cr, b, 0)
        if len(groups) in ks:
            of = {atoms[i]: g for g, members in enumerate(groups) for i in members}
            out[len(groups)] = [of[p] for p in zip(mod, reg)]
    return out


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    d, ks = sys.argv[1], {int(k) for k in sys.argv[2].split(",")}
    w = float(sys.argv[3]) if len(sys.argv) == 4 else 1.0
    mod, reg, true_mod, true_reg = load(d)
    for k, lab in sorted(merge(mod, reg, ks, w).items()):
        print(f"| {w:g} | {k} | {nmi(true_mod, lab):.3f} | {nmi(true_reg, lab):.3f} "
              f"| {homogeneity_score(true_mod, lab):.3f} | {homogeneity_score(true_reg, lab):.3f} |")


main()
