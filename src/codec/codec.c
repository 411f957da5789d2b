/* Codec dispatcher: picks the decoder for a transfer syntax, checks the
 * output size before anything is decoded, and describes the decoded layout
 * the way gdcm leaves it (see rn_codec_decoded_desc). */
#include "codec/codec_internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_int codec_threads = 1;

void rn_codec_set_threads(int n)
{
    if (n <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 0 && cpus < 256 ? (int)cpus : 1;
    }
    atomic_store(&codec_threads, n);
}

int rn_codec_threads(void)
{
    return atomic_load(&codec_threads);
}

static RnFrameDecoder decoder_for(RnTransferSyntax ts)
{
    switch (ts) {
    case RN_TS_IMPLICIT_LE:
    case RN_TS_EXPLICIT_LE:
    case RN_TS_DEFLATED_LE:
    case RN_TS_EXPLICIT_BE:
        return rn_native_decode;
    case RN_TS_JPEG_BASELINE:
    case RN_TS_JPEG_EXTENDED:
    case RN_TS_JPEG_LOSSLESS:
    case RN_TS_JPEG_LOSSLESS_SV1:
        return rn_jpeg_decode;
    case RN_TS_JPEGLS_LOSSLESS:
    case RN_TS_JPEGLS_NEAR:
        return rn_jpegls_decode;
    case RN_TS_J2K_LOSSLESS:
    case RN_TS_J2K:
        return rn_j2k_decode;
    case RN_TS_RLE:
        return rn_rle_decode;
    default:
        return NULL;
    }
}

bool rn_codec_supported(RnTransferSyntax ts)
{
    return decoder_for(ts) != NULL;
}

static bool is_jpeg_family(RnTransferSyntax ts)
{
    return ts == RN_TS_JPEG_BASELINE || ts == RN_TS_JPEG_EXTENDED ||
           ts == RN_TS_JPEG_LOSSLESS || ts == RN_TS_JPEG_LOSSLESS_SV1;
}

/* gdcm's behaviour, found by decoding the corpus with `gdcmconv --raw`:
 *  - JPEG: a YBR_FULL_422 frame is upsampled but its colour is left alone,
 *    so it comes out as YBR_FULL; RGB / YBR_FULL stay what they are;
 *  - JPEG 2000: the inverse component transform turns YBR_RCT / YBR_ICT
 *    into RGB;
 *  - every encapsulated codec leaves colour interleaved;
 *  - native data keeps its layout (only the byte order becomes little
 *    endian). */
void rn_codec_decoded_desc(const RnPixelDesc *stored, RnPixelDesc *decoded)
{
    *decoded = *stored;
    RnTransferSyntax ts = stored->transfer_syntax;
    decoded->transfer_syntax = RN_TS_EXPLICIT_LE;
    if (!rn_ts_is_encapsulated(ts))
        return;
    decoded->planar_configuration = 0;
    if (is_jpeg_family(ts) && strcmp(stored->photometric, "YBR_FULL_422") == 0)
        strcpy(decoded->photometric, "YBR_FULL");
    if ((ts == RN_TS_J2K || ts == RN_TS_J2K_LOSSLESS) &&
        (strcmp(stored->photometric, "YBR_RCT") == 0 ||
         strcmp(stored->photometric, "YBR_ICT") == 0))
        strcpy(decoded->photometric, "RGB");
}

static bool check_desc(const RnPixelDesc *d, RnError **err)
{
    if (d->rows == 0 || d->columns == 0 || d->samples_per_pixel == 0) {
        rn_error_set(err, RN_ERROR_PARSE, "empty image (%u x %u, %u samples)",
                     (unsigned)d->rows, (unsigned)d->columns,
                     (unsigned)d->samples_per_pixel);
        return false;
    }
    if (d->rows > RN_CODEC_MAX_DIM || d->columns > RN_CODEC_MAX_DIM) {
        rn_error_set(err, RN_ERROR_LIMIT, "image of %u x %u exceeds 65535",
                     (unsigned)d->rows, (unsigned)d->columns);
        return false;
    }
    return true;
}

/* gdcm clears the bits above BitsStored after RLE and JPEG decoding (and
 * sign-extends signed data from BitsStored), but not after JPEG-LS, JPEG
 * 2000 or native data, where the decoded values are kept as they are.
 * Found with streams holding 16-bit values under BitsStored 12. */
static bool cleans_unused_bits(RnTransferSyntax ts)
{
    return ts == RN_TS_RLE || is_jpeg_family(ts);
}

static void clean_unused_bits(const RnPixelDesc *d, uint8_t *dst, size_t len)
{
    unsigned bytes = d->bits_allocated / 8u, stored = d->bits_stored;
    uint32_t mask = (uint32_t)((1ull << stored) - 1u);
    uint32_t sign = 1u << (stored - 1u);
    for (size_t i = 0; i + bytes <= len; i += bytes) {
        uint32_t v = 0;
        for (unsigned b = 0; b < bytes; b++)
            v |= (uint32_t)dst[i + b] << (8 * b);
        v &= mask;
        if (d->pixel_representation == 1 && (v & sign))
            v |= ~mask;
        for (unsigned b = 0; b < bytes; b++)
            dst[i + b] = (uint8_t)(v >> (8 * b));
    }
}

bool rn_codec_decode_frame(const RnPixelDesc *desc, const uint8_t *src,
                           size_t n, uint8_t *dst, size_t dst_len,
                           RnError **err)
{
    RnFrameDecoder dec = decoder_for(desc->transfer_syntax);
    if (dec == NULL) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "no decoder for transfer syntax %s",
                     rn_ts_name(desc->transfer_syntax));
        return false;
    }
    if (!check_desc(desc, err))
        return false;
    size_t need;
    if (!rn_pixel_frame_bytes(desc, &need, err))
        return false;
    if (dst_len < need) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "output buffer of %zu bytes, frame needs %zu", dst_len, need);
        return false;
    }
    if (src == NULL && n > 0) {
        rn_error_set(err, RN_ERROR_INVALID, "no input bytes");
        return false;
    }
    if (!dec(desc, src, n, dst, need, err))
        return false;
    unsigned ba = desc->bits_allocated;
    if (cleans_unused_bits(desc->transfer_syntax) && desc->bits_stored > 0 &&
        desc->bits_stored < ba && (ba == 8 || ba == 16 || ba == 32))
        clean_unused_bits(desc, dst, need);
    return true;
}

bool rn_dicom_decode_frame(RnDicomFile *f, uint32_t index, uint8_t **out,
                           size_t *n, RnError **err)
{
    RnPixelDesc desc;
    size_t need;
    const uint8_t *src;
    size_t src_len;
    *out = NULL;
    *n = 0;
    if (!rn_dicom_pixel_desc(f, &desc, err) ||
        !rn_pixel_frame_bytes(&desc, &need, err))
        return false;
    if (!rn_codec_supported(desc.transfer_syntax)) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "no decoder for transfer syntax %s",
                     rn_dicom_transfer_syntax_uid(f));
        return false;
    }
    if (!rn_dicom_frame_get(f, index, &src, &src_len, err))
        return false;
    uint8_t *buf = rn_malloc(need ? need : 1, err);
    if (buf == NULL)
        return false;
    if (!rn_codec_decode_frame(&desc, src, src_len, buf, need, err)) {
        free(buf);
        return false;
    }
    *out = buf;
    *n = need;
    return true;
}
