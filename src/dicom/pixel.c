/* Pixel data description and lazy frame access: native frames are read
 * from their offset; encapsulated frames are assembled from fragments
 * located through the extended or basic offset table, or, without one,
 * one frame per fragment or by codestream start markers. */
#include "dicom/internal.h"

#include <stdlib.h>
#include <string.h>

static bool get_u16(const RnDataSet *ds, RnTag tag, uint16_t def, uint16_t *out)
{
    int64_t v;
    const RnElement *el = rn_dataset_get(ds, tag);
    if (el == NULL || el->length == 0) {
        *out = def;
        return true;
    }
    if (!rn_element_get_int64(el, 0, &v) || v < 0 || v > 0xFFFF)
        return false;
    *out = (uint16_t)v;
    return true;
}

bool rn_dicom_pixel_desc(const RnDicomFile *f, RnPixelDesc *out, RnError **err)
{
    const RnDataSet *ds = &f->dataset;
    memset(out, 0, sizeof *out);
    if (f->pixel == NULL) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "no pixel data");
        return false;
    }
    uint16_t rows, cols;
    bool ok = get_u16(ds, RN_TAG(0x0028, 0x0010), 0, &rows) &&
              get_u16(ds, RN_TAG(0x0028, 0x0011), 0, &cols) &&
              get_u16(ds, RN_TAG(0x0028, 0x0002), 1, &out->samples_per_pixel) &&
              get_u16(ds, RN_TAG(0x0028, 0x0100), 0, &out->bits_allocated) &&
              get_u16(ds, RN_TAG(0x0028, 0x0101), out->bits_allocated, &out->bits_stored) &&
              get_u16(ds, RN_TAG(0x0028, 0x0102),
                      out->bits_stored ? (uint16_t)(out->bits_stored - 1) : 0,
                      &out->high_bit) &&
              get_u16(ds, RN_TAG(0x0028, 0x0103), 0, &out->pixel_representation) &&
              get_u16(ds, RN_TAG(0x0028, 0x0006), 0, &out->planar_configuration);
    int64_t frames = 1;
    const RnElement *nf = rn_dataset_get(ds, RN_TAG(0x0028, 0x0008));
    if (ok && nf && nf->length > 0 && !rn_element_get_int64(nf, 0, &frames))
        ok = false;
    uint16_t ba = out->bits_allocated;
    if (!ok || rows == 0 || cols == 0 || frames < 1 || frames > 0x7FFFFFFF ||
        out->samples_per_pixel < 1 || out->samples_per_pixel > 4 ||
        !(ba == 1 || ba == 8 || ba == 16 || ba == 32 || ba == 64) ||
        out->bits_stored > ba || out->bits_stored == 0) {
        rn_error_set(err, RN_ERROR_PARSE, "inconsistent image pixel attributes");
        return false;
    }
    out->rows = rows;
    out->columns = cols;
    out->frames = (uint32_t)frames;
    char *pi = NULL;
    if (rn_dataset_get_string(ds, RN_TAG(0x0028, 0x0004), &pi, NULL)) {
        snprintf(out->photometric, sizeof out->photometric, "%s", pi);
        free(pi);
    }
    out->transfer_syntax = f->ts;
    return true;
}

bool rn_pixel_frame_bytes(const RnPixelDesc *d, size_t *out, RnError **err)
{
    uint64_t samples = (uint64_t)d->rows * d->columns * d->samples_per_pixel;
    /* Native 4:2:2 stores two chroma samples per pixel pair (PS3.5 8.2.1):
     * two samples per pixel, as gdcm returns them. Codecs expand it. */
    bool subsampled = !rn_ts_is_encapsulated(d->transfer_syntax) &&
                      d->samples_per_pixel == 3 &&
                      (strcmp(d->photometric, "YBR_FULL_422") == 0 ||
                       strcmp(d->photometric, "YBR_PARTIAL_422") == 0);
    if (subsampled)
        samples = samples / 3 * 2;
    uint64_t bytes = d->bits_allocated == 1 ? (samples + 7) / 8
                                            : samples * (d->bits_allocated / 8u);
    if (samples == 0 || bytes > UINT32_MAX || bytes > SIZE_MAX) {
        rn_error_set(err, RN_ERROR_LIMIT, "frame size out of range");
        return false;
    }
    *out = (size_t)bytes;
    return true;
}

static bool ensure_buf(RnDicomFile *f, size_t n, RnError **err)
{
    if (f->frame_cap >= n && f->frame_buf)
        return true;
    uint8_t *b = rn_realloc(f->frame_buf, n ? n : 1, err);
    if (b == NULL)
        return false;
    f->frame_buf = b;
    f->frame_cap = n;
    return true;
}

static bool read_at(RnDicomFile *f, uint64_t offset, uint8_t *dst, size_t n,
                    RnError **err)
{
    return rn_io_seek(f->io, offset, err) && rn_io_read_exact(f->io, dst, n, err);
}

/* ---- native ---------------------------------------------------------------- */

