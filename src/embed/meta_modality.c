/* Metadata method `modality` (beyond the paper; written for the fusion
 * defaults, issue 11): the archive's own Modality tag, one-hot. Modality is
 * the one header value a real archive gets right almost always; as its own
 * fusion input it can be weighted to keep modalities apart without the
 * vendor, station and protocol variation that comes with it in `authors`.
 *
 * Columns: the Modality values of the fit sample in byte order, then one
 * "other" column for a value the fit never saw (an empty Modality is a
 * value like any other). The dimension is the data's; --dim is ignored. */
#include "embed/onehot.h"

static const char *item_modality(const RnEmbedItem *item)
{
    return item->modality ? item->modality : "";
}

static const EbOneHotField modality_field = {"Modality", item_modality, false};

static void *modality_fit(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                          size_t *dim, RnError **err)
{
    (void)p;
    return eb_onehot_fit(&modality_field, sample, n, dim, err);
}

static void *modality_load(const uint8_t *payload, size_t n, size_t *dim, RnError **err)
{
    return eb_onehot_load(&modality_field, payload, n, dim, err);
}

const RnEmbedMethodOps rn_embed_meta_modality = {
    .source = RN_EMBED_META,
    .name = "modality",
    .summary = "the Modality tag, one-hot (values of the fit sample, then 'other')",
    .fit = modality_fit,
    .transform = eb_onehot_transform,
    .save = eb_onehot_save,
    .load = modality_load,
    .free = eb_onehot_free,
};
