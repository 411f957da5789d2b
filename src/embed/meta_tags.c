/* Metadata method `text-tags` (beyond the paper): the free-text descriptive
 * tags embedded like report text (TF-IDF + LSA, text_lsa.h). The authors'
 * "> 50 distinct values" rule drops exactly these columns in a real archive,
 * yet they are what names the body part. Items with none of the tags get
 * the explicit "no text" indicator. */
#include "embed/embed_internal.h"
#include "embed/text_lsa.h"
#include "embed/text_norm.h"

#define TAGS_DEFAULT_DIM 32

static void *tags_fit(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p, size_t *dim,
                      RnError **err)
{
    return rn_text_lsa_fit(rn_text_item_tags, sample, n, p, TAGS_DEFAULT_DIM, dim, err);
}

static bool tags_transform(const void *state, const RnEmbedItem *items, size_t n, float *out,
                           RnError **err)
{
    return rn_text_lsa_transform(state, rn_text_item_tags, items, n, out, err);
}

static bool tags_save(const void *state, RnBuf *out, RnError **err)
{
    return rn_text_lsa_save(state, out, err);
}

static void *tags_load(const uint8_t *payload, size_t n, size_t *dim, RnError **err)
{
    return rn_text_lsa_load(payload, n, dim, err);
}

static void tags_free(void *state)
{
    rn_text_lsa_free(state);
}

const RnEmbedMethodOps rn_embed_meta_text_tags = {
    .source = RN_EMBED_META,
    .name = "text-tags",
    .summary = "TF-IDF + LSA of the descriptive tags (StudyDescription, SeriesDescription, "
               "ProtocolName, RequestedProcedureDescription, BodyPartExamined)",
    .fit = tags_fit,
    .transform = tags_transform,
    .save = tags_save,
    .load = tags_load,
    .free = tags_free,
};
