/* radnet DICOM reader: Part 10 files (with/without preamble and meta group)
 * and bare data sets; implicit/explicit VR little endian, explicit big
 * endian, deflated; sequences of defined and undefined length; encapsulated
 * pixel data with basic/extended offset tables; character sets to UTF-8.
 *
 * Two levels:
 *  - rn_dicom_walk(): a callback walker over the element stream with a stop
 *    predicate (the fast metadata path never reads PixelData);
 *  - RnDicomFile: a parsed data set tree with typed accessors and lazy
 *    frame access (pixel bytes are read only when a frame is asked for).
 */
#ifndef RADNET_DICOM_H
#define RADNET_DICOM_H

#include "radnet/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t RnTag;
#define RN_TAG(g, e) ((RnTag)(((uint32_t)(g) << 16) | (uint32_t)(e)))
#define RN_TAG_GROUP(t) ((uint16_t)((t) >> 16))
#define RN_TAG_ELEMENT(t) ((uint16_t)((t) & 0xFFFFu))

#define RN_TAG_PIXEL_DATA RN_TAG(0x7FE0, 0x0010)
#define RN_TAG_ITEM RN_TAG(0xFFFE, 0xE000)
#define RN_TAG_ITEM_DELIM RN_TAG(0xFFFE, 0xE00D)
#define RN_TAG_SEQ_DELIM RN_TAG(0xFFFE, 0xE0DD)

/* VR as its two ASCII letters, e.g. RN_VR('O','B'). 0 = unknown. */
typedef uint16_t RnVR;
#define RN_VR(a, b) ((RnVR)(((unsigned)(a) << 8) | (unsigned)(b)))
#define RN_UNDEFINED_LENGTH 0xFFFFFFFFu

/* Writes the two letters and a NUL into out[3]. */
void rn_vr_str(RnVR vr, char out[3]);
bool rn_vr_is_known(RnVR vr);
bool rn_vr_is_string(RnVR vr);
/* OB OD OF OL OV OW UN (values that are bulk data in the JSON model). */
bool rn_vr_is_bulk(RnVR vr);

/* ---- data dictionary (generated table, see src/dicom/dict*) ---------- */

typedef struct RnDictEntry {
    RnTag tag;
    RnTag mask;      /* for repeating groups like (60xx,3000); else 0xFFFFFFFF */
    RnVR vr;         /* first VR when the standard allows several */
    const char *keyword;
    const char *vm;
} RnDictEntry;

const RnDictEntry *rn_dict_lookup(RnTag tag);
const RnDictEntry *rn_dict_lookup_keyword(const char *keyword);
/* A private data element (odd group, element 0x1000-0xFFFF) by its
 * block's private creator (trailing spaces trimmed), from dcmtk's private
 * dictionary (Siemens, GE, Philips, Toshiba, Agfa, Fuji, ...). The entry's
 * tag is its dictionary key, not `tag`. NULL when unknown. */
const RnDictEntry *rn_dict_lookup_private(RnTag tag, const char *creator);

/* ---- transfer syntaxes ---------------------------------------------- */

typedef enum RnTransferSyntax {
    RN_TS_UNKNOWN = 0,
    RN_TS_IMPLICIT_LE,        /* 1.2.840.10008.1.2 */
    RN_TS_EXPLICIT_LE,        /* 1.2.840.10008.1.2.1 */
    RN_TS_DEFLATED_LE,        /* 1.2.840.10008.1.2.1.99 */
    RN_TS_EXPLICIT_BE,        /* 1.2.840.10008.1.2.2 */
    RN_TS_JPEG_BASELINE,      /* 1.2.840.10008.1.2.4.50 */
    RN_TS_JPEG_EXTENDED,      /* 1.2.840.10008.1.2.4.51 */
    RN_TS_JPEG_LOSSLESS,      /* 1.2.840.10008.1.2.4.57 */
    RN_TS_JPEG_LOSSLESS_SV1,  /* 1.2.840.10008.1.2.4.70 */
    RN_TS_JPEGLS_LOSSLESS,    /* 1.2.840.10008.1.2.4.80 */
    RN_TS_JPEGLS_NEAR,        /* 1.2.840.10008.1.2.4.81 */
    RN_TS_J2K_LOSSLESS,       /* 1.2.840.10008.1.2.4.90 */
    RN_TS_J2K,                /* 1.2.840.10008.1.2.4.91 */
    RN_TS_RLE,                /* 1.2.840.10008.1.2.5 */
    RN_TS_ENCAPSULATED_OTHER, /* recognised as encapsulated, no decoder */
} RnTransferSyntax;

RnTransferSyntax rn_ts_from_uid(const char *uid);
const char *rn_ts_uid(RnTransferSyntax ts);
const char *rn_ts_name(RnTransferSyntax ts);
bool rn_ts_is_encapsulated(RnTransferSyntax ts);

/* ---- parse options / limits ----------------------------------------- */

