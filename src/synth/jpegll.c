/* JPEG lossless encoder: ITU T.81 process 14, selection value 1 (predict
 * from the left neighbour), one component, Huffman table optimised for the
 * frame (Annex K.2), as DICOM transfer syntax 1.2.840.10008.1.2.4.70. */
#include "radnet/synth.h"

#include <string.h>

#define NSYM 17 /* difference categories 0..16 */

typedef struct BitWriter {
    RnBuf *out;
    uint32_t acc;
    int nbits;
    bool ok;
    RnError **err;
} BitWriter;

static void emit_byte(BitWriter *w, uint8_t b)
{
    uint8_t two[2] = {b, 0};
    /* 0xFF in entropy-coded data is followed by a stuffed 0x00. */
    if (w->ok)
        w->ok = rn_buf_append(w->out, two, b == 0xFF ? 2 : 1, w->err);
}

static void put_bits(BitWriter *w, uint32_t code, int n)
{
    while (n > 0) {
        int take = n > 16 ? 16 : n;
        n -= take;
        w->acc = (w->acc << take) | ((code >> n) & ((1u << take) - 1));
        w->nbits += take;
        while (w->nbits >= 8) {
            emit_byte(w, (uint8_t)(w->acc >> (w->nbits - 8)));
            w->nbits -= 8;
        }
        w->acc &= (1u << w->nbits) - 1;
    }
}

static void flush_bits(BitWriter *w)
{
    if (w->nbits > 0)
        put_bits(w, 0x7F, 8 - w->nbits); /* pad with 1-bits */
}

/* Difference modulo 2^16 in -32767..32768 and its category (Annex H). */
static int32_t difference(int32_t x, int32_t pred, int *ssss)
{
    int32_t d = (x - pred) & 0xFFFF;
    if (d > 32768)
        d -= 65536;
    uint32_t mag = (uint32_t)(d < 0 ? -d : d);
    int s = 0;
    while (mag >> s)
        s++;
    *ssss = s;
    return d;
}

static int32_t predict(const uint16_t *px, uint32_t cols, uint32_t r, uint32_t c,
                       int bits)
{
    if (r == 0 && c == 0)
        return 1 << (bits - 1);
    if (c == 0)
        return px[(size_t)(r - 1) * cols];
    return px[(size_t)r * cols + c - 1];
}

/* Code lengths limited to 16 bits, as libjpeg's jpeg_gen_optimal_table: a
 * reserved pseudo-symbol keeps any code from being all ones. */
static void optimal_table(const long *freq_in, uint8_t bits[17], uint8_t *vals,
                          int *nvals)
{
    long freq[NSYM + 1];
    int codesize[NSYM + 1], others[NSYM + 1], count[33] = {0};
    memcpy(freq, freq_in, NSYM * sizeof *freq);
    freq[NSYM] = 1;
    for (int i = 0; i <= NSYM; i++) {
        codesize[i] = 0;
        others[i] = -1;
    }
    for (;;) {
        int c1 = -1, c2 = -1;
        long v = 1L << 62;
        for (int i = 0; i <= NSYM; i++)
            if (freq[i] && freq[i] <= v) { v = freq[i]; c1 = i; }
        v = 1L << 62;
        for (int i = 0; i <= NSYM; i++)
            if (freq[i] && freq[i] <= v && i != c1) { v = freq[i]; c2 = i; }
        if (c2 < 0)
            break;
        freq[c1] += freq[c2];
        freq[c2] = 0;
        for (codesize[c1]++; others[c1] >= 0; codesize[c1]++)
            c1 = others[c1];
        others[c1] = c2;
        for (codesize[c2]++; others[c2] >= 0; codesize[c2]++)
            c2 = others[c2];
    }
    for (int i = 0; i <= NSYM; i++)
        if (codesize[i])
            count[codesize[i]]++;
    for (int i = 32; i > 16; i--) {
        while (count[i] > 0) {
            int j = i - 2;
            while (count[j] == 0)
                j--;
            count[i] -= 2;
            count[i - 1]++;
            count[j + 1] += 2;
            count[j]--;
        }
    }
    int i = 16;
    while (count[i] == 0)
        i--;
    count[i]--; /* drop the pseudo-symbol */
    for (int k = 0; k <= 16; k++)
        bits[k] = (uint8_t)count[k];
    int p = 0;
    for (int len = 1; len <= 32; len++)
        for (int s = 0; s < NSYM; s++)
            if (codesize[s] == len)
                vals[p++] = (uint8_t)s;
    *nvals = p;
}

