#!/usr/bin/python3
"""`radnet embed` end to end on a small synthetic archive: rows.csv and the
.npy agree (float32, one row per clustering-set row, finite), every image
method runs, a rerun with the same parameters does nothing (but a
method's changed built-in table, its revision, redoes it), -j 1 and -j 2
give byte-identical files, another seed another sample, the model file is
written and damaged models are refused by the library (test_descriptors),
and usage / input errors exit 1 / 2 with "radnet: ..." on stderr."""
import csv
import json
import os
import sqlite3
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import check, digest, finish, run  # noqa: E402


def radnet(*args):
    return run("--quiet", *args, ok=False)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        arc, ws = os.path.join(tmp, "arc"), os.path.join(tmp, "ws")
        r = radnet("synth", "--out", arc, "-n", "120", "--seed", "5")
        check(r.returncode == 0, "synth: " + r.stderr)
        r = radnet("ingest", arc, "-w", ws, "--reports", os.path.join(arc, "reports.csv"))
        check(r.returncode in (0, 3), "ingest: " + r.stderr)

        npy = os.path.join(ws, "embeddings", "image-pca.npy")
        r = radnet("embed", "-w", ws, "--source", "image", "--method", "pca", "--dim", "12",
                   "--sample", "60")
        check(r.returncode == 0, "embed pca: " + r.stderr)
        with open(os.path.join(ws, "embeddings", "rows.csv")) as f:
            rows = list(csv.reader(f))
        check(rows[0] == ["row", "sop_instance_uid"], "rows.csv header %s" % rows[0])
        X = np.load(npy)
        check(X.dtype == np.float32 and X.ndim == 2, "npy dtype/shape %s %s" % (X.dtype, X.shape))
        check(X.shape == (len(rows) - 1, 12), "npy %s for %d rows" % (X.shape, len(rows) - 1))
        check(np.isfinite(X).all() and X.std(axis=0).min() > 0, "npy values")
        check(os.path.getsize(os.path.join(ws, "models", "image-pca.model")) > 0, "model file")

        # a rerun with the same parameters does nothing; --force redoes the same
        before = digest(npy)
        mtime = os.stat(npy).st_mtime_ns
        r = run("embed", "-w", ws, "--source", "image", "--method", "pca",
                "--dim", "12", "--sample", "60", ok=False)
        check(r.returncode == 0 and "up to date" in r.stderr, "rerun: " + r.stderr)
        check(os.stat(npy).st_mtime_ns == mtime, "rerun rewrote the npy")
        for jobs in ("1", "2"):
            r = radnet("embed", "-w", ws, "--source", "image", "--method", "pca", "--dim", "12",
                       "--sample", "60", "--force", "-j", jobs)
            check(r.returncode == 0, "embed -j %s: %s" % (jobs, r.stderr))
            check(digest(npy) == before, "embed -j %s differs" % jobs)
        r = radnet("embed", "-w", ws, "--source", "image", "--method", "pca", "--dim", "12",
                   "--sample", "60", "--seed", "9")
        check(r.returncode == 0 and digest(npy) != before, "another seed, same output")

        # without --method: the source's first listed method (hog)
        r = radnet("embed", "-w", ws, "--source", "image", "--dim", "10")
        check(r.returncode == 0 and np.load(os.path.join(ws, "embeddings", "image-hog.npy")).shape
              == (len(rows) - 1, 10), "default method: " + r.stderr)

        for method, opts, dim in [("hog", "size=32,cell=8", 16), ("lbp", "size=32,grid=2", 16),
                                  ("hoglbp", "size=32,cells=16;8,grid=2", 16),
                                  # HOG, then the 32-bin grey-level histogram
                                  ("hog", "size=32,cell=8,block=2,pca=off", 9 * 4 * 9 + 32),
                                  ("hog", "size=32,cell=8,block=2,pca=off,hist=0", 9 * 4 * 9)]:
            r = radnet("embed", "-w", ws, "--source", "image", "--method", method,
                       "--options", opts, *(["--dim", str(dim)] if "pca=off" not in opts else []))
            check(r.returncode == 0, "embed %s: %s" % (method, r.stderr))
            Y = np.load(os.path.join(ws, "embeddings", "image-%s.npy" % method))
            check(Y.shape == (len(rows) - 1, dim), "%s shape %s" % (method, Y.shape))
            check(np.isfinite(Y).all(), "%s finite" % method)

        # a method whose outputs change with a built-in table (the anatomy
        # lexicon) records its revision: an embedding recorded by a build
        # with another lexicon, or by one that recorded none, is redone
        anat = ("embed", "-w", ws, "--source", "meta", "--method", "anatomy")
        r = radnet(*anat)
        check(r.returncode == 0, "embed anatomy: " + r.stderr)
        db = sqlite3.connect(os.path.join(ws, "catalog.sqlite"))
        name = "embeddings/meta-anatomy.npy"
        query = "SELECT params FROM artifacts WHERE name = ? ORDER BY id DESC LIMIT 1"
        params = json.loads(db.execute(query, (name,)).fetchone()[0])
        check(isinstance(params.get("revision"), int), "anatomy record %s" % params)
        r = run(*anat, ok=False)
        check(r.returncode == 0 and "up to date" in r.stderr, "anatomy rerun: " + r.stderr)
        for stale in ({k: v for k, v in params.items() if k != "revision"},
                      dict(params, revision=params["revision"] ^ 1)):
            with db:
                db.execute("UPDATE artifacts SET params = ? WHERE name LIKE '%meta-anatomy%'",
                           (json.dumps(stale, separators=(",", ":")),))
            r = run(*anat, ok=False)
            check(r.returncode == 0 and "up to date" not in r.stderr,
                  "stale anatomy record %s reused: %s" % (stale, r.stderr))
            now = json.loads(db.execute(query, (name,)).fetchone()[0])
            check(now == params, "re-embedded record %s" % now)
        db.close()

        for args, code, words in [
                (["--source", "image", "--method", "nope"], 1, "unknown image method"),
                (["--source", "pixels"], 1, "unknown source"),
                (["--source", "image", "--options", "sise=3"], 1, "unknown option"),
                (["--source", "image", "--dim", "0"], 1, "needs a valid value"),
                (["--source", "image", "--dim", "5000"], 1, "exceeds")]:
            r = radnet("embed", "-w", ws, *args)
            check(r.returncode == code and words in r.stderr and r.stderr.startswith("radnet: "),
                  "%s: exit %d, %s" % (args, r.returncode, r.stderr.strip()))
        r = radnet("embed", "-w", os.path.join(tmp, "missing"), "--source", "image")
        check(r.returncode == 2 and r.stderr.startswith("radnet: "),
              "missing workspace: exit %d %s" % (r.returncode, r.stderr.strip()))
        r = radnet("embed", "--help")
        check(r.returncode == 0 and "pca" in r.stdout and "[default]" in r.stdout, "--help")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
