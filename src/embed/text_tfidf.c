/* Report-text method `tfidf`: the exam's narrative report, normalised
 * (text_norm.h), TF-IDF over word and character n-grams, LSA; exams with
 * no report get the explicit "no report" indicator (text_lsa.h). */
#include "embed/embed_internal.h"
#include "embed/text_lsa.h"


/* Default output: 63 LSA components + the no-report indicator. */
#define TFIDF_DEFAULT_DIM 64

static void *tfidf_fit(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                       size_t *dim, RnError **err)
{
    return rn_text_lsa_fit(rn_text_item_report, sample, n, p, TFIDF_DEFAULT_DIM, dim, err);
}

static bool tfidf_transform(const void *state, const RnEmbedItem *items, size_t n, float *out,
                            RnError **err)
{
    return rn_text_lsa_transform(state, rn_text_item_report, items, n, out, err);
}

static bool tfidf_save(const void *state, RnBuf *out, RnError **err)
{
    return rn_text_lsa_save(state, out, err);
}

static void *tfidf_load(const uint8_t *payload, size_t n, size_t *dim, RnError **err)
{
    return rn_text_lsa_load(payload, n, dim, err);
}

static void tfidf_free(void *state)
{
    rn_text_lsa_free(state);
}

const RnEmbedMethodOps rn_embed_text_tfidf = {
    .source = RN_EMBED_TEXT,
    .name = "tfidf",
    .summary = "TF-IDF of word and character n-grams of the normalised report, LSA "
               "(options: fold, stem, negation, words, char_min, char_max, min_df, "
               "max_features, iters)",
    .fit = tfidf_fit,
    .transform = tfidf_transform,
    .save = tfidf_save,
    .load = tfidf_load,
    .free = tfidf_free,
};
