/* Text method `anatomy` (issue 11): the regions the report's body-part
 * words name (anatomy.h). Where a report is missing, the row is the
 * explicit missing row, as for the other text methods. */
#include "embed/anatomy.h"

static void *report_fit(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                        size_t *dim, RnError **err)
{
    (void)sample;
    (void)n;
    return eb_anatomy_fit(rn_text_item_report, false, p, dim, err);
}

static void *report_load(const uint8_t *payload, size_t n, size_t *dim, RnError **err)
{
    return eb_anatomy_load(rn_text_item_report, false, payload, n, dim, err);
}

const RnEmbedMethodOps rn_embed_text_anatomy = {
    .source = RN_EMBED_TEXT,
    .name = "anatomy",
    .summary = "the regions the report's body-part words name (hr/en/de/Latin lexicon), "
               "unit-length counts; last column: no report or no anatomy word",
    .fit = report_fit,
    .transform = eb_anatomy_transform,
    .save = eb_anatomy_save,
    .load = report_load,
    .free = eb_anatomy_free,
    .revision = eb_anatomy_revision,
};