typedef struct RnParseOptions {
    /* Metadata path: stop at top-level PixelData, and leave bulk values
     * (OB/OW/UN/...) longer than 1 KiB in the file (not loaded). */
    bool stop_before_pixels;
    uint32_t max_element_length; /* default 1 GiB; larger is RN_ERROR_LIMIT */
    uint32_t max_depth;          /* sequence nesting, default 64 */
    uint64_t max_elements;       /* default 1,000,000 per file */
    uint64_t max_total_bytes;    /* value bytes kept in memory, default 2 GiB */
} RnParseOptions;

/* Fills defaults. */
void rn_parse_options_init(RnParseOptions *opts);

/* ---- walker --------------------------------------------------------- */

typedef struct RnWalkElement {
    RnTag tag;
    RnVR vr;          /* explicit VR as read, or dictionary VR for implicit */
    uint32_t length;  /* RN_UNDEFINED_LENGTH for undefined */
    uint64_t offset;  /* file offset of the element's first tag byte */
    uint32_t depth;   /* 0 = top level */
    /* Value bytes in file byte order; valid only during the callback.
     * NULL for sequences, items, encapsulated pixel data, and when the
     * element callback returned RN_WALK_SKIP_VALUE from `want_value`. */
    const uint8_t *value;
    bool big_endian;
    /* Offset of the first value byte (in the inflated stream for deflated
     * files). */
    uint64_t value_offset;
    bool vr_implicit;      /* VR came from the dictionary, not the file */
} RnWalkElement;

typedef enum RnWalkAction {
    RN_WALK_CONTINUE = 0,
    RN_WALK_STOP,       /* end the walk successfully */
} RnWalkAction;

typedef struct RnWalkCallbacks {
    /* Called before a value is read: return false to skip the value bytes
     * without reading them (bulk data). NULL = read every value. */
    bool (*want_value)(void *user, RnTag tag, RnVR vr, uint32_t length, uint32_t depth);
    /* Stop predicate evaluated on each element header before its value:
     * return true to stop (e.g. tag == PixelData). NULL = never. */
    bool (*stop_before)(void *user, RnTag tag, uint32_t depth);
    RnWalkAction (*element)(void *user, const RnWalkElement *el);
    /* A sequence (SQ, or UN / implicit element of undefined length, read as
     * an implicit VR little endian sequence as dcmtk does) at el->depth. */
    RnWalkAction (*sequence_begin)(void *user, const RnWalkElement *el);
    /* depth = the depth of the elements inside the item. */
    RnWalkAction (*item_begin)(void *user, uint32_t depth, uint64_t offset);
    RnWalkAction (*item_end)(void *user, uint32_t depth);
    /* depth = the depth of the sequence element itself. */
    RnWalkAction (*sequence_end)(void *user, uint32_t depth);
} RnWalkCallbacks;

/* Walks the file meta group (if any) and the data set. */
bool rn_dicom_walk(RnIO *io, const RnParseOptions *opts,
                   const RnWalkCallbacks *cb, void *user, RnError **err);

/* Cheap content sniff: "DICM" at 128, or a plausible bare data set start. */
bool rn_dicom_sniff(const uint8_t *head, size_t n);

/* ---- parsed file ---------------------------------------------------- */

typedef struct RnDicomFile RnDicomFile;
typedef struct RnDataSet RnDataSet;
typedef struct RnElement RnElement;

RnDicomFile *rn_dicom_open(const char *path, const RnParseOptions *opts,
                           RnError **err);
/* Takes ownership of io. */
RnDicomFile *rn_dicom_open_io(RnIO *io, const RnParseOptions *opts,
                              RnError **err);
/* Borrows data: it must outlive the returned file (frames are read from
 * it lazily). */
RnDicomFile *rn_dicom_open_memory(const uint8_t *data, size_t n,
                                  const RnParseOptions *opts, RnError **err);
void rn_dicom_close(RnDicomFile *f);

/* File meta group (group 0002), or NULL when the file has none. */
const RnDataSet *rn_dicom_get_meta(const RnDicomFile *f);
const RnDataSet *rn_dicom_get_dataset(const RnDicomFile *f);
RnTransferSyntax rn_dicom_transfer_syntax(const RnDicomFile *f);
/* The transfer syntax UID as found (or implied), borrowed. */
const char *rn_dicom_transfer_syntax_uid(const RnDicomFile *f);
bool rn_dicom_has_preamble(const RnDicomFile *f);
/* True when the data set has top-level PixelData, also on the metadata
 * path (stop_before_pixels), which stops at it without reading it. */
bool rn_dicom_has_pixel_data(const RnDicomFile *f);

/* Data set navigation, elements in ascending tag order. */
size_t rn_dataset_count(const RnDataSet *ds);
const RnElement *rn_dataset_at(const RnDataSet *ds, size_t index);
const RnElement *rn_dataset_get(const RnDataSet *ds, RnTag tag);

RnTag rn_element_tag(const RnElement *el);
RnVR rn_element_vr(const RnElement *el);
/* Length of the value as stored in the file (undefined for SQ/encapsulated). */
uint32_t rn_element_length(const RnElement *el);
/* Raw value bytes in native byte order for binary VRs (swapped when the
 * file is big endian), as stored for strings. NULL for SQ and for values
 * that were not loaded (bulk data on the metadata path). */
