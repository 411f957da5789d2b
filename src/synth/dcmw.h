/* A small DICOM Part 10 writer used by the synthetic archive.
 *
 * A data set collects elements in any order; encoding sorts them by tag and
 * applies each transfer syntax's rules: implicit or explicit VR, little or
 * big endian (binary VRs swapped by their unit size), deflate after the
 * meta group, encapsulated pixel data with a basic offset table. Values are
 * padded to even length (space for text VRs, NUL for UI and binary VRs).
 */
#ifndef RN_SYNTH_DCMW_H
#define RN_SYNTH_DCMW_H

#include "radnet/core.h"

typedef enum DcmSyntax {
    DCM_IMPLICIT_LE = 0,
    DCM_EXPLICIT_LE,
    DCM_EXPLICIT_BE,
    DCM_DEFLATED_LE,
    DCM_RLE,
    DCM_JPEG_BASELINE,
    DCM_JPEG_LOSSLESS_SV1,
    DCM_JPEGLS_LOSSLESS,
    DCM_J2K_LOSSLESS,
    DCM_J2K_LOSSY,
    DCM_SYNTAX_COUNT
} DcmSyntax;

const char *dcm_syntax_uid(DcmSyntax ts);
bool dcm_syntax_encapsulated(DcmSyntax ts);
bool dcm_syntax_lossy(DcmSyntax ts);

typedef struct DcmSet DcmSet;
typedef struct DcmElem DcmElem;

struct DcmSet {
    DcmElem *elems;
    size_t n, cap;
};

#define DCM_SET_INIT {NULL, 0, 0}

#define DCM_TAG(g, e) (((uint32_t)(g) << 16) | (uint32_t)(e))

/* Text VRs (AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT): s is the
 * value in the data set's character set, multi-values joined with '\'. */
bool dcm_put_str(DcmSet *ds, uint32_t tag, const char *vr, const char *s,
                 RnError **err);
/* Binary VRs: raw bytes in little-endian unit order (swapped for BE). */
bool dcm_put_bin(DcmSet *ds, uint32_t tag, const char *vr, const void *v,
                 size_t len, RnError **err);
bool dcm_put_us(DcmSet *ds, uint32_t tag, uint16_t v, RnError **err);
bool dcm_put_ul(DcmSet *ds, uint32_t tag, uint32_t v, RnError **err);
bool dcm_put_fd(DcmSet *ds, uint32_t tag, double v, RnError **err);
/* AT: one attribute tag value. */
bool dcm_put_at(DcmSet *ds, uint32_t tag, uint32_t value, RnError **err);
/* DS / IS from numbers, n values joined with '\'. */
bool dcm_put_ds(DcmSet *ds, uint32_t tag, const double *v, size_t n,
                RnError **err);
bool dcm_put_is(DcmSet *ds, uint32_t tag, long v, RnError **err);
/* SQ: takes ownership of the n item data sets (even on failure; items is
 * left empty); undefined_length selects item/sequence delimiters. */
bool dcm_put_seq(DcmSet *ds, uint32_t tag, DcmSet *items, size_t n,
                 bool undefined_length, RnError **err);
/* Encapsulated pixel data: one fragment per frame; frames[i] (len[i]
 * bytes) are copied. with_offsets fills the basic offset table. */
bool dcm_put_encapsulated(DcmSet *ds, uint32_t tag, const uint8_t *const *frames,
                          const size_t *len, size_t nframes, bool with_offsets,
                          RnError **err);
void dcm_set_free(DcmSet *ds);

/* Encodes the data set (no meta group) in a native (non-deflated) syntax's
 * element encoding: implicit LE, explicit LE or explicit BE. Encapsulated
 * syntaxes encode like explicit LE. */
bool dcm_encode(const DcmSet *ds, DcmSyntax ts, RnBuf *out, RnError **err);

typedef struct DcmMeta {
    const char *sop_class_uid;
    const char *sop_instance_uid;
    const char *implementation_class_uid;
    const char *implementation_version; /* may be NULL */
    const char *source_ae_title;        /* may be NULL */
} DcmMeta;

/* Preamble, "DICM", meta group (explicit LE, group length) and the data set
 * in syntax ts (deflated for DCM_DEFLATED_LE), appended to out. */
bool dcm_write_part10(const DcmMeta *meta, const DcmSet *ds, DcmSyntax ts,
                      RnBuf *out, RnError **err);

/* True for VRs with a 4-byte length in explicit VR (OB OD OF OL OV OW SQ
 * UC UN UR UT SV UV). */
bool dcm_vr_long_length(const char *vr);

#endif
