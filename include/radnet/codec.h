/* radnet codecs: turn one stored frame into native pixels.
 *
 * Output layout matches gdcm (`gdcmconv --raw` then `gdcmraw`): stored
 * values (no rescale), little endian, native bits allocated, planar
 * configuration and photometric as gdcm leaves them after decompression:
 *  - JPEG: colour is never converted; components come out as coded, only
 *    upsampled (YBR_FULL_422 becomes YBR_FULL, a YCbCr stream labelled RGB
 *    stays YCbCr, as in gdcm);
 *  - JPEG 2000: the inverse RCT/ICT is applied (YBR_RCT/YBR_ICT -> RGB);
 *  - every encapsulated syntax comes out interleaved (planar 0);
 *  - after RLE and JPEG (not JPEG-LS, JPEG 2000 or native) the bits above
 *    BitsStored are cleared, or set from the sign bit for signed data;
 *  - native frames are copied as rn_dicom_frame_get returns them (already
 *    little endian); native YBR_FULL_422 stays subsampled (two samples per
 *    pixel, see rn_pixel_frame_bytes), as gdcm returns it.
 * RLE and lossless JPEG (process 14) are ours; lossy JPEG via libjpeg-turbo
 * (8-bit) and gdcm's IJG builds (12-bit, and gdcm's non-standard 16-bit);
 * JPEG-LS via CharLS; JPEG 2000 via OpenJPEG. A corrupt stream fails with
 * RN_ERROR_PARSE; nothing is allocated from sizes found in a stream before
 * they are checked against the DICOM description.
 */
#ifndef RADNET_CODEC_H
#define RADNET_CODEC_H

#include "radnet/dicom.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Threads a single frame decode may use inside the codec library
 * (OpenJPEG's code-block decoding; the other codecs are sequential).
 * Default 1: callers that decode many files in their own worker threads
 * keep it so; a command decoding one file may raise it (<= 0 = one per
 * CPU). Process-wide; set it before decoding starts. */
void rn_codec_set_threads(int n);

/* True when this build can decode the syntax. */
bool rn_codec_supported(RnTransferSyntax ts);

/* The description of the decoded frame: photometric and planar
 * configuration as the decoder leaves them (e.g. JPEG YBR_FULL_422 comes
 * out as YBR_FULL, upsampled but not colour-converted, as gdcm does);
 * transfer_syntax becomes RN_TS_EXPLICIT_LE. */
void rn_codec_decoded_desc(const RnPixelDesc *stored, RnPixelDesc *decoded);

/* Decodes the stored bytes of one frame (as rn_dicom_frame_get returns
 * them) into dst, which must hold rn_pixel_frame_bytes(desc) bytes.
 * Errors: RN_ERROR_PARSE for a corrupt or truncated stream or one that
 * disagrees with desc, RN_ERROR_UNSUPPORTED for a valid stream radnet
 * cannot decode, RN_ERROR_INVALID for a too small dst. Thread-safe. */
bool rn_codec_decode_frame(const RnPixelDesc *desc, const uint8_t *src,
                           size_t n, uint8_t *dst, size_t dst_len,
                           RnError **err);

/* Convenience: decodes frame `index` of a file into a new buffer
 * (caller frees *out). */
bool rn_dicom_decode_frame(RnDicomFile *f, uint32_t index, uint8_t **out,
                           size_t *n, RnError **err);

#ifdef __cplusplus
}
#endif
#endif
