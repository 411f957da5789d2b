/* Unit tests for the codecs on hand-made streams: RLE (PackBits segments,
 * header checks), lossless JPEG (every predictor, point transform,
 * precisions 2..16, 1 and 3 components, interleaved and separate scans,
 * restart intervals) made by a small reference encoder below, and corrupt
 * streams (every truncation, bit flips) that must fail cleanly. */
#include "rn_test.h"

#include "radnet/codec.h"

#include <stdint.h>

/* ---- helpers ------------------------------------------------------------ */

typedef struct Bytes {
    uint8_t *data;
    size_t len, cap;
} Bytes;

static void put(Bytes *b, uint8_t v)
{
    if (b->len == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 256;
        b->data = realloc(b->data, b->cap);
        if (b->data == NULL)
            abort();
    }
    b->data[b->len++] = v;
}

static void put16(Bytes *b, unsigned v)
{
    put(b, (uint8_t)(v >> 8));
    put(b, (uint8_t)v);
}

static RnPixelDesc make_desc(RnTransferSyntax ts, unsigned rows, unsigned cols,
                             unsigned spp, unsigned bits, unsigned stored)
{
    RnPixelDesc d;
    memset(&d, 0, sizeof d);
    d.rows = rows;
    d.columns = cols;
    d.frames = 1;
    d.samples_per_pixel = (uint16_t)spp;
    d.bits_allocated = (uint16_t)bits;
    d.bits_stored = (uint16_t)stored;
    d.high_bit = (uint16_t)(stored - 1);
    strcpy(d.photometric, spp == 3 ? "RGB" : "MONOCHROME2");
    d.transfer_syntax = ts;
    return d;
}

static uint32_t rng_state = 12345;
static uint32_t rng(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

/* Decodes and returns the error code (RN_ERROR_NONE on success). */
static RnErrorCode decode(const RnPixelDesc *d, const uint8_t *src, size_t n,
                          uint8_t *dst, size_t dst_len)
{
    RnError *err = NULL;
    if (rn_codec_decode_frame(d, src, n, dst, dst_len, &err))
        return RN_ERROR_NONE;
    RnErrorCode c = rn_error_code(err);
    rn_error_free(err);
    return c;
}

/* ---- RLE ------------------------------------------------------------------ */

static void rle_header(Bytes *b, unsigned nseg, const uint32_t *offsets)
{
    uint32_t words[16] = {nseg};
    for (unsigned i = 0; i < nseg; i++)
        words[1 + i] = offsets[i];
    for (unsigned i = 0; i < 16; i++)
        for (unsigned k = 0; k < 4; k++)
            put(b, (uint8_t)(words[i] >> (8 * k)));
}

/* PackBits encoder: replicate runs of 3+, literal runs otherwise. */
static void packbits(Bytes *b, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t run = 1;
        while (i + run < n && run < 128 && p[i + run] == p[i])
            run++;
        if (run >= 3) {
            put(b, (uint8_t)(int8_t)(1 - (int)run));
            put(b, p[i]);
            i += run;
            continue;
        }
        size_t lit = 0;
        while (i + lit < n && lit < 128 &&
               !(i + lit + 2 < n && p[i + lit] == p[i + lit + 1] &&
                 p[i + lit] == p[i + lit + 2]))
            lit++;
        put(b, (uint8_t)(lit - 1));
        for (size_t k = 0; k < lit; k++)
            put(b, p[i + k]);
        i += lit;
    }
}

