/* libFuzzer target for the DICOM reader: the walker, the tree on both the
 * full and the metadata path, JSON and text output, pixel description and
 * frame access, and frame decoding. */
#include "radnet/codec.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keeps inputs from asking for more than a fuzzer's memory budget. */
static void fuzz_limits(RnParseOptions *o, bool metadata_only)
{
    rn_parse_options_init(o);
    o->max_total_bytes = 64u << 20;
    o->max_element_length = 16u << 20;
    o->max_elements = 200000;
    o->stop_before_pixels = metadata_only;
}

static RnWalkAction count_element(void *user, const RnWalkElement *el)
{
    size_t *n = user;
    /* Touch the value so a bad pointer shows under ASan. */
    if (el->value && el->length)
        *n += el->value[el->length - 1];
    return RN_WALK_CONTINUE;
}

static void walk(const uint8_t *data, size_t size)
{
    RnParseOptions o;
    fuzz_limits(&o, false);
    RnIO *io = rn_io_open_memory(data, size, NULL);
    if (io == NULL)
        return;
    size_t sum = 0;
    RnWalkCallbacks cb = {.element = count_element};
    rn_dicom_walk(io, &o, &cb, &sum, NULL);
    rn_io_close(io);
}

static void frames(RnDicomFile *f)
{
    RnPixelDesc d;
    size_t frame_bytes;
    if (!rn_dicom_pixel_desc(f, &d, NULL) || !rn_pixel_frame_bytes(&d, &frame_bytes, NULL))
        return;
    for (uint32_t i = 0; i < d.frames && i < 4; i++) {
        const uint8_t *p;
        size_t n;
        RnError *err = NULL;
        rn_dicom_frame_get(f, i, &p, &n, &err);
        rn_error_free(err);
        /* Decoding allocates the declared frame size: keep it small. */
        if (frame_bytes <= (4u << 20)) {
            uint8_t *out = NULL;
            err = NULL;
            if (rn_dicom_decode_frame(f, i, &out, &n, &err))
                free(out);
            rn_error_free(err);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    walk(data, size);
    for (int pass = 0; pass < 2; pass++) {
        RnParseOptions o;
        fuzz_limits(&o, pass == 1);
        RnError *err = NULL;
        RnDicomFile *f = rn_dicom_open_memory(data, size, &o, &err);
        rn_error_free(err);
        if (f == NULL)
            continue;
        RnBuf b = RN_BUF_INIT;
        RnJsonOptions jo = {.include_bulk = pass == 0, .include_meta = true, .pretty = pass == 1};
        rn_dicom_to_json(f, &jo, &b, NULL);
        b.len = 0;
        rn_dicom_to_text(f, &b, NULL);
        rn_buf_free(&b);
        if (pass == 0)
            frames(f);
        rn_dicom_close(f);
    }
    return 0;
}
