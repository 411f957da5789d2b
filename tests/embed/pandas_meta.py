#!/usr/bin/env python3
"""Golden test of the authors' metadata pipeline (meta_pipeline.h) on real
files: the test corpus is ingested (--no-pixels), its elements objects are
fed to embtxt_tool, and every step is re-implemented here with pandas and
scikit-learn from data/meta_rules.tsv: identifying drops, < 2 distinct,
splits, PatientAge, numeric typing, > 50 categories, < 20 % fill,
lowercase + empty category, one-hot, mean imputation, MinMax."""
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler

TOOL = os.environ['EMBTXT_TOOL']
BIN = os.environ['RADNET_BIN']
SRC = os.environ['RADNET_SRC']
DATA = os.environ['RADNET_TESTDATA']
NUMBER = re.compile(r'^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$')
AGE = re.compile(r'^(\d{1,7})([DWMYdwmy])$')


def rules():
    r = dict(vr=set(), kw=set(), suffix=[], private=False, split={}, age=set())
    for line in open(os.path.join(SRC, 'data', 'meta_rules.tsv'), encoding='utf-8'):
        line = line.rstrip('\n')
        if not line or line.startswith('#'):
            continue
        f = line.split('\t')
        if f[0] == 'identifying-vr':
            r['vr'].add(f[1])
        elif f[0] == 'identifying':
            r['kw'].add(f[1])
        elif f[0] == 'identifying-suffix':
            r['suffix'].append(f[1])
        elif f[0] == 'identifying-private':
            r['private'] = True
        elif f[0] == 'split':
            r['split'][f[1]] = int(f[2])
        elif f[0] == 'age':
            r['age'].add(f[1])
    return r


def identifying(r, kw, vr):
    return (kw in r['kw'] or vr in r['vr'] or any(kw.endswith(s) for s in r['suffix'])
            or (r['private'] and re.fullmatch(r'[0-9A-Fa-f]{8}', kw) is not None))


def years(v):
    m = AGE.match(v)
    if not m:
        return ''
    n, unit = int(m.group(1)), m.group(2).upper()
    return repr({'D': n / 365.25, 'W': n * 7.0 / 365.25, 'M': n / 12.0, 'Y': float(n)}[unit])


def expected(lines, r):
    objs = [json.loads(s) for s in lines]
    base = pd.DataFrame([{k: v[1].strip(' \t').rstrip('\0 \t') for k, v in o.items()
                          if not identifying(r, k, v[0])} for o in objs]).fillna('')
    distinct = base.apply(lambda c: c[c != ''].nunique())
    base = base.loc[:, distinct >= 2]
    cols = {}
    for kw in base.columns:
        parts = r['split'].get(kw)
        if parts:
            for i in range(parts):
                cols[f'{kw}[{i}]'] = base[kw].map(
                    lambda v: v.split('\\')[i].strip(' ') if len(v.split('\\')) > i else '')
        else:
            cols[kw] = base[kw]
        if kw in r['age']:
            for name in [n for n in cols if n == kw or n.startswith(kw + '[')]:
                cols[name] = cols[name].map(years)
    df = pd.DataFrame(cols)
    n = len(df)
    names, blocks, numeric_flags = [], [], []
    for name in sorted(df.columns):
        c = df[name]
        filled = c[c != '']
        if filled.nunique() < 2 or len(filled) < 0.2 * n:
            continue
        if filled.map(lambda v: NUMBER.match(v) is not None).all():
            names.append(name)
            blocks.append(c.map(lambda v: float(v) if v else np.nan).to_numpy()[:, None])
            numeric_flags.append(True)
            continue
        if filled.nunique() > 50:
            continue
        dummies = pd.get_dummies(c.str.lower(), dtype=float)
        dummies = dummies[sorted(dummies.columns)]
        names += [f'{name}={cat}' for cat in dummies.columns]
        blocks.append(dummies.to_numpy())
        numeric_flags += [False] * dummies.shape[1]
    return names, np.hstack(blocks), np.array(numeric_flags)


def main():
    tmp = tempfile.mkdtemp()
    ws = os.path.join(tmp, 'ws')
    rc = subprocess.run([BIN, 'ingest', DATA, '-w', ws, '--no-pixels', '--quiet']).returncode
    assert rc in (0, 3), rc
    con = sqlite3.connect(os.path.join(ws, 'catalog.sqlite'))
    lines = [row[0] for row in con.execute('SELECT json FROM elements ORDER BY image_id')]
    src = os.path.join(tmp, 'in.txt')
    with open(src, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')
    subprocess.run([TOOL, 'meta', src, tmp], check=True)
    got_names = open(os.path.join(tmp, 'names.txt'), encoding='utf-8').read().split('\n')[:-1]
    raw = np.load(os.path.join(tmp, 'raw.npy'))
    scaled = np.load(os.path.join(tmp, 'scaled.npy'))
    emb = np.load(os.path.join(tmp, 'emb.npy'))
    names, X, numeric = expected(lines, rules())
    failures = 0
    print(f'{len(lines)} files, {len(names)} features ({numeric.sum()} numeric)')
    if got_names != names:
        print('feature names differ:', sorted(set(got_names) ^ set(names))[:10])
        return 1
    if not np.array_equal(raw, X, equal_nan=True):
        bad = np.argwhere(~((raw == X) | (np.isnan(raw) & np.isnan(X))))
        print('encoded matrix differs at', bad[:5], [names[j] for j in bad[:5, 1]])
        failures += 1
    # mean imputation, then MinMax (scikit-learn) on the imputed matrix
    means = np.nanmean(np.where(numeric, X, 0.0), axis=0)
    imputed = np.where(np.isnan(X), means.astype(np.float32).astype(np.float64), X)
    ref = MinMaxScaler().fit_transform(imputed)
    # the model stores the range as float32: the difference to scikit-learn
    # is bounded by that rounding, relative to each column's range
    lo, hi = imputed.min(0), imputed.max(0)
    rng = np.where(hi > lo, hi - lo, 1.0)
    eps = np.finfo(np.float32).eps
    bound = 4 * eps * (np.abs(lo) + np.abs(hi) + np.abs(imputed)) / rng + 1e-12
    err = np.abs(scaled - ref)
    print(f'imputed + MinMax: max |difference| to scikit-learn {err.max():.2e}, '
          f'max ratio to the float32 bound {(err / bound).max():.2f}')
    if not np.all(err <= bound):
        failures += 1
    # with the same float32 range the result is the same to double rounding
    lo32, hi32 = lo.astype(np.float32).astype(np.float64), hi.astype(np.float32).astype(np.float64)
    same = np.clip(np.where(hi32 > lo32, (imputed - lo32) / np.where(hi32 > lo32, hi32 - lo32, 1),
                            0.0), 0, 1)
    err32 = np.abs(scaled - same).max()
    print(f'with float32 ranges: max |difference| {err32:.2e}')
    if not err32 <= 1e-12:
        failures += 1
    if not (np.isfinite(emb).all() and emb.shape[0] == len(lines) and emb.shape[1] >= 1):
        print('bad embedding', emb.shape)
        failures += 1
    print('failures:', failures)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