static void swap_to_little(uint8_t *p, size_t n, unsigned unit)
{
    for (size_t i = 0; i + unit <= n; i += unit)
        for (unsigned k = 0; k < unit / 2; k++) {
            uint8_t t = p[i + k];
            p[i + k] = p[i + unit - 1 - k];
            p[i + unit - 1 - k] = t;
        }
}

/* Byte order follows the value's VR, not the pixel size: OW is a stream of
 * 16-bit words (so 32-bit pixels in OW are swapped per half, as dcmtk and
 * gdcm write and read them), OB a stream of bytes, OL/OF 32-bit and OD
 * 64-bit words. Any other VR (UN from a broken file) falls back to the
 * pixel size. */
static unsigned big_endian_unit(RnVR vr, const RnPixelDesc *d)
{
    static const struct { RnVR vr; unsigned unit; } units[] = {
        {RN_VR('O', 'B'), 1}, {RN_VR('O', 'W'), 2}, {RN_VR('O', 'L'), 4},
        {RN_VR('O', 'F'), 4}, {RN_VR('O', 'D'), 8},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (units[i].vr == vr)
            return units[i].unit;
    return d->bits_allocated >= 16 ? d->bits_allocated / 8u : 1u;
}

static bool native_frame(RnDicomFile *f, const RnPixelDesc *d, uint32_t index,
                         const uint8_t **out, size_t *n, RnError **err)
{
    size_t size;
    if (!rn_pixel_frame_bytes(d, &size, err))
        return false;
    uint64_t bit_start = (uint64_t)index * d->rows * d->columns * d->samples_per_pixel;
    uint64_t start = d->bits_allocated == 1 ? bit_start / 8 : (uint64_t)index * size;
    if (d->bits_allocated == 1 && bit_start % 8) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED,
                     "1-bit frame %u does not start on a byte boundary", index);
        return false;
    }
    if (start + size > f->pixel->length) {
        rn_error_set(err, RN_ERROR_PARSE,
                     "pixel data holds %u bytes, frame %u needs %llu",
                     f->pixel->length, index, (unsigned long long)(start + size));
        return false;
    }
    /* Big endian: swap whole words of the value, so widen the read to word
     * boundaries counted from the value's start (an odd-sized 8-bit frame
     * in OW shares a word with its neighbour or the pad byte). */
    unsigned unit = f->big_endian ? big_endian_unit(f->pixel->vr, d) : 1u;
    uint64_t lo = start - start % unit;
    uint64_t hi = start + size + (unit - (start + size) % unit) % unit;
    if (hi > f->pixel->length)
        hi = f->pixel->length;
    if (!ensure_buf(f, (size_t)(hi - lo), err) ||
        !read_at(f, f->pixel->value_offset + lo, f->frame_buf, (size_t)(hi - lo), err))
        return false;
    if (f->big_endian) {
        swap_to_little(f->frame_buf, (size_t)(hi - lo), unit);
        memmove(f->frame_buf, f->frame_buf + (start - lo), size);
    }
    *out = f->frame_buf;
    *n = size;
    return true;
}

/* ---- encapsulated ------------------------------------------------------------ */

static bool set_frame(RnDicomFile *f, uint32_t frame, uint32_t first, uint32_t count)
{
    f->frame_first[frame] = first;
    f->frame_nfrag[frame] = count;
    return true;
}

