#!/usr/bin/python3
"""Differential tests of `radnet cluster` against scikit-learn 1.2.

k-means from the same initial centres must reach the same labels and the
same inertia (1e-6 relative; float32 1e-4) and the same iteration count as
sklearn KMeans(init=C, n_init=1, algorithm='lloyd'/'elkan') (radnet's
Hamerly against sklearn's Lloyd), on many
generated inputs including degenerate ones. k-means++ quality is compared
as inertia statistics over seeds. k-medoids 'alternate' with 'build' init is
compared with a line-by-line transcription of scikit-learn-extra's
KMedoids.fit (the package is not in Debian).

Run with /usr/bin/python3 (Debian numpy + sklearn); needs RADNET_BIN.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import pairwise_distances

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from rn_testlib import BIN, check, finish  # noqa: E402


def run_radnet(tmp, X, k, *flags):
    xp = os.path.join(tmp, "X.npy")
    lp = os.path.join(tmp, "labels.csv")
    cp = os.path.join(tmp, "C.npy")
    np.save(xp, X)
    args = [BIN, "--quiet", "cluster", "--input", xp, "--k", str(k), "--json",
            "--out", lp, "--centers-out", cp] + [str(f) for f in flags]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        return p.returncode, p.stderr, None, None, None
    summary = json.loads(p.stdout)
    lab = np.loadtxt(lp, delimiter=",", skiprows=1, dtype=np.int64)
    lab = lab.reshape(-1, 2)
    check(np.array_equal(lab[:, 0], np.arange(len(X))), "ids are row indices")
    return 0, "", summary, lab[:, 1], np.load(cp)


def blobs(rng, n, d, centres, sd, scale=10.0):
    c = rng.uniform(-scale, scale, size=(centres, d))
    return c[rng.randint(centres, size=n)] + sd * rng.randn(n, d)


def make_cases():
    rng = np.random.RandomState(1234)
    cases = []
    for i, (n, d, k, c, sd) in enumerate([
            (500, 2, 4, 4, 1.0), (800, 5, 8, 6, 2.0), (1000, 16, 10, 10, 1.0),
            (300, 1, 5, 5, 0.5), (2000, 32, 20, 12, 3.0), (400, 3, 7, 2, 1.0),
            (1200, 64, 12, 12, 2.0), (600, 8, 3, 20, 4.0), (90, 4, 30, 5, 1.0)]):
        X = blobs(rng, n, d, c, sd)
        cases.append(("blobs%d" % i, X, k, True))
        if i % 3 == 0:
            cases.append(("blobs%d-f32" % i, X.astype(np.float32), k, True))
    # uniform noise: no structure, many iterations
    cases.append(("uniform", rng.rand(1500, 6), 9, True))
    # one cluster, k > 1
    cases.append(("one-cluster", 5 + 0.1 * rng.randn(300, 3), 4, True))
    # k = 1, d = 1
    cases.append(("k1", rng.randn(200, 5), 1, True))
    cases.append(("d1", rng.randn(400, 1) * 3, 6, True))
    # offset far from the origin (cancellation in the Gram trick)
    cases.append(("offset", 1e4 + blobs(rng, 700, 4, 5, 1.0), 5, True))
    # ties: integer grid, duplicates, constant data, n == k
    cases.append(("grid-ties", rng.randint(0, 4, size=(300, 2)).astype(float), 5, False))
    dup = np.repeat(rng.randn(10, 3), 15, axis=0)
    cases.append(("duplicates", dup, 6, False))
    cases.append(("constant", np.full((50, 3), 2.5), 3, False))
    cases.append(("n-equals-k", rng.randn(6, 2), 6, True))
    return cases


def test_same_init(tmp):
    rng = np.random.RandomState(99)
    for name, X, k, exact_labels in make_cases():
        init = X[rng.choice(len(X), k, replace=False)].copy()
        cp = os.path.join(tmp, "init.npy")
        np.save(cp, init)
        f32 = X.dtype == np.float32
        # radnet's Hamerly (not in sklearn) must follow sklearn's Lloyd.
        for algo in ("lloyd", "elkan", "hamerly"):
            for tol in (1e-4, 0.0, 0.05):
                km = KMeans(n_clusters=k, init=init, n_init=1,
                            algorithm="lloyd" if algo == "hamerly" else algo,
                            max_iter=300, tol=tol).fit(X)
                rc, err, s, lab, cen = run_radnet(
                    tmp, X, k, "--init", cp, "--method", algo, "--tol", tol)
                tag = "%s/%s/tol=%g" % (name, algo, tol)
                check(rc == 0, "%s: exit %d %s" % (tag, rc, err))
                if rc != 0:
                    continue
                rtol = 1e-4 if f32 else 1e-6
                ref = km.inertia_
                check(abs(s["inertia"] - ref) <= rtol * abs(ref) + 1e-9,
                      "%s: inertia %.12g vs sklearn %.12g" % (tag, s["inertia"], ref))
                mism = int(np.sum(lab != km.labels_))
                if exact_labels and not f32:
                    check(mism == 0, "%s: %d labels differ" % (tag, mism))
                    check(s["n_iter"] == km.n_iter_,
                          "%s: n_iter %d vs %d" % (tag, s["n_iter"], km.n_iter_))
                    check(np.allclose(cen, km.cluster_centers_, rtol=1e-6, atol=1e-8),
                          "%s: centres differ" % tag)
                elif exact_labels:
                    check(mism <= len(X) // 200, "%s: %d labels differ" % (tag, mism))


def test_n_less_than_k(tmp):
    X = np.random.RandomState(3).randn(4, 2)
    rc, err, _, _, _ = run_radnet(tmp, X, 5)
    check(rc == 1, "n < k must be a usage error (exit 1), got %d" % rc)
    try:
        KMeans(n_clusters=5, n_init=1).fit(X)
        check(False, "sklearn accepted n < k")
    except ValueError:
        check(True, "")


def test_plusplus_quality(tmp):
    """Mean inertia over seeds of k-means++ + Lloyd, n_init = 1."""
    rng = np.random.RandomState(5)
    for (n, d, k, c, sd) in [(3000, 8, 10, 14, 2.5), (2000, 2, 25, 40, 1.0)]:
        X = blobs(rng, n, d, c, sd)
        ours, theirs = [], []
        for seed in range(1, 21):
            rc, err, s, _, _ = run_radnet(tmp, X, k, "--n-init", 1, "--seed", seed)
            check(rc == 0, "k-means++ run failed: %s" % err)
            if rc == 0:
                ours.append(s["inertia"])
            km = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(X)
            theirs.append(km.inertia_)
        mo, mt = np.mean(ours), np.mean(theirs)
        print("k-means++ n=%d k=%d: mean inertia radnet %.6g sklearn %.6g "
              "(ratio %.4f), min %.6g / %.6g" % (n, k, mo, mt, mo / mt,
                                                min(ours), min(theirs)))
        check(mo <= mt * 1.03, "k-means++ mean inertia %.6g vs sklearn %.6g" % (mo, mt))
        check(min(ours) <= min(theirs) * 1.03, "best of 20 seeds worse than sklearn")
        # n_init 10 (the default) keeps the best restart
        rc, err, s, _, _ = run_radnet(tmp, X, k)
        check(rc == 0 and s["inertia"] <= mo,
              "n_init 10 should beat the mean single run")


def test_minibatch_quality(tmp):
    """Mini-batch inertia over seeds against sklearn MiniBatchKMeans."""
    from sklearn.cluster import MiniBatchKMeans
    rng = np.random.RandomState(4)
    X = blobs(rng, 30000, 10, 30, 2.0)
    theirs = [MiniBatchKMeans(30, batch_size=1024, n_init=3, random_state=s).fit(X).inertia_
              for s in range(5)]
    ours = []
    for s in range(5):
        rc, err, out, _, _ = run_radnet(tmp, X, 30, "--batch", 1024, "--seed", s)
        check(rc == 0, "mini-batch failed: %s" % err)
        if rc == 0:
            ours.append(out["inertia"])
    mo, mt = np.mean(ours), np.mean(theirs)
    print("mini-batch k=30: mean inertia radnet %.6g sklearn %.6g (ratio %.4f)"
          % (mo, mt, mo / mt))
    check(mo <= 1.03 * mt, "mini-batch mean inertia %.6g vs sklearn %.6g" % (mo, mt))


# ---- k-medoids: scikit-learn-extra's KMedoids.fit, transcribed ----------

def skx_build(D, n_clusters):
    """sklearn_extra.cluster._k_medoids._build (greedy BUILD)."""
    medoid_idxs = [int(np.argmin(np.sum(D, axis=0)))]
    Dj = D[medoid_idxs[0]].copy()
    for _ in range(1, n_clusters):
        not_med = np.setdiff1d(np.arange(len(D)), medoid_idxs)
        gains = np.maximum(Dj[None, :] - D[not_med], 0).sum(axis=1)
        best = int(not_med[np.argmax(gains)])
        medoid_idxs.append(best)
        Dj = np.minimum(Dj, D[best])
    return np.array(medoid_idxs)


def skx_alternate(D, medoid_idxs, max_iter=300):
    medoid_idxs = medoid_idxs.copy()
    for n_iter in range(max_iter):
        old = medoid_idxs.copy()
        labels = np.argmin(D[medoid_idxs, :], axis=0)
        for k in range(len(medoid_idxs)):
            cluster_k_idxs = np.where(labels == k)[0]
            if len(cluster_k_idxs) == 0:
                continue
            in_cluster = D[cluster_k_idxs, cluster_k_idxs[:, np.newaxis]]
            costs = np.sum(in_cluster, axis=1)
            min_cost_idx = np.argmin(costs)
            curr_cost = costs[np.argmax(cluster_k_idxs == medoid_idxs[k])]
            if costs[min_cost_idx] < curr_cost:
                medoid_idxs[k] = cluster_k_idxs[min_cost_idx]
        if np.all(old == medoid_idxs):
            break
    labels = np.argmin(D[medoid_idxs, :], axis=0)
    return medoid_idxs, labels, float(np.sum(np.min(D[medoid_idxs, :], axis=0)))


def test_kmedoids_alternate(tmp):
    rng = np.random.RandomState(21)
    for i in range(8):
        n, d, k = 150 + 40 * i, 2 + i % 4, 3 + i
        # small integers: exact in float32, plenty of ties to break alike
        X = rng.randint(0, 30, size=(n, d)).astype(np.float64)
        X[: n // 2] += 40 * rng.randint(0, 3, size=(1, d))
        D = pairwise_distances(X, metric="manhattan")
        med0 = skx_build(D, k)
        med, lab, cost = skx_alternate(D, med0)
        rc, err, s, ours, _ = run_radnet(tmp, X, k, "--algo", "kmedoids",
                                         "--method", "alternate",
                                         "--init-method", "build",
                                         "--metric", "manhattan")
        check(rc == 0, "kmedoids run failed: %s" % err)
        if rc != 0:
            continue
        check(s["medoids"] == [int(m) for m in med],
              "case %d: medoids %s vs sklearn-extra %s" % (i, s["medoids"], list(med)))
        check(abs(s["cost"] - cost) <= 1e-9 * cost,
              "case %d: cost %g vs %g" % (i, s["cost"], cost))
        check(np.array_equal(ours, lab), "case %d: labels differ" % i)


def test_cli(tmp):
    """Sweep output, exit codes, labels on stdout."""
    rng = np.random.RandomState(8)
    corners = 20.0 * np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]])
    X = corners[np.arange(900) % 4] + rng.randn(900, 3)
    xp = os.path.join(tmp, "S.npy")
    np.save(xp, X.astype(np.float32))
    p = subprocess.run([BIN, "--quiet", "cluster", "--input", xp, "--k", "2:8",
                        "--json", "--n-init", "3"], capture_output=True, text=True)
    check(p.returncode == 0, "sweep failed: %s" % p.stderr)
    if p.returncode == 0:
        s = json.loads(p.stdout)
        check([r["k"] for r in s["rows"]] == list(range(2, 9)), "sweep ks")
        for key in ("best_k_silhouette", "best_k_davies_bouldin",
                    "best_k_calinski_harabasz", "elbow_k"):
            check(s[key] == 4, "%s = %s, want 4" % (key, s[key]))
        from sklearn.metrics import silhouette_score
        km = KMeans(n_clusters=4, n_init=3, random_state=0).fit(X)
        ref = silhouette_score(X, km.labels_)
        got = [r["silhouette"] for r in s["rows"] if r["k"] == 4][0]
        check(abs(got - ref) < 1e-4, "silhouette at k=4: %g vs %g" % (got, ref))
    p = subprocess.run([BIN, "cluster", "--input", xp, "--k", "3", "--quiet"],
                       capture_output=True, text=True)
    lines = p.stdout.splitlines()
    check(p.returncode == 0 and lines[0] == "id,label" and len(lines) == 901,
          "labels on stdout")
    p = subprocess.run([BIN, "cluster", "--input", os.path.join(tmp, "none.npy"),
                        "--k", "3"], capture_output=True, text=True)
    check(p.returncode == 2 and p.stderr.startswith("radnet: "),
          "missing input: exit %d (%s)" % (p.returncode, p.stderr.strip()))
    p = subprocess.run([BIN, "cluster", "--input", xp, "--k", "0"],
                       capture_output=True, text=True)
    check(p.returncode == 1, "k = 0: exit %d" % p.returncode)
    p = subprocess.run([BIN, "cluster", "--input", xp, "--k", "3", "--algo", "x"],
                       capture_output=True, text=True)
    check(p.returncode == 1, "bad --algo: exit %d" % p.returncode)
    bad = os.path.join(tmp, "bad.npy")
    with open(bad, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00garbage")
    p = subprocess.run([BIN, "cluster", "--input", bad, "--k", "3"],
                       capture_output=True, text=True)
    check(p.returncode == 2, "corrupt npy: exit %d" % p.returncode)
    # fit on a train split, predict the test split (SPEC §6 protocol)
    rng2 = np.random.RandomState(17)
    A = blobs(rng2, 3000, 6, 9, 2.0)
    train, test = A[:2000], A[2000:]
    rc, err, s, _, cen = run_radnet(tmp, train, 9)
    check(rc == 0, "train fit failed: %s" % err)
    if rc == 0:
        cp = os.path.join(tmp, "train_centres.npy")
        np.save(cp, cen)
        tp = os.path.join(tmp, "test.npy")
        np.save(tp, test)
        lp = os.path.join(tmp, "pred.csv")
        p = subprocess.run([BIN, "--quiet", "cluster", "--input", tp, "--predict", cp,
                            "--out", lp, "--json"], capture_output=True, text=True)
        check(p.returncode == 0, "predict failed: %s" % p.stderr)
        if p.returncode == 0:
            km = KMeans(n_clusters=9, init=cen, n_init=1, max_iter=1).fit(train)
            km.cluster_centers_ = cen
            want = km.predict(test)
            got = np.loadtxt(lp, delimiter=",", skiprows=1, dtype=np.int64)[:, 1]
            check(np.array_equal(got, want), "predict labels differ from sklearn")
            inertia = float(((test - cen[want]) ** 2).sum())
            out = json.loads(p.stdout)
            check(abs(out["inertia"] - inertia) <= 1e-9 * inertia,
                  "predict inertia %g vs %g" % (out["inertia"], inertia))
    # mini-batch through the CLI recovers the blobs
    rc, err, s, lab, _ = run_radnet(tmp, X, 4, "--batch", 256)
    check(rc == 0, "mini-batch failed: %s" % err)
    if rc == 0:
        from sklearn.metrics import adjusted_rand_score
        km = KMeans(n_clusters=4, n_init=3, random_state=0).fit(X)
        check(adjusted_rand_score(km.labels_, lab) > 0.99, "mini-batch labels")


def main():
    if not BIN or not os.path.exists(BIN):
        print("RADNET_BIN not set or missing", file=sys.stderr)
        return 1
    print("scikit-learn", sklearn.__version__)
    with tempfile.TemporaryDirectory() as tmp:
        test_same_init(tmp)
        test_n_less_than_k(tmp)
        test_plusplus_quality(tmp)
        test_minibatch_quality(tmp)
        test_kmedoids_alternate(tmp)
        test_cli(tmp)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
