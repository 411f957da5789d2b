#!/usr/bin/python3
"""How realistic and how hard is a `radnet synth` archive? Generates one,
ingests it with `radnet ingest` (SPEC §3 thumbnails, §5 region) and reports:
class and study counts; the share of images whose descriptive tags
(StudyDescription, SeriesDescription, ProtocolName, RequestedProcedure-
Description, PerformedProcedureStepDescription) name the true region (its
label, e.g. KNEE or L_SPINE/L-SPINE) and the share where the SPEC §5 region
of the archive equals the truth; and how hard the pixels are: k-means
(k = number of true regions) on raw 32x32 thumbnails, NMI against the true
region and against the true (Modality, region) class, and the accuracy of a
1-nearest-neighbour vote that excludes the image's own study.
usage: bench/bench_synth_realism.py RADNET_BIN N SEED SCRATCH [--size small|full]"""
import csv
import json
import os
import re
import sqlite3
import subprocess
import sys

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score as nmi

DESC = ("StudyDescription", "SeriesDescription", "ProtocolName",
        "RequestedProcedureDescription", "PerformedProcedureStepDescription")


def find_truth(arch):
    for p in (os.path.join(arch, "truth.csv"), os.path.join(os.path.dirname(arch), "truth.csv")):
        if os.path.exists(p):
            return p
    raise SystemExit("no truth.csv near " + arch)


def dicom_root(arch):
    d = os.path.join(arch, "dicom")
    return d if os.path.isdir(d) else arch


def region_words(label):
    # KNEE -> KNEE; LSPINE -> LSPINE, L SPINE; URINARYTRACT -> URINARY TRACT
    spaced = {"CSPINE": "C SPINE", "TSPINE": "T SPINE", "LSPINE": "L SPINE",
              "URINARYTRACT": "URINARY TRACT", "GITRACT": "GI TRACT",
              "WHOLEBODY": "WHOLE BODY"}
    return {label, spaced.get(label, label)}


def norm(text):
    return re.sub(r"[^A-Z]+", " ", text.upper())


def main():
    binary, n, seed, scratch = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    size = sys.argv[6] if len(sys.argv) > 6 and sys.argv[5] == "--size" else "full"
    arch, ws = os.path.join(scratch, "archive"), os.path.join(scratch, "ws")
    subprocess.run(["rm", "-rf", arch, ws], check=True)
    subprocess.run([binary, "--quiet", "synth", "--out", arch, "-n", n, "--seed", seed,
                    "--size", size, "-j", "2"], check=True)
    subprocess.run([binary, "--quiet", "ingest", dicom_root(arch), "-w", ws, "-j", "2"],
                   check=True)
    truth = {r["SOPInstanceUID"]: r for r in csv.DictReader(open(find_truth(arch), encoding="utf-8"))}
    db = sqlite3.connect(os.path.join(ws, "catalog.sqlite"))
    rows = db.execute("SELECT i.sop_uid, i.thumb_index, i.region, e.json FROM images i "
                      "JOIN elements e ON e.image_id = i.id WHERE i.has_pixels = 1").fetchall()
    thumbs = np.load(os.path.join(ws, "thumbs.npy"))
    leak = ruled = kept = 0
    X, region, klass, study = [], [], [], []
    classes = {}
    for sop, ti, rule_region, js in rows:
        t = truth.get(sop)
        if t is None:
            continue
        el = json.loads(js)
        text = " ".join(norm(str(el[k][1])) for k in DESC if k in el and len(el[k]) > 1)
        words = region_words(t["Region"])
        leak += any(re.search(r"\b%s\b" % w, text) for w in words)
        ruled += rule_region == t["Region"]
        kept += 1
        c = (t["Modality"], t["Region"])
        classes.setdefault(c, set()).add(t["StudyInstanceUID"])
        if ti is None:
            continue
        im = thumbs[ti].astype(np.float32)
        X.append(im.reshape(32, 4, 32, 4).mean(axis=(1, 3)).ravel() / 255.0)
        region.append(t["Region"])
        klass.append("%s/%s" % c)
        study.append(t["StudyInstanceUID"])
    X = np.array(X)
    nreg = len(set(region))
    km = KMeans(n_clusters=nreg, n_init=4, random_state=0).fit_predict(X)
    sq = (X * X).sum(1)
    correct = 0
    study = np.array(study)
    region_a = np.array(region)
    for i in range(0, len(X), 512):
        d = sq[i:i + 512, None] + sq[None, :] - 2 * X[i:i + 512] @ X.T
        same = study[i:i + 512, None] == study[None, :]
        d[same] = np.inf
        nn = d.argmin(1)
        correct += (region_a[nn] == region_a[i:i + 512]).sum()
    spc = sorted(len(v) for v in classes.values())
    print("images %d, (Modality, region) classes %d, studies per class min %d median %d max %d"
          % (kept, len(classes), spc[0], spc[len(spc) // 2], spc[-1]))
    print("descriptive tags name the true region: %.3f; SPEC 5 region == truth: %.3f"
          % (leak / kept, ruled / kept))
    print("raw 32x32 thumbnails (%d): k-means k=%d NMI vs region %.3f, vs class %.3f; "
          "1-NN region accuracy excluding own study %.3f"
          % (len(X), nreg, nmi(region, km), nmi(klass, km), correct / len(X)))


if __name__ == "__main__":
    main()
