#!/usr/bin/python3
"""Benchmark of radnet's clustering against scikit-learn 1.2 and FAISS.

Same data, same initial centres, same thread count (2), in one run, every
measurement in its own process, repetitions interleaved across peers, and
medians reported. Run by hand (not part of the test suite):

    /usr/bin/python3 bench/bench_cluster.py --radnet build-rel/radnet \
        [--quick] [--out FILE (a section for bench/RESULTS.md)]

Per-iteration: init = sklearn kmeans_plusplus centres, tol = 0, fixed
max_iter, time of the fit alone (radnet: fit_seconds from --json, which
excludes reading the .npy; sklearn: KMeans.fit; FAISS: Kmeans.train with
max_points_per_centroid raised so it uses every point) / iterations.
End to end: k-means++ (FAISS: its own random init), n_init 1, tol 1e-4
(FAISS: fixed 25 iterations, its default), fit time and final inertia.
FasterPAM vs the PAM reference: radnet's own implementations on the same
matrix, k = 50.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

THREADS = 2

SK_SNIPPET = r"""
import sys, time, json, numpy as np
from threadpoolctl import threadpool_limits
from sklearn.cluster import KMeans
X = np.load(sys.argv[1]); C = np.load(sys.argv[2]) if sys.argv[2] != '-' else None
algo, max_iter, tol = sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
with threadpool_limits(%d):
    km = KMeans(n_clusters=int(sys.argv[6]), init=C if C is not None else 'k-means++',
                n_init=1, max_iter=max_iter, tol=tol, algorithm=algo, random_state=1)
    t = time.perf_counter(); km.fit(X); dt = time.perf_counter() - t
