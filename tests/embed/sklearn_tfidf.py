#!/usr/bin/env python3
"""Golden test: embtxt_tool's TF-IDF matrix equals scikit-learn's
TfidfVectorizer (same normalised text, same settings) to 1e-6, for word and
char_wb n-grams, with and without sublinear tf and max_features; the LSA
components and singular values agree with numpy's exact SVD."""
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

TOOL = os.environ['EMBTXT_TOOL']

PHRASES = [
    'CT mozga: bez znakova svježeg krvarenja.', 'Nema frakture.', 'Uredan nalaz pluća.',
    'Žarište u desnom plućnom krilu 12 mm.', 'Čvor štitnjače, ćelije, đak.',
    'No pleural effusion.', 'Fracture of the distal radius without displacement.',
    'Koljeno: ruptura prednjeg križnog ligamenta.', 'MR lumbalne kralježnice, L4-L5 protruzija.',
    'Keine Fraktur, unauffälliger Befund.', 'Срце нормалне величине.', 'Σ test ωμέγα.',
    'Lezija jetre 3,5 cm, sumnja na metastazu.', 'Bubrezi uredne veličine i položaja.',
    'Stanje nakon operacije kuka.', 'Hydronephrosis of the left kidney.',
    'Mamografija obostrano: BI-RADS 2.', 'Zadebljanje stijenke žučnjaka.',
]


def corpus(n, seed):
    rng = random.Random(seed)
    return [' '.join(rng.choice(PHRASES) for _ in range(rng.randint(1, 5))) for _ in range(n)]


def run(docs, wmin, wmax, cmin, cmax, min_df, max_feat, sublinear, k, svd=()):
    """svd: (oversamples, power iterations); default every row and 7."""
    tmp = tempfile.mkdtemp()
    src = os.path.join(tmp, 'docs.txt')
    with open(src, 'w', encoding='utf-8') as f:
        f.write('\n'.join(docs) + '\n')
    subprocess.run([TOOL, 'tfidf', src, tmp] + [str(v) for v in
                   (wmin, wmax, cmin, cmax, min_df, max_feat, int(sublinear), k) + tuple(svd)],
                   check=True)
    norm = open(os.path.join(tmp, 'norm.txt'), encoding='utf-8').read().split('\n')[:len(docs)]
    vocab = open(os.path.join(tmp, 'vocab.txt'), encoding='utf-8').read().split('\n')[:-1]
    X = np.load(os.path.join(tmp, 'X.npy'))
    out = dict(norm=norm, vocab=vocab, X=X)
    if k:
        out['comps'] = np.load(os.path.join(tmp, 'comps.npy'))
        out['sigma'] = np.load(os.path.join(tmp, 'sigma.npy'))[0]
    return out


def sklearn_matrix(norm, analyzer, lo, hi, min_df, max_feat, sublinear):
    kw = dict(lowercase=False, ngram_range=(lo, hi), min_df=min_df,
              max_features=max_feat or None, sublinear_tf=sublinear, dtype=np.float64)
    if analyzer == 'word':
        v = TfidfVectorizer(analyzer='word', tokenizer=str.split, token_pattern=None, **kw)
    else:
        v = TfidfVectorizer(analyzer='char_wb', **kw)
    X = v.fit_transform(norm).toarray()
    return v.get_feature_names_out().tolist(), X


def tie_free_limit(norm, analyzer, lo, hi, min_df, wanted):
    """A max_features at which scikit-learn's (unstable) sort has no tie."""
    v = TfidfVectorizer(analyzer=analyzer,
                        tokenizer=str.split if analyzer == 'word' else None,
                        token_pattern=None, lowercase=False, ngram_range=(lo, hi),
                        min_df=min_df, use_idf=False, norm=None)
    tf = np.asarray(v.fit_transform(norm).sum(0)).ravel()
    tf = np.sort(tf)[::-1]
    for m in range(wanted, len(tf) - 1):
        if tf[m - 1] != tf[m]:
            return m
    return 0


