#!/usr/bin/python3
"""`radnet embed --method cae` end to end on a small synthetic archive:
one float32 row per clustering-set row, finite, not constant; -j 1 and -j 2
give byte-identical embeddings and models; a bad shape or an unknown option
is refused with its name in the message."""
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import check, digest, finish, run  # noqa: E402

OPTS = "size=32,levels=2,channels=4,epochs=2,batch=16"


def radnet(*args):
    return run("--quiet", *args, ok=False)


def embed(ws, jobs, *extra):
    return radnet("embed", "-w", ws, "--source", "image", "--method", "cae",
                  "--dim", "8", "--options", OPTS, "-j", str(jobs), "--force", *extra)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        arc, ws = os.path.join(tmp, "arc"), os.path.join(tmp, "ws")
        r = radnet("synth", "--out", arc, "-n", "60", "--seed", "3")
        check(r.returncode == 0, "synth: " + r.stderr)
        r = radnet("ingest", arc, "-w", ws)
        check(r.returncode in (0, 3), "ingest: " + r.stderr)
        npy = os.path.join(ws, "embeddings", "image-cae.npy")
        model = os.path.join(ws, "models", "image-cae.model")

        r = embed(ws, 1)
        check(r.returncode == 0, "embed -j 1: " + r.stderr)
        with open(os.path.join(ws, "embeddings", "rows.csv")) as f:
            n_rows = sum(1 for _ in f) - 1
        X = np.load(npy)
        check(X.dtype == np.float32 and X.shape == (n_rows, 8),
              "npy %s %s for %d rows" % (X.dtype, X.shape, n_rows))
        check(np.isfinite(X).all() and X.std(axis=0).max() > 0, "npy values")
        first, first_model = digest(npy), digest(model)

        r = embed(ws, 2)
        check(r.returncode == 0, "embed -j 2: " + r.stderr)
        check(digest(npy) == first, "-j 2 embeddings differ from -j 1")
        check(digest(model) == first_model, "-j 2 model differs from -j 1")

        r = radnet("embed", "-w", ws, "--source", "image", "--method", "cae",
                   "--options", "size=30")
        check(r.returncode != 0 and "size" in r.stderr, "size=30 accepted: %s" % r.stderr)
        r = radnet("embed", "-w", ws, "--source", "image", "--method", "cae",
                   "--options", "colour=1")
        check(r.returncode != 0 and "colour" in r.stderr, "unknown option accepted")
    sys.exit(finish())


if __name__ == "__main__":
    main()
