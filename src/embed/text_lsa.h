/* TF-IDF + LSA over one text per item, shared by the report-text method
 * `tfidf` and the metadata method `text-tags`. An item whose text is absent
 * or has no token gets the explicit "no text" representation: zeros in the
 * LSA block and 1 in the last (indicator) dimension; every other row has 0
 * there. Output dim = LSA components + 1. */
#ifndef RN_EMBED_TEXT_LSA_H
#define RN_EMBED_TEXT_LSA_H

#include "embed/text_norm.h"
#include "embed/tfidf.h"
#include "radnet/embed.h"

typedef struct RnTextLsa RnTextLsa;

/* Options (p->options): fold, stem, negation (on/off), words (max word
 * n-gram, 0 = none), char_min, char_max (0 = none), min_df, max_features,
 * iters (power iterations). p->dim: output dimension (LSA + indicator). */
RnTextLsa *rn_text_lsa_fit(RnItemTextFn text, const RnEmbedItem *sample, size_t n,
                           const RnEmbedParams *p, size_t default_dim, size_t *dim,
                           RnError **err);
bool rn_text_lsa_transform(const RnTextLsa *m, RnItemTextFn text, const RnEmbedItem *items,
                           size_t n, float *out, RnError **err);
bool rn_text_lsa_save(const RnTextLsa *m, RnBuf *out, RnError **err);
RnTextLsa *rn_text_lsa_load(const uint8_t *p, size_t n, size_t *dim, RnError **err);
void rn_text_lsa_free(RnTextLsa *m);

#endif