/* Encodes interleaved little-endian samples as a DICOM RLE frame. */
static Bytes rle_encode(const uint8_t *pix, unsigned pixels, unsigned spp, unsigned bytes)
{
    unsigned nseg = spp * bytes;
    Bytes segs[15];
    memset(segs, 0, sizeof segs);
    uint8_t *plane = malloc(pixels);
    for (unsigned s = 0; s < spp; s++)
        for (unsigned k = 0; k < bytes; k++) {
            for (unsigned i = 0; i < pixels; i++)
                plane[i] = pix[(i * spp + s) * bytes + (bytes - 1 - k)];
            packbits(&segs[s * bytes + k], plane, pixels);
            if (segs[s * bytes + k].len % 2)
                put(&segs[s * bytes + k], 0x80); /* odd length: no-op pad */
        }
    free(plane);
    uint32_t offsets[15];
    uint32_t at = 64;
    for (unsigned i = 0; i < nseg; i++) {
        offsets[i] = at;
        at += (uint32_t)segs[i].len;
    }
    Bytes out = {0};
    rle_header(&out, nseg, offsets);
    for (unsigned i = 0; i < nseg; i++) {
        for (size_t k = 0; k < segs[i].len; k++)
            put(&out, segs[i].data[k]);
        free(segs[i].data);
    }
    return out;
}

static void test_rle_hand_made(void)
{
    /* "abc" literal, "x" x3, a -128 no-op, "yz" literal: 8 pixels. */
    static const uint8_t seg[] = {0x02, 'a', 'b', 'c', 0xFE, 'x', 0x80, 0x01, 'y', 'z'};
    Bytes b = {0};
    uint32_t off = 64;
    rle_header(&b, 1, &off);
    for (size_t i = 0; i < sizeof seg; i++)
        put(&b, seg[i]);
    RnPixelDesc d = make_desc(RN_TS_RLE, 2, 4, 1, 8, 8);
    uint8_t out[8];
    CHECK_EQ_INT(decode(&d, b.data, b.len, out, sizeof out), RN_ERROR_NONE);
    CHECK(memcmp(out, "abcxxxyz", 8) == 0);

    /* Same segment against a 3x3 image: one byte short. */
    RnPixelDesc d9 = make_desc(RN_TS_RLE, 3, 3, 1, 8, 8);
    uint8_t out9[9];
    CHECK_EQ_INT(decode(&d9, b.data, b.len, out9, sizeof out9), RN_ERROR_PARSE);
    /* A literal run that claims bytes past the segment end. */
    b.data[64 + 7] = 0x05;
    CHECK_EQ_INT(decode(&d, b.data, b.len, out, sizeof out), RN_ERROR_PARSE);
    b.data[64 + 7] = 0x01;
    /* Segment count that does not match samples x bytes. */
    b.data[0] = 2;
    CHECK_EQ_INT(decode(&d, b.data, b.len, out, sizeof out), RN_ERROR_PARSE);
    b.data[0] = 1;
    /* Offset inside the header, and offset past the end. */
    b.data[4] = 10;
    CHECK_EQ_INT(decode(&d, b.data, b.len, out, sizeof out), RN_ERROR_PARSE);
    b.data[4] = 0xFF;
    CHECK_EQ_INT(decode(&d, b.data, b.len, out, sizeof out), RN_ERROR_PARSE);
    b.data[4] = 64;
    /* No room for a header at all. */
    CHECK_EQ_INT(decode(&d, b.data, 63, out, sizeof out), RN_ERROR_PARSE);
    CHECK_EQ_INT(decode(&d, b.data, b.len, out, sizeof out), RN_ERROR_NONE);
    free(b.data);
}

static void test_rle_round_trip(unsigned spp, unsigned bytes, unsigned rows, unsigned cols)
{
    unsigned pixels = rows * cols;
    size_t len = (size_t)pixels * spp * bytes;
    uint8_t *pix = malloc(len), *out = malloc(len);
    for (size_t i = 0; i < len; i++) /* runs and noise */
        pix[i] = (uint8_t)((i / 37) % 3 == 0 ? (i / 37) : rng());
    Bytes enc = rle_encode(pix, pixels, spp, bytes);
    RnPixelDesc d = make_desc(RN_TS_RLE, rows, cols, spp, bytes * 8, bytes * 8);
    CHECK_EQ_INT(decode(&d, enc.data, enc.len, out, len), RN_ERROR_NONE);
    CHECK_MSG(memcmp(pix, out, len) == 0, "RLE round trip %u samples x %u bytes", spp, bytes);
    /* Every truncation of the last segment must fail, never crash. */
    size_t bad = 0, tried = 0;
    for (size_t cut = 0; cut + 2 < enc.len; cut += 1 + enc.len / 200, tried++)
        bad += decode(&d, enc.data, cut, out, len) == RN_ERROR_PARSE;
    CHECK_EQ_INT(bad, tried);
    free(enc.data);
    free(pix);
    free(out);
}

