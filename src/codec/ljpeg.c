/* Lossless JPEG, process 14 (ITU-T T.81 annex H; DICOM .4.57 and its
 * selection-value-1 subset .4.70): Huffman-coded differences from one of
 * seven predictors, with point transform, 2..16 bit precision, 1..4
 * components in interleaved or separate scans, and restart intervals.
 *
 * The bit reader never reads past a marker: once it meets one (or the end
 * of the frame) it feeds zero bits and counts them, so a stream that needs
 * more bits than it has is reported as truncated instead of decoding
 * garbage. */
#include "codec/codec_internal.h"

#include <stdlib.h>
#include <string.h>

#define LJ_LOOKAHEAD 10
#define LJ_MAX_COMPONENTS 4

typedef struct LjHuff {
    bool defined;
    /* Indexed by the next LJ_LOOKAHEAD bits: when the code and its extra
     * bits fit, fast_bits is their total length and fast_diff the decoded
     * difference (0 bits = take the slow path). */
    uint8_t fast_bits[1u << LJ_LOOKAHEAD];
    int32_t fast_diff[1u << LJ_LOOKAHEAD];
    /* (code length << 8) | symbol for prefixes whose code is that short. */
    uint16_t lookup[1u << LJ_LOOKAHEAD];
    int32_t maxcode[17]; /* largest code of each length, -1 if none */
    int32_t valoffset[17];
    uint8_t values[256];
} LjHuff;

typedef struct LjScan {
    unsigned ns;                            /* components in this scan */
    unsigned index[LJ_MAX_COMPONENTS];      /* their place in the pixel */
    const LjHuff *table[LJ_MAX_COMPONENTS];
    unsigned predictor, point_transform;
} LjScan;

typedef struct LjDecoder {
    const uint8_t *src;
    size_t n, pos;
    uint64_t acc;   /* bit buffer, next bit in the most significant place */
    int bits;       /* bits held in acc */
    int zero_bits;  /* trailing bits of acc invented past a marker/end */
    bool hit_marker;

    unsigned precision, width, height, ncomp;
    uint8_t comp_id[LJ_MAX_COMPONENTS];
    bool comp_done[LJ_MAX_COMPONENTS];
    bool have_frame;
    unsigned restart_interval;
    LjHuff huff[4];

    uint8_t *dst;
    unsigned bytes; /* output container size */
    unsigned spp;
    int32_t *rows;  /* two lines of reconstructed samples for the scan */
    RnError **err;
} LjDecoder;

static bool lj_fail(LjDecoder *d, RnErrorCode code, const char *what)
{
    rn_error_set_at(d->err, code, d->pos, "lossless JPEG: %s", what);
    return false;
}

/* ---- bit reader -------------------------------------------------------- */

/* Fast path of lj_fill: when the next 8 bytes hold no 0xFF (no stuffing,
 * no marker), append as many whole bytes as fit in one go. */
static bool lj_fill_fast(LjDecoder *d)
{
    if (d->hit_marker || d->n - d->pos < 8)
        return false;
    uint64_t w;
    memcpy(&w, d->src + d->pos, 8);
    w = __builtin_bswap64(w);
    uint64_t inv = ~w; /* a 0xFF byte is a zero byte of inv */
    if (((inv - 0x0101010101010101ull) & ~inv & 0x8080808080808080ull) != 0)
        return false;
    unsigned k = (unsigned)(64 - d->bits) >> 3; /* whole bytes that fit */
    if (k == 0)
        return true;
    uint64_t top = k == 8 ? w : w >> (64 - 8 * k);
    d->acc |= top << (64 - 8 * k - (unsigned)d->bits);
    d->bits += (int)(8 * k);
    d->pos += k;
    return true;
}

