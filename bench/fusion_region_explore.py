#!/usr/bin/python3
"""Where region is lost inside modalities, and candidate fusions that might
win it back, measured the way `radnet run` clusters (k-means within each
catalogue Modality, k split by (Modality, SPEC §5 header region) pairs) but
with scikit-learn (k-means++, n_init 10) on a numpy copy of radnet's fusion
(per-source centring and unit rows, weights, missing rows renormalised, PCA
32) so that variants can be tried before one is built in C.

  diag      per catalogue Modality: rows, share with no anatomy word in the
            descriptive tags (meta-anatomy's last column), share without a
            report, share without a §5 header region, and the region
            homogeneity at k = 50 of the default fusion on all the
            modality's rows and on each kind of row
  variants  H mod / H reg at k = 50 and NMI reg at k = #true regions for
            each fusion variant in VARIANTS below (seeds 1, 2; ARI of the
            two at k = 50)

usage: fusion_region_explore.py diag|variants WS truth.csv [NAME...]"""
import csv, sqlite3, sys
from collections import Counter
import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, homogeneity_score, normalized_mutual_info_score

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from fusion_region_alloc import by_pairs  # noqa: E402

INDICATOR = ("text-", "meta-anatomy")


def load(ws, truth):
    sops = [r["sop_instance_uid"] for r in csv.DictReader(open(f"{ws}/embeddings/rows.csv"))]
    t = {r["SOPInstanceUID"]: (r["Modality"], r["Region"]) for r in csv.DictReader(open(truth))}
    db = sqlite3.connect(f"file:{ws}/catalog.sqlite?mode=ro", uri=True)
    hdr = {s: (m or "", r or "") for s, m, r in db.execute("SELECT sop_uid, modality, region FROM images")}
    return (np.array([t[s][0] for s in sops]), np.array([t[s][1] for s in sops]),
            np.array([hdr[s][0] for s in sops]), np.array([hdr[s][1] for s in sops]))


def emb(ws, name):
    return np.load(f"{ws}/embeddings/{name}.npy").astype(np.float64)


def missing_rows(name, x):
    miss = np.isnan(x[:, 0])
    if name.startswith(INDICATOR):
        miss |= (x[:, -1] == 1) & np.all(x[:, :-1] == 0, axis=1)
    return miss


def block(x, miss):
    """radnet fuse's l2 scaling: centre on the present rows, unit length."""
    y = np.zeros_like(x)
    p = ~miss
    c = x[p] - x[p].mean(axis=0)
    nrm = np.linalg.norm(c, axis=1, keepdims=True)
    y[p] = np.divide(c, nrm, out=np.zeros_like(c), where=nrm > 0)
    return y


def fuse(blocks, reduce=32):
    """blocks: [(y, miss, weight, extra)] where extra (n,) multiplies the
    block's row beyond renormalisation (None = 1)."""
    n = blocks[0][0].shape[0]
    w2 = np.array([w * w for _, _, w, _ in blocks])
    present = np.zeros(n)
    for (y, miss, w, extra), q in zip(blocks, w2):
        e = np.ones(n) if extra is None else extra
        present += np.where(miss, 0, q * e * e)
    renorm = np.sqrt(w2.sum() / present)
    parts = []
    for y, miss, w, extra in blocks:
        e = np.ones(n) if extra is None else extra
        parts.append(y * (w * renorm * e)[:, None])
    z = np.hstack(parts)
    z -= z.mean(axis=0)
    if reduce:
        val, vec = np.linalg.eigh(z.T @ z)
        z = z @ vec[:, ::-1][:, :reduce]
    return z


def cluster(z, hm, hr, k, seed):
    alloc = by_pairs(list(hm), list(hr), k)
    lab = np.zeros(len(hm), dtype=np.int64)
    for gi, m in enumerate(sorted(alloc)):
        idx = np.flatnonzero(hm == m)
        kg = min(alloc[m], len(idx))
        sub = (KMeans(kg, n_init=10, random_state=seed, algorithm="elkan").fit_predict(z[idx])
               if kg > 1 else np.zeros(len(idx), dtype=np.int64))
        lab[idx] = sub + 1000 * gi
    return lab


def default_blocks(ws, extra_weight=None):
    spec = [("meta-modality", 3.0), ("image-hog", 1.0), ("meta-text-tags", 1.0),
            ("text-tfidf", 1.0), ("meta-anatomy", 1.5)]
    out = []
    for name, w in spec:
        x = emb(ws, name)
        miss = missing_rows(name, x)
        out.append((block(x, miss), miss, w, None))
    return out


def anatomy_fill(ws):
    """meta-anatomy where the tags name a body part, else text-anatomy:
    one region block in one column space (the same lexicon)."""
    a, t = emb(ws, "meta-anatomy"), emb(ws, "text-anatomy")
    ma, mt = missing_rows("meta-anatomy", a), missing_rows("text-anatomy", t)
    x = np.where(ma[:, None] & ~mt[:, None], t, a)
    return x, ma & mt


ANATOMY_REGIONS = ["HEAD", "SKULL", "NECK", "CSPINE", "TSPINE", "LSPINE", "SPINE", "CHEST", "BREAST",
                   "ABDOMEN", "GITRACT", "URINARYTRACT", "PELVIS", "HIP", "SHOULDER", "CLAVICLE", "ARM",
                   "ELBOW", "WRIST", "HAND", "FINGER", "LEG", "KNEE", "ANKLE", "FOOT", "HEEL", "CAROTID",
                   "WHOLEBODY"]


