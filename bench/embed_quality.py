#!/usr/bin/python3
"""Cluster quality of the image extractors on an ingested synthetic archive.

    bench/embed_quality.py WS TRUTH.csv [--radnet BIN] [--jobs N]
                           [--variants METHOD/OPTIONS/DIM ...] [--seeds 1,2]
                           [--sample N] [--no-raw] [--within CR,DX]
                           [--npy LABEL=PATH ...]

For every variant, `radnet embed -w WS --source image --method METHOD
--options OPTIONS --dim DIM --force` (timed), then k-means (`radnet cluster`,
k-means++, n_init 10, the given seeds) with k = 50 and k = the number of true
classes, scored by homogeneity and NMI against the true Modality and the
true region of truth.csv (scikit-learn's definitions). The baseline "raw" is
the thumbnail itself, area-downsampled to 32×32 (1024 values). Prints a
Markdown table (medians over seeds); "embed CPU s" is the user + system
time of the embed process (all threads). --sample N fits on N rows instead
of the driver's default; --no-raw leaves the baseline out (the rows then come
from the first variant). --within M1,M2 adds, per Modality M, the region NMI
of k-means on M's rows alone with k = the number of true regions among them
(printed on the k=50 line): how well a method separates anatomy inside one
modality, which is what clustering within modalities needs (radiographs:
hand/wrist/finger, knee/leg/ankle). --npy LABEL=PATH (split at the last =)
scores an embedding made earlier (rows in the order of
WS/embeddings/rows.csv), e.g. a variant that differs from one above only in
a post-processing step."""
import argparse
import csv
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.metrics import homogeneity_score, normalized_mutual_info_score

# METHOD/OPTIONS/DIM; empty fields mean the method's defaults.
DEFAULT_VARIANTS = [
    "pca", "pca/size=16", "pca/size=64", "pca//32", "pca//128",
    "hog", "hog/cell=16", "hog/size=128,cell=16", "hog/size=32,cell=4",
    "hog/block=3", "hog//128",
    "lbp", "lbp/grid=2", "lbp/size=128", "lbp/scales=8:1",
]


def read_rows(ws):
    with open(os.path.join(ws, "embeddings", "rows.csv")) as f:
        r = csv.reader(f)
        next(r)
        return [sop for _, sop in r]


def thumbnails(ws):
    """The workspace's thumbnails (memory-mapped) and each SOP's row in them."""
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(ws, "catalog.sqlite"), uri=True)
    index = dict(db.execute("SELECT sop_uid, thumb_index FROM images "
                            "WHERE thumb_index IS NOT NULL"))
    return np.load(os.path.join(ws, "thumbs.npy"), mmap_mode="r"), index


def raw_baseline(ws, rows, out):
    thumbs, index = thumbnails(ws)
    s = thumbs.shape[1]
    f = s // 32
    X = np.stack([thumbs[index[sop]].reshape(32, f, 32, f).mean(axis=(1, 3))
                  for sop in rows]).astype(np.float32) / np.float32(255)
    np.save(out, X.reshape(len(rows), -1))


def cluster(radnet, npy, k, seed, tmp, jobs):
    out = os.path.join(tmp, "labels.csv")
    subprocess.run([radnet, "--quiet", "cluster", "--input", npy, "--k", str(k),
                    "--seed", str(seed), "--threads", str(jobs), "--out", out],
                   check=True, capture_output=True)
    with open(out) as f:
        r = csv.reader(f)
        next(r)
        return [row[-1] for row in r]