/* ---- lossless JPEG reference encoder ------------------------------------- */

/* One fixed Huffman table for categories 0..16 (Kraft sum < 1). */
static const uint8_t huff_counts[16] = {0, 1, 3, 3, 3, 3, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0};
static const uint8_t huff_values[17] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

typedef struct BitWriter {
    Bytes *b;
    uint32_t acc;
    int n;
} BitWriter;

static void bits_put(BitWriter *w, uint32_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        w->acc = (w->acc << 1) | ((v >> i) & 1u);
        if (++w->n == 8) {
            put(w->b, (uint8_t)w->acc);
            if ((uint8_t)w->acc == 0xFF)
                put(w->b, 0x00);
            w->acc = 0;
            w->n = 0;
        }
    }
}

static void bits_flush(BitWriter *w)
{
    while (w->n != 0)
        bits_put(w, 1, 1);
}

typedef struct LjParams {
    unsigned rows, cols, ncomp, precision, predictor, pt;
    unsigned restart_rows; /* 0 = none */
    bool separate_scans;
} LjParams;

static int32_t ref_predict(unsigned p, int32_t a, int32_t b, int32_t c)
{
    switch (p) {
    case 1: return a;
    case 2: return b;
    case 3: return c;
    case 4: return a + b - c;
    case 5: return a + ((b - c) >> 1);
    case 6: return b + ((a - c) >> 1);
    default: return (a + b) >> 1;
    }
}

static void encode_diff(BitWriter *w, int32_t diff, uint16_t codes[17], uint8_t lens[17])
{
    diff &= 0xFFFF;
    if (diff >= 32768)
        diff -= 65536;
    unsigned ssss = 0;
    uint32_t mag = (uint32_t)(diff < 0 ? -diff : diff);
    while (mag >> ssss)
        ssss++;
    bits_put(w, codes[ssss], lens[ssss]);
    if (ssss == 0 || ssss == 16)
        return;
    uint32_t extra = diff < 0 ? (uint32_t)(diff - 1) : (uint32_t)diff;
    bits_put(w, extra & ((1u << ssss) - 1u), (int)ssss);
}

/* Encodes the components listed in `comps` as one scan. */
static void encode_scan(Bytes *b, const LjParams *p, const uint16_t *pix,
                        const unsigned *comps, unsigned ns, uint16_t codes[17],
                        uint8_t lens[17])
{
    put16(b, 0xFFDA);
    put16(b, 6 + 2 * ns);
    put(b, (uint8_t)ns);
    for (unsigned j = 0; j < ns; j++) {
        put(b, (uint8_t)(comps[j] + 1));
        put(b, 0x00);
    }
    put(b, (uint8_t)p->predictor);
    put(b, 0);
    put(b, (uint8_t)p->pt);
    BitWriter w = {b, 0, 0};
    unsigned rst = 0;
    for (unsigned y = 0; y < p->rows; y++) {
        bool restart_here = p->restart_rows && y > 0 && y % p->restart_rows == 0;
        if (restart_here) {
            bits_flush(&w);
            put16(b, 0xFFD0 + (rst++ & 7));
        }
        bool first_line = y == 0 || restart_here;
        for (unsigned x = 0; x < p->cols; x++)
            for (unsigned j = 0; j < ns; j++) {
                unsigned c = comps[j];
#define PX(yy, xx) ((int32_t)(pix[((size_t)(yy) * p->cols + (xx)) * p->ncomp + c] >> p->pt))
                int32_t pred;
                if (x == 0 && first_line)
                    pred = 1 << (p->precision - p->pt - 1);
                else if (first_line)
                    pred = PX(y, x - 1);
                else if (x == 0)
                    pred = PX(y - 1, x);
                else
                    pred = ref_predict(p->predictor, PX(y, x - 1), PX(y - 1, x), PX(y - 1, x - 1));
                encode_diff(&w, PX(y, x) - pred, codes, lens);
#undef PX
            }
    }
    bits_flush(&w);
}