/* Index of the data fragment whose item starts at `item_offset`. */
static bool fragment_at(const RnDicomFile *f, uint64_t item_offset, uint32_t *out)
{
    uint32_t lo = 1, hi = f->fragment_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint64_t at = f->fragments[mid].offset - 8;
        if (at == item_offset) {
            *out = mid;
            return true;
        }
        if (at < item_offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* Frames from a list of offsets (relative to the first data item) */
static bool frames_from_offsets(RnDicomFile *f, const uint64_t *offs, uint32_t count,
                                RnError **err)
{
    uint64_t base = f->fragments[1].offset - 8;
    uint32_t prev = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t first;
        if (offs[i] > UINT64_MAX - base || !fragment_at(f, base + offs[i], &first) ||
            (i > 0 && first <= prev)) {
            rn_error_set(err, RN_ERROR_PARSE, "offset table entry %u points at no fragment", i);
            return false;
        }
        if (i > 0)
            set_frame(f, i - 1, prev, first - prev);
        prev = first;
    }
    return set_frame(f, count - 1, prev, f->fragment_count - prev);
}

static bool read_table(RnDicomFile *f, const RnElement *el, const RnFragment *frag,
                       unsigned unit, uint64_t *dst, uint32_t count, RnError **err)
{
    uint8_t *raw = rn_malloc((size_t)count * unit, err);
    bool ok = raw != NULL;
    if (ok && el)
        memcpy(raw, el->value, (size_t)count * unit);
    else if (ok)
        ok = read_at(f, frag->offset, raw, (size_t)count * unit, err);
    for (uint32_t i = 0; ok && i < count; i++) {
        uint64_t v = 0;
        for (unsigned k = unit; k-- > 0;)
            v = v << 8 | raw[(size_t)i * unit + k];
        dst[i] = v;
    }
    free(raw);
    return ok;
}

/* True when the fragment starts a JPEG, JPEG-LS or JPEG 2000 codestream. */
static bool starts_codestream(RnDicomFile *f, uint32_t frag, RnError **err, bool *yes)
{
    uint8_t b[4] = {0};
    *yes = false;
    if (f->fragments[frag].length < 4)
        return true;
    if (!read_at(f, f->fragments[frag].offset, b, 4, err))
        return false;
    *yes = (b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) ||
           (b[0] == 0xFF && b[1] == 0x4F && b[2] == 0xFF && b[3] == 0x51) ||
           (b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0x0C);
    return true;
}

static bool frames_by_markers(RnDicomFile *f, uint32_t frames, RnError **err)
{
    uint32_t found = 0;
    for (uint32_t i = 1; i < f->fragment_count && found <= frames; i++) {
        bool start;
        if (!starts_codestream(f, i, err, &start))
            return false;
        if (!start && i != 1)
            continue;
        if (found < frames)
            f->frame_first[found] = i;
        found++;
    }
    if (found != frames) {
        rn_error_set(err, RN_ERROR_PARSE, "cannot split %u fragments into %u frames",
                     f->fragment_count - 1, frames);
        return false;
    }
    for (uint32_t k = 0; k < frames; k++)
        f->frame_nfrag[k] = (k + 1 < frames ? f->frame_first[k + 1] : f->fragment_count) -
                            f->frame_first[k];
    return true;
}

static bool index_frames(RnDicomFile *f, uint32_t frames, RnError **err)
{
    /* Every frame needs at least one fragment: this also bounds the
     * allocation below by the file's own content. */
    if (f->fragment_count < 2 || frames > f->fragment_count - 1) {
        rn_error_set(err, RN_ERROR_PARSE, "%u frames in %u pixel data fragments", frames,
                     f->fragment_count ? f->fragment_count - 1 : 0);
        return false;
    }
    free(f->frame_first);
    free(f->frame_nfrag);
    f->frame_first = rn_calloc(frames, sizeof *f->frame_first, err);
    f->frame_nfrag = rn_calloc(frames, sizeof *f->frame_nfrag, err);
    if (!f->frame_first || !f->frame_nfrag)
        return false;
    uint32_t data_frags = f->fragment_count - 1;
    const RnElement *eot = rn_dataset_get(&f->dataset, RN_TAG(0x7FE0, 0x0001));
    uint32_t bot_n = f->fragments[0].length / 4;
    uint64_t *offs = NULL;
    bool ok;
    if (eot && eot->value && eot->value_len / 8 >= frames) {
        ok = (offs = rn_calloc(frames, 8, err)) != NULL &&
             read_table(f, eot, NULL, 8, offs, frames, err) &&
             frames_from_offsets(f, offs, frames, err);
    } else if (bot_n >= frames && bot_n > 0 && frames > 1) {
        ok = (offs = rn_calloc(frames, 8, err)) != NULL &&
             read_table(f, NULL, &f->fragments[0], 4, offs, frames, err) &&
             frames_from_offsets(f, offs, frames, err);
    } else if (frames == 1) {
        ok = set_frame(f, 0, 1, data_frags);
    } else if (data_frags == frames) {
        for (uint32_t i = 0; i < frames; i++)
            set_frame(f, i, i + 1, 1);
        ok = true;
    } else {
        ok = frames_by_markers(f, frames, err);
    }
    free(offs);
    if (ok) {
        f->frame_count = frames;
        f->frames_indexed = true;
    }
    return ok;
}

static bool encapsulated_frame(RnDicomFile *f, const RnPixelDesc *d, uint32_t index,
                               const uint8_t **out, size_t *n, RnError **err)
{
    if (!f->frames_indexed && !index_frames(f, d->frames, err))
        return false;
    uint32_t first = f->frame_first[index], count = f->frame_nfrag[index];
    size_t total = 0;
    for (uint32_t i = first; i < first + count; i++)
        total += f->fragments[i].length;
    if (!ensure_buf(f, total, err))
        return false;
    size_t at = 0;
    for (uint32_t i = first; i < first + count; i++) {
        if (!read_at(f, f->fragments[i].offset, f->frame_buf + at,
                     f->fragments[i].length, err))
            return false;
        at += f->fragments[i].length;
    }
    *out = f->frame_buf;
    *n = total;
    return true;
}

bool rn_dicom_frame_get(RnDicomFile *f, uint32_t index, const uint8_t **out,
                        size_t *n, RnError **err)
{
    RnPixelDesc d;
    if (!rn_dicom_pixel_desc(f, &d, err))
        return false;
    if (index >= d.frames) {
        rn_error_set(err, RN_ERROR_INVALID, "frame %u of %u", index, d.frames);
        return false;
    }
    if (f->pixel->encapsulated)
        return encapsulated_frame(f, &d, index, out, n, err);
    return native_frame(f, &d, index, out, n, err);
}
