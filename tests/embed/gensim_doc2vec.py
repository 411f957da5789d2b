#!/usr/bin/env python3
"""Golden test of PV-DBOW (doc2vec.c) against gensim's Doc2Vec(dm=0): the
same normalised corpus and settings give document vectors whose 10 nearest
neighbours agree (mean overlap >= 0.8); the training loss decreases;
inferred vectors keep the trained neighbourhoods; training and inference
are identical at 1 and 2 threads.

The corpus has 40 groups of 11 documents, each group with its own words
and all sharing a noise vocabulary, so each document's 10 nearest
neighbours are well defined (its group) whatever the random streams."""
import os
import random
import string
import subprocess
import sys
import tempfile

import numpy as np
from gensim.models.doc2vec import Doc2Vec, TaggedDocument

TOOL = os.environ['EMBTXT_TOOL']
DIM, EPOCHS, NEG, MIN_COUNT, SAMPLE = 32, 30, 5, 2, 1e-3


def corpus(seed):
    rng = random.Random(seed)

    def word():
        return ''.join(rng.choice('bcdfghjklmnprstvz') + rng.choice('aeiou') for _ in range(4))

    noise = [word() for _ in range(30)]
    docs = []
    for g in range(40):
        vocab = [word() for _ in range(8)]
        for _ in range(11):
            words = [rng.choice(vocab) for _ in range(12)] + [rng.choice(noise) for _ in range(4)]
            rng.shuffle(words)
            docs.append(' '.join(words))
    return docs


def knn(X, k=10):
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    S = Xn @ Xn.T
    np.fill_diagonal(S, -np.inf)
    return [set(np.argsort(-row)[:k]) for row in S]


def overlap(a, b):
    return float(np.mean([len(x & y) / len(x) for x, y in zip(a, b)]))


def run(docs, threads):
    tmp = tempfile.mkdtemp()
    src = os.path.join(tmp, 'docs.txt')
    with open(src, 'w', encoding='utf-8') as f:
        f.write('\n'.join(docs) + '\n')
    subprocess.run([TOOL, 'd2v', src, tmp, str(DIM), str(EPOCHS), str(NEG), str(MIN_COUNT),
                    str(SAMPLE), str(threads)], check=True)
    norm = open(os.path.join(tmp, 'norm.txt'), encoding='utf-8').read().split('\n')[:len(docs)]
    return (norm, np.load(os.path.join(tmp, 'train.npy')), np.load(os.path.join(tmp, 'infer.npy')),
            np.load(os.path.join(tmp, 'loss.npy'))[0])


def main():
    docs = corpus(3)
    norm, ours, inferred, loss = run(docs, 1)
    _, ours2, inferred2, loss2 = run(docs, 2)
    tagged = [TaggedDocument(d.split(), [i]) for i, d in enumerate(norm)]
    g = Doc2Vec(tagged, dm=0, vector_size=DIM, negative=NEG, hs=0, epochs=EPOCHS,
                min_count=MIN_COUNT, sample=SAMPLE, workers=1, seed=1)
    theirs = np.array([g.dv[i] for i in range(len(norm))])
    failures = 0
    o = overlap(knn(ours), knn(theirs))
    o_inf = overlap(knn(inferred), knn(ours))
    print(f'10-NN overlap with gensim {o:.3f}; inferred vs trained {o_inf:.3f}')
    print('loss per epoch:', np.round(loss, 4).tolist())
    if not o >= 0.8:
        failures += 1
    if not o_inf >= 0.8:
        failures += 1
    if not (loss[-1] < loss[0] and loss[-3:].mean() < loss[:3].mean()):
        print('loss does not decrease')
        failures += 1
    if not (np.array_equal(ours, ours2) and np.array_equal(loss, loss2)):
        print('training depends on the thread count')
        failures += 1
    if not np.array_equal(inferred, inferred2):
        print('inference depends on the thread count')
        failures += 1
    print('failures:', failures)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