static Bytes ljpeg_encode(const LjParams *p, const uint16_t *pix)
{
    uint16_t codes[17];
    uint8_t lens[17];
    unsigned code = 0, k = 0;
    for (unsigned len = 1; len <= 16; len++, code <<= 1)
        for (unsigned i = 0; i < huff_counts[len - 1]; i++, k++) {
            codes[huff_values[k]] = (uint16_t)code++;
            lens[huff_values[k]] = (uint8_t)len;
        }
    Bytes b = {0};
    put16(&b, 0xFFD8);
    put16(&b, 0xFFC4); /* DHT */
    put16(&b, 2 + 1 + 16 + 17);
    put(&b, 0x00);
    for (int i = 0; i < 16; i++)
        put(&b, huff_counts[i]);
    for (int i = 0; i < 17; i++)
        put(&b, huff_values[i]);
    put16(&b, 0xFFC3); /* SOF3 */
    put16(&b, 8 + 3 * p->ncomp);
    put(&b, (uint8_t)p->precision);
    put16(&b, p->rows);
    put16(&b, p->cols);
    put(&b, (uint8_t)p->ncomp);
    for (unsigned c = 0; c < p->ncomp; c++) {
        put(&b, (uint8_t)(c + 1));
        put(&b, 0x11);
        put(&b, 0);
    }
    if (p->restart_rows) {
        put16(&b, 0xFFDD);
        put16(&b, 4);
        put16(&b, p->restart_rows * p->cols);
    }
    unsigned all[4] = {0, 1, 2, 3};
    if (p->separate_scans)
        for (unsigned c = 0; c < p->ncomp; c++)
            encode_scan(&b, p, pix, &all[c], 1, codes, lens);
    else
        encode_scan(&b, p, pix, all, p->ncomp, codes, lens);
    put16(&b, 0xFFD9);
    return b;
}

/* Smooth image plus noise, so every predictor sees both small and large
 * differences, including the extremes 0 and 2^P-1. */
static uint16_t *make_image(const LjParams *p)
{
    size_t n = (size_t)p->rows * p->cols * p->ncomp;
    uint16_t *pix = malloc(n * sizeof *pix);
    uint32_t maxv = (1u << p->precision) - 1u;
    for (size_t i = 0; i < n; i++) {
        size_t px = i / p->ncomp, y = px / p->cols, x = px % p->cols;
        uint32_t v = (uint32_t)((x * 7 + y * 13) * (maxv / 64 + 1)) + (rng() % (maxv / 8 + 2));
        if (i % 97 == 0)
            v = (i / 97) % 2 ? maxv : 0;
        pix[i] = (uint16_t)(v % (maxv + 1));
    }
    return pix;
}

