/* Data dictionary lookups over the generated tables. */
#include "dicom/dict.h"

#include <string.h>

static bool range_matches(const RnDictRange *r, RnTag tag)
{
    uint16_t g = RN_TAG_GROUP(tag), e = RN_TAG_ELEMENT(tag);
    if (g < r->group_lo || g > r->group_hi || e < r->elem_lo || e > r->elem_hi)
        return false;
    if (r->parity == RN_DICT_ODD)
        return (g & 1u) == 1u;
    if (r->parity == RN_DICT_EVEN)
        return (g & 1u) == 0u;
    return true;
}

const RnDictEntry *rn_dict_lookup(RnTag tag)
{
    size_t lo = 0, hi = rn_dict_exact_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        RnTag t = rn_dict_exact[mid].tag;
        if (t == tag)
            return &rn_dict_exact[mid];
        if (t < tag)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Private data elements are not in the public dictionary even when a
     * repeating range would cover their group. */
    for (size_t i = 0; i < rn_dict_ranges_count; i++)
        if (range_matches(&rn_dict_ranges[i], tag))
            return &rn_dict_ranges[i].entry;
    return NULL;
}

const RnDictEntry *rn_dict_lookup_keyword(const char *keyword)
{
    if (keyword == NULL)
        return NULL;
    size_t lo = 0, hi = rn_dict_exact_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const RnDictEntry *e = &rn_dict_exact[rn_dict_keyword_index[mid]];
        int c = strcmp(e->keyword, keyword);
        if (c == 0) {
            /* Several retired entries may share a keyword: take the first. */
            while (mid > 0 &&
                   strcmp(rn_dict_exact[rn_dict_keyword_index[mid - 1]].keyword,
                          keyword) == 0)
                mid--;
            return &rn_dict_exact[rn_dict_keyword_index[mid]];
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = 0; i < rn_dict_ranges_count; i++)
        if (strcmp(rn_dict_ranges[i].entry.keyword, keyword) == 0)
            return &rn_dict_ranges[i].entry;
    return NULL;
}

bool rn_dict_is_us_or_ss(RnTag tag)
{
    size_t lo = 0, hi = rn_dict_xs_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rn_dict_xs_tags[mid] == tag)
            return true;
        if (rn_dict_xs_tags[mid] < tag)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}
