/* Frame encoders for the encapsulated syntaxes: RLE and JPEG lossless are
 * ours; JPEG baseline uses libjpeg-turbo, JPEG-LS CharLS, JPEG 2000
 * OpenJPEG. None of them prints: library messages are silenced. */
#include "synth/codecs.h"

#include "radnet/synth.h"

#include <charls/charls.h>
#include <openjpeg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

/* ---- JPEG baseline (libjpeg-turbo) ------------------------------------- */

typedef struct JpegErr {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
} JpegErr;

static void jpeg_fail(j_common_ptr cinfo)
{
    longjmp(((JpegErr *)cinfo->err)->jump, 1);
}

static void jpeg_quiet(j_common_ptr cinfo) { (void)cinfo; }

/* Everything touched after setjmp lives in this struct (volatile-safe). */
typedef struct JpegJob {
    struct jpeg_compress_struct c;
    JpegErr jerr;
    unsigned char *mem;
    unsigned long size;
} JpegJob;

static bool encode_jpeg_baseline(const SynthFrame *f, int quality, RnBuf *out,
                                 RnError **err)
{
    if (f->bits_allocated != 8) {
        rn_error_set(err, RN_ERROR_INVALID, "JPEG baseline needs 8-bit pixels");
        return false;
    }
    JpegJob *j = rn_calloc(1, sizeof *j, err);
    if (j == NULL)
        return false;
    j->c.err = jpeg_std_error(&j->jerr.mgr);
    j->jerr.mgr.error_exit = jpeg_fail;
    j->jerr.mgr.output_message = jpeg_quiet;
    bool ok = false;
    if (setjmp(j->jerr.jump) == 0) {
        jpeg_create_compress(&j->c);
        jpeg_mem_dest(&j->c, &j->mem, &j->size);
        j->c.image_width = f->cols;
        j->c.image_height = f->rows;
        j->c.input_components = f->samples;
        j->c.in_color_space = f->samples == 3 ? JCS_RGB : JCS_GRAYSCALE;
        jpeg_set_defaults(&j->c);
        jpeg_set_quality(&j->c, quality, TRUE);
        if (f->samples == 3) { /* 4:2:2, what DICOM calls YBR_FULL_422 */
            j->c.comp_info[0].h_samp_factor = 2;
            j->c.comp_info[0].v_samp_factor = 1;
        }
        jpeg_start_compress(&j->c, TRUE);
        size_t stride = (size_t)f->cols * f->samples;
        while (j->c.next_scanline < j->c.image_height) {
            JSAMPROW row = (JSAMPROW)(f->data + j->c.next_scanline * stride);
            jpeg_write_scanlines(&j->c, &row, 1);
        }
        jpeg_finish_compress(&j->c);
        ok = rn_buf_append(out, j->mem, j->size, err);
    } else {
        rn_error_set(err, RN_ERROR_INTERNAL, "libjpeg refused the frame");
    }
    jpeg_destroy_compress(&j->c);
    free(j->mem);
    free(j);
    return ok;
}

/* ---- JPEG-LS (CharLS) --------------------------------------------------- */

static bool encode_jpegls(const SynthFrame *f, RnBuf *out, RnError **err)
{
    charls_jpegls_encoder *enc = charls_jpegls_encoder_create();
    if (enc == NULL) {
        rn_error_set(err, RN_ERROR_NOMEM, "CharLS encoder");
        return false;
    }
    charls_frame_info fi = {f->cols, f->rows, f->bits_stored, f->samples};
    size_t cap = 0, written = 0;
    charls_jpegls_errc e = charls_jpegls_encoder_set_frame_info(enc, &fi);
    if (!e && f->samples == 3)
        e = charls_jpegls_encoder_set_interleave_mode(enc, CHARLS_INTERLEAVE_MODE_SAMPLE);
    if (!e)
        e = charls_jpegls_encoder_get_estimated_destination_size(enc, &cap);
    bool ok = !e && rn_buf_reserve(out, cap, err);
    size_t bytes = (size_t)f->rows * f->cols * f->samples * (f->bits_allocated / 8u);
    if (ok) {
        e = charls_jpegls_encoder_set_destination_buffer(enc, out->data + out->len, cap);
        if (!e)
            e = charls_jpegls_encoder_encode_from_buffer(enc, f->data, bytes, 0);
        if (!e)
            e = charls_jpegls_encoder_get_bytes_written(enc, &written);
        ok = !e;
    }
    if (e)
        rn_error_set(err, RN_ERROR_INTERNAL, "CharLS: %s", charls_get_error_message(e));
    else if (ok)
        out->len += written;
    charls_jpegls_encoder_destroy(enc);
    return ok;
}

/* ---- JPEG 2000 (OpenJPEG), raw codestream ------------------------------ */

typedef struct MemSink {
    RnBuf *out;
    size_t base, pos;
    RnError **err;
    bool ok;
} MemSink;

static OPJ_SIZE_T sink_write(void *buf, OPJ_SIZE_T n, void *user)
{
    MemSink *s = user;
    size_t end = s->base + s->pos + n;
    if (end > s->out->len && !rn_buf_reserve(s->out, end - s->out->len, s->err)) {
        s->ok = false;
        return (OPJ_SIZE_T)-1;
    }
    if (end > s->out->len) {
        memset(s->out->data + s->out->len, 0, end - s->out->len);
        s->out->len = end;
    }
    memcpy(s->out->data + s->base + s->pos, buf, n);
    s->pos += n;
    return n;
}

