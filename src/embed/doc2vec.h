/* PV-DBOW paragraph vectors (Le & Mikolov 2014) trained as gensim's
 * Doc2Vec(dm=0) trains them: negative sampling over a unigram^0.75 table,
 * frequent-word downsampling (`sample`), min_count, a learning rate decaying
 * linearly from alpha to min_alpha over all epochs, word output weights
 * (syn1neg) starting at zero. Training runs in fixed shards merged in
 * order (doc2vec.c), so it is deterministic for a seed whatever the thread
 * count; vectors of documents are inferred as gensim's infer_vector does
 * (frozen output weights, the model's epochs and learning-rate schedule,
 * a start vector seeded from the document's text), in parallel over
 * documents, so a document's vector depends only on its text and the model.
 * Documents are normalised token strings (text_norm.h). */
#ifndef RN_EMBED_DOC2VEC_H
#define RN_EMBED_DOC2VEC_H

#include "embed/blob.h"

typedef struct RnD2vOptions {
    size_t dim;          /* vector_size */
    unsigned negative;   /* noise words per target */
    unsigned epochs;
    unsigned min_count;
    double sample;       /* downsampling threshold; 0: off */
    double alpha, min_alpha;
    uint64_t seed;
    int threads;         /* training workers (<= 0: one per CPU); not saved */
} RnD2vOptions;

RnD2vOptions rn_d2v_options_default(void);

typedef struct RnD2v RnD2v;

/* Trains on docs; loss (may be NULL) receives the mean negative-sampling
 * loss of each epoch (epochs values). */
RnD2v *rn_d2v_train(const char *const *docs, size_t n, const RnD2vOptions *o, double *loss,
                    RnError **err);
size_t rn_d2v_dim(const RnD2v *m);
size_t rn_d2v_vocab(const RnD2v *m);
/* The vectors the training learnt for its documents (n × dim), borrowed. */
const float *rn_d2v_train_vectors(const RnD2v *m);
/* Infers one vector per doc (n × dim) with `threads` workers (<= 0: one per
 * CPU); docs without a vocabulary word get zeros and *known false. */
bool rn_d2v_infer(const RnD2v *m, const char *const *docs, size_t n, int threads, float *out,
                  bool *known, RnError **err);
/* Negative sampling, for tests: the noise word of a draw r in
 * [0, cum_table[vocab - 1]) and the unigram^0.75 cumulative table (vocab
 * entries, borrowed); the noise word is the first with cum_table > r. */
uint32_t rn_d2v_noise_word(const RnD2v *m, uint32_t r);
const uint32_t *rn_d2v_cum_table(const RnD2v *m);
bool rn_d2v_save(const RnD2v *m, RnBuf *out, RnError **err);
RnD2v *rn_d2v_load(EbReader *r, RnError **err);
void rn_d2v_free(RnD2v *m);

#endif