static void lj_fill(LjDecoder *d)
{
    if (lj_fill_fast(d))
        return;
    while (d->bits <= 56) {
        uint8_t b = 0;
        bool real = false;
        if (!d->hit_marker && d->pos < d->n) {
            b = d->src[d->pos];
            if (b != 0xFF) {
                d->pos++;
                real = true;
            } else if (d->pos + 1 < d->n && d->src[d->pos + 1] == 0x00) {
                d->pos += 2; /* stuffed 0xFF data byte */
                real = true;
            } else {
                d->hit_marker = true; /* a marker ends the entropy data */
                b = 0;
            }
        }
        if (!real)
            d->zero_bits += 8;
        d->acc |= (uint64_t)b << (56 - d->bits);
        d->bits += 8;
    }
}

/* True when more bits were consumed than the entropy data held. */
static bool lj_overrun(const LjDecoder *d)
{
    return d->bits < d->zero_bits;
}

static void lj_reset_bits(LjDecoder *d)
{
    d->acc = 0;
    d->bits = 0;
    d->zero_bits = 0;
    d->hit_marker = false;
}

/* Extends the `s` extra bits v of category s to a signed difference
 * (T.81 F.2.2.1): values below 2^(s-1) are negative. */
static inline int32_t lj_extend(int32_t v, unsigned s)
{
    return v < (1 << (s - 1)) ? v - (1 << s) + 1 : v;
}

/* Slow path of lj_decode_diff: codes longer than the lookahead, or whose
 * extra bits do not fit in it. */
static bool lj_decode_diff_slow(LjDecoder *d, const LjHuff *h, int32_t *diff)
{
    unsigned e = h->lookup[d->acc >> (64 - LJ_LOOKAHEAD)];
    unsigned s;
    if (e != 0) {
        d->acc <<= e >> 8;
        d->bits -= (int)(e >> 8);
        s = e & 0xFF;
    } else {
        int len = LJ_LOOKAHEAD + 1;
        int32_t code = (int32_t)(d->acc >> (64 - len));
        while (len <= 16 && code > h->maxcode[len]) {
            len++;
            code = (int32_t)(d->acc >> (64 - len));
        }
        if (len > 16)
            return false;
        s = h->values[code + h->valoffset[len]];
        d->acc <<= len;
        d->bits -= len;
    }
    if (s == 0) {
        *diff = 0;
    } else if (s < 16) {
        int32_t v = (int32_t)(d->acc >> (64 - s));
        d->acc <<= s;
        d->bits -= (int)s;
        *diff = lj_extend(v, s);
    } else if (s == 16) {
        *diff = 32768;
    } else {
        return false;
    }
    return true;
}

/* Decodes one difference: a Huffman-coded magnitude category SSSS, then
 * SSSS extra bits (T.81 H.1.2.2; category 16 means 32768, no extra bits).
 * Returns false on a code that is not in the table. */
static inline bool lj_decode_diff(LjDecoder *d, const LjHuff *h, int32_t *diff)
{
    if (d->bits < 32) /* a code and its extra bits take at most 31 */
        lj_fill(d);
    unsigned idx = (unsigned)(d->acc >> (64 - LJ_LOOKAHEAD));
    unsigned nb = h->fast_bits[idx];
    if (nb != 0) {
        d->acc <<= nb;
        d->bits -= (int)nb;
        *diff = h->fast_diff[idx];
        return true;
    }
    return lj_decode_diff_slow(d, h, diff);
}

/* ---- marker segments --------------------------------------------------- */

static unsigned read_u16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* Folds the extra bits into the lookahead where code + extra bits fit. */
static void lj_build_fast(LjHuff *h)
{
    for (unsigned idx = 0; idx < (1u << LJ_LOOKAHEAD); idx++) {
        unsigned e = h->lookup[idx];
        if (e == 0)
            continue;
        unsigned len = e >> 8, s = e & 0xFF;
        if (s == 0 || s == 16) {
            h->fast_bits[idx] = (uint8_t)len;
            h->fast_diff[idx] = s == 16 ? 32768 : 0;
        } else if (s < 16 && len + s <= LJ_LOOKAHEAD) {
            int32_t v = (int32_t)((idx >> (LJ_LOOKAHEAD - len - s)) & ((1u << s) - 1u));
            h->fast_bits[idx] = (uint8_t)(len + s);
            h->fast_diff[idx] = lj_extend(v, s);
        }
    }
}

