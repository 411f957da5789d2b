#!/usr/bin/env python3
"""Speed of the metadata method `authors` (SPEC §4 pipeline + PCA) against a
pandas + scikit-learn version of the same steps (tests/embed/pandas_meta.py's
encoder, then imputation, MinMaxScaler, PCA), fitted on N items and applied
to them; CPU seconds (user + system), radnet on one thread, numpy's BLAS on
one thread (set OPENBLAS_NUM_THREADS=1).

IN.txt holds one elements object per line (the catalogue's `elements.json`
of an ingested archive); its lines are repeated up to N.

  bench_embtxt_meta.py IN.txt TOOL N mean|missforest [TREES]

mean: radnet imputer=mean vs SimpleImputer; missforest: radnet's MissForest
vs IterativeImputer(RandomForestRegressor(TREES), max_iter 10), the
MissForest stand-in of scikit-learn (missingpy is not packaged)."""
import os, resource, subprocess, sys
os.environ.setdefault('EMBTXT_TOOL', ''); os.environ.setdefault('RADNET_BIN', '')
os.environ.setdefault('RADNET_TESTDATA', '')
os.environ.setdefault('RADNET_SRC', os.path.join(os.path.dirname(__file__), '..'))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'tests', 'embed'))
import numpy as np  # noqa: E402
import pandas_meta  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.experimental import enable_iterative_imputer  # noqa: E402,F401
from sklearn.ensemble import RandomForestRegressor  # noqa: E402
from sklearn.impute import IterativeImputer, SimpleImputer  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402


def cpu(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


src, tool, n, kind = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
trees = int(sys.argv[5]) if len(sys.argv) > 5 else 10
lines = open(src, encoding='utf-8').read().split('\n')[:-1]
lines = [lines[i % len(lines)] for i in range(n)]
big = src + f'.{n}'
with open(big, 'w', encoding='utf-8') as f:
    f.write('\n'.join(lines) + '\n')

t0 = cpu(resource.RUSAGE_CHILDREN)
out = subprocess.run([tool, 'metafit', big, str(n), f'imputer={kind},trees={trees}'],
                     check=True, capture_output=True, text=True).stdout.strip()
radnet = cpu(resource.RUSAGE_CHILDREN) - t0

t0 = cpu(resource.RUSAGE_SELF)
names, X, numeric = pandas_meta.expected(lines, pandas_meta.rules())
imp = SimpleImputer() if kind == 'mean' else IterativeImputer(
    estimator=RandomForestRegressor(n_estimators=trees, n_jobs=1, random_state=0),
    max_iter=10, random_state=0)
X = MinMaxScaler().fit_transform(imp.fit_transform(X))
k = min(64, X.shape[1] // 2)
E = PCA(n_components=k, svd_solver='full').fit_transform(X)
peer = cpu(resource.RUSAGE_SELF) - t0
os.unlink(big)
print(f'{n} items, {kind}: radnet ({out}) {radnet:.2f} CPU s; pandas + scikit-learn '
      f'({X.shape[1]} features, {k} components) {peer:.2f} CPU s; ratio {peer / radnet:.2f}x')