static bool ljpeg_case(const LjParams *p)
{
    uint16_t *pix = make_image(p);
    Bytes enc = ljpeg_encode(p, pix);
    unsigned bytes = p->precision > 8 ? 2 : 1;
    RnPixelDesc d = make_desc(RN_TS_JPEG_LOSSLESS, p->rows, p->cols, p->ncomp,
                              bytes * 8, p->precision);
    size_t n = (size_t)p->rows * p->cols * p->ncomp, len = n * bytes;
    uint8_t *out = malloc(len);
    bool ok = decode(&d, enc.data, enc.len, out, len) == RN_ERROR_NONE;
    for (size_t i = 0; ok && i < n; i++) {
        uint32_t want = (uint32_t)(pix[i] >> p->pt) << p->pt;
        uint32_t got = bytes == 1 ? out[i] : (uint32_t)out[2 * i] | (uint32_t)out[2 * i + 1] << 8;
        if (got != want)
            ok = false;
    }
    free(out);
    free(enc.data);
    free(pix);
    return ok;
}

static void test_ljpeg_matrix(void)
{
    static const unsigned precisions[] = {2, 8, 12, 16};
    for (unsigned pi = 0; pi < 4; pi++)
        for (unsigned pred = 1; pred <= 7; pred++)
            for (unsigned ncomp = 1; ncomp <= 3; ncomp += 2)
                for (unsigned variant = 0; variant < 3; variant++) {
                    LjParams p = {17, 23, ncomp, precisions[pi], pred, 0, 0, false};
                    if (variant == 1) /* point transform */
                        p.pt = p.precision > 2 ? 1 + precisions[pi] / 8 : 1;
                    if (variant == 2) { /* restarts, separate scans */
                        p.restart_rows = 3;
                        p.separate_scans = ncomp > 1;
                    }
                    CHECK_MSG(ljpeg_case(&p),
                              "lossless P=%u predictor %u comps %u pt %u restart %u separate %d",
                              p.precision, pred, ncomp, p.pt, p.restart_rows, p.separate_scans);
                }
}

/* Every truncation inside the entropy-coded data fails; bit flips never
 * crash (ASan/UBSan builds check the "never crash" part). */
static void test_ljpeg_corrupt(void)
{
    LjParams p = {16, 16, 1, 12, 6, 0, 4, false};
    uint16_t *pix = make_image(&p);
    Bytes enc = ljpeg_encode(&p, pix);
    RnPixelDesc d = make_desc(RN_TS_JPEG_LOSSLESS_SV1, 16, 16, 1, 16, 12);
    uint8_t out[16 * 16 * 2];
    size_t tried = 0, failed = 0;
    for (size_t cut = 0; cut + 2 < enc.len; cut++, tried++) /* keep all but EOI */
        failed += decode(&d, enc.data, cut, out, sizeof out) != RN_ERROR_NONE;
    CHECK_EQ_INT(failed, tried);
    CHECK_EQ_INT(decode(&d, enc.data, enc.len - 2, out, sizeof out), RN_ERROR_NONE);
    uint8_t *copy = malloc(enc.len);
    for (size_t i = 0; i < enc.len; i++)
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(copy, enc.data, enc.len);
            copy[i] ^= (uint8_t)(1u << bit);
            RnErrorCode c = decode(&d, copy, enc.len, out, sizeof out);
            CHECK(c == RN_ERROR_NONE || c == RN_ERROR_PARSE || c == RN_ERROR_UNSUPPORTED);
        }
    /* A stream whose SOF disagrees with the DICOM header. */
    RnPixelDesc wrong = d;
    wrong.columns = 15;
    CHECK_EQ_INT(decode(&wrong, enc.data, enc.len, out, 15 * 16 * 2), RN_ERROR_PARSE);
    free(copy);
    free(enc.data);
    free(pix);
}

/* ---- dispatcher ---------------------------------------------------------- */

