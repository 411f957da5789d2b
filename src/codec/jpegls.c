/* JPEG-LS (ITU-T T.87; DICOM .4.80 lossless and .4.81 near-lossless)
 * through the CharLS 2.x C API. CharLS writes samples of up to 8 bits as
 * bytes and wider ones as native (little-endian) 16-bit words; colour
 * comes out interleaved for line/sample interleave and as planes for
 * ILV_NONE, which is interleaved here because gdcm leaves every
 * encapsulated codec's output interleaved. */
#include "codec/codec_internal.h"

#include <stdlib.h>
#include <string.h>

#include <charls/charls.h>

static bool jls_fail(RnError **err, charls_jpegls_errc ec)
{
    rn_error_set(err, RN_ERROR_PARSE, "JPEG-LS: %s", charls_get_error_message(ec));
    return false;
}

static bool jls_check_frame(const charls_frame_info *fi, const RnPixelDesc *desc,
                            RnError **err)
{
    if (fi->width != desc->columns || fi->height != desc->rows ||
        fi->component_count != (int32_t)desc->samples_per_pixel) {
        rn_error_set(err, RN_ERROR_PARSE,
                     "JPEG-LS frame is %ux%u with %d components, DICOM says "
                     "%ux%u with %u samples",
                     fi->width, fi->height, fi->component_count,
                     (unsigned)desc->columns, (unsigned)desc->rows,
                     (unsigned)desc->samples_per_pixel);
        return false;
    }
    if (fi->bits_per_sample < 2 || fi->bits_per_sample > 16 ||
        fi->bits_per_sample > (int32_t)desc->bits_allocated ||
        desc->bits_allocated > 16) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "JPEG-LS with %d bits in %u allocated",
                     fi->bits_per_sample, (unsigned)desc->bits_allocated);
        return false;
    }
    return true;
}

/* Rearranges CharLS output (tmp, `in_bytes` per sample, planar or not)
 * into interleaved little-endian samples of `out_bytes`. */
static void jls_copy_out(const uint8_t *tmp, uint8_t *dst, size_t pixels,
                         unsigned spp, bool planar, unsigned in_bytes,
                         unsigned out_bytes)
{
    for (size_t i = 0; i < pixels; i++)
        for (unsigned c = 0; c < spp; c++) {
            size_t from = planar ? c * pixels + i : i * spp + c;
            uint32_t v = in_bytes == 1 ? tmp[from]
                                       : (uint32_t)tmp[2 * from] | (uint32_t)tmp[2 * from + 1] << 8;
            rn_put_sample(dst, i * spp + c, out_bytes, v);
        }
}

/* True when the stream ends with EOI (FFD9), give or take a few padding
 * bytes (dcmtk pads odd frames with one byte, not always zero). In
 * JPEG-LS scan data a 0xFF is never followed by a byte >= 0x80, so FFD9
 * there is a real EOI. CharLS 2.4 can spend seconds (a counter wrapping
 * around) on a scan that runs off the end of its input, so a stream
 * without EOI - truncated, hence corrupt - is refused before CharLS sees
 * it. */
static bool jls_has_eoi(const uint8_t *src, size_t n)
{
    for (size_t tail = 2; tail <= 5 && tail <= n; tail++)
        if (src[n - tail] == 0xFF && src[n - tail + 1] == 0xD9)
            return n >= 4;
    return false;
}

bool rn_jpegls_decode(const RnPixelDesc *desc, const uint8_t *src, size_t n,
                      uint8_t *dst, size_t dst_len, RnError **err)
{
    if (!jls_has_eoi(src, n)) {
        rn_error_set(err, RN_ERROR_PARSE, "JPEG-LS stream does not end with EOI (truncated)");
        return false;
    }
    charls_jpegls_decoder *dec = charls_jpegls_decoder_create();
    if (dec == NULL) {
        rn_error_set(err, RN_ERROR_NOMEM, "out of memory");
        return false;
    }
    bool ok = false;
    uint8_t *tmp = NULL;
    charls_frame_info fi;
    charls_interleave_mode ilv;
    size_t need;
    charls_jpegls_errc ec = charls_jpegls_decoder_set_source_buffer(dec, src, n);
    if (!ec) ec = charls_jpegls_decoder_read_header(dec);
    if (!ec) ec = charls_jpegls_decoder_get_frame_info(dec, &fi);
    if (!ec) ec = charls_jpegls_decoder_get_interleave_mode(dec, &ilv);
    if (!ec) ec = charls_jpegls_decoder_get_destination_size(dec, 0, &need);
    if (ec) {
        jls_fail(err, ec);
        goto done;
    }
    if (!jls_check_frame(&fi, desc, err))
        goto done;
    unsigned in_bytes = fi.bits_per_sample > 8 ? 2 : 1;
    unsigned out_bytes = desc->bits_allocated > 8 ? 2 : 1;
    bool planar = ilv == CHARLS_INTERLEAVE_MODE_NONE && fi.component_count > 1;
    size_t pixels = (size_t)fi.width * fi.height;
    if (need != pixels * fi.component_count * in_bytes ||
        pixels * fi.component_count * out_bytes != dst_len) {
        rn_error_set(err, RN_ERROR_INTERNAL, "JPEG-LS output size mismatch");
        goto done;
    }
    if (!planar && in_bytes == out_bytes) {
        ec = charls_jpegls_decoder_decode_to_buffer(dec, dst, dst_len, 0);
        ok = ec == 0 || jls_fail(err, ec);
        goto done;
    }
    tmp = rn_malloc(need, err);
    if (tmp == NULL)
        goto done;
    ec = charls_jpegls_decoder_decode_to_buffer(dec, tmp, need, 0);
    if (ec) {
        jls_fail(err, ec);
        goto done;
    }
    jls_copy_out(tmp, dst, pixels, (unsigned)fi.component_count, planar, in_bytes, out_bytes);
    ok = true;
done:
    free(tmp);
    charls_jpegls_decoder_destroy(dec);
    return ok;
}
