#!/usr/bin/python3
"""How good is the block that imputation gives a row that lacks a source,
and which nearness gives a better one: a numpy copy of `radnet fuse`'s
default fusion (six inputs, weights of src/fusion/defaults.c, l2 scaling,
2 048 references every n/2048-th row, k = 10, PCA 32) with the imputation's
nearness swapped per variant, scored on the rows that lack meta-anatomy
(no anatomy word in the tags):

  nn pur   share of the k neighbours (of meta-anatomy) with the row's true region
  arg ok   the imputed meta-anatomy block's strongest column names the row's
           true region (a column's region: the most common true region of the
           rows whose own block has that strongest column)
  H reg    region homogeneity at k = 50 of `radnet run`'s clustering (k-means
           within Modality, k split by (Modality, §5 region) pairs,
           scikit-learn n_init 10, seeds 1 and 2), all rows / wordless rows

Variants (nearness of row and reference for a missing block s):
  all       every other block, the row's missing ones as zeros (radnet's v2)
  both      the blocks both observe, the sum rescaled by the squared weight
            of every other block over that of the shared ones
  only:A+B  only the named blocks (indices of INPUTS), both-observed rescaled
  ridge:L:F:G:T  blocks T (indices, default 4+5: the anatomy blocks) from a
            ridge map (lambda L) of blocks F (e.g. 1 or 0+1), one map per
            modality (G = mod) or one for all (G = all); other missing blocks
            as 'both'; ridgeA:... the same, other missing blocks as 'all'
  ridgeX:L  blocks 3, 4, 5 by per-modality maps from the pixels and, where
            the row has it, the other anatomy block
  ridgeR:L  blocks 3, 4, 5 by per-modality maps fitted on every row
  ridgeN:L  blocks 3, 4, 5 by per-modality maps, scaled to the full length w
  blend:L   the mean of ridge:L:1:mod:3+4+5 and only:0+1
  rff:L:D:W the pixels and D random Fourier features of them (width W)
  ridgeP:L:F.npy+G.npy  blocks 3, 4, 5 by per-modality maps (lambda L) from
            other pixel embeddings (each centred, unit length; "hog" = the
            fused image-hog block), the fused image block unchanged
A variant may start with "sub=MODE;": the rows without a §5 header region
are split in the allocation of k by an anatomy region instead of as one
subgroup "": obs = the tags' (else the report's) strongest anatomy word
(region4's lexicon-only rule); imp = that, else the strongest column of the
row's imputed meta-anatomy block (the centring undone); impc = the same on
the centred block. It may precede "img=".
A variant may start with "add=F.npy:W;": F as a seventh fused input (index
6) of weight W, never missing (e.g. a second pixel embedding, with
ridge:0.1:1+6:mod:3+4+5 as radnet's map reads every image-* input).
A variant may start with "img=F.npy;": that embedding replaces image-hog
as the fused input (and so as the maps' predictor) for this variant only.
A variant may start with the inputs' weights: "3,1,0.5,1,2,1|ridge:0.1:1:mod:3+4+5"
(they stay for the variants after it).
usage: fusion_impute_explore.py WS truth.csv VARIANT..."""
import sys
import numpy as np
from sklearn.metrics import homogeneity_score

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from fusion_region_explore import (load, emb, missing_rows, block, cluster,  # noqa: E402
                                   anatomy_fill, ANATOMY_REGIONS)

INPUTS = [("meta-modality", 3.0), ("image-hog", 1.0), ("meta-text-tags", 0.5),
          ("text-tfidf", 1.0), ("meta-anatomy", 1.5), ("text-anatomy", 1.0)]
K, NREF = 10, 2048


def blocks(ws):
    ys, ms = [], []
    for name, w in INPUTS:
        x = emb(ws, name)
        m = missing_rows(name, x)
        ys.append((block(x, m) * w).astype(np.float32).astype(np.float64))
        ms.append(m)
    return ys, np.array(ms).T  # miss: n x S


def pixel_block(path):
    """another pixel embedding, scaled as radnet fuse scales a block (weight 1)"""
    x = np.load(path).astype(np.float64)
    return block(x, np.isnan(x[:, 0])).astype(np.float32).astype(np.float64)


def block_dist(ys, q, r):
    """per block squared distances of rows q to rows r: S x |q| x |r|"""
    out = []
    for y in ys:
        a, b = y[q], y[r]
        out.append(np.maximum((a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T, 0))
    return np.array(out)


def ridge_predict(feat, y, rs, tgt, lam):
    """The ridge map (lambda lam) of [feat, 1] to y fitted on rows rs, at rows tgt."""
    X = np.hstack([feat[rs], np.ones((len(rs), 1))])
    W = np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y[rs])
    return np.hstack([feat[tgt], np.ones((len(tgt), 1))]) @ W


