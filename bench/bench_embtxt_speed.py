#!/usr/bin/env python3
"""Speed of the report-text extractors against their Python references on
N synthetic reports (sentences of a `radnet synth` reports.csv recombined,
with typos): TF-IDF (word 1-2 + char_wb 3-5, min_df 2, 20000 features per
block, sublinear) + randomized truncated SVD (100 components, 5 power
iterations) vs scikit-learn's TfidfVectorizer ×2 + TruncatedSVD; PV-DBOW
training vs gensim Doc2Vec(dm=0) at equal settings (1 and 2 workers).
Medians of R runs; radnet's figures include its normalisation (NFC, case
folding, stemming, diacritics, negation), scikit-learn's its lowercasing.

  bench_embtxt_speed.py REPORTS.csv TOOL [N] [R]"""
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.sparse as sp
from gensim.models.doc2vec import Doc2Vec, TaggedDocument
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer


def make_reports(path, n, seed=1):
    sentences = []
    for row in csv.DictReader(open(path, encoding='utf-8')):
        sentences += [s.strip() for s in row['ReportText'].split('.') if s.strip()]
    rng = random.Random(seed)

    def typo(s):
        if len(s) > 5 and rng.random() < 0.2:
            i = rng.randrange(len(s) - 1)
            s = s[:i] + s[i + 1] + s[i] + s[i + 2:]
        return s

    return ['. '.join(typo(rng.choice(sentences)) for _ in range(rng.randint(2, 8))) + '.'
            for _ in range(n)]


def timed(fn, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    reports_csv, tool = sys.argv[1:3]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    docs = make_reports(reports_csv, n)
    tmp = tempfile.mkdtemp()
    items = os.path.join(tmp, 'items.jsonl')
    with open(items, 'w', encoding='utf-8') as f:
        for d in docs:
            f.write(json.dumps({'e': '{}', 'r': d}, ensure_ascii=False) + '\n')
    out = os.path.join(tmp, 'x.npy')
    print(f'{n} reports, {sum(len(d) for d in docs) / n:.0f} characters on average, '
          f'median of {runs} runs')

    def ours_tfidf():
        subprocess.run([tool, 'embed', 'text', 'tfidf', items, out, '101',
                        'max_features=20000'], check=True)

    def sklearn_tfidf():
        opts = dict(min_df=2, max_features=20000, sublinear_tf=True, dtype=np.float64)
        w = TfidfVectorizer(analyzer='word', ngram_range=(1, 2), **opts).fit_transform(docs)
        c = TfidfVectorizer(analyzer='char_wb', ngram_range=(3, 5), **opts).fit_transform(docs)
        X = sp.hstack([w, c]).tocsr() / np.sqrt(2)
        TruncatedSVD(100, algorithm='randomized', n_iter=5, random_state=1).fit_transform(X)

    t_ours = timed(ours_tfidf, runs)
    t_sk = timed(sklearn_tfidf, runs)
    print(f'TF-IDF + LSA (fit + transform): radnet {t_ours:.2f} s, scikit-learn {t_sk:.2f} s, '
          f'ratio {t_sk / t_ours:.1f}x')

    docs_path = os.path.join(tmp, 'docs.txt')
    with open(docs_path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(d.replace('\n', ' ') for d in docs) + '\n')
    d2v_dir = os.path.join(tmp, 'd2v')
    os.makedirs(d2v_dir)
    dim, epochs = 100, 10

    def ours_d2v(threads):
        subprocess.run([tool, 'd2v', docs_path, d2v_dir, str(dim), str(epochs), '5', '2',
                        '0.001', str(threads)], check=True)

    t_train = timed(lambda: ours_d2v(0), runs)
    t_both = timed(lambda: ours_d2v(2), runs)
    norm = open(os.path.join(d2v_dir, 'norm.txt'), encoding='utf-8').read().split('\n')[:n]
    tagged = [TaggedDocument(d.split(), [i]) for i, d in enumerate(norm)]
    for workers in (1, 2):
        t_g = timed(lambda: Doc2Vec(tagged, dm=0, vector_size=dim, negative=5, hs=0,
                                    epochs=epochs, min_count=2, sample=1e-3, workers=workers,
                                    seed=1), runs)
        print(f'PV-DBOW training ({dim} dims, {epochs} epochs): radnet (1 thread, incl. '
              f'normalisation) {t_train:.2f} s, gensim {workers} worker(s) {t_g:.2f} s, '
              f'ratio {t_g / t_train:.2f}x')
    print(f'radnet train + infer all {n} reports (2 threads): {t_both:.2f} s')


if __name__ == '__main__':
    main()
