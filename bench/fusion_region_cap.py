#!/usr/bin/python3
"""The cap of region NMI at small k for clusterings that keep modalities
apart: a greedy oracle on the TRUE labels starts from one cluster per true
Modality and, until there are K clusters, splits off the (Modality, true
region) pair that raises NMI with the true region most. Greedy, so a lower
bound of the best modality-pure clustering with K clusters, built from the
labels no clustering sees.
usage: fusion_region_cap.py DIR K   (DIR from bench/fusion_prep.sh)"""
import csv, sys
import numpy as np
from sklearn.metrics import normalized_mutual_info_score as nmi
a, k = sys.argv[1], int(sys.argv[2])
sops = [r['sop_instance_uid'] for r in csv.DictReader(open(f'{a}/ws/embeddings/rows.csv'))]
t = {r['SOPInstanceUID']: (r['Modality'], r['Region']) for r in csv.DictReader(open(f'{a}/arch/truth.csv'))}
m = np.array([t[s][0] for s in sops]); r = np.array([t[s][1] for s in sops])
lab = np.array(['rest|' + x for x in m], dtype=object)
pairs = sorted(set(zip(m, r)))
n_cl = len(set(m))
while n_cl < k:
    best, bp = -1, None
    for p in pairs:
        sel = (m == p[0]) & (r == p[1]) & (lab == 'rest|' + p[0])
        if not sel.any() or sel.sum() == (lab == 'rest|' + p[0]).sum():
            continue
        l2 = lab.copy(); l2[sel] = p[0] + '|' + p[1]
        v = nmi(r, l2)
        if v > best:
            best, bp = v, p
    if bp is None:
        break
    lab[(m == bp[0]) & (r == bp[1])] = bp[0] + '|' + bp[1]
    n_cl += 1
print(f'{a}: greedy oracle, modality-pure, k = {k}: NMI(region) {nmi(r, lab):.3f}')
