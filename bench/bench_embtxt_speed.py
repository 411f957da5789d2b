#!/usr/bin/env python3
"""Speed of the report-text extractors against their Python references on
N synthetic reports (sentences of a `radnet synth` reports.csv recombined,
with typos): TF-IDF (word 1-2 + char_wb 3-5, min_df 2, 20000 features per
block, sublinear) + randomized truncated SVD (100 components, 5 power
iterations) vs scikit-learn's TfidfVectorizer ×2 + TruncatedSVD; PV-DBOW
training vs gensim Doc2Vec(dm=0) at equal settings and equal threads (1 and
2; radnet's figure includes its normalisation, gensim gets radnet's
normalised tokens). TASKS: tfidf, d2v or both (default); tfidf runs radnet
with its default power iterations (2) and, as `tfidf5`, with scikit-learn's
5, both at 1 thread (one core) and at 2; scikit-learn with
OPENBLAS_NUM_THREADS as set (its sparse products have one thread).
Medians of R runs of wall and CPU (user + system, children included) time;
single-threaded comparisons run radnet with -j 1 semantics (taskset to one
core) and the Python peers with OPENBLAS_NUM_THREADS=1. radnet's figures
include its normalisation (NFC, case folding, stemming, diacritics,
negation), scikit-learn's its lowercasing.

  bench_embtxt_speed.py REPORTS.csv TOOL [N] [R] [TASKS]"""
import csv
import json
import os
import random
import resource
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


def cpu_now():
    """CPU seconds (user + system) of this process and its finished children:
    on a shared, loaded machine wall time measures the neighbours."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def timed(fn, runs):
    """Median (wall seconds, CPU seconds) of runs."""
    walls, cpus = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), cpu_now()
        fn()
        walls.append(time.perf_counter() - t)
        cpus.append(cpu_now() - c)
    return statistics.median(walls), statistics.median(cpus)


def main():
    reports_csv, tool = sys.argv[1:3]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    tasks = sys.argv[5] if len(sys.argv) > 5 else 'tfidf,d2v'
    docs = make_reports(reports_csv, n)
    tmp = tempfile.mkdtemp()
    items = os.path.join(tmp, 'items.jsonl')
    with open(items, 'w', encoding='utf-8') as f:
        for d in docs:
            f.write(json.dumps({'e': '{}', 'r': d}, ensure_ascii=False) + '\n')
    out = os.path.join(tmp, 'x.npy')
    print(f'{n} reports, {sum(len(d) for d in docs) / n:.0f} characters on average, '
          f'median of {runs} runs; load average at start {os.getloadavg()[0]:.1f}')
    if 'tfidf' in tasks:
        bench_tfidf(tool, docs, items, out, runs)
    if 'd2v' in tasks:
        bench_d2v(tool, docs, tmp, runs)
    print(f'load average at end {os.getloadavg()[0]:.1f}')


def bench_tfidf(tool, docs, items, out, runs):
    def ours_tfidf(iters, threads):
        subprocess.run(['taskset', '-c', '0'] * (threads == 1) +
                       [tool, 'embed', 'text', 'tfidf', items, out, '101',
                        f'max_features=20000,iters={iters}', '0', str(threads)], check=True)

    def sklearn_tfidf():
        opts = dict(min_df=2, max_features=20000, sublinear_tf=True, dtype=np.float64)
        w = TfidfVectorizer(analyzer='word', ngram_range=(1, 2), **opts).fit_transform(docs)
        c = TfidfVectorizer(analyzer='char_wb', ngram_range=(3, 5), **opts).fit_transform(docs)
        X = sp.hstack([w, c]).tocsr() / np.sqrt(2)
        TruncatedSVD(100, algorithm='randomized', n_iter=5, random_state=1).fit_transform(X)

    w_sk, c_sk = timed(sklearn_tfidf, runs)
    print(f'scikit-learn (5 power iterations): {c_sk:.2f} s CPU ({w_sk:.1f} s wall)', flush=True)
    for iters in (2, 5):
        for threads in (1, 2):
            w_r, c_r = timed(lambda: ours_tfidf(iters, threads), runs)
            print(f'TF-IDF + LSA (fit + transform), radnet {iters} power iterations, {threads} '
                  f'thread(s): {c_r:.2f} s CPU ({w_r:.1f} s wall); CPU ratio scikit-learn / '
                  f'radnet {c_sk / c_r:.2f}x', flush=True)


def bench_d2v(tool, docs, tmp, runs):
    n = len(docs)
    docs_path = os.path.join(tmp, 'docs.txt')
    with open(docs_path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(d.replace('\n', ' ') for d in docs) + '\n')
    d2v_dir = os.path.join(tmp, 'd2v')
    os.makedirs(d2v_dir)
    dim, epochs = 100, 10

    def ours_d2v(threads):
        """Training only (inference skipped); one core when threads is 1."""
        subprocess.run(['taskset', '-c', '0'] * (threads == 1) +
                       [tool, 'd2v', docs_path, d2v_dir, str(dim), str(epochs), '5', '2',
                        '0.001', '0', str(threads)], check=True)

    ours_d2v(1)
    norm = open(os.path.join(d2v_dir, 'norm.txt'), encoding='utf-8').read().split('\n')[:n]
    tagged = [TaggedDocument(d.split(), [i]) for i, d in enumerate(norm)]
    for threads in (1, 2):
        w_r, c_r = timed(lambda: ours_d2v(threads), runs)
        w_g, c_g = timed(lambda: Doc2Vec(tagged, dm=0, vector_size=dim, negative=5, hs=0,
                                         epochs=epochs, min_count=2, sample=1e-3,
                                         workers=threads, seed=1), runs)
        print(f'PV-DBOW training ({dim} dims, {epochs} epochs, {threads} thread(s)): radnet '
              f'incl. normalisation {c_r:.2f} s CPU ({w_r:.2f} s wall), gensim {c_g:.2f} s CPU '
              f'({w_g:.2f} s wall); CPU ratio {c_g / c_r:.2f}x, wall ratio {w_g / w_r:.2f}x')


if __name__ == '__main__':
    main()
