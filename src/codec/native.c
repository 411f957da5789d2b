/* Uncompressed frames. rn_dicom_frame_get already hands native frames over
 * in little-endian order (big-endian files are swapped by the parser in
 * units of bits allocated), which is the order gdcm writes, so decoding is
 * a checked copy. */
#include "codec/codec_internal.h"

#include <string.h>

bool rn_native_decode(const RnPixelDesc *desc, const uint8_t *src, size_t n,
                      uint8_t *dst, size_t dst_len, RnError **err)
{
    (void)desc;
    if (n < dst_len) {
        rn_error_set(err, RN_ERROR_PARSE,
                     "native frame has %zu bytes, %zu expected", n, dst_len);
        return false;
    }
    if (dst_len > 0)
        memcpy(dst, src, dst_len);
    return true;
}
