#!/usr/bin/env python3
"""Imputation of missing numeric metadata on held-out masked values: the
encoded matrix of the authors' pipeline (embtxt_tool meta → raw.npy, NaN =
missing; names.txt) is MinMax-scaled on its observed values, 10 % of the
observed numeric entries are masked, and mean imputation (radnet's), k-NN
(k = 5) and a MissForest-like imputer (scikit-learn's IterativeImputer with
random forests) fill them; RMSE on the masked entries, in MinMax units.

  bench_embtxt_impute.py RAW.npy NAMES.txt [REPEATS [ROWS]]"""
import numpy as np, sys
from sklearn.experimental import enable_iterative_imputer  # noqa
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.ensemble import RandomForestRegressor
raw = np.load(sys.argv[1])[:int(sys.argv[4]) if len(sys.argv) > 4 else None]; names = open(sys.argv[2]).read().split('\n')[:-1]
# numeric features: names without '=' (one-hot ones are Keyword=category)
num = np.array([('=' not in n) for n in names])
rng = np.random.default_rng(0)
lo = np.nanmin(raw, 0); hi = np.nanmax(raw, 0); rngw = np.where(hi > lo, hi - lo, 1)
X = (raw - lo) / rngw   # MinMax on observed values, as radnet scales
res = {}
for rep in range(int(sys.argv[3]) if len(sys.argv) > 3 else 1):
    obs = np.argwhere(~np.isnan(X) & num[None, :])
    pick = obs[rng.choice(len(obs), size=len(obs) // 10, replace=False)]
    Xm = X.copy(); Xm[pick[:, 0], pick[:, 1]] = np.nan
    truth = X[pick[:, 0], pick[:, 1]]
    for name, imp in [('mean', SimpleImputer()),
                      ('knn5', KNNImputer(n_neighbors=5)),
                      ('missforest-like', IterativeImputer(estimator=RandomForestRegressor(n_estimators=20, random_state=0, n_jobs=1), max_iter=3, random_state=0))]:
        out = imp.fit_transform(Xm)
        keep = ~np.all(np.isnan(Xm), 0)
        full = np.zeros_like(X); full[:, keep] = out
        got = full[pick[:, 0], pick[:, 1]]
        rmse = np.sqrt(np.mean((got - truth) ** 2))
        res.setdefault(name, []).append(rmse)
for k, v in res.items():
    print(f'{k}: RMSE on held-out 10% of observed numeric values (MinMax units) {np.mean(v):.4f} ± {np.std(v):.4f}')