def knn_impute(b, k, t=4):
    """Block t (4: meta-anatomy) of rows without one: the mean block of the k
    nearest rows that have one, in the other blocks' weighted space (the
    Modality block's weight keeps the neighbours in the row's modality)."""
    y, miss, w, e = b[t]
    other = np.hstack([bb[0] * bb[2] for i, bb in enumerate(b) if i != t])
    have = np.flatnonzero(~miss)
    need = np.flatnonzero(miss)
    out = y.copy()
    ref = other[have]
    rn = (ref * ref).sum(axis=1)
    for s in range(0, len(need), 512):
        q = other[need[s:s + 512]]
        d = rn[None, :] - 2 * q @ ref.T
        nn = np.argpartition(d, k, axis=1)[:, :k]
        out[need[s:s + 512]] = y[have][nn].mean(axis=1)
    return (out, np.zeros_like(miss), w, e)


def apply(b, ws, step):
    key, _, arg = step.partition(":")
    if key == "fill":
        x, m = anatomy_fill(ws)
        b[4] = (block(x, m), m, float(arg) if arg else 1.5, None)
    elif key == "w":  # w:INDEX=WEIGHT
        i, v = arg.split("=")
        y, m, _, e = b[int(i)]
        b[int(i)] = (y, m, float(v), e)
    elif key == "+text-anatomy":
        x = emb(ws, "text-anatomy")
        m = missing_rows("text-anatomy", x)
        b.append((block(x, m), m, float(arg), None))
    elif key == "knn":
        b[4] = knn_impute(b, int(arg))
    elif key == "knnall":  # every block with missing rows, from the blocks as given
        orig = list(b)
        for t in range(len(b)):
            if orig[t][1].any():
                b[t] = knn_impute(orig, int(arg), t)
    elif key == "hogmiss":  # the image block counts arg times more where no anatomy
        y, m, w, e = b[1]
        b[1] = (y, m, w, np.where(b[4][1], float(arg), 1.0))
    elif key != "default":
        raise SystemExit(f"unknown variant step {step}")


def variant(ws, name):
    """NAME: steps joined by "," applied to the default blocks, e.g.
    fill:1.5+knn:10 or w:2=0.5 (block 2 = meta-text-tags)."""
    b = default_blocks(ws)
    for step in name.split(","):
        apply(b, ws, step)
    return fuse(b)


def anatomy_subgroups(ws, hr):
    """The §5 header region, else the strongest region of the tags' (else
    the report's) anatomy words, else ''."""
    x, m = anatomy_fill(ws)
    arg = np.array(ANATOMY_REGIONS)[np.argmax(x[:, :-1], axis=1)]
    return np.where(hr != "", hr, np.where(m, "", arg))


def diag(ws, truth):
    tm, tr, hm, hr = load(ws, truth)
    a = emb(ws, "meta-anatomy")
    t = emb(ws, "text-tfidf")
    ta = emb(ws, "text-anatomy")
    no_word = missing_rows("meta-anatomy", a)
    no_report = missing_rows("text-tfidf", t)
    no_rword = missing_rows("text-anatomy", ta)
    no_hdr = hr == ""
    z = variant(ws, "default")
    lab = cluster(z, hm, hr, 50, 1)
    print(f"{len(tm)} rows; no anatomy word in the tags {no_word.mean():.3f}, no report "
          f"{no_report.mean():.3f}, no anatomy word in tags or report {(no_word & no_rword).mean():.3f}, "
          f"no §5 region {no_hdr.mean():.3f}; default fusion, pairs split, k = 50: "
          f"H reg {homogeneity_score(tr, lab):.3f}")
    print()
    print("| modality | rows | true regions | no tag word | no report | no word anywhere | no §5 region "
          "| H reg all | tag word | no tag word, report word | no word anywhere |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")

    def h(mask):
        return f"{homogeneity_score(tr[mask], lab[mask]):.2f}" if mask.sum() >= 20 else "–"
    for m in sorted(set(hm), key=lambda m: -np.sum(hm == m)):
        g = hm == m
        print(f"| {m} | {g.sum()} | {len(set(tr[g]))} | {no_word[g].mean():.2f} | {no_report[g].mean():.2f} "
              f"| {(no_word & no_rword)[g].mean():.2f} | {no_hdr[g].mean():.2f} | {h(g)} | {h(g & ~no_word)} "
              f"| {h(g & no_word & ~no_rword)} | {h(g & no_word & no_rword)} |")
    g = np.ones(len(tm), dtype=bool)
    print(f"| **all** | {len(tm)} | {len(set(tr))} | {no_word.mean():.2f} | {no_report.mean():.2f} "
          f"| {(no_word & no_rword).mean():.2f} | {no_hdr.mean():.2f} | {h(g)} | {h(~no_word)} "
          f"| {h(no_word & ~no_rword)} | {h(no_word & no_rword)} |")


def variants(ws, truth, names):
    tm, tr, hm, hr = load(ws, truth)
    kr = len(set(tr))
    for name in names:
        hr_name = name
        if name.endswith("@anat"):
            name = name[:-5]
            hr = anatomy_subgroups(ws, load(ws, truth)[3])
        else:
            hr = load(ws, truth)[3]
        z = variant(ws, name)
        name = hr_name
        l1, l2 = cluster(z, hm, hr, 50, 1), cluster(z, hm, hr, 50, 2)
        lr = cluster(z, hm, hr, kr, 1)
        print(f"| {name} | {(homogeneity_score(tm, l1) + homogeneity_score(tm, l2)) / 2:.3f} "
              f"| {(homogeneity_score(tr, l1) + homogeneity_score(tr, l2)) / 2:.3f} "
              f"| {normalized_mutual_info_score(tr, lr):.3f} | {adjusted_rand_score(l1, l2):.3f} |", flush=True)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    what, ws, truth = sys.argv[1:4]
    if what == "diag":
        diag(ws, truth)
    else:
        variants(ws, truth, sys.argv[4:] or ["default"])


if __name__ == "__main__":
    main()
