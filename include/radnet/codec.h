/* radnet codecs: turn one stored frame into native pixels.
 *
 * Output layout matches gdcm (`gdcmraw`): stored values (no rescale), little
 * endian, native bits allocated, planar configuration and photometric as gdcm
 * leaves them after decompression. RLE is ours; JPEG via libjpeg-turbo
 * (8-bit), our process-14 lossless decoder and the 12-bit path; JPEG-LS via
 * CharLS; JPEG 2000 via OpenJPEG.
 */
#ifndef RADNET_CODEC_H
#define RADNET_CODEC_H

#include "radnet/dicom.h"

#ifdef __cplusplus
extern "C" {
#endif

/* True when this build can decode the syntax. */
bool rn_codec_supported(RnTransferSyntax ts);

/* The description of the decoded frame: photometric and planar
 * configuration as the decoder leaves them (e.g. JPEG baseline YBR_FULL_422
 * comes out as RGB when the codec converts colour, as gdcm does). */
void rn_codec_decoded_desc(const RnPixelDesc *stored, RnPixelDesc *decoded);

/* Decodes the stored bytes of one frame into dst, which must hold
 * rn_pixel_frame_bytes(desc) bytes. */
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
