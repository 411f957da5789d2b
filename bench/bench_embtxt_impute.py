#!/usr/bin/env python3
"""Imputation of missing numeric metadata on held-out masked values: the
encoded matrix of the authors' pipeline (embtxt_tool meta → raw.npy, NaN =
missing; names.txt) is MinMax-scaled on its observed values, 10 % of the
observed numeric entries are masked, and each imputer fills them; RMSE on
the masked entries, in MinMax units, and CPU seconds of the fit.

radnet's imputers run through `embtxt_tool impute` (mean; MissForest fitted
on the masked matrix, its own imputation — and, as `assign` would, the same
rows imputed again as new rows by the stored forests); the peers are
scikit-learn's SimpleImputer, KNNImputer and IterativeImputer with
RandomForestRegressor / ExtraTreesRegressor (the usual MissForest stand-ins).

  bench_embtxt_impute.py RAW.npy NAMES.txt TOOL [REPEATS [ROWS (0: all) [TREES]]]"""
import numpy as np, os, resource, subprocess, sys, tempfile
from sklearn.experimental import enable_iterative_imputer  # noqa
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor

raw = np.load(sys.argv[1])[:int(sys.argv[5]) if len(sys.argv) > 5 and int(sys.argv[5]) > 0 else None]
names_path = sys.argv[2]
names = open(names_path).read().split('\n')[:-1]
tool = sys.argv[3]
repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 1
trees = int(sys.argv[6]) if len(sys.argv) > 6 else 20
num = np.array([('=' not in n) for n in names])  # one-hot features are Keyword=category
rng = np.random.default_rng(0)
lo = np.nanmin(raw, 0); hi = np.nanmax(raw, 0); rngw = np.where(hi > lo, hi - lo, 1)
X = (raw - lo) / rngw   # MinMax on observed values, as radnet scales
tmp = tempfile.mkdtemp()


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cpu_self():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def radnet(kind, Xm, rep):
    src, dst = os.path.join(tmp, 'in.npy'), os.path.join(tmp, 'out.npy')
    np.save(src, Xm)
    t0 = cpu_children()
    subprocess.run([tool, 'impute', src, names_path, dst, kind, str(trees), '1', str(rep)],
                   check=True)
    return np.load(dst), np.load(dst + '.applied'), cpu_children() - t0


def sklearn(imp, Xm):
    t0 = cpu_self()
    out = imp.fit_transform(Xm)
    keep = ~np.all(np.isnan(Xm), 0)
    full = np.zeros_like(Xm); full[:, keep] = out
    return full, cpu_self() - t0


res, cpu = {}, {}
for rep in range(repeats):
    obs = np.argwhere(~np.isnan(X) & num[None, :])
    pick = obs[rng.choice(len(obs), size=len(obs) // 10, replace=False)]
    Xm = X.copy(); Xm[pick[:, 0], pick[:, 1]] = np.nan
    truth = X[pick[:, 0], pick[:, 1]]
    outs = {}
    for kind in ('mean', 'missforest'):
        fit, applied, t = radnet(kind, Xm, rep)
        outs[f'radnet {kind}'] = (fit, t)
        if kind == 'missforest':
            outs['radnet missforest, rows reimputed by the stored forests'] = (applied, 0.0)
    for name, imp in [('sklearn mean', SimpleImputer()),
                      ('sklearn knn5', KNNImputer(n_neighbors=5)),
                      (f'sklearn IterativeImputer(RandomForest {trees})',
                       IterativeImputer(estimator=RandomForestRegressor(n_estimators=trees, random_state=rep, n_jobs=1),
                                        max_iter=10, random_state=rep)),
                      (f'sklearn IterativeImputer(ExtraTrees {trees})',
                       IterativeImputer(estimator=ExtraTreesRegressor(n_estimators=trees, random_state=rep, n_jobs=1),
                                        max_iter=10, random_state=rep))]:
        outs[name] = sklearn(imp, Xm)
    for name, (full, t) in outs.items():
        got = full[pick[:, 0], pick[:, 1]]
        res.setdefault(name, []).append(np.sqrt(np.mean((got - truth) ** 2)))
        cpu.setdefault(name, []).append(t)
print(f'{X.shape[0]} rows, {X.shape[1]} features ({num.sum()} numeric), {repeats} repeats, '
      f'10 % of observed numeric values masked; RMSE in MinMax units; CPU s of one fit (median)')
for k, v in res.items():
    print(f'| {k} | {np.mean(v):.4f} ± {np.std(v):.4f} | {np.median(cpu[k]):.2f} |')