static void test_dispatch(void)
{
    RnPixelDesc d = make_desc(RN_TS_EXPLICIT_LE, 2, 2, 1, 16, 16);
    uint8_t src[8] = {1, 2, 3, 4, 5, 6, 7, 8}, out[8];
    CHECK_EQ_INT(decode(&d, src, 8, out, 8), RN_ERROR_NONE);
    CHECK(memcmp(src, out, 8) == 0);
    CHECK_EQ_INT(decode(&d, src, 7, out, 8), RN_ERROR_PARSE);   /* short frame */
    CHECK_EQ_INT(decode(&d, src, 8, out, 7), RN_ERROR_INVALID); /* small buffer */
    d.transfer_syntax = RN_TS_ENCAPSULATED_OTHER;
    CHECK(!rn_codec_supported(RN_TS_ENCAPSULATED_OTHER));
    CHECK_EQ_INT(decode(&d, src, 8, out, 8), RN_ERROR_UNSUPPORTED);
    CHECK(rn_codec_supported(RN_TS_JPEG_LOSSLESS_SV1) && rn_codec_supported(RN_TS_J2K));
    /* Garbage for each codec: a clean error. */
    static const RnTransferSyntax enc[] = {RN_TS_JPEG_BASELINE, RN_TS_JPEG_EXTENDED,
                                           RN_TS_JPEG_LOSSLESS, RN_TS_JPEGLS_LOSSLESS,
                                           RN_TS_J2K_LOSSLESS, RN_TS_RLE};
    for (size_t i = 0; i < sizeof enc / sizeof enc[0]; i++) {
        d.transfer_syntax = enc[i];
        CHECK_EQ_INT(decode(&d, src, 8, out, 8), RN_ERROR_PARSE);
    }

    RnPixelDesc s = make_desc(RN_TS_JPEG_BASELINE, 8, 8, 3, 8, 8), o;
    strcpy(s.photometric, "YBR_FULL_422");
    rn_codec_decoded_desc(&s, &o);
    CHECK_EQ_STR(o.photometric, "YBR_FULL");
    CHECK_EQ_INT(o.transfer_syntax, RN_TS_EXPLICIT_LE);
    s.transfer_syntax = RN_TS_J2K_LOSSLESS;
    strcpy(s.photometric, "YBR_RCT");
    s.planar_configuration = 1;
    rn_codec_decoded_desc(&s, &o);
    CHECK_EQ_STR(o.photometric, "RGB");
    CHECK_EQ_INT(o.planar_configuration, 0);
    s.transfer_syntax = RN_TS_EXPLICIT_BE;
    strcpy(s.photometric, "YBR_FULL_422");
    rn_codec_decoded_desc(&s, &o);
    CHECK_EQ_STR(o.photometric, "YBR_FULL_422"); /* native keeps its layout */
    CHECK_EQ_INT(o.planar_configuration, 1);
}

/* Values above BitsStored are cleared (or sign-extended) after RLE, as in
 * gdcm. */
static void test_unused_bits(void)
{
    uint8_t pix[4] = {0x34, 0xF2, 0x34, 0xF8}; /* 0xF234, 0xF834 */
    Bytes enc = rle_encode(pix, 2, 1, 2);
    RnPixelDesc d = make_desc(RN_TS_RLE, 1, 2, 1, 16, 12);
    uint8_t out[4];
    CHECK_EQ_INT(decode(&d, enc.data, enc.len, out, 4), RN_ERROR_NONE);
    CHECK(out[0] == 0x34 && out[1] == 0x02 && out[2] == 0x34 && out[3] == 0x08);
    d.pixel_representation = 1;
    CHECK_EQ_INT(decode(&d, enc.data, enc.len, out, 4), RN_ERROR_NONE);
    CHECK(out[1] == 0x02 && out[3] == 0xF8); /* 0x834 is negative in 12 bits */
    free(enc.data);
}

int main(void)
{
    test_rle_hand_made();
    test_rle_round_trip(1, 1, 31, 17);
    test_rle_round_trip(1, 2, 64, 64);
    test_rle_round_trip(3, 1, 33, 7);
    test_rle_round_trip(3, 2, 10, 10);
    test_rle_round_trip(1, 4, 9, 11);
    test_ljpeg_matrix();
    test_ljpeg_corrupt();
    test_dispatch();
    test_unused_bits();
    TEST_DONE();
}
