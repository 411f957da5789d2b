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

/* ---- private tags ------------------------------------------------------- */

static int private_compare(const RnPrivateDictEntry *e, const char *creator,
                           uint16_t group, uint16_t element)
{
    int c = strcmp(e->creator, creator);
    if (c != 0)
        return c;
    if (e->group_lo != group)
        return e->group_lo < group ? -1 : 1;
    return e->element < element ? -1 : e->element > element;
}

static const RnDictEntry *private_find(const char *creator, uint16_t group,
                                       uint16_t element)
{
    size_t lo = 0, hi = rn_private_dict_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = private_compare(&rn_private_dict[mid], creator, group, element);
        if (c == 0)
            return &rn_private_dict[mid].entry;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = 0; i < rn_private_dict_ranges_count; i++) {
        const RnPrivateDictEntry *r = &rn_private_dict_ranges[i];
        if (group >= r->group_lo && group <= r->group_hi && (group & 1u) &&
            r->element == element && strcmp(r->creator, creator) == 0)
            return &r->entry;
    }
    return NULL;
}

/* As dcmtk: an entry for this very element first, then one for its low
 * byte in whatever block the creator reserved. */
const RnDictEntry *rn_dict_lookup_private(RnTag tag, const char *creator)
{
    uint16_t g = RN_TAG_GROUP(tag), e = RN_TAG_ELEMENT(tag);
    if (creator == NULL || (g & 1u) == 0 || e < 0x1000)
        return NULL;
    const RnDictEntry *d = private_find(creator, g, e);
    return d ? d : private_find(creator, g, e & 0xFFu);
}
