/* JPEG 2000 (DICOM .4.90 lossless-only and .4.91) through OpenJPEG from a
 * memory stream; both raw J2K codestreams and JP2 files are accepted. The
 * library applies the inverse component transform (RCT/ICT) itself, so
 * YBR_RCT/YBR_ICT frames come out RGB, as in gdcm. Samples are written as
 * the container's low bytes (two's complement for signed data). */
#include "codec/codec_internal.h"

#include <stdio.h>
#include <string.h>

#include <openjpeg.h>

typedef struct J2kMemory {
    const uint8_t *data;
    size_t n, pos;
} J2kMemory;

static OPJ_SIZE_T j2k_read(void *buf, OPJ_SIZE_T count, void *user)
{
    J2kMemory *m = user;
    size_t left = m->n - m->pos;
    if (left == 0)
        return (OPJ_SIZE_T)-1;
    if (count > left)
        count = left;
    memcpy(buf, m->data + m->pos, count);
    m->pos += count;
    return count;
}

static OPJ_OFF_T j2k_skip(OPJ_OFF_T count, void *user)
{
    J2kMemory *m = user;
    if (count < 0)
        return -1;
    size_t left = m->n - m->pos;
    if ((uint64_t)count > left)
        count = (OPJ_OFF_T)left;
    m->pos += (size_t)count;
    return count;
}

static OPJ_BOOL j2k_seek(OPJ_OFF_T offset, void *user)
{
    J2kMemory *m = user;
    if (offset < 0 || (uint64_t)offset > m->n)
        return OPJ_FALSE;
    m->pos = (size_t)offset;
    return OPJ_TRUE;
}

/* OpenJPEG reports through callbacks; keep the first error text. */
static void j2k_on_error(const char *msg, void *user)
{
    char *keep = user;
    if (keep[0] == '\0') {
        snprintf(keep, 200, "%s", msg);
        size_t len = strlen(keep);
        if (len > 0 && keep[len - 1] == '\n')
            keep[len - 1] = '\0';
    }
}

static void j2k_quiet(const char *msg, void *user)
{
    (void)msg;
    (void)user;
}

static bool j2k_check_image(const opj_image_t *img, const RnPixelDesc *desc,
                            RnError **err)
{
    if (img->numcomps != desc->samples_per_pixel) {
        rn_error_set(err, RN_ERROR_PARSE, "JPEG 2000 frame has %u components, DICOM says %u",
                     img->numcomps, (unsigned)desc->samples_per_pixel);
        return false;
    }
    for (unsigned c = 0; c < img->numcomps; c++) {
        const opj_image_comp_t *comp = &img->comps[c];
        if (comp->w != desc->columns || comp->h != desc->rows) {
            rn_error_set(err, RN_ERROR_PARSE,
                         "JPEG 2000 component %u is %ux%u, DICOM says %ux%u", c,
                         comp->w, comp->h, (unsigned)desc->columns, (unsigned)desc->rows);
            return false;
        }
        if (comp->prec < 1 || comp->prec > 32 ||
            comp->prec > (unsigned)desc->bits_allocated) {
            rn_error_set(err, RN_ERROR_UNSUPPORTED, "JPEG 2000 precision %u in %u bits",
                         comp->prec, (unsigned)desc->bits_allocated);
            return false;
        }
    }
    return true;
}

static void j2k_copy_out(const opj_image_t *img, uint8_t *dst, unsigned bytes)
{
    unsigned spp = img->numcomps;
    size_t pixels = (size_t)img->comps[0].w * img->comps[0].h;
    for (unsigned c = 0; c < spp; c++) {
        const OPJ_INT32 *data = img->comps[c].data;
        for (size_t i = 0; i < pixels; i++)
            rn_put_sample(dst, i * spp + c, bytes, (uint32_t)data[i]);
    }
}

