/* Metadata method `region` (issue 11): the SPEC §5 anatomical region the
 * catalogue derived from the image's own headers (BodyPartExamined renamed,
 * then the ordered regexes over StudyDescription, ProtocolName and
 * RequestedProcedureDescription: src/store/regions.c, data/regions.tsv),
 * one-hot. The descriptive tags carry the region among vendor, protocol
 * and language variation; text-tags' TF-IDF + LSA spreads it over many
 * columns, the rules distil it to one value (85 % agree with the synthetic
 * truth, and within a modality its NMI with the true region is 0.8–0.9:
 * bench/RESULTS.md, "Region inside modalities").
 *
 * Columns: the regions of the fit sample in byte order, "other" (a region
 * the fit never saw), then "none": the rules found no region. "none" is the
 * explicit missing mark fusion renormalises away (the last-column
 * indicator, as a text source's "no report"), so an image without a header
 * region is placed by its other sources, not pulled towards the others
 * without one. --dim is ignored. */
#include "embed/onehot.h"

static const char *item_region(const RnEmbedItem *item)
{
    return item->region ? item->region : "";
}

static const EbOneHotField region_field = {"region", item_region, true};

static void *region_fit(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                        size_t *dim, RnError **err)
{
    (void)p;
    return eb_onehot_fit(&region_field, sample, n, dim, err);
}

static void *region_load(const uint8_t *payload, size_t n, size_t *dim, RnError **err)
{
    return eb_onehot_load(&region_field, payload, n, dim, err);
}

const RnEmbedMethodOps rn_embed_meta_region = {
    .source = RN_EMBED_META,
    .name = "region",
    .summary = "the SPEC 5 region the catalogue derived from the headers, one-hot "
               "(regions of the fit sample, 'other', then 'none')",
    .fit = region_fit,
    .transform = eb_onehot_transform,
    .save = eb_onehot_save,
    .load = region_load,
    .free = eb_onehot_free,
};
