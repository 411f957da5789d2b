/* JPEG router: DICOM transfer syntaxes do not always say which JPEG
 * process a frame uses (a .4.50 file may hold a 12-bit or lossless stream),
 * so, like gdcm, the frame's own SOF marker decides: lossless (SOF3) goes
 * to our process-14 decoder, 8-bit DCT processes to libjpeg-turbo, 12-bit
 * ones to the 12-bit IJG build, gdcm's non-standard 16-bit ones to its
 * 16-bit IJG build. */
#include "codec/codec_internal.h"

typedef struct JpegFrameKind {
    uint8_t sof;       /* marker byte: 0xC0..0xCF */
    uint8_t precision; /* P */
} JpegFrameKind;

static bool is_sof(uint8_t m)
{
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

/* Walks marker segments from SOI to the first SOF. */
static bool find_frame_kind(const uint8_t *src, size_t n, JpegFrameKind *kind,
                            RnError **err)
{
    if (n < 4 || src[0] != 0xFF || src[1] != 0xD8) {
        rn_error_set_at(err, RN_ERROR_PARSE, 0, "JPEG frame does not start with SOI");
        return false;
    }
    size_t pos = 2;
    for (;;) {
        while (pos < n && src[pos] == 0xFF && pos + 1 < n && src[pos + 1] == 0xFF)
            pos++; /* fill bytes */
        if (pos + 4 > n || src[pos] != 0xFF) {
            rn_error_set_at(err, RN_ERROR_PARSE, pos, "JPEG frame has no SOF marker");
            return false;
        }
        uint8_t m = src[pos + 1];
        size_t len = (size_t)src[pos + 2] << 8 | src[pos + 3];
        if (len < 2 || len > n - pos - 2) {
            rn_error_set_at(err, RN_ERROR_PARSE, pos, "JPEG marker segment length %zu", len);
            return false;
        }
        if (is_sof(m)) {
            if (len < 8) {
                rn_error_set_at(err, RN_ERROR_PARSE, pos, "JPEG SOF segment too short");
                return false;
            }
            kind->sof = m;
            kind->precision = src[pos + 4];
            return true;
        }
        pos += 2 + len;
    }
}

bool rn_jpeg_decode(const RnPixelDesc *desc, const uint8_t *src, size_t n,
                    uint8_t *dst, size_t dst_len, RnError **err)
{
    JpegFrameKind kind;
    if (!find_frame_kind(src, n, &kind, err))
        return false;
    if (kind.sof == 0xC3)
        return rn_ljpeg_decode(desc, src, n, dst, dst_len, err);
    bool dct = kind.sof <= 0xC2 || kind.sof == 0xC9 || kind.sof == 0xCA;
    if (dct && kind.precision == 8)
        return rn_jpeg8_decode(desc, src, n, dst, dst_len, err);
    if (dct && kind.precision == 12)
        return rn_jpeg12_decode(desc, src, n, dst, dst_len, err);
    if (dct && kind.precision == 16)
        return rn_jpeg16_decode(desc, src, n, dst, dst_len, err);
    rn_error_set(err, RN_ERROR_UNSUPPORTED,
                 "JPEG process with SOF 0x%02X and precision %u",
                 (unsigned)kind.sof, (unsigned)kind.precision);
    return false;
}
