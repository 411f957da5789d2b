/* One-hot of one catalogue string per item (the Modality tag, the SPEC §5
 * header region): the fit sample's distinct values in byte order, then an
 * "other" column for a value the fit never saw, then — when the method
 * treats "" as unknown — a last "none" column that fusion reads as the row's
 * explicit missing mark (RN_FUSION_INDICATOR_LAST). The payload is the
 * value list; which field and whether "" is unknown belong to the method. */
#ifndef RN_EMBED_ONEHOT_H
#define RN_EMBED_ONEHOT_H

#include "embed/embed_internal.h"

typedef struct EbOneHotField {
    const char *what;                          /* for messages: "Modality" */
    const char *(*value)(const RnEmbedItem *); /* never NULL */
    bool empty_is_none;                        /* "" -> the last column */
} EbOneHotField;

void *eb_onehot_fit(const EbOneHotField *f, const RnEmbedItem *sample, size_t n,
                    size_t *dim, RnError **err);
bool eb_onehot_transform(const void *state, const RnEmbedItem *items, size_t n,
                         float *out, RnError **err);
bool eb_onehot_save(const void *state, RnBuf *out, RnError **err);
void *eb_onehot_load(const EbOneHotField *f, const uint8_t *payload, size_t n,
                     size_t *dim, RnError **err);
void eb_onehot_free(void *state);

#endif