/* Canonical codes from the BITS/HUFFVAL lists (Annex C). */
static void canonical_codes(const uint8_t bits[17], const uint8_t *vals,
                            uint16_t code[NSYM], uint8_t size[NSYM])
{
    uint16_t c = 0;
    int p = 0;
    for (int len = 1; len <= 16; len++) {
        for (int k = 0; k < bits[len]; k++) {
            code[vals[p]] = c++;
            size[vals[p]] = (uint8_t)len;
            p++;
        }
        c <<= 1;
    }
}

static bool put_marker_segment(RnBuf *out, uint8_t marker, const uint8_t *body,
                               size_t n, RnError **err)
{
    uint8_t hdr[4] = {0xFF, marker, (uint8_t)((n + 2) >> 8), (uint8_t)(n + 2)};
    return rn_buf_append(out, hdr, 4, err) && rn_buf_append(out, body, n, err);
}

static bool write_headers(RnBuf *out, uint32_t rows, uint32_t cols, int bits,
                          const uint8_t hbits[17], const uint8_t *vals, int nvals,
                          RnError **err)
{
    static const uint8_t soi[2] = {0xFF, 0xD8};
    uint8_t sof[9] = {(uint8_t)bits, (uint8_t)(rows >> 8), (uint8_t)rows,
                      (uint8_t)(cols >> 8), (uint8_t)cols, 1, 1, 0x11, 0};
    uint8_t dht[1 + 16 + NSYM];
    dht[0] = 0x00; /* DC class, table 0 */
    memcpy(dht + 1, hbits + 1, 16);
    memcpy(dht + 17, vals, (size_t)nvals);
    /* Ns=1, Cs=1, Td/Ta=0, Ss=1 (predictor), Se=0, Ah/Al=0. */
    static const uint8_t sos[6] = {1, 1, 0x00, 1, 0, 0};
    return rn_buf_append(out, soi, 2, err) &&
           put_marker_segment(out, 0xC3, sof, sizeof sof, err) &&
           put_marker_segment(out, 0xC4, dht, 17 + (size_t)nvals, err) &&
           put_marker_segment(out, 0xDA, sos, sizeof sos, err);
}

bool rn_synth_jpeg_lossless_encode(const uint16_t *px, uint32_t rows,
                                   uint32_t cols, int bits, RnBuf *out,
                                   RnError **err)
{
    if (bits < 2 || bits > 16 || rows == 0 || cols == 0 || rows > 65535 ||
        cols > 65535) {
        rn_error_set(err, RN_ERROR_INVALID, "JPEG lossless: bad frame %ux%u, %d bits",
                     rows, cols, bits);
        return false;
    }
    long freq[NSYM] = {0};
    for (uint32_t r = 0; r < rows; r++)
        for (uint32_t c = 0; c < cols; c++) {
            int s;
            difference(px[(size_t)r * cols + c], predict(px, cols, r, c, bits), &s);
            freq[s]++;
        }
    uint8_t hbits[17], vals[NSYM];
    uint16_t code[NSYM] = {0};
    uint8_t size[NSYM] = {0};
    int nvals;
    optimal_table(freq, hbits, vals, &nvals);
    canonical_codes(hbits, vals, code, size);
    if (!write_headers(out, rows, cols, bits, hbits, vals, nvals, err))
        return false;
    BitWriter w = {out, 0, 0, true, err};
    for (uint32_t r = 0; r < rows && w.ok; r++)
        for (uint32_t c = 0; c < cols; c++) {
            int s;
            int32_t d = difference(px[(size_t)r * cols + c],
                                   predict(px, cols, r, c, bits), &s);
            put_bits(&w, code[s], size[s]);
            if (s > 0 && s < 16)
                put_bits(&w, (uint32_t)(d < 0 ? d - 1 : d) & ((1u << s) - 1), s);
        }
    flush_bits(&w);
    static const uint8_t eoi[2] = {0xFF, 0xD9};
    return w.ok && rn_buf_append(out, eoi, 2, err);
}
