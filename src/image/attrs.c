/* What preprocessing reads from the header, and the file-level entry point
 * (decode the first frame, preprocess it). */
#include "image/image_internal.h"
#include "radnet/codec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG_MODALITY RN_TAG(0x0008, 0x0060)
#define TAG_WINDOW_CENTER RN_TAG(0x0028, 0x1050)
#define TAG_WINDOW_WIDTH RN_TAG(0x0028, 0x1051)
#define TAG_RESCALE_INTERCEPT RN_TAG(0x0028, 0x1052)
#define TAG_RESCALE_SLOPE RN_TAG(0x0028, 0x1053)
#define TAG_PRESENTATION_LUT_SHAPE RN_TAG(0x2050, 0x0020)
#define TAG_SHARED_GROUPS RN_TAG(0x5200, 0x9229)
#define TAG_PER_FRAME_GROUPS RN_TAG(0x5200, 0x9230)
#define TAG_PIXEL_VALUE_TRANSFORM_SEQ RN_TAG(0x0028, 0x9145)
#define TAG_FRAME_VOI_LUT_SEQ RN_TAG(0x0028, 0x9132)
#define TAG_PIXEL_REPRESENTATION RN_TAG(0x0028, 0x0103)
#define TAG_MODALITY_LUT_SEQ RN_TAG(0x0028, 0x3000)
#define TAG_VOI_LUT_SEQ RN_TAG(0x0028, 0x3010)
#define TAG_LUT_DESCRIPTOR RN_TAG(0x0028, 0x3002)
#define TAG_LUT_DATA RN_TAG(0x0028, 0x3006)
/* Red, green, blue: descriptor 0028,1101+c and data 0028,1201+c. */
#define TAG_PALETTE_DESCRIPTOR(c) RN_TAG(0x0028, 0x1101 + (c))
#define TAG_PALETTE_DATA(c) RN_TAG(0x0028, 0x1201 + (c))

/* First item of sequence `tag` in ds, or NULL. */
static const RnDataSet *first_item(const RnDataSet *ds, RnTag tag)
{
    const RnElement *el = ds ? rn_dataset_get(ds, tag) : NULL;
    return (el && rn_element_item_count(el) > 0) ? rn_element_item(el, 0) : NULL;
}