/* Builds the canonical code (T.81 annex C) and the lookahead tables. */
static bool lj_build_huff(LjHuff *h, const uint8_t counts[16],
                          const uint8_t *values, unsigned total)
{
    memset(h, 0, sizeof *h);
    memcpy(h->values, values, total);
    int32_t code = 0;
    unsigned k = 0;
    for (int len = 1; len <= 16; len++) {
        unsigned cnt = counts[len - 1];
        h->valoffset[len] = (int32_t)k - code;
        if (code + (int32_t)cnt > (1 << len))
            return false; /* over-subscribed: not a prefix code */
        for (unsigned i = 0; i < cnt; i++, k++, code++) {
            if (len <= LJ_LOOKAHEAD) {
                unsigned shift = LJ_LOOKAHEAD - (unsigned)len;
                unsigned first = (unsigned)code << shift;
                for (unsigned j = 0; j < (1u << shift); j++)
                    h->lookup[first + j] = (uint16_t)(len << 8 | values[k]);
            }
        }
        h->maxcode[len] = cnt ? code - 1 : -1;
        code <<= 1;
    }
    lj_build_fast(h);
    h->defined = true;
    return true;
}

static bool lj_parse_dht(LjDecoder *d, const uint8_t *p, size_t len)
{
    while (len > 0) {
        if (len < 17)
            return lj_fail(d, RN_ERROR_PARSE, "short DHT segment");
        unsigned tc = p[0] >> 4, th = p[0] & 15, total = 0;
        for (int i = 0; i < 16; i++)
            total += p[1 + i];
        if (th > 3 || tc > 1 || total > 256 || 17 + (size_t)total > len)
            return lj_fail(d, RN_ERROR_PARSE, "bad DHT table");
        /* Lossless uses DC-class tables; an AC table is ignored. */
        if (tc == 0 && !lj_build_huff(&d->huff[th], p + 1, p + 17, total))
            return lj_fail(d, RN_ERROR_PARSE, "Huffman table is not a prefix code");
        p += 17 + total;
        len -= 17 + total;
    }
    return true;
}

static bool lj_parse_sof3(LjDecoder *d, const RnPixelDesc *desc,
                          const uint8_t *p, size_t len)
{
    if (d->have_frame)
        return lj_fail(d, RN_ERROR_PARSE, "second SOF marker");
    if (len < 6)
        return lj_fail(d, RN_ERROR_PARSE, "short SOF segment");
    d->precision = p[0];
    d->height = read_u16(p + 1);
    d->width = read_u16(p + 3);
    d->ncomp = p[5];
    if (d->precision < 2 || d->precision > 16)
        return lj_fail(d, RN_ERROR_PARSE, "precision outside 2..16");
    if (d->ncomp < 1 || d->ncomp > LJ_MAX_COMPONENTS || len < 6 + 3 * (size_t)d->ncomp)
        return lj_fail(d, RN_ERROR_PARSE, "bad component count");
    for (unsigned c = 0; c < d->ncomp; c++) {
        d->comp_id[c] = p[6 + 3 * c];
        if (p[7 + 3 * c] != 0x11)
            return lj_fail(d, RN_ERROR_UNSUPPORTED, "subsampled components");
    }
    if (d->width != desc->columns || d->height != desc->rows ||
        d->ncomp != desc->samples_per_pixel) {
        rn_error_set(d->err, RN_ERROR_PARSE,
                     "lossless JPEG frame is %ux%u with %u components, DICOM "
                     "says %ux%u with %u samples",
                     d->width, d->height, d->ncomp, (unsigned)desc->columns,
                     (unsigned)desc->rows, (unsigned)desc->samples_per_pixel);
        return false;
    }
    if (d->precision > desc->bits_allocated || desc->bits_allocated > 16)
        return lj_fail(d, RN_ERROR_UNSUPPORTED, "precision larger than bits allocated");
    d->have_frame = true;
    return true;
}

