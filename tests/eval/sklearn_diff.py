"""Differential test: `radnet metrics --json` against scikit-learn 1.2.

Generates many labelings and data sets (random sizes and class counts, plus
the degenerate ones: one cluster, all singletons, identical labelings, ties,
duplicates, n < k, non-contiguous ids, n = 1, string labels), writes them as
CSV / .npy, runs the CLI and compares every metric with sklearn. Also checks
the CLI's error handling (exit codes, the offending id named).

Run with Debian's /usr/bin/python3 (numpy, scikit-learn). Environment:
RADNET_BIN (the radnet binary). Exit status 0 only when every check held.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import sklearn
from scipy.spatial.distance import cdist
from sklearn import metrics as skm
from sklearn.metrics.cluster import contingency_matrix

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import BIN, check, finish  # noqa: E402

TOL = 1e-9          # supervised metrics; floor of the data metrics' bounds
U64 = 2.0 ** -53    # unit roundoff of float64
U32 = 2.0 ** -24    # of float32: radnet computes float32 data in float32

WORST = []          # (error / tolerance, case, metric), reported at the end


def close(a, b, tol):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol * max(1.0, abs(b))


def write_labels(path, labels, ids=None, header=("id", "label")):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        if ids is None:
            w.writerow([header[-1]])
            for x in labels:
                w.writerow([x])
        else:
            w.writerow(header)
            for i, x in zip(ids, labels):
                w.writerow([i, x])


def run(args):
    p = subprocess.run([BIN, "metrics"] + args, capture_output=True, timeout=600)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8", "replace")


def sk_supervised(t, p):
    t = np.asarray(t)
    p = np.asarray(p)
    out = {
        "homogeneity_score": skm.homogeneity_score(t, p),
        "completeness_score": skm.completeness_score(t, p),
        "v_measure_score": skm.v_measure_score(t, p),
        "mutual_info_score": skm.mutual_info_score(t, p),
        "normalized_mutual_info_score": skm.normalized_mutual_info_score(t, p),
        "adjusted_mutual_info_score": skm.adjusted_mutual_info_score(t, p),
        "adjusted_rand_score": skm.adjusted_rand_score(t, p),
        "rand_score": skm.rand_score(t, p),
        "fowlkes_mallows_score": skm.fowlkes_mallows_score(t, p),
    }
    for avg in ("arithmetic", "min", "geometric", "max"):
        out["nmi_" + avg] = skm.normalized_mutual_info_score(t, p, average_method=avg)
        out["ami_" + avg] = skm.adjusted_mutual_info_score(t, p, average_method=avg)
    c = contingency_matrix(t, p)
    out["purity"] = c.max(axis=0).sum() / c.sum()
    out["contingency"] = c
    out["rows"] = np.unique(t)
    out["cols"] = np.unique(p)
    return out


def ill_conditioned_ami(t, p, avg):
    """AMI with average "min" is 0/0 when exactly one labeling is all
    singletons: then MI = E[MI] = min entropy exactly, and sklearn and radnet
    both return rounding noise (sklearn gives 0.989 on one such case)."""
    n = len(t)
    singletons = (len(np.unique(t)) == n) != (len(np.unique(p)) == n)
    return avg == "min" and singletons


def compare_supervised(name, got, t, p):
    ref = sk_supervised(t, p)
    for key in ("homogeneity_score", "completeness_score", "v_measure_score",
                "mutual_info_score", "normalized_mutual_info_score",
                "adjusted_mutual_info_score", "adjusted_rand_score", "rand_score",
                "fowlkes_mallows_score", "purity"):
        check(close(got.get(key), float(ref[key]), TOL),
              f"{name}: {key} radnet {got.get(key)!r} sklearn {ref[key]!r}")
    for avg in ("arithmetic", "min", "geometric", "max"):
        g = got["normalized_mutual_info_score_by_average"][avg]
        check(close(g, float(ref["nmi_" + avg]), TOL), f"{name}: nmi {avg} {g} vs {ref['nmi_' + avg]}")
        if ill_conditioned_ami(t, p, avg):
            continue
        g = got["adjusted_mutual_info_score_by_average"][avg]
        check(close(g, float(ref["ami_" + avg]), TOL), f"{name}: ami {avg} {g} vs {ref['ami_' + avg]}")
    check(got["n_samples"] == len(t), f"{name}: n_samples")
    check(got["n_classes"] == len(ref["rows"]), f"{name}: n_classes")
    check(got["n_clusters"] == len(ref["cols"]), f"{name}: n_clusters")
    cont = got["contingency"]
    check([str(x) for x in cont["rows"]] == [str(x) for x in ref["rows"]], f"{name}: contingency rows")
    check([str(x) for x in cont["cols"]] == [str(x) for x in ref["cols"]], f"{name}: contingency cols")
    if "counts" in cont:
        check(np.array_equal(np.array(cont["counts"], dtype=np.int64).reshape(ref["contingency"].shape),
                             ref["contingency"]), f"{name}: contingency counts")
    else:
        dense = np.zeros(ref["contingency"].shape, dtype=np.int64)
        for r, c, v in cont["cells"]:
            dense[r, c] = v
        check(np.array_equal(dense, ref["contingency"]), f"{name}: contingency cells")


def supervised_case(tmp, name, t, p, rng, ids=True, shuffle=True):
    n = len(t)
    tp = os.path.join(tmp, "t.csv")
    pp = os.path.join(tmp, "p.csv")
    if ids:
        idv = [f"item-{i}" for i in range(n)]
        order = rng.permutation(n) if shuffle else np.arange(n)
        write_labels(tp, [t[i] for i in order], [idv[i] for i in order])
        write_labels(pp, list(p), idv)
    else:
        write_labels(tp, list(t))
        write_labels(pp, list(p))
    rc, out, err = run(["--true", tp, "--pred", pp, "--json"])
    check(rc == 0, f"{name}: exit {rc}: {err}")
    if rc != 0:
        return
    got = json.loads(out)
    compare_supervised(name, got, t, p)


def random_labeling(rng, n, k, skew):
    if skew:
        w = rng.dirichlet(np.full(k, 0.3))
        return rng.choice(k, size=n, p=w)
    return rng.integers(0, k, size=n)


def supervised_cases(tmp, rng):
    count = 0
    for n in (2, 3, 5, 10, 31, 100, 257, 1000, 4000):
        for rep in range(4):
            kt = int(rng.integers(1, min(n, 40) + 1))
            kp = int(rng.integers(1, min(n, 40) + 1))
            t = random_labeling(rng, n, kt, rep % 2 == 1)
            p = random_labeling(rng, n, kp, rep % 3 == 0)
            supervised_case(tmp, f"random n={n} kt={kt} kp={kp}", t, p, rng,
                            ids=rep != 2)
            count += 1
    # partly agreeing labelings (more informative than independent ones)
    for n in (50, 600, 3000):
        t = rng.integers(0, 6, size=n)
        p = t.copy()
        flip = rng.random(n) < 0.3
        p[flip] = rng.integers(0, 9, size=int(flip.sum()))
        supervised_case(tmp, f"noisy copy n={n}", t, p, rng)
        count += 1
    n = 40
    base = rng.integers(0, 4, size=n)
    degenerate = {
        "n=1": ([7], [3]),
        "n=2 same": ([0, 0], [1, 1]),
        "n=2 split": ([0, 1], [0, 0]),
        "one cluster both": ([5] * n, [2] * n),
        "one pred cluster": (list(base), [0] * n),
        "one true class": ([0] * n, list(base)),
        "all singletons pred": (list(base), list(range(n))),
        "all singletons both": (list(range(n)), list(range(n))),
        "1500 singletons vs 1500 (sparse JSON cells)": (list(range(1500)),
                                                        list(rng.permutation(1500))),
        "identical": (list(base), list(base)),
        "identical permuted names": (list(base), [int(x) * 7 + 100 for x in base]),
        "n < k (ids up to 1000, 6 items)": ([0, 999, 5, 5, 17, 300], [1, 2, 3, 4, 5, 6]),
        "non-contiguous ids": ([int(x) * 10 - 20 for x in base], [int(x) % 3 * 1000 for x in base]),
        "negative and huge ints": ([-(2 ** 62), 2 ** 62, 0, -1, 0, 5] * 5, [1, 1, 2, 2, 3, 3] * 5),
        "ties": ([0, 0, 1, 1] * 10, [0, 1, 0, 1] * 10),
    }
    for name, (t, p) in degenerate.items():
        supervised_case(tmp, name, t, p, rng)
        count += 1
    strings = ["chest", "CHEST", "abdomen", "kuk čćđšž", "a,b", 'quote "x"', " lead",
               "trail ", "", "日本", "1", "01", "ü"]
    t = [strings[int(i)] for i in rng.integers(0, len(strings), size=300)]
    p = [f"c{int(i)}" for i in rng.integers(0, 12, size=300)]
    supervised_case(tmp, "string labels", t, p, rng)
    supervised_case(tmp, "string labels, no ids", t, p, rng, ids=False)
    mixed = [["MR", "CT", "CR"][int(i)] for i in rng.integers(0, 3, size=100)]
    supervised_case(tmp, "strings vs ints", mixed, list(rng.integers(0, 4, size=100)), rng)
    return count + 3


# ---- data metrics ---------------------------------------------------------

def sk_data(X, p, metric):
    X64 = X.astype(np.float64)
    k = len(np.unique(p))
    if not 1 < k < len(p):
        return None
    return {
        "silhouette_score": skm.silhouette_score(X64, p, metric=metric),
        "davies_bouldin_score": skm.davies_bouldin_score(X64, p),
        "calinski_harabasz_score": skm.calinski_harabasz_score(X64, p),
    }


# ---- tolerances from the conditioning of each data metric ----------------
#
# Both sides may compute Euclidean distances with the Gram formula
# d² = |x|² - 2x·y + |y|² (sklearn always; radnet through BLAS, whose kernel
# - OPENBLAS_CORETYPE - changes the rounding). Its error in d² is at most
# g·(|x| + |y|)² with g = (dim + 3)·u, so d itself is off by at most
# min(sqrt(e), e / d) for e that bound (sqrt(e) when d is 0 or tiny: a
# point against its own one-point centroid). The bounds below propagate
# that to each metric, to first order; u is the unit roundoff of whichever
# precision each side computes in.

def gram_error(norm_x, norm_y, d, dim, u):
    e = (dim + 3) * u * (norm_x + norm_y) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.minimum(np.sqrt(e), np.where(d > 0, e / d, np.inf))


def pair_errors(X, metric, u):
    """Bound on the error of every pairwise distance, and the distances."""
    n, dim = X.shape
    if metric == "euclidean":
        D = cdist(X, X, "euclidean")      # direct differences, no Gram
        nrm = np.linalg.norm(X, axis=1)
        E = gram_error(nrm[:, None], nrm[None, :], D, dim, u)
    elif metric == "manhattan":
        D = cdist(X, X, "cityblock")
        E = (dim + 1) * u * np.abs(X).sum(1)[:, None] + (dim + 1) * u * np.abs(X).sum(1)[None, :]
    else:  # cosine: 1 - x·y / (|x||y|), every term of order one
        nrm = np.linalg.norm(X, axis=1)
        safe = np.where(nrm > 0, nrm, 1.0)
        D = 1.0 - (X / safe[:, None]) @ (X / safe[:, None]).T
        E = np.full(D.shape, (dim + 6) * u)
    np.fill_diagonal(E, 0.0)
    return D, E


def silhouette_bound(X, p, metric, u):
    """|δ mean s(i)| from the distance errors: δs(i) <= (δa + δb) / max(a, b)."""
    D, E = pair_errors(X, metric, u)
    labels = np.unique(p)
    onehot = (p[:, None] == labels[None, :]).astype(float)
    size = onehot.sum(0)
    own = np.searchsorted(labels, p)
    mean_d = (D @ onehot) / size
    mean_e = (E @ onehot) / size
    a_div = np.maximum(size[own] - 1, 1)
    a = (D @ onehot)[np.arange(len(p)), own] / a_div
    da = (E @ onehot)[np.arange(len(p)), own] / a_div
    mean_d[np.arange(len(p)), own] = np.inf
    b = mean_d.min(1)
    db = np.where(np.isfinite(mean_d), mean_e, 0).max(1)
    m = np.maximum(a, b)
    ds = np.where((m > 0) & (size[own] > 1), (da + db) / np.where(m > 0, m, 1), 0)
    return float(ds.mean())


def davies_bouldin_bound(X, p, u):
    labels = np.unique(p)
    dim = X.shape[1]
    cent = np.array([X[p == c].mean(0) for c in labels])
    cn = np.linalg.norm(cent, axis=1)
    s = np.empty(len(labels))
    ds = np.empty(len(labels))
    for i, c in enumerate(labels):
        pts = X[p == c]
        d = np.linalg.norm(pts - cent[i], axis=1)
        s[i] = d.mean()
        ds[i] = gram_error(np.linalg.norm(pts, axis=1), cn[i], d, dim, u).mean()
    C = np.linalg.norm(cent[:, None] - cent[None, :], axis=-1)
    dC = gram_error(cn[:, None], cn[None, :], C, dim, u)
    np.fill_diagonal(C, np.inf)
    C[C == 0] = np.inf        # coinciding centroids: both sides skip the pair
    ratio_err = (ds[:, None] + ds[None, :]) / C + (s[:, None] + s[None, :]) * dC / C ** 2
    return float(ratio_err.max(1).mean())


def calinski_harabasz_bound(X, p, u):
    """Relative: the dispersions are sums of n·dim squares, cancelling at
    most down to W (within) and B (between) from sum |x|²."""
    n, dim = X.shape
    total = float((X ** 2).sum())
    mean = X.mean(0)
    W = sum(float(((X[p == c] - X[p == c].mean(0)) ** 2).sum()) for c in np.unique(p))
    B = float(((X - mean) ** 2).sum()) - W
    if W <= 0 or B <= 0:
        return np.inf
    return 2 * (n + dim + 3) * u * total * (1 / W + 1 / B)


def data_tolerances(X, p, metric):
    """Relative tolerance (as close() takes it) per data metric."""
    p = np.asarray(p)
    X64 = X.astype(np.float64)
    k = len(np.unique(p))
    if not 1 < k < len(p):
        return {key: TOL for key in ("silhouette_score", "davies_bouldin_score",
                                     "calinski_harabasz_score")}
    u = U64 + (U32 if X.dtype == np.float32 else U64)   # sklearn's + radnet's
    return {
        "silhouette_score": TOL + silhouette_bound(X64, p, metric, u),
        "davies_bouldin_score": TOL + davies_bouldin_bound(X64, p, u),
        "calinski_harabasz_score": TOL + calinski_harabasz_bound(X64, p, u),
    }


def data_case(tmp, name, X, p, metric, extra=()):
    xp = os.path.join(tmp, "x.npy")
    pp = os.path.join(tmp, "p.csv")
    np.save(xp, X)
    write_labels(pp, list(p))
    rc, out, err = run(["--pred", pp, "--data", xp, "--metric", metric, "--json"] + list(extra))
    check(rc == 0, f"{name}: exit {rc}: {err}")
    if rc != 0:
        return None
    got = json.loads(out)
    ref = sk_data(X, p, metric)
    tols = data_tolerances(X, p, metric)
    for key in ("silhouette_score", "davies_bouldin_score", "calinski_harabasz_score"):
        r = None if ref is None else float(ref[key])
        check(close(got.get(key), r, tols[key]),
              f"{name}: {key} radnet {got.get(key)!r} sklearn {r!r} (tolerance {tols[key]:.3g})")
        if r is not None and got.get(key) is not None:
            WORST.append((abs(got[key] - r) / max(1.0, abs(r)) / tols[key], name, key))
    check(got.get("silhouette_metric") == metric, f"{name}: silhouette_metric")
    return got


def blobs(rng, n, d, k, spread=1.0):
    centers = rng.normal(0, 4, size=(k, d))
    lab = rng.integers(0, k, size=n)
    return centers[lab] + rng.normal(0, spread, size=(n, d)), lab


def data_cases(tmp, rng):
    count = 0
    for n, d, k in ((5, 1, 2), (40, 2, 3), (129, 5, 4), (300, 17, 6), (700, 3, 2), (1100, 8, 9)):
        X, lab = blobs(rng, n, d, k)
        for metric in ("euclidean", "manhattan", "cosine"):
            data_case(tmp, f"f64 n={n} d={d} k={k} {metric}", X, lab, metric)
            count += 1
        data_case(tmp, f"f32 n={n} d={d} k={k}", X.astype(np.float32), lab, "euclidean")
        data_case(tmp, f"f32 n={n} d={d} k={k} cosine", X.astype(np.float32), lab, "cosine")
        count += 2
    # integer coordinates: exact duplicates and tied distances
    X = rng.integers(0, 3, size=(200, 3)).astype(np.float64)
    lab = rng.integers(0, 5, size=200)
    for metric in ("euclidean", "manhattan"):
        data_case(tmp, f"duplicates {metric}", X, lab, metric)
        count += 1
    X, lab = blobs(rng, 60, 4, 3)
    lab[:5] = 10 + np.arange(5)   # singleton clusters
    # sklearn measures a one-point cluster's spread with the Gram formula,
    # i.e. the square root of a rounding error (~1e-8·|x|) instead of 0:
    # davies_bouldin_bound() covers it (sqrt(e) in gram_error).
    data_case(tmp, "singleton clusters", X, lab, "euclidean")
    lab2 = np.array(["x", "y"] * 30)
    data_case(tmp, "string cluster labels", X, lab2, "euclidean")
    Xz = X.copy()
    Xz[:3] = 0.0                     # zero rows: cosine distance 1
    data_case(tmp, "zero rows cosine", Xz, lab, "cosine")
    count += 3
    # undefined: one cluster, all singletons, n = 1 -> null and exit 0
    data_case(tmp, "one cluster", X, np.zeros(60, dtype=int), "euclidean")
    data_case(tmp, "all singletons", X, np.arange(60), "euclidean")
    data_case(tmp, "n=1", X[:1], [0], "euclidean")
    count += 3
    # sampling every item once reproduces the exact value with a zero-width interval
    X, lab = blobs(rng, 500, 6, 4)
    got = data_case(tmp, "sample = n", X, lab, "euclidean", ["--sample", "500", "--repeats", "1"])
    if got:
        est = got["silhouette_estimate"]
        check(est["sample_size"] == 500 and est["repeats"] == 1, "sample = n: estimate fields")
        check(close(est["ci95"][0], est["ci95"][1], TOL), "sample = n: zero-width interval")
    # a real sample: the estimate and its interval must bracket sklearn's exact value
    xp = os.path.join(tmp, "x.npy")
    pp = os.path.join(tmp, "p.csv")
    X, lab = blobs(rng, 3000, 5, 6, spread=2.5)
    np.save(xp, X)
    write_labels(pp, list(lab))
    exact = skm.silhouette_score(X, lab)
    rc, out, err = run(["--pred", pp, "--data", xp, "--sample", "200", "--repeats", "20",
                        "--seed", "7", "--json"])
    check(rc == 0, f"sampled: exit {rc} {err}")
    if rc == 0:
        got = json.loads(out)
        lo, hi = got["silhouette_estimate"]["ci95"]
        check(lo < got["silhouette_score"] < hi, "sampled: estimate inside its interval")
        check(lo <= exact <= hi, f"sampled: exact {exact} outside [{lo}, {hi}]")
        check(hi - lo < 0.05, f"sampled: interval [{lo}, {hi}] too wide")
        rc2, out2, _ = run(["--pred", pp, "--data", xp, "--sample", "200", "--repeats", "20",
                            "--seed", "7", "--json"])
        check(rc2 == 0 and json.loads(out2) == got, "sampled: same seed, same result")
    return count + 2


def stability_case(tmp, rng):
    """seed_stability: mean pairwise ARI over --pred and --stability files
    (ids in different orders)."""
    n = 400
    base = rng.integers(0, 5, size=n)
    labelings = []
    for noise in (0.0, 0.2, 0.5):
        lab = base.copy()
        flip = rng.random(n) < noise
        lab[flip] = rng.integers(0, 7, size=int(flip.sum()))
        labelings.append(lab)
    ids = [f"s{i}" for i in range(n)]
    paths = []
    for j, lab in enumerate(labelings):
        order = rng.permutation(n)
        path = os.path.join(tmp, f"seed{j}.csv")
        write_labels(path, [lab[i] for i in order], [ids[i] for i in order])
        paths.append(path)
    rc, out, err = run(["--pred", paths[0], "--stability", paths[1], "--stability", paths[2],
                        "--json"])
    check(rc == 0, f"stability: exit {rc} {err}")
    if rc != 0:
        return
    got = json.loads(out)["seed_stability"]
    pairs = [(0, 1), (0, 2), (1, 2)]
    ari = {(a, b): skm.adjusted_rand_score(labelings[a], labelings[b]) for a, b in pairs}
    mean = sum(ari.values()) / 3
    check(got["labelings"] == 3, "stability: 3 labelings")
    check(close(got["mean_adjusted_rand_score"], mean, TOL),
          f"stability: mean {got['mean_adjusted_rand_score']} vs {mean}")
    for (a, b), v in ari.items():
        check(close(got["pairwise_adjusted_rand_score"][a][b], v, TOL), f"stability: pair {a},{b}")
        check(got["pairwise_adjusted_rand_score"][b][a] == got["pairwise_adjusted_rand_score"][a][b],
              "stability: symmetric")


# ---- CLI errors --------------------------------------------------------------

def error_cases(tmp):
    tp = os.path.join(tmp, "t.csv")
    pp = os.path.join(tmp, "p.csv")
    write_labels(tp, [0, 1, 1], ["a", "b", "c"])
    write_labels(pp, [0, 1, 1], ["a", "b", "zz-missing"])
    rc, _, err = run(["--true", tp, "--pred", pp])
    # ids are merged in sorted order: "c" (true only) is found before "zz-missing"
    check(rc == 2 and err.startswith(f"radnet: {tp}: ") and '"c" (line 4) is missing from ' + pp in err,
          f"missing id: rc {rc} err {err!r}")
    write_labels(tp, [0, 1, 1, 1], ["a", "b", "c", "zz-missing"])
    write_labels(pp, [0, 1, 1], ["a", "b", "c"])
    rc, _, err = run(["--true", tp, "--pred", pp])
    check(rc == 2 and '"zz-missing" (line 5) is missing' in err, f"missing id 2: rc {rc} err {err!r}")
    write_labels(tp, [0, 1, 1], ["a", "b", "c"])
    write_labels(pp, [0, 1, 1, 2], ["a", "b", "c", "b"])
    rc, _, err = run(["--true", tp, "--pred", pp])
    check(rc == 2 and '"b"' in err and "twice" in err, f"duplicate id: rc {rc} err {err!r}")
    write_labels(tp, [0, 1, 1])
    write_labels(pp, [0, 1])
    rc, _, err = run(["--true", tp, "--pred", pp])
    check(rc == 2 and "rows" in err, f"row count mismatch: rc {rc} err {err!r}")
    rc, _, err = run(["--true", os.path.join(tmp, "nope.csv"), "--pred", pp])
    check(rc == 2 and "nope.csv" in err, f"missing file: rc {rc} err {err!r}")
    rc, _, _ = run(["--pred", pp, "--bogus", "1"])
    check(rc == 1, f"unknown option: rc {rc}")
    rc, _, _ = run(["--pred", pp])
    check(rc == 1, f"nothing to compare: rc {rc}")
    rc, _, _ = run(["--pred", pp, "--true", tp, "--metric", "hamming"])
    check(rc == 1, f"bad metric: rc {rc}")
    with open(pp, "wb") as f:
        f.write(b"label\n\xff\xfe\n")
    rc, _, err = run(["--true", tp, "--pred", pp])
    check(rc == 2 and "UTF-8" in err, f"bad UTF-8: rc {rc} err {err!r}")
    with open(pp, "w") as f:
        f.write('id,label\na,"open\n')
    rc, _, err = run(["--true", tp, "--pred", pp])
    check(rc == 2 and "quote" in err, f"unterminated quote: rc {rc} err {err!r}")
    with open(pp, "w") as f:
        f.write("id,label\na,1\nb\n")
    rc, _, err = run(["--true", tp, "--pred", pp])
    check(rc == 2 and "line 3" in err, f"short row: rc {rc} err {err!r}")
    write_labels(pp, [0, 1, 1])
    xp = os.path.join(tmp, "x.npy")
    np.save(xp, np.zeros((4, 2)))
    rc, _, err = run(["--pred", pp, "--data", xp])
    check(rc == 2 and "x.npy" in err, f"data rows mismatch: rc {rc} err {err!r}")
    # CRLF, BOM, a named column, blank lines
    with open(pp, "w", encoding="utf-8", newline="") as f:
        f.write("\ufeffid,Modality,Cluster\r\nb,CT,1\r\n\r\na,MR,0\r\nc,CT,1\r\n")
    write_labels(tp, ["x", "y", "y"], ["a", "b", "c"])
    rc, out, err = run(["--true", tp, "--pred", pp, "--pred-column", "Cluster", "--json"])
    check(rc == 0, f"named column: rc {rc} err {err!r}")
    if rc == 0:
        check(json.loads(out)["adjusted_rand_score"] == 1.0, "named column: ARI 1")
    rc, out, err = run(["--true", tp, "--pred", pp, "--pred-column", "Nope"])
    check(rc == 2 and "Nope" in err, f"unknown column: rc {rc} err {err!r}")
    return 14


def slow_cases(tmp, rng):
    """Larger inputs (suite `slow`): 10^6 labels, silhouette on 6000 points."""
    n = 10 ** 6
    t = rng.integers(0, 20, size=n)
    p = (t * 5 + rng.integers(0, 5, size=n)) % 60
    flip = rng.random(n) < 0.4
    p[flip] = rng.integers(0, 60, size=int(flip.sum()))
    tp = os.path.join(tmp, "t.csv")
    pp = os.path.join(tmp, "p.csv")
    write_labels(tp, list(t))
    write_labels(pp, list(p))
    rc, out, err = run(["--true", tp, "--pred", pp, "--json"])
    check(rc == 0, f"10^6 labels: exit {rc} {err}")
    if rc == 0:
        got = json.loads(out)
        for key, fn in (("adjusted_mutual_info_score", skm.adjusted_mutual_info_score),
                        ("normalized_mutual_info_score", skm.normalized_mutual_info_score),
                        ("adjusted_rand_score", skm.adjusted_rand_score),
                        ("homogeneity_score", skm.homogeneity_score)):
            ref = float(fn(t, p))
            check(close(got[key], ref, TOL), f"10^6 labels: {key} {got[key]} vs {ref}")
    X, lab = blobs(rng, 6000, 32, 12, spread=3.0)
    for metric in ("euclidean", "manhattan", "cosine"):
        data_case(tmp, f"6000 × 32 {metric}", X, lab, metric)
    return 4


def main():
    if not BIN or not os.access(BIN, os.X_OK):
        print("RADNET_BIN is not set to the radnet binary", file=sys.stderr)
        return 1
    print("scikit-learn", sklearn.__version__, file=sys.stderr)
    rng = np.random.default_rng(20261130)
    with tempfile.TemporaryDirectory() as tmp:
        n_sup = supervised_cases(tmp, rng)
        n_dat = data_cases(tmp, rng)
        n_err = error_cases(tmp)
        stability_case(tmp, rng)
        if "--slow" in sys.argv:
            n_dat += slow_cases(tmp, rng)
    worst = max(WORST, default=None)
    if worst:
        print("largest data-metric error / tolerance: %.3g (%s, %s)" % worst, file=sys.stderr)
    return finish(f"{n_sup} supervised cases, {n_dat} data cases, {n_err} error cases; ")


if __name__ == "__main__":
    sys.exit(main())
