/* DICOM RLE (PS3.5 annex G): a 64-byte header of a segment count and 15
 * offsets, then one PackBits segment per byte plane, most significant byte
 * of each sample first, sample planes in order. The decoded frame is
 * written interleaved and little endian, as gdcm leaves it. */
#include "codec/codec_internal.h"

#include <stdlib.h>
#include <string.h>

#define RLE_HEADER_BYTES 64u
#define RLE_MAX_SEGMENTS 15u

/* Decodes one PackBits segment into `plane` (exactly `len` bytes, written
 * with stride `step`). Encoders may pad a run past the plane end (e.g. an
 * odd-length segment ends with a spare byte); such surplus is ignored, but
 * a segment that ends early is corrupt. */
static bool unpack_segment(const uint8_t *seg, size_t seg_len, uint8_t *plane,
                           size_t len, size_t step, size_t seg_offset,
                           RnError **err)
{
    size_t in = 0, out = 0;
    while (out < len) {
        if (in >= seg_len) {
            rn_error_set_at(err, RN_ERROR_PARSE, seg_offset + in,
                            "RLE segment ends after %zu of %zu bytes", out, len);
            return false;
        }
        int8_t h = (int8_t)seg[in++];
        if (h >= 0) {
            size_t count = (size_t)h + 1;
            if (count > seg_len - in) {
                rn_error_set_at(err, RN_ERROR_PARSE, seg_offset + in,
                                "RLE literal run of %zu bytes past segment end", count);
                return false;
            }
            if (count > len - out)
                count = len - out;
            for (size_t k = 0; k < count; k++)
                plane[(out + k) * step] = seg[in + k];
            in += (size_t)h + 1;
            out += count;
        } else if (h != -128) {
            size_t count = (size_t)(1 - h);
            if (in >= seg_len) {
                rn_error_set_at(err, RN_ERROR_PARSE, seg_offset + in,
                                "RLE replicate run past segment end");
                return false;
            }
            uint8_t v = seg[in++];
            if (count > len - out)
                count = len - out;
            for (size_t k = 0; k < count; k++)
                plane[(out + k) * step] = v;
            out += count;
        }
    }
    return true;
}

/* Reads and validates the header: segment count must match the image
 * (samples x bytes per sample) and offsets must be increasing and inside
 * the frame. */
static bool read_header(const uint8_t *src, size_t n, uint32_t want,
                        uint32_t offsets[RLE_MAX_SEGMENTS + 1], RnError **err)
{
    if (n < RLE_HEADER_BYTES) {
        rn_error_set(err, RN_ERROR_PARSE, "RLE frame of %zu bytes has no header", n);
        return false;
    }
    uint32_t count = rn_le32_load(src);
    if (count != want) {
        rn_error_set_at(err, RN_ERROR_PARSE, 0,
                        "RLE frame has %u segments, the image needs %u", count, want);
        return false;
    }
    for (uint32_t s = 0; s < count; s++) {
        offsets[s] = rn_le32_load(src + 4 + 4 * s);
        uint32_t lo = s == 0 ? RLE_HEADER_BYTES : offsets[s - 1];
        if (offsets[s] < lo || offsets[s] > n) {
            rn_error_set_at(err, RN_ERROR_PARSE, 4 + 4 * s,
                            "RLE segment %u offset %u out of range", s, offsets[s]);
            return false;
        }
    }
    offsets[count] = (uint32_t)n;
    return true;
}

bool rn_rle_decode(const RnPixelDesc *desc, const uint8_t *src, size_t n,
                   uint8_t *dst, size_t dst_len, RnError **err)
{
    unsigned bits = desc->bits_allocated;
    if (bits != 8 && bits != 16 && bits != 32) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "RLE with %u bits allocated", bits);
        return false;
    }
    if (n > UINT32_MAX) {
        rn_error_set(err, RN_ERROR_LIMIT, "RLE frame larger than 4 GiB");
        return false;
    }
    size_t bytes = bits / 8, spp = desc->samples_per_pixel;
    size_t pixels = (size_t)desc->rows * desc->columns;
    if (spp * bytes > RLE_MAX_SEGMENTS || pixels * spp * bytes != dst_len) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED,
                     "RLE cannot hold %zu samples of %zu bytes", spp, bytes);
        return false;
    }
    uint32_t offsets[RLE_MAX_SEGMENTS + 1];
    if (!read_header(src, n, (uint32_t)(spp * bytes), offsets, err))
        return false;
    size_t step = spp * bytes;
    for (size_t s = 0; s < spp; s++)
        for (size_t b = 0; b < bytes; b++) {
            size_t seg = s * bytes + b;
            /* Segment b holds the b-th most significant byte; little endian
             * puts it at byte (bytes - 1 - b) of the sample. */
            uint8_t *plane = dst + s * bytes + (bytes - 1 - b);
            if (!unpack_segment(src + offsets[seg], offsets[seg + 1] - offsets[seg],
                                plane, pixels, step, offsets[seg], err))
                return false;
        }
    return true;
}
