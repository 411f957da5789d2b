/* JPEG 2000 round trips through OpenJPEG's encoder and radnet's decoder:
 * raw J2K codestreams and JP2 files, signed 12-bit, unsigned 16-bit, and
 * RGB with the reversible colour transform (DICOM YBR_RCT, decoded as
 * RGB); then truncated and bit-flipped codestreams must fail cleanly. */
#include "rn_test.h"

#include "radnet/codec.h"

#include <openjpeg.h>

typedef struct Sink {
    uint8_t *data;
    size_t len, cap, pos;
} Sink;

static OPJ_SIZE_T sink_write(void *buf, OPJ_SIZE_T n, void *user)
{
    Sink *s = user;
    if (s->pos + n > s->cap) {
        s->cap = 2 * (s->pos + n);
        s->data = realloc(s->data, s->cap);
        if (s->data == NULL)
            abort();
    }
    memcpy(s->data + s->pos, buf, n);
    s->pos += n;
    if (s->pos > s->len)
        s->len = s->pos;
    return n;
}

static OPJ_OFF_T sink_skip(OPJ_OFF_T n, void *user)
{
    Sink *s = user;
    s->pos += (size_t)n;
    return n;
}

static OPJ_BOOL sink_seek(OPJ_OFF_T at, void *user)
{
    ((Sink *)user)->pos = (size_t)at;
    return OPJ_TRUE;
}

static void quiet(const char *msg, void *user)
{
    (void)msg;
    (void)user;
}

/* Encodes planes (int32 per sample, component-major) losslessly. */
static Sink encode(unsigned w, unsigned h, unsigned ncomp, unsigned prec, bool sgnd,
                   bool mct, bool jp2, const int32_t *planes)
{
    opj_image_cmptparm_t parm[3];
    memset(parm, 0, sizeof parm);
    for (unsigned c = 0; c < ncomp; c++) {
        parm[c].dx = parm[c].dy = 1;
        parm[c].w = w;
        parm[c].h = h;
        parm[c].prec = prec;
        parm[c].sgnd = sgnd;
    }
    opj_image_t *img = opj_image_create(ncomp, parm, ncomp == 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY);
    img->x1 = w;
    img->y1 = h;
    for (unsigned c = 0; c < ncomp; c++)
        memcpy(img->comps[c].data, planes + (size_t)c * w * h, sizeof(int32_t) * w * h);
    opj_cparameters_t p;
    opj_set_default_encoder_parameters(&p);
    p.tcp_numlayers = 1;
    p.tcp_rates[0] = 0; /* lossless */
    p.cp_disto_alloc = 1;
    p.tcp_mct = mct ? 1 : 0;
    p.numresolution = 3;
    opj_codec_t *codec = opj_create_compress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    opj_set_error_handler(codec, quiet, NULL);
    opj_set_warning_handler(codec, quiet, NULL);
    opj_set_info_handler(codec, quiet, NULL);
    Sink sink = {0};
    opj_stream_t *st = opj_stream_create(1 << 16, OPJ_FALSE);
    opj_stream_set_write_function(st, sink_write);
    opj_stream_set_skip_function(st, sink_skip);
    opj_stream_set_seek_function(st, sink_seek);
    opj_stream_set_user_data(st, &sink, NULL);
    bool ok = opj_setup_encoder(codec, &p, img) && opj_start_compress(codec, img, st) &&
              opj_encode(codec, st) && opj_end_compress(codec, st);
    CHECK(ok);
    opj_stream_destroy(st);
    opj_destroy_codec(codec);
    opj_image_destroy(img);
    return sink;
}

static RnPixelDesc j2k_desc(unsigned w, unsigned h, unsigned ncomp, unsigned bits,
                            unsigned stored, bool sgnd, const char *pi)
{
    RnPixelDesc d;
    memset(&d, 0, sizeof d);
    d.rows = h;
    d.columns = w;
    d.frames = 1;
    d.samples_per_pixel = (uint16_t)ncomp;
    d.bits_allocated = (uint16_t)bits;
    d.bits_stored = (uint16_t)stored;
    d.high_bit = (uint16_t)(stored - 1);
    d.pixel_representation = sgnd;
    strcpy(d.photometric, pi);
    d.transfer_syntax = RN_TS_J2K_LOSSLESS;
    return d;
}

static void round_trip(unsigned ncomp, unsigned prec, bool sgnd, bool mct, bool jp2)
{
    unsigned w = 37, h = 29;
    size_t n = (size_t)w * h;
    int32_t *planes = malloc(sizeof(int32_t) * n * ncomp);
    int32_t lo = sgnd ? -(1 << (prec - 1)) : 0, span = 1 << prec;
    for (size_t i = 0; i < n * ncomp; i++)
        planes[i] = lo + (int32_t)((i * 2654435761u >> 7) % (uint32_t)span);
    Sink s = encode(w, h, ncomp, prec, sgnd, mct, jp2, planes);
    unsigned bytes = prec > 8 ? 2 : 1;
    RnPixelDesc d = j2k_desc(w, h, ncomp, bytes * 8, prec, sgnd,
                             ncomp == 3 ? (mct ? "YBR_RCT" : "RGB") : "MONOCHROME2");
    size_t len = n * ncomp * bytes;
    uint8_t *out = malloc(len);
    RnError *err = NULL;
    bool ok = rn_codec_decode_frame(&d, s.data, s.len, out, len, &err);
    CHECK_MSG(ok, "%s", ok ? "" : rn_error_message(err));
    rn_error_free(err);
    size_t bad = 0;
    for (size_t i = 0; ok && i < n; i++)
        for (unsigned c = 0; c < ncomp; c++) {
            uint32_t want = (uint32_t)planes[c * n + i] & (bytes == 2 ? 0xFFFFu : 0xFFu);
            const uint8_t *p = out + (i * ncomp + c) * bytes;
            uint32_t got = bytes == 2 ? (uint32_t)p[0] | (uint32_t)p[1] << 8 : p[0];
            bad += got != want;
        }
    CHECK_MSG(bad == 0, "J2K %u comps %u bits signed %d mct %d jp2 %d: %zu samples differ",
              ncomp, prec, sgnd, mct, jp2, bad);
    RnPixelDesc dd;
    rn_codec_decoded_desc(&d, &dd);
    CHECK_EQ_STR(dd.photometric, ncomp == 3 ? "RGB" : "MONOCHROME2");

    /* Truncated codestreams fail; bit flips never crash. */
    size_t tried = 0, failed = 0;
    for (size_t cut = 0; cut < s.len - 2; cut += 1 + s.len / 50, tried++) {
        err = NULL;
        failed += !rn_codec_decode_frame(&d, s.data, cut, out, len, &err);
        rn_error_free(err);
    }
    CHECK_EQ_INT(failed, tried);
    for (size_t i = 0; i < s.len; i += 3) {
        s.data[i] ^= 0x10;
        err = NULL;
        if (!rn_codec_decode_frame(&d, s.data, s.len, out, len, &err))
            CHECK(rn_error_code(err) == RN_ERROR_PARSE || rn_error_code(err) == RN_ERROR_UNSUPPORTED);
        rn_error_free(err);
        s.data[i] ^= 0x10;
    }
    free(out);
    free(s.data);
    free(planes);
}

int main(void)
{
    round_trip(1, 12, true, false, false);
    round_trip(1, 16, false, false, false);
    round_trip(1, 12, true, false, true);
    round_trip(3, 8, false, true, false);
    round_trip(3, 8, false, true, true);
    round_trip(3, 8, false, false, false);
    TEST_DONE();
}
