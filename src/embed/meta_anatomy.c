/* Metadata method `anatomy` (issue 11): the regions the descriptive tags'
 * body-part words name (anatomy.h) — StudyDescription, SeriesDescription,
 * ProtocolName, RequestedProcedureDescription, BodyPartExamined. Where the
 * SPEC §5 rules find no region (BodyPartExamined missing and a description
 * in words their regexes lack: "XR Chest", "MRT Schulter", "Sonographie
 * Nieren"), the lexicon often still does. The tags also read the DICOM
 * BodyPartExamined defined terms (as the reports do) and the header words,
 * order-code abbreviations a report must not read ("KUB", "TIB/FIB"). Each
 * tag is read on its own line, so no phrase spans two tags, with vendor
 * protocol names in CamelCase split into words ("NeuroHead"). */
#include "embed/anatomy.h"

static void *tags_fit(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                      size_t *dim, RnError **err)
{
    (void)sample;
    (void)n;
    return eb_anatomy_fit(rn_text_item_tag_lines, true, p, dim, err);
}

static void *tags_load(const uint8_t *payload, size_t n, size_t *dim, RnError **err)
{
    return eb_anatomy_load(rn_text_item_tag_lines, true, payload, n, dim, err);
}

const RnEmbedMethodOps rn_embed_meta_anatomy = {
    .source = RN_EMBED_META,
    .name = "anatomy",
    .summary = "the regions the descriptive tags' body-part words name (hr/en/de/Latin "
               "lexicon, DICOM body-part terms, order-code abbreviations), unit-length counts; "
               "last column: no anatomy word",
    .fit = tags_fit,
    .transform = eb_anatomy_transform,
    .save = eb_anatomy_save,
    .load = tags_load,
    .free = eb_anatomy_free,
    .revision = eb_anatomy_revision,
};