static bool finite_value(const RnDataSet *ds, RnTag tag, double *out)
{
    double v;
    if (ds == NULL || !rn_dataset_get_double(ds, tag, 0, &v) || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* Enhanced multi-frame objects keep rescale and window in functional group
 * macros: the shared groups, else the first frame's. */
static const RnDataSet *group_macro(const RnDataSet *ds, RnTag macro)
{
    const RnDataSet *m = first_item(first_item(ds, TAG_SHARED_GROUPS), macro);
    return m ? m : first_item(first_item(ds, TAG_PER_FRAME_GROUPS), macro);
}

static void read_rescale(const RnDataSet *ds, RnImageAttrs *a)
{
    const RnDataSet *src = ds;
    if (!rn_dataset_get(ds, TAG_RESCALE_SLOPE) && !rn_dataset_get(ds, TAG_RESCALE_INTERCEPT))
        src = group_macro(ds, TAG_PIXEL_VALUE_TRANSFORM_SEQ);
    finite_value(src, TAG_RESCALE_SLOPE, &a->rescale_slope);
    finite_value(src, TAG_RESCALE_INTERCEPT, &a->rescale_intercept);
}

/* Window pair i, NaN where a value is missing or not a number (such a
 * pair is not usable and falls back to the robust window). */
static RnWindow window_pair(const RnDataSet *src, size_t i)
{
    RnWindow w = {NAN, NAN};
    double v;
    if (rn_element_get_double(rn_dataset_get(src, TAG_WINDOW_CENTER), i, &v) && isfinite(v))
        w.center = v;
    if (rn_element_get_double(rn_dataset_get(src, TAG_WINDOW_WIDTH), i, &v) && isfinite(v))
        w.width = v;
    return w;
}

static void read_window(const RnDataSet *ds, RnImageAttrs *a)
{
    const RnDataSet *src = ds;
    if (!rn_dataset_get(ds, TAG_WINDOW_CENTER) && !rn_dataset_get(ds, TAG_WINDOW_WIDTH))
        src = group_macro(ds, TAG_FRAME_VOI_LUT_SEQ);
    a->has_window = finite_value(src, TAG_WINDOW_CENTER, &a->window_center) &&
                    finite_value(src, TAG_WINDOW_WIDTH, &a->window_width);
    if (!a->has_window) {
        a->window_center = a->window_width = 0;
        return;
    }
    size_t nc = rn_element_vm(rn_dataset_get(src, TAG_WINDOW_CENTER));
    size_t nw = rn_element_vm(rn_dataset_get(src, TAG_WINDOW_WIDTH));
    size_t pairs = nc < nw ? nc : nw;
    if (pairs > RN_IMAGE_MAX_WINDOWS)
        pairs = RN_IMAGE_MAX_WINDOWS;
    for (size_t i = 1; i < pairs; i++)
        a->more_windows[a->more_window_count++] = window_pair(src, i);
}

/* Bit length of v (0 for 0). */
static uint16_t bit_length(uint32_t v)
{
    uint16_t n = 0;
    for (; v; v >>= 1)
        n++;
    return n;
}

static uint32_t lut_entry(const RnLut *lut, size_t i)
{
    if (lut->stride == 1)
        return lut->data[i];
    uint16_t v;
    memcpy(&v, lut->data + 2 * i, 2);
    return v;
}

/* Bits per entry: the descriptor's when it is 8-16 and holds every entry;
 * else the bit length of the largest entry (dcmtk corrects such tables the
 * same way). */
static uint16_t lut_bits(const RnLut *lut, int64_t declared)
{
    uint32_t max = 0;
    for (size_t i = 0; i < lut->entries; i++) {
        uint32_t v = lut_entry(lut, i);
        max = v > max ? v : max;
    }
    if (declared >= 8 && declared <= 16 && max < (1u << declared))
        return (uint16_t)declared;
    uint16_t bits = bit_length(max);
    return bits ? bits : 1;
}

/* One Modality or VOI LUT item; false when absent or inconsistent. The
 * descriptor is US or SS as Pixel Representation says: a first mapped
 * value read as US from signed data is negative. Entries are 16-bit words;
 * 8-bit tables that are packed two per word are recognised by length. */
static bool read_lut(const RnDataSet *item, bool signed_pixels, RnLut *lut)
{
    const RnElement *desc = rn_dataset_get(item, TAG_LUT_DESCRIPTOR);
    const RnElement *data = rn_dataset_get(item, TAG_LUT_DATA);
    int64_t entries, first, bits;
    if (!desc || !data || !rn_element_get_int64(desc, 0, &entries) ||
        !rn_element_get_int64(desc, 1, &first) || !rn_element_get_int64(desc, 2, &bits))
        return false;
    entries = entries & 0xFFFF ? entries & 0xFFFF : 65536;
    if (signed_pixels && rn_element_vr(desc) == RN_VR('U', 'S') && first > 32767)
        first -= 65536;
    size_t n = 0;
    const uint8_t *bytes = rn_element_value(data, &n);
    if (bytes == NULL)
        return false;
    memset(lut, 0, sizeof *lut);
    if (n >= (size_t)entries * 2)
        lut->stride = 2;
    else if (n >= (size_t)entries && bits <= 8)
        lut->stride = 1;
    else
        return false;
    lut->entries = (uint32_t)entries;
    lut->first_mapped = first;
    lut->data = bytes;
    lut->n = n;
    lut->bits = lut_bits(lut, bits);
    return true;
}

static void read_luts(const RnDataSet *ds, RnImageAttrs *a)
{
    int64_t pr = 0;
    bool signed_pixels = rn_dataset_get_int64(ds, TAG_PIXEL_REPRESENTATION, 0, &pr) && pr == 1;
    const RnDataSet *mod = first_item(ds, TAG_MODALITY_LUT_SEQ);
    a->has_modality_lut = mod && read_lut(mod, signed_pixels, &a->modality_lut);
    const RnElement *voi = rn_dataset_get(ds, TAG_VOI_LUT_SEQ);
    size_t items = voi ? rn_element_item_count(voi) : 0;
    for (size_t i = 0; i < items && a->voi_lut_count < RN_IMAGE_MAX_VOI_LUTS; i++)
        if (read_lut(rn_element_item(voi, i), signed_pixels, &a->voi_luts[a->voi_lut_count]))
            a->voi_lut_count++;
}

/* A string attribute's first value, or "" (also when it does not decode:
 * these attributes only steer preprocessing, they are not worth failing). */
static void read_code(const RnDataSet *ds, RnTag tag, char *out, size_t cap)
{
    char *s = NULL;
    out[0] = '\0';
    if (rn_element_get_text(rn_dataset_get(ds, tag), &s, NULL) && s) {
        char *bs = strchr(s, '\\');
        if (bs)
            *bs = '\0';
        snprintf(out, cap, "%s", s);
    }
    free(s);
}

/* One palette table; false when absent or inconsistent (segmented tables
 * live elsewhere and are not read). Entries per 8 or 16 bits follow from
 * the data length, as pydicom does, since files disagree with their
 * descriptor's bit count. */
static bool read_palette_lut(const RnDataSet *ds, int c, RnPaletteLut *lut)
{
    const RnElement *desc = rn_dataset_get(ds, TAG_PALETTE_DESCRIPTOR(c));
    const RnElement *data = rn_dataset_get(ds, TAG_PALETTE_DATA(c));
    int64_t entries, first;
    if (!desc || !data || !rn_element_get_int64(desc, 0, &entries) ||
        !rn_element_get_int64(desc, 1, &first))
        return false;
    if (entries == 0)
        entries = 65536;
    size_t n = 0;
    const uint8_t *bytes = rn_element_value(data, &n);
    if (bytes == NULL || entries < 0 || entries > 65536)
        return false;
    if (n >= (size_t)entries * 2)
        lut->bits = 16;
    else if (n >= (size_t)entries)
        lut->bits = 8;
    else
        return false;
    lut->entries = (uint32_t)entries;
    lut->first_mapped = first;
    lut->data = bytes;
    lut->n = n;
    return true;
}

bool rn_image_attrs_from_dataset(const RnDataSet *ds, RnImageAttrs *out,
                                 RnError **err)
{
    if (ds == NULL || out == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "image attrs: NULL argument");
        return false;
    }
    memset(out, 0, sizeof *out);
    out->rescale_slope = 1;
    out->rescale_intercept = 0;
    read_rescale(ds, out);
    read_window(ds, out);
    read_luts(ds, out);
    read_code(ds, TAG_MODALITY, out->modality, sizeof out->modality);
    char shape[17];
    read_code(ds, TAG_PRESENTATION_LUT_SHAPE, shape, sizeof shape);
    out->presentation_lut_inverse = strcmp(shape, "INVERSE") == 0;
    out->has_palette = read_palette_lut(ds, 0, &out->palette[0]) &&
                       read_palette_lut(ds, 1, &out->palette[1]) &&
                       read_palette_lut(ds, 2, &out->palette[2]);
    return true;
}

uint32_t rn_image_voi_count(const RnImageAttrs *a)
{
    return (a->has_window ? 1u + a->more_window_count : 0u) + a->voi_lut_count;
}

bool rn_image_preprocess_file(RnDicomFile *f, const RnPreprocessOptions *opts,
                              RnPreprocessed *out, RnError **err)
{
    RnPixelDesc stored, decoded;
    RnImageAttrs attrs;
    if (f == NULL || out == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "preprocess: NULL argument");
        return false;
    }
    if (!rn_dicom_pixel_desc(f, &stored, err) ||
        !rn_image_attrs_from_dataset(rn_dicom_get_dataset(f), &attrs, err))
        return false;
    rn_codec_decoded_desc(&stored, &decoded);
    uint8_t *frame = NULL;
    size_t n = 0;
    if (!rn_dicom_decode_frame(f, 0, &frame, &n, err))
        return false;
    bool ok = rn_image_preprocess_frame(&decoded, frame, n, &attrs,
                                        stored.frames > 1, opts, out, err);
    free(frame);
    return ok;
}