static bool lj_parse_sos(LjDecoder *d, const uint8_t *p, size_t len, LjScan *scan)
{
    if (!d->have_frame)
        return lj_fail(d, RN_ERROR_PARSE, "SOS before SOF");
    if (len < 1 || len < 4 + 2 * (size_t)p[0] || p[0] < 1 || p[0] > d->ncomp)
        return lj_fail(d, RN_ERROR_PARSE, "bad SOS segment");
    scan->ns = p[0];
    for (unsigned j = 0; j < scan->ns; j++) {
        uint8_t id = p[1 + 2 * j], td = p[2 + 2 * j] >> 4;
        unsigned c = 0;
        while (c < d->ncomp && d->comp_id[c] != id)
            c++;
        if (c == d->ncomp || d->comp_done[c])
            return lj_fail(d, RN_ERROR_PARSE, "scan names an unknown or decoded component");
        if (td > 3 || !d->huff[td].defined)
            return lj_fail(d, RN_ERROR_PARSE, "scan uses an undefined Huffman table");
        d->comp_done[c] = true;
        scan->index[j] = c;
        scan->table[j] = &d->huff[td];
    }
    const uint8_t *q = p + 1 + 2 * scan->ns;
    scan->predictor = q[0];
    scan->point_transform = q[2] & 15;
    if (scan->predictor < 1 || scan->predictor > 7)
        return lj_fail(d, RN_ERROR_UNSUPPORTED, "predictor outside 1..7");
    if (scan->point_transform >= d->precision)
        return lj_fail(d, RN_ERROR_PARSE, "point transform not below precision");
    return true;
}

/* ---- scan decoding ----------------------------------------------------- */

/* Decodes samples ns..n-1 of a line of n = width x ns samples, predicting
 * with PRED from left (a), above (b) and above-left (c) (T.81 table H.1).
 * One loop per predictor keeps the choice out of the per-sample path. */
#define LJ_PREDICT_LOOP(PRED)                                                  \
    for (size_t i = ns; i < n; i += ns)                                        \
        for (unsigned j = 0; j < ns; j++) {                                    \
            int32_t diff, a = cur[i + j - ns], b = prev[i + j], c = prev[i + j - ns]; \
            (void)a;                                                           \
            (void)b;                                                           \
            (void)c;                                                           \
            if (!lj_decode_diff(d, tables[j], &diff))                          \
                return false;                                                  \
            cur[i + j] = ((PRED) + diff) & 0xFFFF;                             \
        }

static bool lj_predict_rest(LjDecoder *d, const LjHuff *const *tables, unsigned ns,
                            unsigned predictor, int32_t *cur, const int32_t *prev,
                            size_t n)
{
    switch (predictor) {
    case 1: LJ_PREDICT_LOOP(a); break;
    case 2: LJ_PREDICT_LOOP(b); break;
    case 3: LJ_PREDICT_LOOP(c); break;
    case 4: LJ_PREDICT_LOOP(a + b - c); break;
    case 5: LJ_PREDICT_LOOP(a + ((b - c) >> 1)); break;
    case 6: LJ_PREDICT_LOOP(b + ((a - c) >> 1)); break;
    default: LJ_PREDICT_LOOP((a + b) >> 1); break;
    }
    return true;
}

/* Same for single-component scans, where ns is the constant 1. */
static bool lj_predict_rest1(LjDecoder *d, const LjHuff *table, unsigned predictor,
                             int32_t *cur, const int32_t *prev, size_t n)
{
    const unsigned ns = 1;
    const LjHuff *const tables[1] = {table};
    switch (predictor) {
    case 1: LJ_PREDICT_LOOP(a); break;
    case 2: LJ_PREDICT_LOOP(b); break;
    case 3: LJ_PREDICT_LOOP(c); break;
    case 4: LJ_PREDICT_LOOP(a + b - c); break;
    case 5: LJ_PREDICT_LOOP(a + ((b - c) >> 1)); break;
    case 6: LJ_PREDICT_LOOP(b + ((a - c) >> 1)); break;
    default: LJ_PREDICT_LOOP((a + b) >> 1); break;
    }
    return true;
}