static OPJ_OFF_T sink_skip(OPJ_OFF_T n, void *user)
{
    MemSink *s = user;
    if (n < 0 && (size_t)-n > s->pos)
        return -1;
    s->pos = (size_t)((OPJ_OFF_T)s->pos + n);
    return n;
}

static OPJ_BOOL sink_seek(OPJ_OFF_T n, void *user)
{
    MemSink *s = user;
    if (n < 0)
        return OPJ_FALSE;
    s->pos = (size_t)n;
    return OPJ_TRUE;
}

static opj_image_t *j2k_image(const SynthFrame *f)
{
    opj_image_cmptparm_t cp[3];
    memset(cp, 0, sizeof cp);
    for (int c = 0; c < f->samples; c++) {
        cp[c].dx = cp[c].dy = 1;
        cp[c].w = f->cols;
        cp[c].h = f->rows;
        cp[c].prec = f->bits_stored;
        cp[c].sgnd = 0;
    }
    opj_image_t *img = opj_image_create(f->samples, cp,
                                        f->samples == 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY);
    if (img == NULL)
        return NULL;
    img->x1 = f->cols;
    img->y1 = f->rows;
    size_t n = (size_t)f->rows * f->cols;
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < f->samples; c++) {
            size_t k = i * f->samples + (size_t)c;
            img->comps[c].data[i] = f->bits_allocated == 8
                ? f->data[k]
                : (OPJ_INT32)(f->data[2 * k] | (f->data[2 * k + 1] << 8));
        }
    return img;
}

static bool encode_j2k(const SynthFrame *f, bool lossy, int ratio, RnBuf *out,
                       RnError **err)
{
    opj_cparameters_t p;
    opj_set_default_encoder_parameters(&p);
    p.tcp_numlayers = 1;
    p.tcp_rates[0] = lossy ? (float)ratio : 0;
    p.cp_disto_alloc = 1;
    p.irreversible = lossy;
    p.tcp_mct = 0; /* colour stays RGB: no YBR_RCT/ICT photometric needed */
    uint32_t m = f->rows < f->cols ? f->rows : f->cols;
    p.numresolution = 1;
    while (p.numresolution < 6 && (m >> p.numresolution) >= 8)
        p.numresolution++;
    opj_image_t *img = j2k_image(f);
    opj_codec_t *codec = opj_create_compress(OPJ_CODEC_J2K);
    opj_stream_t *st = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_FALSE);
    MemSink sink = {out, out->len, 0, err, true};
    bool ok = img && codec && st;
    if (ok) {
        opj_stream_set_write_function(st, sink_write);
        opj_stream_set_skip_function(st, sink_skip);
        opj_stream_set_seek_function(st, sink_seek);
        opj_stream_set_user_data(st, &sink, NULL);
        ok = opj_setup_encoder(codec, &p, img) && opj_start_compress(codec, img, st) &&
             opj_encode(codec, st) && opj_end_compress(codec, st) && sink.ok;
    }
    if (!ok) {
        out->len = sink.base;
        rn_error_set(err, RN_ERROR_INTERNAL, "OpenJPEG refused the frame");
    } else {
        out->len = sink.base + sink.pos;
    }
    if (st)
        opj_stream_destroy(st);
    if (codec)
        opj_destroy_codec(codec);
    if (img)
        opj_image_destroy(img);
    return ok;
}

/* ---- ours ---------------------------------------------------------------- */

static bool encode_jpeg_lossless(const SynthFrame *f, RnBuf *out, RnError **err)
{
    if (f->samples != 1) {
        rn_error_set(err, RN_ERROR_INVALID, "JPEG lossless: one sample only");
        return false;
    }
    size_t n = (size_t)f->rows * f->cols;
    uint16_t *px = rn_malloc(n * sizeof *px, err);
    if (px == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        px[i] = f->bits_allocated == 8 ? f->data[i]
                                       : (uint16_t)(f->data[2 * i] | (f->data[2 * i + 1] << 8));
    bool ok = rn_synth_jpeg_lossless_encode(px, f->rows, f->cols, f->bits_stored, out, err);
    free(px);
    return ok;
}

bool synth_encode_frame(DcmSyntax ts, const SynthFrame *f, int quality,
                        RnBuf *out, RnError **err)
{
    switch (ts) {
    case DCM_RLE:
        return rn_synth_rle_encode(f->data, f->rows, f->cols, f->samples,
                                   f->bits_allocated, out, err);
    case DCM_JPEG_BASELINE:
        return encode_jpeg_baseline(f, quality, out, err);
    case DCM_JPEG_LOSSLESS_SV1:
        return encode_jpeg_lossless(f, out, err);
    case DCM_JPEGLS_LOSSLESS:
        return encode_jpegls(f, out, err);
    case DCM_J2K_LOSSLESS:
        return encode_j2k(f, false, 0, out, err);
    case DCM_J2K_LOSSY:
        return encode_j2k(f, true, quality, out, err);
    default:
        rn_error_set(err, RN_ERROR_INVALID, "syntax %s is not encapsulated",
                     dcm_syntax_uid(ts));
        return false;
    }
}
