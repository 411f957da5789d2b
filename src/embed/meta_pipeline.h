/* The authors' metadata feature pipeline (SPEC §4), fitted on a sample and
 * reapplied to any item:
 *  1. every top-level element of the catalogue's elements object, except
 *     the identifying ones (meta_rules.h), is a base column;
 *  2. base columns with < 2 distinct non-empty values are dropped;
 *  3. listed multi-valued elements become columns Keyword[0..N-1] (the
 *     backslash-separated values); the age element becomes years;
 *  4. a column is numeric when every non-empty value is a finite number,
 *     else categorical; columns with < 2 distinct non-empty values (after the
 *     split), categorical columns with > 50 distinct values and columns
 *     non-empty in < 20 % of the rows are dropped;
 *  5. categoricals are lowercased, an empty or absent value is the category
 *     "" (when the sample has one), one-hot encoded over the sample's
 *     categories (an unseen category: all zeros in its block);
 *  6. missing numerics are imputed (meta_impute.c), then every feature is
 *     MinMax-scaled to the sample's range (clipped to [0, 1] for new items).
 * Features are ordered by column name; a categorical's one-hot block by
 * category (byte order). Values are trimmed of surrounding spaces. */
#ifndef RN_EMBED_META_PIPELINE_H
#define RN_EMBED_META_PIPELINE_H

#include "embed/blob.h"
#include "embed/meta_impute.h"
#include "radnet/embed.h"

#define RN_META_MAX_CATEGORIES 50u
#define RN_META_MIN_FILL 0.2

typedef struct RnMetaPipeline RnMetaPipeline;

/* Fits on sample; when encoded is not NULL it receives the sample's rows as
 * rn_meta_pipeline_encode gives them (n × features, the caller frees), so a
 * caller that needs them does not parse the sample again. */
RnMetaPipeline *rn_meta_pipeline_fit(const RnEmbedItem *sample, size_t n,
                                     const RnMetaImputeOptions *imputer, double **encoded,
                                     RnError **err);
size_t rn_meta_pipeline_features(const RnMetaPipeline *p);
/* Name of feature j: "Keyword", "Keyword[i]" or "Keyword=category". */
const char *rn_meta_pipeline_feature_name(const RnMetaPipeline *p, size_t j);
/* Steps 1–5: out n × features float64, NaN where a numeric is missing. */
bool rn_meta_pipeline_encode(const RnMetaPipeline *p, const RnEmbedItem *items, size_t n,
                             double *out, RnError **err);
/* Step 6 in place on encoded rows. */
bool rn_meta_pipeline_finish(const RnMetaPipeline *p, double *rows, size_t n, RnError **err);
bool rn_meta_pipeline_save(const RnMetaPipeline *p, RnBuf *out, RnError **err);
RnMetaPipeline *rn_meta_pipeline_load(EbReader *r, RnError **err);
void rn_meta_pipeline_free(RnMetaPipeline *p);

#endif