/* Decodes one line. The first line of the scan and of every restart
 * interval predicts from the left only (predictor 1), its first sample
 * from the midpoint 2^(P-Pt-1); later lines predict their first sample
 * from above. */
static bool lj_decode_line(LjDecoder *d, const LjScan *s, int32_t *cur,
                           const int32_t *prev, bool first_line)
{
    unsigned ns = s->ns;
    for (unsigned j = 0; j < ns; j++) {
        int32_t diff;
        if (!lj_decode_diff(d, s->table[j], &diff))
            return lj_fail(d, RN_ERROR_PARSE, "bad Huffman code");
        int32_t pred = first_line ? 1 << (d->precision - s->point_transform - 1)
                                  : prev[j];
        cur[j] = (pred + diff) & 0xFFFF;
    }
    size_t n = (size_t)d->width * ns;
    unsigned predictor = first_line ? 1 : s->predictor;
    bool ok = ns == 1 ? lj_predict_rest1(d, s->table[0], predictor, cur, prev, n)
                      : lj_predict_rest(d, s->table, ns, predictor, cur, prev, n);
    return ok || lj_fail(d, RN_ERROR_PARSE, "bad Huffman code");
}

static void lj_store_line(LjDecoder *d, const LjScan *s, const int32_t *cur, unsigned y)
{
    size_t base = (size_t)y * d->width * d->spp;
    unsigned pt = s->point_transform;
    for (unsigned j = 0; j < s->ns; j++) {
        const int32_t *in = cur + j;
        size_t at = base + s->index[j];
        if (d->bytes == 2) {
            uint8_t *o = d->dst + 2 * at;
            for (unsigned x = 0; x < d->width; x++, in += s->ns, o += 2 * d->spp) {
                uint32_t v = (uint32_t)*in << pt;
                o[0] = (uint8_t)v;
                o[1] = (uint8_t)(v >> 8);
            }
        } else {
            uint8_t *o = d->dst + at;
            for (unsigned x = 0; x < d->width; x++, in += s->ns, o += d->spp)
                *o = (uint8_t)((uint32_t)*in << pt);
        }
    }
}

/* Skips entropy-coded padding up to the next real marker. */
static size_t lj_next_marker(const LjDecoder *d, size_t pos)
{
    while (pos + 1 < d->n &&
           !(d->src[pos] == 0xFF && d->src[pos + 1] != 0x00 && d->src[pos + 1] != 0xFF))
        pos++;
    return pos;
}

static bool lj_restart(LjDecoder *d)
{
    if (lj_overrun(d))
        return lj_fail(d, RN_ERROR_PARSE, "truncated restart interval");
    size_t pos = lj_next_marker(d, d->pos);
    if (pos + 1 >= d->n || (d->src[pos + 1] & 0xF8) != 0xD0)
        return lj_fail(d, RN_ERROR_PARSE, "missing restart marker");
    d->pos = pos + 2;
    lj_reset_bits(d);
    return true;
}

static bool lj_decode_scan(LjDecoder *d, const LjScan *s)
{
    size_t line = (size_t)d->width * s->ns;
    int32_t *cur = d->rows, *prev = d->rows + line;
    unsigned ri = d->restart_interval;
    if (ri != 0 && ri % d->width != 0)
        return lj_fail(d, RN_ERROR_UNSUPPORTED, "restart interval is not whole lines");
    unsigned lines_per_interval = ri ? ri / d->width : 0;
    lj_reset_bits(d);
    unsigned since_restart = 0;
    for (unsigned y = 0; y < d->height; y++) {
        if (lines_per_interval && since_restart == lines_per_interval) {
            if (!lj_restart(d))
                return false;
            since_restart = 0;
        }
        if (!lj_decode_line(d, s, cur, prev, y == 0 || since_restart == 0))
            return false;
        if (lj_overrun(d))
            return lj_fail(d, RN_ERROR_PARSE, "entropy-coded data truncated");
        lj_store_line(d, s, cur, y);
        int32_t *t = cur;
        cur = prev;
        prev = t;
        since_restart++;
    }
    d->pos = lj_next_marker(d, d->pos);
    return true;
}

