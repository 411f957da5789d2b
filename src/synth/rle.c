/* DICOM RLE encoder (PS3.5 Annex G): each byte plane of each sample becomes
 * one PackBits segment; rows are encoded separately so no run crosses a row
 * boundary, and every segment is padded to even length. */
#include "radnet/synth.h"

#include <stdlib.h>
#include <string.h>

#define RLE_MAX_SEGMENTS 15

/* PackBits of one row: replicate runs of 2..128, literal runs of 1..128. */
static bool packbits_row(const uint8_t *row, size_t n, RnBuf *out, RnError **err)
{
    size_t i = 0;
    while (i < n) {
        size_t run = 1;
        while (i + run < n && run < 128 && row[i + run] == row[i])
            run++;
        if (run >= 2) {
            uint8_t hdr[2] = {(uint8_t)(257 - run), row[i]};
            if (!rn_buf_append(out, hdr, 2, err))
                return false;
            i += run;
            continue;
        }
        size_t j = i;
        while (j < n && j - i < 128 && !(j + 1 < n && row[j] == row[j + 1]))
            j++;
        uint8_t hdr = (uint8_t)(j - i - 1);
        if (!rn_buf_append(out, &hdr, 1, err) ||
            !rn_buf_append(out, row + i, j - i, err))
            return false;
        i = j;
    }
    return true;
}

bool rn_synth_rle_encode(const uint8_t *pixels, uint32_t rows, uint32_t cols,
                         uint16_t samples, uint16_t bits_allocated, RnBuf *out,
                         RnError **err)
{
    if ((bits_allocated != 8 && bits_allocated != 16) || samples == 0 ||
        rows == 0 || cols == 0) {
        rn_error_set(err, RN_ERROR_INVALID, "RLE: unsupported frame layout");
        return false;
    }
    size_t bytes = bits_allocated / 8u, nseg = (size_t)samples * bytes;
    if (nseg > RLE_MAX_SEGMENTS) {
        rn_error_set(err, RN_ERROR_INVALID, "RLE: %zu segments > 15", nseg);
        return false;
    }
    size_t stride = bytes * samples; /* bytes per pixel */
    uint8_t *plane = rn_malloc(cols, err);
    size_t header_at = out->len;
    uint8_t header[64] = {0};
    bool ok = plane && rn_buf_append(out, header, 64, err);
    rn_le32_store(header, (uint32_t)nseg);
    for (size_t s = 0; ok && s < nseg; s++) {
        size_t sample = s / bytes, byte = bytes - 1 - s % bytes; /* MSB first */
        size_t seg_start = out->len - header_at;
        if (seg_start > UINT32_MAX) {
            rn_error_set(err, RN_ERROR_LIMIT, "RLE: frame too large");
            ok = false;
            break;
        }
        rn_le32_store(header + 4 + 4 * s, (uint32_t)seg_start);
        for (uint32_t r = 0; ok && r < rows; r++) {
            const uint8_t *src = pixels + (size_t)r * cols * stride + sample * bytes + byte;
            for (uint32_t c = 0; c < cols; c++)
                plane[c] = src[(size_t)c * stride];
            ok = packbits_row(plane, cols, out, err);
        }
        if (ok && ((out->len - header_at) & 1)) {
            uint8_t pad = 0x80; /* PackBits no-op keeps the segment decodable */
            ok = rn_buf_append(out, &pad, 1, err);
        }
    }
    if (ok)
        memcpy(out->data + header_at, header, 64);
    free(plane);
    return ok;
}