def check(name, got, names, X):
    failures = 0
    if got['vocab'] != names:
        print(f'{name}: vocabularies differ: {len(got["vocab"])} vs {len(names)}; '
              f'first difference {[p for p in zip(got["vocab"], names) if p[0] != p[1]][:3]}')
        return 1
    err = np.abs(got['X'] - X).max()
    if not err <= 1e-6:
        print(f'{name}: max |difference| {err}')
        failures += 1
    print(f'{name}: {X.shape[1]} terms, max |difference| {err:.2e}')
    return failures


def main():
    docs = corpus(120, 7)
    docs[5] = ''  # an empty document stays an all-zero row in both
    failures = 0
    for analyzer, lo, hi in (('word', 1, 2), ('char_wb', 2, 5)):
        for sublinear in (False, True):
            for min_df in (1, 2):
                words = analyzer == 'word'
                base = run(docs, lo if words else 0, hi if words else 0,
                           0 if words else lo, 0 if words else hi, min_df, 0, sublinear, 0)
                limit = tie_free_limit(base['norm'], analyzer, lo, hi, min_df, 40)
                for max_feat in (0, limit):
                    got = base if max_feat == 0 else run(
                        docs, lo if words else 0, hi if words else 0, 0 if words else lo,
                        0 if words else hi, min_df, max_feat, sublinear, 0)
                    names, X = sklearn_matrix(got['norm'], analyzer, lo, hi, min_df, max_feat,
                                              sublinear)
                    failures += check(f'{analyzer} {lo}-{hi} sublinear={sublinear} '
                                      f'min_df={min_df} max_features={max_feat}', got, names, X)
    # LSA: with l = k + oversamples >= rank the randomized SVD is exact up to
    # rounding, so singular values and subspaces match numpy's closely.
    k = 8
    got = run(docs[:60], 1, 2, 3, 5, 1, 0, True, k)
    X = got['X']
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    sig_err = np.abs(got['sigma'] - s[:k]).max()
    print(f'svd: sigma max |difference| {sig_err:.2e}')
    if not sig_err <= 1e-8 * s[0] * 100:
        failures += 1
        print('svd: singular values differ', got['sigma'], s[:k])
    # each component equals numpy's up to sign (distinct singular values)
    cos = np.abs(np.sum(got['comps'] * Vt[:k], axis=1))
    print(f'svd: min |cos| to numpy components {cos.min():.12f}')
    if not np.all(cos >= 1 - 1e-8):
        failures += 1
        print('svd: components differ', cos)
    # text_lsa.c's defaults (10 oversamples, 2 power iterations) keep the
    # variance of the exact top components: on this corpus sum of sigma^2 is
    # 0.9986 of numpy's with 2 iterations, 0.9999 with 5, 0.9954 with 1 and
    # 0.92 with none (scikit-learn on 2x10^4 bench reports: 5 iterations
    # explain 0.5342 of the total variance, 2 explain 0.5295; bench/RESULTS.md)
    big = corpus(400, 11)
    for i in range(0, 400, 3):  # typos: the spectrum decays slower
        w = list(big[i])
        j = (i * 7919) % max(1, len(w) - 1)
        w[j:j + 2] = w[j + 1:j + 2] + w[j:j + 1]
        big[i] = ''.join(w)
    k = 40
    fast = run(big, 1, 2, 3, 5, 2, 0, True, k, (10, 2))
    s_exact = np.linalg.svd(fast['X'], compute_uv=False)[:k]
    kept = (fast['sigma'] ** 2).sum() / (s_exact ** 2).sum()
    print(f'svd, 2 power iterations: {kept:.6f} of the exact top-{k} sum of squares')
    if not (kept >= 0.998 and kept <= 1 + 1e-6):
        failures += 1
        print('svd: 2 power iterations lose variance', fast['sigma'], s_exact)
    # both blocks on: each block is normalised and scaled by 1/sqrt(2)
    norms = np.linalg.norm(X, axis=1)
    nonempty = np.array([len(d) > 0 for d in got['norm']])
    if not np.allclose(norms[nonempty], 1.0, atol=1e-12):
        failures += 1
        print('row norms are not 1', norms)
    print('failures:', failures)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
