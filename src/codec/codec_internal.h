/* Internal interface between the codec dispatcher (codec.c) and the
 * individual decoders. Every decoder has the same contract:
 *  - `desc` describes the stored frame (photometric, bits, samples ...);
 *  - `src`/`n` is one frame's codestream (or native bytes);
 *  - `dst` holds exactly `dst_len` bytes, which the dispatcher already
 *    checked equals the decoded frame size, so decoders never allocate
 *    output from a size found in the stream;
 *  - the decoded layout is the one rn_codec_decoded_desc() describes:
 *    little endian samples in a bits_allocated container, interleaved
 *    colour unless stated otherwise.
 * A decoder returns false with RN_ERROR_PARSE for a corrupt stream and
 * RN_ERROR_UNSUPPORTED for a valid stream it cannot represent.
 */
#ifndef RN_CODEC_INTERNAL_H
#define RN_CODEC_INTERNAL_H

#include "radnet/codec.h"

typedef bool (*RnFrameDecoder)(const RnPixelDesc *desc, const uint8_t *src,
                               size_t n, uint8_t *dst, size_t dst_len,
                               RnError **err);

bool rn_native_decode(const RnPixelDesc *desc, const uint8_t *src, size_t n,
                      uint8_t *dst, size_t dst_len, RnError **err);
bool rn_rle_decode(const RnPixelDesc *desc, const uint8_t *src, size_t n,
                   uint8_t *dst, size_t dst_len, RnError **err);
/* Any JPEG (ISO 10918) codestream: routes on the SOF marker to the 8-bit
 * (libjpeg-turbo), 12-bit (gdcm's IJG build) or lossless decoder, as gdcm
 * does, whatever the transfer syntax claims. */
bool rn_jpeg_decode(const RnPixelDesc *desc, const uint8_t *src, size_t n,
                    uint8_t *dst, size_t dst_len, RnError **err);
bool rn_jpeg8_decode(const RnPixelDesc *desc, const uint8_t *src, size_t n,
                     uint8_t *dst, size_t dst_len, RnError **err);
bool rn_jpeg12_decode(const RnPixelDesc *desc, const uint8_t *src, size_t n,
                      uint8_t *dst, size_t dst_len, RnError **err);
/* gdcm's non-standard 16-bit DCT JPEG (see jpeg16.c). */
bool rn_jpeg16_decode(const RnPixelDesc *desc, const uint8_t *src, size_t n,
                      uint8_t *dst, size_t dst_len, RnError **err);
bool rn_ljpeg_decode(const RnPixelDesc *desc, const uint8_t *src, size_t n,
                     uint8_t *dst, size_t dst_len, RnError **err);
bool rn_jpegls_decode(const RnPixelDesc *desc, const uint8_t *src, size_t n,
                      uint8_t *dst, size_t dst_len, RnError **err);
bool rn_j2k_decode(const RnPixelDesc *desc, const uint8_t *src, size_t n,
                   uint8_t *dst, size_t dst_len, RnError **err);

/* Limits shared by the decoders: a frame may not claim more than this many
 * samples per line or lines (DICOM Rows/Columns are 16-bit). */
#define RN_CODEC_MAX_DIM 65535u

/* Writes sample value v (already in range) at index i of a little-endian
 * container of `bytes` bytes (1, 2 or 4). */
static inline void rn_put_sample(uint8_t *dst, size_t i, unsigned bytes,
                                 uint32_t v)
{
    uint8_t *p = dst + i * bytes;
    switch (bytes) {
    case 1:
        p[0] = (uint8_t)v;
        break;
    case 2:
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
        break;
    default:
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)(v >> 16);
        p[3] = (uint8_t)(v >> 24);
        break;
    }
}

/* The value set by rn_codec_set_threads (>= 1). */
int rn_codec_threads(void);

#endif
