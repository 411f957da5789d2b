/* Internal: the generated data dictionary (dict_table.c, made by
 * scripts/gen-dict.py from dcmtk's dicom.dic). */
#ifndef RN_DICOM_DICT_H
#define RN_DICOM_DICT_H

#include "radnet/dicom.h"

enum { RN_DICT_ANY = 0, RN_DICT_ODD, RN_DICT_EVEN };

/* A repeating-group or element-range entry such as (6000-60FF,3000). */
typedef struct RnDictRange {
    uint16_t group_lo, group_hi, elem_lo, elem_hi;
    uint8_t parity;
    RnDictEntry entry;
} RnDictRange;

extern const RnDictEntry rn_dict_exact[];
extern const size_t rn_dict_exact_count;
extern const RnDictRange rn_dict_ranges[];
extern const size_t rn_dict_ranges_count;
/* Indices into rn_dict_exact in strcmp order of keyword. */
extern const uint16_t rn_dict_keyword_index[];
/* Tags whose VR is US or SS depending on Pixel Representation, sorted. */
extern const RnTag rn_dict_xs_tags[];
extern const size_t rn_dict_xs_count;

bool rn_dict_is_us_or_ss(RnTag tag);

/* A private tag of dcmtk's private.dic (dict_private.c, made by
 * scripts/gen-dict.py --private). element is 0x00ee for entries that match
 * element ee of any block the creator reserved, the full element for
 * fixed ones; group_lo < group_hi for odd group ranges. */
typedef struct RnPrivateDictEntry {
    const char *creator;
    uint16_t group_lo, group_hi, element;
    RnDictEntry entry;
} RnPrivateDictEntry;

/* Sorted by (creator in strcmp order, group, element). */
extern const RnPrivateDictEntry rn_private_dict[];
extern const size_t rn_private_dict_count;
/* Odd group ranges, e.g. (6001-o-60ff,"PAPYRUS 3.0",10). */
extern const RnPrivateDictEntry rn_private_dict_ranges[];
extern const size_t rn_private_dict_ranges_count;

#endif
