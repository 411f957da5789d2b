/* Fuzz target for rn_image_preprocess_frame: the first 24 bytes choose the
 * frame description (sizes, bit depths, photometric, planar, signedness),
 * the header attributes (rescale, window, modality, inversion, palette
 * tables) and the output size; the rest is the frame. Any input must give
 * a result or a clean error: no crash, no leak, no sanitizer report.
 * Built with libFuzzer by hand (command in tests/image/meson.build), driven
 * with random inputs by test_image_random.c in the normal suite. */
#include "radnet/image.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int fuzz_image_run(const uint8_t *data, size_t size, RnPreprocessed *out, RnError **err);

static const char *const photometrics[] = {
    "MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL", "YBR_FULL_422",
    "PALETTE COLOR", "YBR_RCT", "HSV",
};
static const uint16_t bits_allocated[] = {1, 8, 16, 32, 12, 0};

static void choose_desc(const uint8_t *d, RnPixelDesc *p)
{
    memset(p, 0, sizeof *p);
    p->rows = 1u + d[0] % 70u;
    p->columns = 1u + d[1] % 70u;
    p->frames = 1;
    p->samples_per_pixel = d[2] % 4u;
    p->bits_allocated = bits_allocated[d[3] % 6u];
    p->bits_stored = d[4] % 34u;
    p->high_bit = d[5] % 34u;
    p->pixel_representation = d[6] & 1u;
    p->planar_configuration = (d[6] >> 1) & 1u;
    strcpy(p->photometric, photometrics[d[7] % 8u]);
}

static void choose_attrs(const uint8_t *d, const uint8_t *tables, size_t n,
                         RnImageAttrs *a)
{
    memset(a, 0, sizeof *a);
    a->rescale_slope = (int8_t)d[8] / 4.0;
    a->rescale_intercept = (int8_t)d[9] * 10.0;
    a->has_window = d[10] & 1u;
    a->window_center = (int8_t)d[11] * 7.0;
    a->window_width = (int8_t)d[12] * 3.0;
    strcpy(a->modality, (d[13] & 1u) ? "XA" : "CR");
    a->presentation_lut_inverse = d[13] & 2u;
    a->has_palette = d[15] & 1u;
    for (int c = 0; c < 3; c++) {
        a->palette[c].entries = d[16 + c];
        a->palette[c].first_mapped = (int8_t)d[19 + c];
        a->palette[c].bits = (d[22] >> c) & 1u ? 16 : 8;
        a->palette[c].data = tables;
        a->palette[c].n = n;
    }
    /* Modality and VOI LUTs over the same bytes, possibly inconsistent. */
    RnLut lut = {d[16] + 1u, (int8_t)d[19] * 9, (uint16_t)(1u + d[22] % 17u),
                 (uint16_t)(1u + ((d[22] >> 5) & 1u)), tables, n};
    a->has_modality_lut = d[15] & 2u;
    a->modality_lut = lut;
    a->voi_lut_count = (d[15] >> 2) & 3u;
    for (uint32_t i = 0; i < a->voi_lut_count; i++)
        a->voi_luts[i] = lut;
    a->more_window_count = (d[15] >> 4) & 3u;
    for (uint32_t i = 0; i < a->more_window_count; i++)
        a->more_windows[i] = (RnWindow){(int8_t)d[17] * 5.0 * i, (int8_t)d[18] * 2.0};
}

/* Runs one input: 1 = preprocessed (out filled), 0 = refused (*err set),
 * -1 = too short to describe a frame. Also used by test_image_random.c. */
int fuzz_image_run(const uint8_t *data, size_t size, RnPreprocessed *out, RnError **err)
{
    if (size < 24)
        return -1;
    RnPixelDesc desc;
    RnImageAttrs attrs;
    const uint8_t *frame = data + 24;
    size_t n = size - 24;
    choose_desc(data, &desc);
    choose_attrs(data, frame, n, &attrs);
    RnPreprocessOptions opts = {.size = 1u + data[14] % 80u,
                                .voi_index = (uint32_t)(data[23] >> 1) % 8u};
    /* A copy of exactly n bytes, so reading past the frame is caught. */
    uint8_t *copy = malloc(n ? n : 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, frame, n);
    bool ok = rn_image_preprocess_frame(&desc, copy, n, &attrs, data[23] & 1u, &opts,
                                        out, err);
    free(copy);
    return ok ? 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    RnPreprocessed out;
    RnError *err = NULL;
    if (fuzz_image_run(data, size, &out, &err) == 1)
        rn_preprocessed_free(&out);
    rn_error_free(err);
    return 0;
}