def ridge_by_group(ys, miss, refs, feat, lam, out, targets=(3, 4, 5), group=None,
                   finish=None):
    """Blocks targets of the rows that lack them from a ridge map of feat, one
    per group (default: the modality), fitted on the references that have
    them (fewer than K: left as they are); finish(s, tgt, pred) may change
    the prediction."""
    mod = np.argmax(ys[0], 1) if group is None else group
    for s in targets:
        for m in np.unique(mod):
            g = mod == m
            rs = refs[g[refs] & ~miss[refs, s]]
            tgt = np.flatnonzero(g & miss[:, s])
            if len(rs) < K or not len(tgt):
                continue
            pred = ridge_predict(feat, ys[s], rs, tgt, lam)
            out[s][tgt] = finish(s, tgt, pred) if finish else pred


def impute(ys, miss, variant):
    n, S = miss.shape
    nr = min(n, NREF)
    refs = np.array([j * n // nr for j in range(nr)])
    w2 = np.array([w * w for _, w in INPUTS])
    out = [y.copy() for y in ys]
    imputed = np.zeros_like(miss)
    nbrs = {}
    kind, _, arg = variant.partition(":")
    need = np.flatnonzero(miss.any(1))
    for c in range(0, len(need), 256):
        q = need[c:c + 256]
        D = block_dist(ys, q, refs)
        for s in range(S):
            qs = miss[q, s]
            if not qs.any():
                continue
            cand = ~miss[refs, s]
            if kind in ("all", "ridgeA"):
                d = D.sum(0) - D[s]
            else:
                use = np.ones(S, bool)
                use[s] = False
                if kind == "only":
                    use[:] = False
                    use[[int(t) for t in arg.split("+")]] = True
                # both observe: per (q, r) weight mask
                obs = (~miss[q][:, None, :]) & (~miss[refs][None, :, :]) & use[None, None, :]
                num = np.einsum("sqr,qrs->qr", D, obs.astype(float))
                den = (obs * w2).sum(-1)
                d = np.where(den > 0, num * (w2 * use).sum() / np.maximum(den, 1e-12), np.inf)
            d = np.where(cand[None, :], d, np.inf)
            nn = np.argsort(d, axis=1, kind="stable")[:, :K]
            for i, row in enumerate(q):
                if not qs[i]:
                    continue
                out[s][row] = ys[s][refs[nn[i]]].mean(0)
                imputed[row, s] = True
                nbrs[(row, s)] = refs[nn[i]]
    if kind in ("ridgeX", "ridgeR"):
        # ridgeX:L: also the other anatomy block as a predictor where the row
        # has it; ridgeR:L fitted on every row, not the references
        lam = float(arg)
        mod = np.argmax(ys[0], 1)
        fit_rows = np.arange(n) if kind == "ridgeR" else refs
        for s in (3, 4, 5):
            aux = [t for t in (4, 5) if t != s] if kind == "ridgeX" else []
            for m in np.unique(mod):
                for pat in ([False, True] if aux else [False]):
                    feats = [1] + (aux if pat else [])
                    g = mod == m
                    okr = g & ~miss[:, s]
                    tgt = g & miss[:, s]
                    for t in aux:
                        okr &= ~miss[:, t] if pat else True
                        tgt &= ~miss[:, t] if pat else miss[:, t]
                    rs = fit_rows[okr[fit_rows]]
                    tgt = np.flatnonzero(tgt)
                    if len(rs) < K or not len(tgt):
                        continue
                    feat = np.hstack([ys[t] for t in feats])
                    out[s][tgt] = ridge_predict(feat, ys[s], rs, tgt, lam)
    if kind in ("ridgeN", "blend"):
        # ridgeN:L: the map's block scaled to the source's full length w;
        # blend:L: the mean of the map's block and of the neighbours' on the
        # modality and image blocks only
        lam = float(arg)
        base, _, nb = impute(ys, miss, "only:0+1") if kind == "blend" else (None, None, None)

        def finish(s, tgt, pred):
            if kind == "blend":
                return 0.5 * pred + 0.5 * base[s][tgt]
            nrm = np.linalg.norm(pred, axis=1, keepdims=True)
            return pred / np.maximum(nrm, 1e-12) * INPUTS[s][1]
        ridge_by_group(ys, miss, refs, ys[1], lam, out, finish=finish)
    if kind == "rff":
        # rff:L:D:SIGMA: the map from the pixels and D random Fourier
        # features of them (Gaussian kernel of width SIGMA)
        lam, dd, sig = arg.split(":")
        rng = np.random.default_rng(1)
        om = rng.normal(0, 1 / float(sig), (ys[1].shape[1], int(dd)))
        ph = rng.uniform(0, 2 * np.pi, int(dd))
        feat = np.hstack([ys[1], np.sqrt(2 / int(dd)) * np.cos(ys[1] @ om + ph)])
        ridge_by_group(ys, miss, refs, feat, float(lam), out)
    if kind == "ridgeP":
        lam, files = arg.split(":")
        feat = np.hstack([ys[1] if f == "hog" else pixel_block(f) for f in files.split("+")])
        ridge_by_group(ys, miss, refs, feat, float(lam), out)
    if kind in ("ridge", "ridgeA"):
        parts = arg.split(":")
        lam, feats, group, targets = parts + ["1", "1", "mod", "4+5"][len(parts):]
        lam = float(lam)
        feats = [int(t) for t in feats.split("+")]
        targets = [int(t) for t in targets.split("+")]
        feat = np.hstack([ys[t] for t in feats])
        group = None if group == "mod" else np.zeros(n, int)
        ridge_by_group(ys, miss, refs, feat, lam, out, targets, group)
    return out, imputed, nbrs


def fuse(out, miss, imputed, reduce=32):
    w2 = np.array([w * w for _, w in INPUTS])
    present = ((~miss | imputed) * w2).sum(1)
    renorm = np.sqrt(w2.sum() / present)
    z = np.hstack([o * np.where(miss[:, s] & ~imputed[:, s], 0, renorm)[:, None]
                   for s, o in enumerate(out)])
    z -= z.mean(0)
    val, vec = np.linalg.eigh(z.T @ z)
    return z @ vec[:, ::-1][:, :reduce]


def subgroups(ws, hr, out, miss, mode):
    """hr, with the rows that have no §5 region given an anatomy region"""
    x, none = anatomy_fill(ws)
    names = np.array(ANATOMY_REGIONS)
    word = np.where(none, "", names[np.argmax(x[:, :-1], 1)])
    if mode != "obs":
        a = emb(ws, "meta-anatomy")
        have = ~miss[:, 4]
        pred = out[4][:, :-1] / INPUTS[4][1]
        if mode == "imp":  # undo the centring: unit length back to the typical raw scale
            raw = a[have][:, :-1]
            c = raw - raw.mean(0)
            pred = pred * np.median(np.linalg.norm(c, axis=1)) + raw.mean(0)
        word = np.where(word != "", word, names[np.argmax(pred, 1)])
    return np.where(hr != "", hr, word)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    ws, truth = sys.argv[1:3]
    tm, tr, hm, hr = load(ws, truth)
    ys, miss = blocks(ws)
    ana = ys[4][:, :-1]
    col = np.argmax(ana, 1)
    have = ~miss[:, 4]
    colreg = {}
    for c in np.unique(col[have]):
        v, cnt = np.unique(tr[have & (col == c)], return_counts=True)
        colreg[c] = v[np.argmax(cnt)]
    wl = miss[:, 4]
    print(f"{len(tm)} rows, {wl.sum()} without a tag anatomy word")
    mods = [m for m in sorted(set(hm), key=lambda m: -np.sum(wl & (hm == m))) if np.sum(wl & (hm == m)) >= 20]
    print("| variant | nn pur | arg ok | " + " | ".join(f"{m} pur/arg" for m in mods)
          + " | H reg all | H reg wordless |")
    print("|---" * (5 + len(mods)) + "|")
    for v in sys.argv[3:]:
        if "|" in v:  # W,W,...|VARIANT: the inputs' weights for this variant
            ws_, _, v = v.partition("|")
            for s, w in enumerate(ws_.split(",")):
                INPUTS[s] = (INPUTS[s][0], float(w))
            ys, miss = blocks(ws)
            v = f"{ws_}|{v}"
        vv = v.partition("|")[2] or v
        sub = None
        if vv.startswith("sub="):  # sub=MODE;VARIANT
            sub, _, vv = vv[4:].partition(";")
        ys_v, miss_v = ys, miss
        if vv.startswith("add="):  # add=F.npy:W;VARIANT
            spec, _, vv = vv[4:].partition(";")
            path, _, w = spec.rpartition(":")
            ys_v = list(ys) + [pixel_block(path) * float(w)]
            miss_v = np.hstack([miss, np.zeros((len(miss), 1), bool)])
            INPUTS.append(("extra", float(w)))
        if vv.startswith("img="):  # img=F.npy;VARIANT: F as the fused image block
            path, _, vv = vv[4:].partition(";")
            ys_v = list(ys)
            ys_v[1] = pixel_block(path) * INPUTS[1][1]
        out, imputed, nbrs = impute(ys_v, miss_v, vv)
        rows = np.flatnonzero(wl)
        pur = np.array([np.mean(tr[nbrs[(i, 4)]] == tr[i]) if (i, 4) in nbrs else np.nan for i in rows])
        ic = np.argmax(out[4][rows][:, :-1], 1)
        ok = np.array([colreg.get(c, "") == tr[i] for c, i in zip(ic, rows)])
        per = []
        for m in mods:
            g = hm[rows] == m
            per.append(f"{np.nanmean(pur[g]):.2f} / {ok[g].mean():.2f}")
        z = fuse(out, miss_v, imputed)
        if len(ys_v) > len(ys):
            INPUTS.pop()
        hr_v = hr if sub is None else subgroups(ws, hr, out, miss, sub)
        hs, hw = [], []
        for seed in (1, 2):
            lab = cluster(z, hm, hr_v, 50, seed)
            hs.append(homogeneity_score(tr, lab))
            hw.append(homogeneity_score(tr[wl], lab[wl]))
        print(f"| {v} | {np.nanmean(pur):.3f} | {ok.mean():.3f} | " + " | ".join(per)
              + f" | {np.mean(hs):.3f} | {np.mean(hw):.3f} |", flush=True)


if __name__ == "__main__":
    main()
