/* Value representations and transfer syntaxes. */
#include "dicom/internal.h"

#include <string.h>

/* One row per VR: its unit size for binary values and its properties. */
typedef struct VrInfo {
    char name[3];
    uint8_t unit;      /* bytes per binary value; 0 = string or SQ */
    uint8_t flags;
} VrInfo;

enum {
    VR_LONG = 1,       /* explicit: reserved + 4-byte length */
    VR_STRING = 2,
    VR_CHARSET = 4,    /* affected by Specific Character Set */
    VR_SINGLE = 8,     /* no backslash splitting; trailing spaces only */
    VR_BULK = 16,
};

static const VrInfo vr_table[] = {
    {"AE", 0, VR_STRING},
    {"AS", 0, VR_STRING},
    {"AT", 2, 0},
    {"CS", 0, VR_STRING},
    {"DA", 0, VR_STRING},
    {"DS", 0, VR_STRING},
    {"DT", 0, VR_STRING},
    {"FD", 8, 0},
    {"FL", 4, 0},
    {"IS", 0, VR_STRING},
    {"LO", 0, VR_STRING | VR_CHARSET},
    {"LT", 0, VR_STRING | VR_CHARSET | VR_SINGLE},
    {"OB", 1, VR_LONG | VR_BULK},
    {"OD", 8, VR_LONG | VR_BULK},
    {"OF", 4, VR_LONG | VR_BULK},
    {"OL", 4, VR_LONG | VR_BULK},
    {"OV", 8, VR_LONG | VR_BULK},
    {"OW", 2, VR_LONG | VR_BULK},
    {"PN", 0, VR_STRING | VR_CHARSET},
    {"SH", 0, VR_STRING | VR_CHARSET},
    {"SL", 4, 0},
    {"SQ", 0, VR_LONG},
    {"SS", 2, 0},
    {"ST", 0, VR_STRING | VR_CHARSET | VR_SINGLE},
    {"SV", 8, VR_LONG},
    {"TM", 0, VR_STRING},
    {"UC", 0, VR_LONG | VR_STRING | VR_CHARSET},
    {"UI", 0, VR_STRING},
    {"UL", 4, 0},
    {"UN", 1, VR_LONG | VR_BULK},
    {"UR", 0, VR_LONG | VR_STRING | VR_SINGLE},
    {"US", 2, 0},
    {"UT", 0, VR_LONG | VR_STRING | VR_CHARSET | VR_SINGLE},
    {"UV", 8, VR_LONG},
};

/* Direct index by the two letters: the parser asks several properties of
 * every element's VR, so no search. Entries hold vr_table index + 1. */
#define VR_INDEX(a, b) (((a) - 'A') * 26 + ((b) - 'A'))
static const uint8_t vr_index[26 * 26] = {
    [VR_INDEX('A', 'E')] = 1,  [VR_INDEX('A', 'S')] = 2,  [VR_INDEX('A', 'T')] = 3,
    [VR_INDEX('C', 'S')] = 4,  [VR_INDEX('D', 'A')] = 5,  [VR_INDEX('D', 'S')] = 6,
    [VR_INDEX('D', 'T')] = 7,  [VR_INDEX('F', 'D')] = 8,  [VR_INDEX('F', 'L')] = 9,
    [VR_INDEX('I', 'S')] = 10, [VR_INDEX('L', 'O')] = 11, [VR_INDEX('L', 'T')] = 12,
    [VR_INDEX('O', 'B')] = 13, [VR_INDEX('O', 'D')] = 14, [VR_INDEX('O', 'F')] = 15,
    [VR_INDEX('O', 'L')] = 16, [VR_INDEX('O', 'V')] = 17, [VR_INDEX('O', 'W')] = 18,
    [VR_INDEX('P', 'N')] = 19, [VR_INDEX('S', 'H')] = 20, [VR_INDEX('S', 'L')] = 21,
    [VR_INDEX('S', 'Q')] = 22, [VR_INDEX('S', 'S')] = 23, [VR_INDEX('S', 'T')] = 24,
    [VR_INDEX('S', 'V')] = 25, [VR_INDEX('T', 'M')] = 26, [VR_INDEX('U', 'C')] = 27,
    [VR_INDEX('U', 'I')] = 28, [VR_INDEX('U', 'L')] = 29, [VR_INDEX('U', 'N')] = 30,
    [VR_INDEX('U', 'R')] = 31, [VR_INDEX('U', 'S')] = 32, [VR_INDEX('U', 'T')] = 33,
    [VR_INDEX('U', 'V')] = 34,
};

static const VrInfo *vr_info(RnVR vr)
{
    unsigned a = vr >> 8, b = vr & 0xFFu;
    if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z')
        return NULL;
    uint8_t i = vr_index[VR_INDEX(a, b)];
    return i ? &vr_table[i - 1] : NULL;
}

void rn_vr_str(RnVR vr, char out[3])
{
    if (vr == 0) {
        memcpy(out, "??", 3);
        return;
    }
    out[0] = (char)(vr >> 8);
    out[1] = (char)(vr & 0xFF);
    out[2] = 0;
}