print(json.dumps({"seconds": dt, "n_iter": int(km.n_iter_), "inertia": float(km.inertia_)}))
""" % THREADS

FAISS_SNIPPET = r"""
import sys, time, json, numpy as np, faiss
faiss.omp_set_num_threads(%d)
X = np.ascontiguousarray(np.load(sys.argv[1]), dtype=np.float32)
C = np.load(sys.argv[2]).astype(np.float32) if sys.argv[2] != '-' else None
niter, k = int(sys.argv[3]), int(sys.argv[4])
km = faiss.Kmeans(X.shape[1], k, niter=niter, nredo=1, seed=1,
                  max_points_per_centroid=X.shape[0] // k + 1)
t = time.perf_counter()
km.train(X, init_centroids=C) if C is not None else km.train(X)
dt = time.perf_counter() - t
D, _ = km.index.search(X, 1)
print(json.dumps({"seconds": dt, "n_iter": niter, "inertia": float(D.sum())}))
""" % THREADS


def run_json(cmd, env=None):
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run(cmd, capture_output=True, text=True, env=e)
    if p.returncode != 0:
        raise RuntimeError("%s failed: %s" % (cmd[:3], p.stderr[-2000:]))
    return json.loads(p.stdout.strip().splitlines()[-1])


def radnet(binary, X, k, extra):
    cmd = [binary, "--quiet", "cluster", "--input", X, "--k", str(k), "--json",
           "--threads", str(THREADS), "--out", os.devnull] + [str(a) for a in extra]
    r = run_json(cmd)
    return {"seconds": r["fit_seconds"], "n_iter": r["n_iter"],
            "inertia": r.get("inertia", r.get("cost"))}


def make_data(tmp, n, d, k, seed=0):
    rng = np.random.RandomState(seed)
    centres = rng.uniform(-5, 5, size=(k, d)).astype(np.float32)
    X = centres[rng.randint(k, size=n)] + 2.0 * rng.randn(n, d).astype(np.float32)
    path = os.path.join(tmp, "X_%d_%d.npy" % (n, d))
    np.save(path, X.astype(np.float32))
    from sklearn.cluster import kmeans_plusplus
    sub = X[rng.choice(n, min(n, 20000), replace=False)]
    C, _ = kmeans_plusplus(sub, k, random_state=0)
    cpath = os.path.join(tmp, "C_%d_%d.npy" % (n, d))
    np.save(cpath, C.astype(np.float32))
    return path, cpath


def peers_per_iteration(args, X, C, k, iters):
    faiss_env = {"OMP_WAIT_POLICY": "PASSIVE"}
    return {
        "radnet lloyd": lambda: radnet(args.radnet, X, k, ["--init", C, "--method", "lloyd",
                                                           "--max-iter", iters, "--tol", 0]),
        "radnet elkan": lambda: radnet(args.radnet, X, k, ["--init", C, "--method", "elkan",
                                                           "--max-iter", iters, "--tol", 0]),
        "sklearn lloyd": lambda: run_json([sys.executable, "-c", SK_SNIPPET, X, C, "lloyd",
                                           str(iters), "0", str(k)]),
        "sklearn elkan": lambda: run_json([sys.executable, "-c", SK_SNIPPET, X, C, "elkan",
                                           str(iters), "0", str(k)]),
        "faiss": lambda: run_json([sys.executable, "-c", FAISS_SNIPPET, X, C, str(iters),
                                   str(k)], faiss_env),
    }


def peers_end_to_end(args, X, k):
    faiss_env = {"OMP_WAIT_POLICY": "PASSIVE"}
    return {
        "radnet elkan": lambda: radnet(args.radnet, X, k, ["--n-init", 1, "--method", "elkan"]),
        "radnet lloyd": lambda: radnet(args.radnet, X, k, ["--n-init", 1, "--method", "lloyd"]),
        "sklearn elkan": lambda: run_json([sys.executable, "-c", SK_SNIPPET, X, "-", "elkan",
                                           "300", "1e-4", str(k)]),
        "sklearn lloyd": lambda: run_json([sys.executable, "-c", SK_SNIPPET, X, "-", "lloyd",
                                           "300", "1e-4", str(k)]),
        "faiss": lambda: run_json([sys.executable, "-c", FAISS_SNIPPET, X, "-", "25", str(k)],
                                  faiss_env),
    }


def measure(peers, reps):
    """Interleaved repetitions; returns name -> list of result dicts."""
    out = {name: [] for name in peers}
    for _ in range(reps):
        for name, fn in peers.items():
            out[name].append(fn())
    return out


def med(results, key):
    return statistics.median(r[key] for r in results)


def kmedoids_bench(args, tmp, lines):
    rng = np.random.RandomState(3)
    n, d, k = args.pam_n, 16, 50
    centres = rng.uniform(-10, 10, size=(60, d))
    X = centres[rng.randint(60, size=n)] + rng.randn(n, d)
    path = os.path.join(tmp, "M.npy")
    np.save(path, X)
    runs = {
        "PAM (BUILD+SWAP, reference)": ["--method", "pam", "--init-method", "build"],
        "FasterPAM (BUILD init)": ["--method", "fasterpam", "--init-method", "build"],
        "FasterPAM (random init)": ["--method", "fasterpam", "--init-method", "random"],
        "alternate (k-medoids++ init)": ["--method", "alternate"],
    }
    res = {}
    for name, flags in runs.items():
        reps = 1 if "PAM (" in name else args.reps
        rs = [radnet(args.radnet, path, k, ["--algo", "kmedoids", "--metric", "euclidean"]
                     + flags) for _ in range(reps)]
        res[name] = rs
    pam = med(res["PAM (BUILD+SWAP, reference)"], "seconds")
    lines.append("\n### k-medoids, n = %d, d = %d, k = %d (Euclidean, radnet, %d threads)\n"
                 % (n, d, k, THREADS))
    lines.append("| method | median fit s | cost | speed-up vs PAM |")
    lines.append("|---|---|---|---|")
    for name, rs in res.items():
        s = med(rs, "seconds")
        lines.append("| %s | %.3f | %.6g | %.1fx |" % (name, s, med(rs, "inertia"), pam / s))


def end_to_end_table(args, e2e_sets, k, lines):
    lines.append("\n### End to end (k-means++ init, n_init 1, tol 1e-4; FAISS: random "
                 "init, 25 iterations), median of reps\n")
    lines.append("| n | d | peer | median fit s | iterations | inertia | "
                 "time ratio vs radnet elkan |")
    lines.append("|---|---|---|---|---|---|---|")
    for n, d, X, reps in e2e_sets:
        res = measure(peers_end_to_end(args, X, k), reps)
        base = med(res["radnet elkan"], "seconds")
        for name, rs in res.items():
            lines.append("| %d | %d | %s | %.3f | %d | %.6g | %.2fx |"
                         % (n, d, name, med(rs, "seconds"), med(rs, "n_iter"),
                            med(rs, "inertia"), med(rs, "seconds") / base))
        print("\n".join(lines[-len(res):]), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--radnet", required=True)
    ap.add_argument("--out", default=None)
    ap.add_argument("--quick", action="store_true", help="only n = 1e5")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--pam-n", type=int, default=2000)
    ap.add_argument("--per-iteration-only", action="store_true",
                    help="skip the end-to-end and k-medoids tables")
    args = ap.parse_args()
    k = 50
    sizes = [(100000, 64, 20, args.reps), (100000, 256, 20, args.reps),
             (100000, 512, 10, args.reps)]
    if not args.quick:
        sizes += [(1000000, 64, 10, 1), (1000000, 128, 5, 1)]
    from threadpoolctl import threadpool_info
    lines = ["## Clustering (radnet cluster) vs scikit-learn %s and FAISS"
             % __import__("sklearn").__version__, "",
             "Command: `/usr/bin/python3 bench/bench_cluster.py %s`" % " ".join(sys.argv[1:]),
             "Date: %s UTC; %d threads for every peer; float32 data; k = %d; "
             "OPENBLAS_CORETYPE=%s; numpy BLAS: %s"
             % (time.strftime("%Y-%m-%d %H:%M", time.gmtime()), THREADS, k,
                os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
                ", ".join("%s/%s" % (i["internal_api"], i.get("architecture"))
                          for i in threadpool_info())),
             "Machine load (uptime) at start: %s" % os.getloadavg().__repr__(), ""]
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        lines.append("### Per iteration (same initial centres, tol 0), median of reps\n")
        lines.append("| n | d | iters | peer | median s/iter | radnet lloyd speed-up | "
                     "radnet elkan speed-up |")
        lines.append("|---|---|---|---|---|---|---|")
        e2e_sets = []
        for n, d, iters, reps in sizes:
            X, C = make_data(tmp, n, d, k)
            res = measure(peers_per_iteration(args, X, C, k, iters), reps)
            per = {name: med(rs, "seconds") / max(1, med(rs, "n_iter")) for name, rs in res.items()}
            for name in res:
                lines.append("| %d | %d | %d | %s | %.4f | %.2fx | %.2fx |"
                             % (n, d, iters, name, per[name], per[name] / per["radnet lloyd"],
                                per[name] / per["radnet elkan"]))
            print("\n".join(lines[-len(res):]), flush=True)
            if args.per_iteration_only:
                continue
            if n == 100000 or (n == 1000000 and d == 64):
                e2e_sets.append((n, d, X, 1 if n > 100000 else reps))
        if not args.per_iteration_only:
            end_to_end_table(args, e2e_sets, k, lines)
            kmedoids_bench(args, tmp, lines)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "a") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
