#!/usr/bin/env python3
"""Quality of the metadata and report-text extractors on a `radnet synth`
archive: each method's rows are clustered (scikit-learn k-means, k = 50 and
k = number of true classes) and scored by homogeneity and NMI against the
true Modality and region (truth.csv).

  bench_embtxt_quality.py WS TRUTH.csv TOOL [method specs...]
  method spec: source:method[:dim[:options]]  (default: a fixed list)
WS is a workspace ingested with --reports; TOOL is build/tests/embed/embtxt_tool."""
import csv
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import homogeneity_score, normalized_mutual_info_score

DEFAULT = ['meta:authors', 'meta:text-tags', 'text:tfidf',
           'text:tfidf:64:stem=off', 'text:tfidf:64:fold=off', 'text:tfidf:64:negation=off',
           'text:tfidf:64:char_max=0', 'text:tfidf:64:words=0']


def items(ws):
    con = sqlite3.connect(os.path.join(ws, 'catalog.sqlite'))
    rows = con.execute('''SELECT i.sop_uid, e.json, r.text FROM images i
                          JOIN elements e ON e.image_id = i.id
                          LEFT JOIN study_reports r ON r.study_id = i.study_id
                          ORDER BY i.id''').fetchall()
    return rows


def main():
    ws, truth_path, tool = sys.argv[1:4]
    specs = sys.argv[4:] or DEFAULT
    truth = {r['SOPInstanceUID']: r for r in csv.DictReader(open(truth_path))}
    rows = [r for r in items(ws) if r[0] in truth]
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, 'items.jsonl')
    with open(path, 'w', encoding='utf-8') as f:
        for _, e, r in rows:
            f.write(json.dumps({'e': e, 'r': r}, ensure_ascii=False) + '\n')
    mod = [truth[r[0]]['Modality'] for r in rows]
    reg = [truth[r[0]]['Region'] for r in rows]
    with_report = sum(r[2] is not None for r in rows)
    print(f'{len(rows)} images, {with_report} with a report, '
          f'{len(set(mod))} modalities, {len(set(reg))} regions')
    print('| method | dim | k | hom Modality | NMI Modality | hom region | NMI region |')
    print('|---|---|---|---|---|---|---|')
    for spec in specs:
        parts = spec.split(':')
        src, method = parts[0], parts[1]
        dim = parts[2] if len(parts) > 2 else '0'
        opts = parts[3] if len(parts) > 3 else ''
        out = os.path.join(tmp, 'x.npy')
        subprocess.run([tool, 'embed', src, method, path, out, dim, opts], check=True)
        X = np.load(out).astype(np.float64)
        norms = np.linalg.norm(X, axis=1, keepdims=True)
        X = X / np.where(norms > 0, norms, 1)
        for k in (50, None):
            kk = k or len(set(reg))
            lab = KMeans(n_clusters=kk, n_init=3, random_state=1).fit_predict(X)
            kname = k or f'{kk} (regions)'
            print(f'| {spec} | {X.shape[1]} | {kname} | {homogeneity_score(mod, lab):.3f} | '
                  f'{normalized_mutual_info_score(mod, lab):.3f} | '
                  f'{homogeneity_score(reg, lab):.3f} | '
                  f'{normalized_mutual_info_score(reg, lab):.3f} |', flush=True)


if __name__ == '__main__':
    main()