/* ---- driver ------------------------------------------------------------ */

static bool lj_all_done(const LjDecoder *d)
{
    if (!d->have_frame)
        return false;
    for (unsigned c = 0; c < d->ncomp; c++)
        if (!d->comp_done[c])
            return false;
    return true;
}

/* Handles the marker at d->pos; sets *end at EOI. */
static bool lj_marker(LjDecoder *d, const RnPixelDesc *desc, bool *end)
{
    while (d->pos + 1 < d->n && d->src[d->pos] == 0xFF && d->src[d->pos + 1] == 0xFF)
        d->pos++;
    if (d->pos + 1 >= d->n || d->src[d->pos] != 0xFF)
        return lj_fail(d, RN_ERROR_PARSE, "expected a marker");
    uint8_t m = d->src[d->pos + 1];
    d->pos += 2;
    if (m == 0xD9) {
        *end = true;
        return true;
    }
    if ((m & 0xF8) == 0xD0 || m == 0x01)
        return true; /* stray RSTn / TEM carry no segment */
    if (d->pos + 2 > d->n)
        return lj_fail(d, RN_ERROR_PARSE, "truncated marker segment");
    size_t len = read_u16(d->src + d->pos);
    if (len < 2 || len > d->n - d->pos)
        return lj_fail(d, RN_ERROR_PARSE, "marker segment length out of range");
    const uint8_t *p = d->src + d->pos + 2;
    size_t plen = len - 2;
    d->pos += len;
    switch (m) {
    case 0xC3:
        return lj_parse_sof3(d, desc, p, plen);
    case 0xC4:
        return lj_parse_dht(d, p, plen);
    case 0xDD:
        if (plen < 2)
            return lj_fail(d, RN_ERROR_PARSE, "short DRI segment");
        d->restart_interval = read_u16(p);
        return true;
    case 0xDA: {
        LjScan scan = {0};
        return lj_parse_sos(d, p, plen, &scan) && lj_decode_scan(d, &scan);
    }
    default:
        if (m >= 0xC0 && m <= 0xCF && m != 0xC8 && m != 0xCC)
            return lj_fail(d, RN_ERROR_UNSUPPORTED, "not a Huffman lossless JPEG");
        return true; /* APPn, COM, DQT, DNL...: nothing we need */
    }
}

bool rn_ljpeg_decode(const RnPixelDesc *desc, const uint8_t *src, size_t n,
                     uint8_t *dst, size_t dst_len, RnError **err)
{
    LjDecoder *d = calloc(1, sizeof *d);
    if (d == NULL) {
        rn_error_set(err, RN_ERROR_NOMEM, "out of memory");
        return false;
    }
    d->src = src;
    d->n = n;
    d->dst = dst;
    d->err = err;
    d->spp = desc->samples_per_pixel;
    d->bytes = desc->bits_allocated > 8 ? 2 : 1;
    bool ok = true, end = false;
    if (n < 2 || src[0] != 0xFF || src[1] != 0xD8)
        ok = lj_fail(d, RN_ERROR_PARSE, "frame does not start with SOI");
    d->pos = 2;
    while (ok && !end && d->pos < d->n) {
        if (d->have_frame && d->rows == NULL) {
            if ((size_t)d->width * d->height * d->spp * d->bytes != dst_len) {
                ok = lj_fail(d, RN_ERROR_INTERNAL, "output size mismatch");
                break;
            }
            d->rows = calloc((size_t)2 * d->width * d->ncomp, sizeof *d->rows);
            if (d->rows == NULL) {
                ok = lj_fail(d, RN_ERROR_NOMEM, "out of memory");
                break;
            }
        }
        ok = lj_marker(d, desc, &end);
    }
    if (ok && !lj_all_done(d))
        ok = lj_fail(d, RN_ERROR_PARSE, "frame ends before every component was decoded");
    free(d->rows);
    free(d);
    return ok;
}