static bool j2k_is_jp2(const uint8_t *src, size_t n)
{
    static const uint8_t sig[12] = {0, 0, 0, 12, 'j', 'P', ' ', ' ', 13, 10, 0x87, 10};
    return n >= sizeof sig && memcmp(src, sig, sizeof sig) == 0;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The codestream inside a JP2 file: the payload of the top-level 'jp2c'
 * box. Returns false when there is none. */
static bool jp2_codestream(const uint8_t *src, size_t n, const uint8_t **cs, size_t *len)
{
    size_t pos = 0;
    while (n - pos >= 8) {
        uint64_t box = be32(src + pos), head = 8;
        if (box == 1) { /* 64-bit length follows the type */
            if (n - pos < 16)
                return false;
            box = (uint64_t)be32(src + pos + 8) << 32 | be32(src + pos + 12);
            head = 16;
        } else if (box == 0) { /* runs to the end */
            box = n - pos;
        }
        if (box < head || box > n - pos)
            return false;
        if (memcmp(src + pos + 4, "jp2c", 4) == 0) {
            *cs = src + pos + head;
            *len = (size_t)(box - head);
            return true;
        }
        pos += (size_t)box;
    }
    return false;
}

/* Scans marker segments from *pos up to `stop` (SOT ends the main header,
 * SOD a tile-part header) for High-Throughput (Part 15) block coding: a
 * CAP marker, or bit 6 of the code-block style in COD/COC. *csiz is the
 * component count from SIZ (it sizes the COC component index). */
static bool j2k_segments_use_ht(const uint8_t *cs, size_t n, size_t *pos,
                                uint8_t stop, unsigned *csiz)
{
    while (n - *pos >= 4 && cs[*pos] == 0xFF && cs[*pos + 1] != stop) {
        uint8_t m = cs[*pos + 1];
        size_t len = (size_t)cs[*pos + 2] << 8 | cs[*pos + 3];
        if (len < 2 || len > n - *pos - 2)
            return false; /* malformed: OpenJPEG reports it */
        const uint8_t *seg = cs + *pos + 4;
        size_t body = len - 2;
        if (m == 0x50) /* CAP */
            return true;
        if (m == 0x51 && body >= 36) /* SIZ: Rsiz, 8 x 4 bytes, Csiz */
            *csiz = (unsigned)seg[34] << 8 | seg[35];
        if (m == 0x52 && body >= 9 && (seg[8] & 0x40)) /* COD: Scod SGcod(4) SPcod */
            return true;
        size_t c = *csiz < 257 ? 1 : 2; /* COC: Ccoc, Scoc, SPcoc */
        if (m == 0x53 && body >= c + 5 && (seg[c + 4] & 0x40))
            return true;
        *pos += 2 + len;
    }
    return false;
}

/* True when the codestream uses HT block coding. DICOM .4.90/.4.91 do not
 * allow it, and OpenJPEG 2.5.0's HT decoder asserts (aborts the process)
 * on some malformed HT data, so such streams never reach it. Walks the
 * main header and every tile-part header (SOT lengths). */
static bool j2k_uses_ht(const uint8_t *cs, size_t n)
{
    unsigned csiz = 0;
    size_t pos = 2; /* after SOC */
    if (n < 2)
        return false;
    if (j2k_segments_use_ht(cs, n, &pos, 0x90, &csiz))
        return true;
    while (n - pos >= 12 && cs[pos] == 0xFF && cs[pos + 1] == 0x90) {
        size_t sot = pos;
        uint32_t psot = be32(cs + pos + 6);
        pos += 12; /* SOT segment: marker, Lsot, Isot, Psot, TPsot, TNsot */
        if (j2k_segments_use_ht(cs, n, &pos, 0x93, &csiz))
            return true;
        if (psot == 0 || psot > n - sot)
            break; /* last tile-part, or a length OpenJPEG will reject */
        pos = sot + psot;
    }
    return false;
}

bool rn_j2k_decode(const RnPixelDesc *desc, const uint8_t *src, size_t n,
                   uint8_t *dst, size_t dst_len, RnError **err)
{
    unsigned bytes = (desc->bits_allocated + 7u) / 8u;
    if (bytes != 1 && bytes != 2 && bytes != 4) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "JPEG 2000 in %u bits allocated",
                     (unsigned)desc->bits_allocated);
        return false;
    }
    const uint8_t *cs = src;
    size_t cs_len = n;
    bool jp2 = j2k_is_jp2(src, n);
    if (jp2 && !jp2_codestream(src, n, &cs, &cs_len)) {
        rn_error_set(err, RN_ERROR_PARSE, "JP2 file without a codestream box");
        return false;
    }
    if (j2k_uses_ht(cs, cs_len)) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED,
                     "High-Throughput JPEG 2000 block coding is not supported");
        return false;
    }
    J2kMemory mem = {src, n, 0};
    char msg[200] = "";
    opj_codec_t *codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    opj_stream_t *stream = opj_stream_create(64 * 1024, OPJ_TRUE);
    opj_image_t *img = NULL;
    bool ok = false;
    if (codec == NULL || stream == NULL) {
        rn_error_set(err, RN_ERROR_NOMEM, "out of memory");
        goto done;
    }
    opj_set_error_handler(codec, j2k_on_error, msg);
    opj_set_warning_handler(codec, j2k_quiet, NULL);
    opj_set_info_handler(codec, j2k_quiet, NULL);
    opj_stream_set_read_function(stream, j2k_read);
    opj_stream_set_skip_function(stream, j2k_skip);
    opj_stream_set_seek_function(stream, j2k_seek);
    opj_stream_set_user_data(stream, &mem, NULL);
    opj_stream_set_user_data_length(stream, n);
    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    int threads = rn_codec_threads();
    if (threads > 1)
        opj_codec_set_threads(codec, threads);
    if (!opj_setup_decoder(codec, &params) || !opj_read_header(stream, codec, &img)) {
        rn_error_set(err, RN_ERROR_PARSE, "JPEG 2000: %s",
                     msg[0] ? msg : "cannot read the header");
        goto done;
    }
    /* Check the geometry before decoding, so a header claiming a huge
     * image never makes OpenJPEG allocate for it. */
    if (!j2k_check_image(img, desc, err))
        goto done;
    if (!opj_decode(codec, stream, img) || !opj_end_decompress(codec, stream)) {
        rn_error_set(err, RN_ERROR_PARSE, "JPEG 2000: %s",
                     msg[0] ? msg : "cannot decode codestream");
        goto done;
    }
    for (unsigned c = 0; c < img->numcomps; c++)
        if (img->comps[c].data == NULL) {
            rn_error_set(err, RN_ERROR_PARSE, "JPEG 2000: component %u not decoded", c);
            goto done;
        }
    if ((size_t)img->comps[0].w * img->comps[0].h * img->numcomps * bytes != dst_len) {
        rn_error_set(err, RN_ERROR_INTERNAL, "JPEG 2000 output size mismatch");
        goto done;
    }
    j2k_copy_out(img, dst, bytes);
    ok = true;
done:
    opj_image_destroy(img);
    opj_stream_destroy(stream);
    opj_destroy_codec(codec);
    return ok;
}
