#!/usr/bin/python3
"""The same inputs through 1 (no mpirun), 2 and 3 MPI ranks give the same
outputs: `radnet ingest` (canonical catalogue dump and thumbs.npy, byte for
byte), the embed stage (rn_embed_run_dist: model and .npy, byte for byte,
one extractor per source), `radnet cluster` (labels, centres, inertia) and
`radnet run` (every result file, byte for byte; a rerun redoes nothing) and
`radnet assign` (run/assigned.csv). A rank killed
(SIGKILL) or hung (SIGSTOP) mid-ingest makes mpirun fail in bounded time,
never hang, and a rerun gives the same catalogue.

The default suite compares one process with 3 ranks (an uneven split) for
ingest, embed and cluster; --slow (the slow suite) with 2 and 3 ranks.

usage: test_ranks.py DUMP_WS EMBED_WS [--slow]   (env: RADNET_BIN, RADNET_TESTDATA)
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import BIN, check, finish  # noqa: E402

DUMP = sys.argv[1]
EMBED = sys.argv[2]
RANKS = (2, 3) if "--slow" in sys.argv[3:] else (3,)
CORPUS = os.path.join(os.environ.get("RADNET_TESTDATA", ""), "pydicom", "test_files")
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]
HANG = "(mpirun did not end: a hang)"


def run(cmd, ranks, env=None, timeout=300):
    full = cmd if ranks == 1 else MPIRUN + ["-n", str(ranks)] + cmd
    return subprocess.run(full, capture_output=True, text=True, env=env, timeout=timeout)


def ingest_cmd(tmp, ws):
    srcs = [os.path.join(tmp, "A", "dicom")]
    if os.path.isdir(CORPUS):
        srcs.append(CORPUS)  # real files, broken ones and duplicates included
    return [BIN, "--quiet", "ingest"] + srcs + [
        "-w", ws, "--reports", os.path.join(tmp, "A", "reports.csv"), "-j", "1", "--batch", "20"]


def first_difference(a, b):
    x, y = a.split(b"\n"), b.split(b"\n")
    only_a = [l[:200] for l in x if l not in set(y)][:4]
    only_b = [l[:200] for l in y if l not in set(x)][:4]
    return f"only here {only_a!r}; only in one process {only_b!r}"


def same_outputs(ws, want, what):
    got = snapshot(ws)
    check(got[1] == want[1], f"{what}: catalogue differs from one process: "
          + first_difference(got[1], want[1]))
    check(got[2] == want[2], f"{what}: thumbs.npy differs from one process")


def snapshot(ws):
    dump = subprocess.run([DUMP, ws], capture_output=True, timeout=120)
    with open(os.path.join(ws, "thumbs.npy"), "rb") as f:
        thumbs = f.read()
    return dump.returncode, dump.stdout, thumbs


def rank_pid(rank, marker):
    """pid of the MPI rank `rank` whose command line contains marker."""
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{d}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if marker.encode() in cmdline and f"OMPI_COMM_WORLD_RANK={rank}".encode() in env \
                and cmdline.startswith(BIN.encode()):
            return int(d)
    return None


def interrupted_ingest(tmp, ws, sig, env):
    """mpirun -n 2 ingest; once rank 1 has started its shard, send it sig.
    Returns (exit code, seconds until mpirun ended, stderr)."""
    p = subprocess.Popen(MPIRUN + ["-n", "2", "-x", "RADNET_DIST_TIMEOUT"] + ingest_cmd(tmp, ws),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    shard = os.path.join(ws, "shards", "rank-1.bin")
    pid = None
    t0 = time.monotonic()
    while p.poll() is None and time.monotonic() - t0 < 120:
        pid = rank_pid(1, ws)
        if pid and os.path.exists(shard):
            os.kill(pid, sig)
            break
        time.sleep(0.005)
    t_sig = time.monotonic()
    try:
        _, err = p.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        err += "\n" + HANG
    if pid and sig == signal.SIGSTOP:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pid, p.returncode, time.monotonic() - t_sig, err


def test_ingest(tmp):
    subprocess.run([BIN, "--quiet", "synth", "--out", os.path.join(tmp, "A"), "-n", "150",
                    "--seed", "5", "--size", "small"], check=True, capture_output=True)
    ref_ws = os.path.join(tmp, "W1")
    ref = run(ingest_cmd(tmp, ref_ws), 1)
    check(ref.returncode in (0, 3), f"plain ingest: {ref.returncode} {ref.stderr}")
    want = snapshot(ref_ws)
    check(want[0] == 0 and len(want[1]) > 1000, "dump of the plain ingest")
    for ranks in RANKS:
        ws = os.path.join(tmp, f"W{ranks}")
        r = run(ingest_cmd(tmp, ws), ranks)
        check(r.returncode == ref.returncode, f"{ranks} ranks: exit {r.returncode}: {r.stderr}")
        same_outputs(ws, want, f"{ranks} ranks")
        check(not os.listdir(os.path.join(ws, "shards")), f"{ranks} ranks: shards left")
        again = run(ingest_cmd(tmp, ws), ranks)
        check(again.returncode == ref.returncode, f"{ranks} ranks: rerun exit {again.returncode}")
        same_outputs(ws, want, f"{ranks} ranks, rerun")
    env = dict(os.environ, RADNET_DIST_TIMEOUT="4")
    for name, sig in (("killed", signal.SIGKILL), ("stopped", signal.SIGSTOP)):
        ws = os.path.join(tmp, "W-" + name)
        pid, rc, seconds, err = interrupted_ingest(tmp, ws, sig, env)
        check(pid is not None, f"{name}: rank 1 was never seen")
        check(rc not in (0, 3, None), f"{name}: mpirun exit {rc} after losing a rank")
        check(seconds < 90, f"{name}: mpirun took {seconds:.0f} s to fail")
        check(HANG not in err, f"{name}: {err}")
        if sig == signal.SIGSTOP:
            check("no answer from the other ranks" in err, f"stopped: no timeout error: {err}")
        before = subprocess.run([DUMP, ws], capture_output=True).stdout.count(b"\n")
        print(f"{name}: rank 1 got signal {sig}; mpirun exit {rc} {seconds:.1f} s later; "
              f"{before} dump lines before the rerun", file=sys.stderr)
        r = run(ingest_cmd(tmp, ws), 2)
        check(r.returncode == ref.returncode, f"{name}: rerun exit {r.returncode}: {r.stderr}")
        same_outputs(ws, want, f"{name}, rerun")


def test_embed(tmp):
    """Batches of 64 rows (150 synthetic images and the corpus): several per rank."""
    for source, method in (("image", "hog"), ("meta", "authors"), ("text", "tfidf")):
        outs = {}
        for ranks in (1,) + RANKS:
            ws = os.path.join(tmp, f"E{ranks}")
            shutil.rmtree(ws, ignore_errors=True)
            shutil.copytree(os.path.join(tmp, "W1"), ws)
            r = run([EMBED, ws, source, method, "64"], ranks)
            check(r.returncode == 0, f"embed {source} {ranks} ranks: {r.stderr}")
            name = f"{source}-{method}"
            try:
                with open(os.path.join(ws, "embeddings", name + ".npy"), "rb") as f, \
                        open(os.path.join(ws, "models", name + ".model"), "rb") as g:
                    outs[ranks] = (f.read(), g.read())
            except OSError as e:
                check(False, f"embed {source} {ranks} ranks: {e}")
            left = [n for n in os.listdir(os.path.join(ws, "embeddings")) if ".rank-" in n]
            check(not left, f"embed {source} {ranks} ranks: shards left: {left}")
        check(len(outs.get(1, (b"",))[0]) > 64 * 4 * 5, f"embed {source}: output written")
        for ranks in RANKS:
            check(outs.get(ranks) == outs.get(1), f"embed {source}: {ranks} ranks differ")


def test_cluster(tmp):
    rng = np.random.default_rng(3)
    centres = rng.uniform(0, 10, (6, 8))
    x = (centres[rng.integers(0, 6, 4000)] + rng.normal(0, 1, (4000, 8))).astype(np.float32)
    path = os.path.join(tmp, "X.npy")
    np.save(path, x)
    outs = {}
    for ranks in (1,) + RANKS:
        lab = os.path.join(tmp, f"labels{ranks}.csv")
        cen = os.path.join(tmp, f"centres{ranks}.npy")
        r = run([BIN, "cluster", "--input", path, "--k", "6", "--seed", "4", "--out", lab,
                 "--centers-out", cen, "--json"], ranks)
        check(r.returncode == 0, f"cluster, {ranks} ranks: {r.returncode} {r.stderr}")
        if r.returncode != 0:
            continue
        summary = json.loads(r.stdout)
        with open(lab) as f, open(cen, "rb") as g:
            outs[ranks] = (f.read(), g.read(), summary.get("inertia"))
    check(len(outs) == 1 + len(RANKS) and outs[1][0].count("\n") == 4001, "labels written")
    for ranks in RANKS:
        check(outs.get(ranks) == outs.get(1), f"cluster, {ranks} ranks differ from one")
    # A command that does not split its work refuses to run on several ranks.
    r = run([BIN, "metrics", "--true", os.path.join(tmp, "labels1.csv"),
             "--pred", os.path.join(tmp, "labels1.csv")], 2)
    check(r.returncode == 1 and "start it without mpirun" in r.stderr,
          f"metrics under mpirun: {r.returncode} {r.stderr}")


RUN_RESULTS = ["run/labels.csv", "run/clusters.csv", "run/evaluation.json",
               "models/cluster.rnc", "models/novelty.json"]


def run_results(ws):
    """The run's files; the export without its pseudonyms (keyed per workspace)."""
    names = RUN_RESULTS + [os.path.join(d, n) for d in ("embeddings", "models")
                           for n in sorted(os.listdir(os.path.join(ws, d)))
                           if n.endswith((".npy", ".model", ".csv"))]
    out = {}
    for n in names:
        with open(os.path.join(ws, n), "rb") as f:
            out[n] = f.read()
    with open(os.path.join(ws, "labels.csv"), "rb") as f:
        out["labels.csv"] = [l.split(b",")[2:] for l in f.read().split(b"\n")]
    return out