bool rn_vr_is_known(RnVR vr) { return vr_info(vr) != NULL; }

static bool has_flag(RnVR vr, unsigned flag)
{
    const VrInfo *i = vr_info(vr);
    return i != NULL && (i->flags & flag) != 0;
}

bool rn_vr_is_string(RnVR vr) { return has_flag(vr, VR_STRING); }
bool rn_vr_is_bulk(RnVR vr) { return has_flag(vr, VR_BULK); }
bool rn_vr_has_long_length(RnVR vr) { return has_flag(vr, VR_LONG); }
bool rn_vr_uses_charset(RnVR vr) { return has_flag(vr, VR_CHARSET); }
bool rn_vr_trims_trailing_only(RnVR vr) { return has_flag(vr, VR_SINGLE); }

bool rn_vr_is_multivalued_string(RnVR vr)
{
    return has_flag(vr, VR_STRING) && !has_flag(vr, VR_SINGLE);
}

unsigned rn_vr_unit_size(RnVR vr)
{
    const VrInfo *i = vr_info(vr);
    return i ? i->unit : 1u;
}

RnVR rn_implicit_vr(RnTag tag)
{
    uint16_t g = RN_TAG_GROUP(tag), e = RN_TAG_ELEMENT(tag);
    if (g & 1u) {
        /* Private: creators are LO, group lengths UL, data unknown. */
        if (e == 0)
            return RN_VR('U', 'L');
        if (e >= 0x0010 && e <= 0x00FF)
            return RN_VR('L', 'O');
        return RN_VR('U', 'N');
    }
    const RnDictEntry *d = rn_dict_lookup(tag);
    return (d && d->vr) ? d->vr : RN_VR('U', 'N');
}

/* ---- transfer syntaxes ------------------------------------------------ */

typedef struct TsInfo {
    RnTransferSyntax ts;
    const char *uid;
    const char *name;
} TsInfo;

static const TsInfo ts_table[] = {
    {RN_TS_IMPLICIT_LE, "1.2.840.10008.1.2", "Implicit VR Little Endian"},
    {RN_TS_EXPLICIT_LE, "1.2.840.10008.1.2.1", "Explicit VR Little Endian"},
    {RN_TS_DEFLATED_LE, "1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian"},
    {RN_TS_EXPLICIT_BE, "1.2.840.10008.1.2.2", "Explicit VR Big Endian"},
    {RN_TS_JPEG_BASELINE, "1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)"},
    {RN_TS_JPEG_EXTENDED, "1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)"},
    {RN_TS_JPEG_LOSSLESS, "1.2.840.10008.1.2.4.57", "JPEG Lossless (Process 14)"},
    {RN_TS_JPEG_LOSSLESS_SV1, "1.2.840.10008.1.2.4.70", "JPEG Lossless SV1 (Process 14)"},
    {RN_TS_JPEGLS_LOSSLESS, "1.2.840.10008.1.2.4.80", "JPEG-LS Lossless"},
    {RN_TS_JPEGLS_NEAR, "1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless"},
    {RN_TS_J2K_LOSSLESS, "1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless"},
    {RN_TS_J2K, "1.2.840.10008.1.2.4.91", "JPEG 2000"},
    {RN_TS_RLE, "1.2.840.10008.1.2.5", "RLE Lossless"},
};

#define N_TS (sizeof ts_table / sizeof ts_table[0])

/* Other encapsulated syntaxes we recognise but cannot decode: the JPEG
 * family's retired processes, MPEG, HEVC, JPEG XL, HTJ2K, ... */
static const char *const other_encapsulated_prefixes[] = {
    "1.2.840.10008.1.2.4.", "1.2.840.10008.1.2.6.",
};

RnTransferSyntax rn_ts_from_uid(const char *uid)
{
    if (uid == NULL)
        return RN_TS_UNKNOWN;
    for (size_t i = 0; i < N_TS; i++)
        if (strcmp(ts_table[i].uid, uid) == 0)
            return ts_table[i].ts;
    for (size_t i = 0; i < 2; i++) {
        const char *p = other_encapsulated_prefixes[i];
        if (strncmp(uid, p, strlen(p)) == 0)
            return RN_TS_ENCAPSULATED_OTHER;
    }
    return RN_TS_UNKNOWN;
}

const char *rn_ts_uid(RnTransferSyntax ts)
{
    for (size_t i = 0; i < N_TS; i++)
        if (ts_table[i].ts == ts)
            return ts_table[i].uid;
    return NULL;
}

const char *rn_ts_name(RnTransferSyntax ts)
{
    for (size_t i = 0; i < N_TS; i++)
        if (ts_table[i].ts == ts)
            return ts_table[i].name;
    return ts == RN_TS_ENCAPSULATED_OTHER ? "encapsulated (no decoder)" : "unknown";
}

bool rn_ts_is_encapsulated(RnTransferSyntax ts)
{
    return ts >= RN_TS_JPEG_BASELINE && ts <= RN_TS_ENCAPSULATED_OTHER;
}