def within_nmi(a, X, mod, reg, modality, seeds, tmp):
    """Median region NMI of k-means on one Modality's rows."""
    sel = [i for i, m in enumerate(mod) if m == modality]
    truth = [reg[i] for i in sel]
    npy = os.path.join(tmp, "within.npy")
    np.save(npy, np.ascontiguousarray(X[sel], dtype=np.float32))
    k = len(set(truth))
    return float(np.median([normalized_mutual_info_score(
        truth, cluster(a.radnet, npy, k, seed, tmp, a.jobs)) for seed in seeds]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ws")
    ap.add_argument("truth")
    ap.add_argument("--radnet", default="build/radnet")
    ap.add_argument("--jobs", default="2")
    ap.add_argument("--variants", nargs="*", default=DEFAULT_VARIANTS)
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--sample", type=int)
    ap.add_argument("--no-raw", action="store_true")
    ap.add_argument("--within", default="")
    ap.add_argument("--npy", nargs="*", default=[])
    a = ap.parse_args()
    within = [m for m in a.within.split(",") if m]
    seeds = [int(s) for s in a.seeds.split(",")]
    truth = {}
    with open(a.truth) as f:
        for row in csv.DictReader(f):
            truth[row["SOPInstanceUID"]] = (row["Modality"], row["Region"])
    print("| variant | dim | embed s | embed CPU s | k | hom. Modality | NMI Modality "
          "| hom. region | NMI region |" + "".join(" %s region NMI |" % m for m in within))
    print("|---|---|---|---|---|---|---|---|---|" + "---|" * len(within))
    with tempfile.TemporaryDirectory() as tmp:
        variants = ([] if a.no_raw else ["raw"]) + a.variants + a.npy
        rows = None
        for v in variants:
            npy = os.path.join(tmp, "x.npy")
            if v in a.npy:
                label, path = v.rsplit("=", 1)
                X = np.load(path)
                np.save(npy, np.ascontiguousarray(X, dtype=np.float32))
                rows, secs, cpu, v = read_rows(a.ws), float("nan"), float("nan"), label
            elif v == "raw":
                if rows is None:  # rows.csv comes from a first embed
                    subprocess.run([a.radnet, "--quiet", "embed", "-w", a.ws, "--source",
                                    "image", "--dim", "8"], check=True)
                    rows = read_rows(a.ws)
                t0, c0 = time.perf_counter(), time.process_time()
                raw_baseline(a.ws, rows, npy)
                secs, cpu = time.perf_counter() - t0, time.process_time() - c0
            else:
                method, opts, dim = (v.split("/") + ["", ""])[:3]
                cmd = [a.radnet, "--quiet", "embed", "-w", a.ws, "--source", "image",
                       "--method", method, "--force", "-j", a.jobs]
                if opts:
                    cmd += ["--options", opts]
                if dim:
                    cmd += ["--dim", dim]
                if a.sample:
                    cmd += ["--sample", str(a.sample)]
                t0 = time.perf_counter()
                c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run(cmd, check=True)
                c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                secs = time.perf_counter() - t0
                cpu = c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime
                os.replace(os.path.join(a.ws, "embeddings", "image-%s.npy" % method), npy)
                rows = read_rows(a.ws)
            X = np.load(npy, mmap_mode="r")
            mod = [truth[s][0] for s in rows]
            reg = [truth[s][1] for s in rows]
            for k in (50, len(set(mod)), len(set(reg))):
                scores = []
                for seed in seeds:
                    pred = cluster(a.radnet, npy, k, seed, tmp, a.jobs)
                    scores.append((homogeneity_score(mod, pred),
                                   normalized_mutual_info_score(mod, pred),
                                   homogeneity_score(reg, pred),
                                   normalized_mutual_info_score(reg, pred)))
                m = np.median(np.array(scores), axis=0)
                label = ("%d (Modalities)" % k if k == len(set(mod)) else
                         "%d (regions)" % k if k == len(set(reg)) else str(k))
                extra = "".join(" %.3f |" % within_nmi(a, X, mod, reg, w, seeds, tmp)
                                if k == 50 else " |" for w in within)
                print("| %s | %d | %.1f | %.1f | %s | %.3f | %.3f | %.3f | %.3f |%s" % (
                    v, X.shape[1], secs, cpu, label, *m, extra), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