const uint8_t *rn_element_value(const RnElement *el, size_t *n);
bool rn_element_value_loaded(const RnElement *el);

/* Sequences. */
size_t rn_element_item_count(const RnElement *el);
const RnDataSet *rn_element_item(const RnElement *el, size_t index);

/* Number of values (backslash-separated strings, or binary count). */
size_t rn_element_vm(const RnElement *el);
/* String value `index` decoded to UTF-8 with the data set's character set,
 * trimmed as the standard says for the VR (leading/trailing spaces for most,
 * trailing for UT/ST/LT). Caller frees *out. */
bool rn_element_get_string(const RnElement *el, size_t index, char **out,
                           RnError **err);
/* Whole value decoded to UTF-8 (multi-valued strings keep backslashes).
 * Caller frees. */
bool rn_element_get_string_all(const RnElement *el, char **out, RnError **err);
/* The VR a value is read as for its text: the file's VR, except that UN
 * takes the dictionary VR (the public dictionary, or for a private data
 * element the private dictionary by its block's creator in the same data
 * set; private creators are LO). UN when the dictionary does not know it. */
RnVR rn_element_text_vr(const RnElement *el);
/* The element's dictionary keyword: public, or private by its block's
 * creator (e.g. "CSAImageHeaderInfo"); "PrivateCreator" for (gggg,0010-00FF)
 * of odd groups; "Unknown" when no dictionary knows it. Static storage. */
const char *rn_element_keyword(const RnElement *el);
/* The whole value as UTF-8 text, whatever its VR in the file: strings
 * decoded with the data set's Specific Character Set and trimmed (values
 * keep their backslashes), binary numbers as text joined by backslashes,
 * UN read as rn_element_text_vr says (bytes in the file's byte order).
 * False without an error when the value has no text: SQ, bulk VRs, UN of
 * unknown type or whose length does not fit that VR, values not loaded.
 * Caller frees *out. */
bool rn_element_get_text(const RnElement *el, char **out, RnError **err);
/* Numeric access for IS/DS/US/SS/UL/SL/UV/SV/FL/FD/AT; false when absent or
 * not numeric. */
bool rn_element_get_double(const RnElement *el, size_t index, double *out);
bool rn_element_get_int64(const RnElement *el, size_t index, int64_t *out);

/* Shorthands on a data set: false / NULL when the tag is absent. */
bool rn_dataset_get_string(const RnDataSet *ds, RnTag tag, char **out,
                           RnError **err);
bool rn_dataset_get_double(const RnDataSet *ds, RnTag tag, size_t index,
                           double *out);
bool rn_dataset_get_int64(const RnDataSet *ds, RnTag tag, size_t index,
                          int64_t *out);

/* ---- JSON model (PS3.18 F.2) ---------------------------------------- */

typedef struct RnJsonOptions {
    bool include_bulk;   /* bulk values as InlineBinary (base64); else omitted */
    bool include_meta;   /* include group 0002 */
    bool pretty;
} RnJsonOptions;

bool rn_dicom_to_json(const RnDicomFile *f, const RnJsonOptions *opts,
                      RnBuf *out, RnError **err);
/* Human-readable dump, one line per element, nested with indentation. */
bool rn_dicom_to_text(const RnDicomFile *f, RnBuf *out, RnError **err);

/* ---- pixel data ----------------------------------------------------- */

typedef struct RnPixelDesc {
    uint32_t rows, columns, frames;
    uint16_t samples_per_pixel;
    uint16_t bits_allocated, bits_stored, high_bit;
    uint16_t pixel_representation; /* 0 unsigned, 1 signed */
    uint16_t planar_configuration; /* 0 interleaved, 1 planar */
    char photometric[17];          /* e.g. MONOCHROME2, RGB, YBR_FULL_422 */
    RnTransferSyntax transfer_syntax;
} RnPixelDesc;

/* Fails when there is no pixel data or the attributes are inconsistent. */
bool rn_dicom_pixel_desc(const RnDicomFile *f, RnPixelDesc *out, RnError **err);
/* Size in bytes of one decoded native frame (rows*cols*spp*bits/8, with
 * overflow and limit checks). */
bool rn_pixel_frame_bytes(const RnPixelDesc *d, size_t *out, RnError **err);

/* Bytes of frame `index` as stored: the native frame for uncompressed
 * syntaxes (byte-swapped to little endian for explicit VR big endian
 * files), the concatenated fragments of the frame's codestream for
 * encapsulated ones (frames located by the extended or basic offset table,
 * else one per fragment when fragments == frames, else split where a
 * fragment starts a JPEG/JPEG-LS/JPEG 2000 codestream). Read lazily from
 * the file on each call. *out is borrowed from f and valid until the next
 * call on f. */
bool rn_dicom_frame_get(RnDicomFile *f, uint32_t index, const uint8_t **out,
                        size_t *n, RnError **err);

#ifdef __cplusplus
}
#endif
#endif
