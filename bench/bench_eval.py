"""Peer timings for bench/bench_eval.sh: scikit-learn 1.2 on the same files.

    bench_eval.py gen DIR                      write the benchmark inputs
    bench_eval.py silhouette X.npy L.npy REPS  silhouette_score
    bench_eval.py labels T.npy P.npy REPS      AMI and NMI

Prints `name median_wall_s median_cpu_s value` lines like bench_eval.c.
Run with /usr/bin/python3 (Debian numpy + scikit-learn).
"""
import os
import sys
import time

import numpy as np
from sklearn import metrics


def gen(out):
    rng = np.random.default_rng(20261130)
    for n in (20000, 200000):
        centers = rng.normal(0, 3, size=(50, 64))
        lab = rng.integers(0, 50, size=n)
        X = (centers[lab] + rng.normal(0, 1, size=(n, 64))).astype(np.float32)
        np.save(os.path.join(out, f"x{n}.npy"), X)
        np.save(os.path.join(out, f"l{n}.npy"), lab.astype(np.int64))
        with open(os.path.join(out, f"l{n}.csv"), "w") as f:
            f.write("label\n" + "\n".join(map(str, lab)) + "\n")
    np.save(os.path.join(out, "x20000_f64.npy"),
            np.load(os.path.join(out, "x20000.npy")).astype(np.float64))
    # a 5k slice for callgrind (instruction counts grow as n²)
    np.save(os.path.join(out, "x5000.npy"), np.load(os.path.join(out, "x20000.npy"))[:5000])
    np.save(os.path.join(out, "l5000.npy"), np.load(os.path.join(out, "l20000.npy"))[:5000])
    n = 10 ** 6
    t = rng.integers(0, 20, size=n)
    p = (t * 5 + rng.integers(0, 5, size=n)) % 50
    flip = rng.random(n) < 0.3
    p[flip] = rng.integers(0, 50, size=int(flip.sum()))
    np.save(os.path.join(out, "t1m.npy"), t.astype(np.int64))
    np.save(os.path.join(out, "p1m.npy"), p.astype(np.int64))
    # the EMI worst case the brief names: R = C = 100 at n = 10^6
    t = rng.integers(0, 100, size=n)
    p = (t + rng.integers(0, 3, size=n)) % 100
    flip = rng.random(n) < 0.5
    p[flip] = rng.integers(0, 100, size=int(flip.sum()))
    np.save(os.path.join(out, "t1m_100.npy"), t.astype(np.int64))
    np.save(os.path.join(out, "p1m_100.npy"), p.astype(np.int64))


def timed(fn, reps):
    """Median wall and CPU seconds (CPU summed over threads) and the value."""
    wall, cpu, value = [], [], None
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        value = fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return f"{np.median(wall):.6f} {np.median(cpu):.6f}", value


def main(argv):
    if argv[1] == "gen":
        gen(argv[2])
    elif argv[1] == "silhouette":
        X, lab, reps = np.load(argv[2]), np.load(argv[3]), int(argv[4])
        t, v = timed(lambda: metrics.silhouette_score(X, lab), reps)
        print(f"silhouette_score {t} {v!r}")
    elif argv[1] == "labels":
        t_, p, reps = np.load(argv[2]), np.load(argv[3]), int(argv[4])
        t, v = timed(lambda: metrics.adjusted_mutual_info_score(t_, p), reps)
        print(f"adjusted_mutual_info_score {t} {v!r}")
        t, v = timed(lambda: metrics.normalized_mutual_info_score(t_, p), reps)
        print(f"normalized_mutual_info_score {t} {v!r}")
    else:
        print(__doc__, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
