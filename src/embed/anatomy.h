/* The anatomical regions a text names, as a soft region block (issue 11):
 * each token of the normalised text (diacritics folded, no stemming, no
 * negation marks: "no fracture of the wrist" still names the wrist) is
 * looked up in a fixed multilingual lexicon of body-part words (anatomy.c),
 * each naming one SPEC §5 region; the row is the count of each region's
 * words, scaled to unit length. TF-IDF + LSA mixes pathology words with
 * anatomy words; this block keeps only the anatomy.
 *
 * Columns: the regions in the lexicon's table order, then the last column:
 * 1 for a text without any anatomy word or an item without the text — the
 * explicit missing row fusion renormalises away (RN_FUSION_INDICATOR_LAST).
 * header: the descriptive tags' reader, which also reads the header words
 * (order-code abbreviations, anatomy.c) a report must not.
 * Nothing is fitted: the payload is the lexicon's size (regions, entries)
 * and checksum, so a model of another lexicon is refused. No options;
 * --dim is ignored. */
#ifndef RN_EMBED_ANATOMY_H
#define RN_EMBED_ANATOMY_H

#include "embed/embed_internal.h"
#include "embed/text_norm.h"

void *eb_anatomy_fit(RnItemTextFn text, bool header, const RnEmbedParams *p, size_t *dim,
                     RnError **err);
bool eb_anatomy_transform(const void *state, const RnEmbedItem *items, size_t n, float *out,
                          RnError **err);
bool eb_anatomy_save(const void *state, RnBuf *out, RnError **err);
void *eb_anatomy_load(RnItemTextFn text, bool header, const uint8_t *payload, size_t n,
                      size_t *dim, RnError **err);
void eb_anatomy_free(void *state);
/* The lexicon's checksum: the methods' revision (RnEmbedMethodOps). */
uint32_t eb_anatomy_revision(void);

#endif
