/* Internal interfaces shared by the files of the DICOM reader. */
#ifndef RN_DICOM_INTERNAL_H
#define RN_DICOM_INTERNAL_H

#include "radnet/dicom.h"

#include <stdio.h>

/* ---- VR properties ---------------------------------------------------- */

/* Explicit VR with a 2-byte reserved field and a 4-byte length. */
bool rn_vr_has_long_length(RnVR vr);
/* Bytes per value for binary VRs (1 for OB/UN, 0 for strings and SQ). */
unsigned rn_vr_unit_size(RnVR vr);
/* Strings whose bytes depend on Specific Character Set. */
bool rn_vr_uses_charset(RnVR vr);
/* Backslash separates values (not for LT/ST/UT/UR). */
bool rn_vr_is_multivalued_string(RnVR vr);
/* Only trailing spaces are insignificant (LT/ST/UT/UR). */
bool rn_vr_trims_trailing_only(RnVR vr);

/* VR for an implicit VR element: dictionary VR, LO for private creators,
 * UN for private data and unknown tags. */
RnVR rn_implicit_vr(RnTag tag);

/* ---- walker internals ------------------------------------------------- */

typedef struct RnWalkInfo {
    bool preamble;
    bool has_meta;
    RnTransferSyntax ts;
    char ts_uid[68];
    /* Deflated data sets are inflated into memory; offsets reported for
     * data set elements then refer to this buffer (owned by the caller
     * after the walk). */
    uint8_t *inflated;
    size_t inflated_len;
} RnWalkInfo;

typedef RnWalkAction (*RnFragmentFn)(void *user, uint32_t index,
                                     uint64_t value_offset, uint32_t length);

bool rn_dicom_walk_info(RnIO *io, const RnParseOptions *opts,
                        const RnWalkCallbacks *cb, RnFragmentFn fragment,
                        void *user, RnWalkInfo *info, RnError **err);

/* ---- character sets --------------------------------------------------- */

typedef struct RnCharset RnCharset;

/* Parses a Specific Character Set value (raw bytes, backslash separated).
 * NULL result with no error = default repertoire. */
RnCharset *rn_charset_parse(const uint8_t *value, size_t n, RnError **err);
void rn_charset_free(RnCharset *cs);
/* Decodes raw bytes to UTF-8 (appended to out, NUL-terminated). cs NULL =
 * default repertoire. `pn` makes ^ and = reset ISO 2022 state. */
bool rn_charset_decode(const RnCharset *cs, const uint8_t *in, size_t n,
                       bool pn, RnBuf *out, RnError **err);

/* ---- parsed file ------------------------------------------------------ */

typedef struct RnArenaChunk RnArenaChunk;
typedef struct RnArena {
    RnArenaChunk *head;
    uint64_t total;
    uint64_t limit;
} RnArena;

void *rn_arena_alloc(RnArena *a, size_t n, RnError **err);
void rn_arena_free(RnArena *a);

struct RnElement {
    RnTag tag;
    RnVR vr;
    uint32_t length;       /* as stored */
    const uint8_t *value;  /* loaded value, native byte order */
    uint32_t value_len;
    bool loaded;
    bool encapsulated;
    bool vr_implicit;      /* VR from the dictionary (implicit VR) */
    bool big_endian;       /* read from an explicit VR big endian stream */
    uint64_t value_offset; /* where the value starts in the (inflated) stream */
    const RnDataSet *owner;
    RnDataSet **items;
    uint32_t item_count;
};

struct RnDataSet {
    RnElement *elements;
    size_t count;
    const RnDataSet *parent;
    RnCharset *charset; /* own (0008,0005), NULL = inherit */
    bool has_charset;
};

typedef struct RnFragment {
    uint64_t offset;
    uint32_t length;
} RnFragment;

struct RnDicomFile {
    RnIO *io;            /* kept open for lazy pixel reads */
    uint8_t *inflated;   /* deflated files: the inflated data set */
    RnArena arena;
    RnDataSet meta, dataset;
    bool has_meta, preamble, big_endian;
    bool stopped_at_pixels; /* metadata path: PixelData exists, unread */
    RnTransferSyntax ts;
    char ts_uid[68];
    /* Pixel data */
    const RnElement *pixel;
    RnFragment *fragments;  /* encapsulated: item 0 is the basic offset table */
    uint32_t fragment_count;
    uint32_t *frame_first, *frame_nfrag; /* frame → fragment range */
    uint32_t frame_count;
    bool frames_indexed;
    uint8_t *frame_buf;
    size_t frame_cap;
    /* charsets to free */
    RnCharset **charsets;
    size_t charset_count;
};

/* Charset that applies to a data set (own or inherited). */
const RnCharset *rn_dataset_charset(const RnDataSet *ds);

#endif