def test_run(tmp):
    """radnet run on the synthetic archive of test_ingest: 1 and 2 ranks."""
    outs = {}
    for ranks in (1, 2):
        ws = os.path.join(tmp, f"R{ranks}")
        cmd = [BIN, "run", os.path.join(tmp, "A", "dicom"), "--reports",
               os.path.join(tmp, "A", "reports.csv"), "-w", ws, "-k", "6", "-j", "1"]
        r = run(cmd, ranks, timeout=600)
        check(r.returncode == 0, f"run, {ranks} ranks: {r.returncode} {r.stderr}")
        if r.returncode != 0:
            continue
        check(r.stdout.count(" images in 6 clusters, by ") == 1,
              f"run, {ranks} ranks: rank 0 alone prints the summary: {r.stdout[:300]}")
        outs[ranks] = run_results(ws)
        if ranks == 2:
            again = run(cmd, ranks, timeout=600)
            check(again.returncode == 0 and
                  "none (everything was up to date)" in again.stdout,
                  f"run rerun, 2 ranks: {again.returncode} {again.stdout} {again.stderr}")
            check(run_results(ws) == outs[2], "run rerun, 2 ranks: results changed")
    check(len(outs.get(1, {})) > len(RUN_RESULTS) + 4, "run: embeddings and models written")
    for name, data in outs.get(1, {}).items():
        check(outs.get(2, {}).get(name) == data, f"run, 2 ranks: {name} differs from one")
    # assign: new images (three batches of the frozen models with --verify) through
    # 1 and 2 ranks label the same.
    subprocess.run([BIN, "--quiet", "synth", "--out", os.path.join(tmp, "B"), "-n", "300",
                    "--seed", "6", "--size", "small"], check=True, capture_output=True)
    assigned = {}
    for ranks in (1, 2):
        ws = os.path.join(tmp, f"R{ranks}")
        r = run([BIN, "assign", "-w", ws, os.path.join(tmp, "B", "dicom"), "--verify",
                 "-j", "1"], ranks, timeout=600)
        check(r.returncode == 0 and r.stdout.count("new images labelled") == 1,
              f"assign, {ranks} ranks: {r.returncode} {r.stdout} {r.stderr}")
        if r.returncode == 0:
            assigned[ranks] = (r.stdout, open(os.path.join(ws, "run/assigned.csv"), "rb").read())
    check(assigned.get(1, ("", b""))[1].count(b"\n") > 257, "assign: more than a batch")
    check(assigned.get(2) == assigned.get(1), "assign, 2 ranks: labels or summary differ")
    # k = auto on the grown catalogue: embed, fuse and the k sweep over ranks.
    sweeps = {}
    for ranks in (1, 2):
        ws = os.path.join(tmp, f"R{ranks}")
        r = run([BIN, "--quiet", "run", "-w", ws, "-k", "auto", "-j", "1"], ranks, timeout=600)
        check(r.returncode == 0, f"run -k auto, {ranks} ranks: {r.returncode} {r.stderr}")
        sweeps[ranks] = [open(os.path.join(ws, n), "rb").read() if r.returncode == 0 else None
                         for n in ("run/choose_k.json", "run/labels.csv", "models/cluster.rnc")]
    check(sweeps[1][0] is not None and sweeps[2] == sweeps[1], "run -k auto: 2 ranks differ")
    # The region view: its groups, adopted rows and view model alike over ranks.
    views = {}
    for ranks in (1, 2):
        ws = os.path.join(tmp, f"R{ranks}")
        r = run([BIN, "--quiet", "run", "-w", ws, "-k", "8", "--view", "region", "-j", "1"],
                ranks, timeout=600)
        check(r.returncode == 0, f"run --view region, {ranks} ranks: {r.returncode} {r.stderr}")
        views[ranks] = [open(os.path.join(ws, n), "rb").read() if r.returncode == 0 else None
                        for n in ("models/view.json", "run/labels.csv", "models/cluster.rnc")]
    check(views[1][0] is not None and b'"view":"region"' in views[1][0] and
          views[2] == views[1], "run --view region: 2 ranks differ")
    # Rank 0 failing after the fit (its export) fails the job with its own error, at once.
    r = run([BIN, "--quiet", "run", "-w", os.path.join(tmp, "R2"), "-k", "6", "-j", "1",
             "--out", os.path.join(tmp, "no-such-dir", "labels.csv")], 2, timeout=120)
    check(r.returncode not in (0, 3) and "no-such-dir" in r.stderr,
          f"run, rank 0 fails: {r.returncode} {r.stderr}")


def main():
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        test_cluster(tmp)
        test_ingest(tmp)
        test_run(tmp)
        test_embed(tmp)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
