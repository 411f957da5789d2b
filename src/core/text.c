/* The one decoder of plain text files (reports, CSV) to UTF-8. */
#include "radnet/core.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REPLACEMENT 0xFFFDu

/* ISO-8859-2 0xA0..0xFF (0x80..0x9F are the C1 controls, kept as is). */
static const uint16_t latin2_high[96] = {
    0x00A0, 0x0104, 0x02D8, 0x0141, 0x00A4, 0x013D, 0x015A, 0x00A7,
    0x00A8, 0x0160, 0x015E, 0x0164, 0x0179, 0x00AD, 0x017D, 0x017B,
    0x00B0, 0x0105, 0x02DB, 0x0142, 0x00B4, 0x013E, 0x015B, 0x02C7,
    0x00B8, 0x0161, 0x015F, 0x0165, 0x017A, 0x02DD, 0x017E, 0x017C,
    0x0154, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x0139, 0x0106, 0x00C7,
    0x010C, 0x00C9, 0x0118, 0x00CB, 0x011A, 0x00CD, 0x00CE, 0x010E,
    0x0110, 0x0143, 0x0147, 0x00D3, 0x00D4, 0x0150, 0x00D6, 0x00D7,
    0x0158, 0x016E, 0x00DA, 0x0170, 0x00DC, 0x00DD, 0x0162, 0x00DF,
    0x0155, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x013A, 0x0107, 0x00E7,
    0x010D, 0x00E9, 0x0119, 0x00EB, 0x011B, 0x00ED, 0x00EE, 0x010F,
    0x0111, 0x0144, 0x0148, 0x00F3, 0x00F4, 0x0151, 0x00F6, 0x00F7,
    0x0159, 0x016F, 0x00FA, 0x0171, 0x00FC, 0x00FD, 0x0163, 0x02D9,
};

/* Windows-1250 0x80..0xBF (unassigned bytes: U+FFFD); from 0xC0 up it is
 * ISO-8859-2's letters. */
static const uint16_t cp1250_high[64] = {
    0x20AC, 0xFFFD, 0x201A, 0xFFFD, 0x201E, 0x2026, 0x2020, 0x2021,
    0xFFFD, 0x2030, 0x0160, 0x2039, 0x015A, 0x0164, 0x017D, 0x0179,
    0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0xFFFD, 0x2122, 0x0161, 0x203A, 0x015B, 0x0165, 0x017E, 0x017A,
    0x00A0, 0x02C7, 0x02D8, 0x0141, 0x00A4, 0x0104, 0x00A6, 0x00A7,
    0x00A8, 0x00A9, 0x015E, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x017B,
    0x00B0, 0x00B1, 0x02DB, 0x0142, 0x00B4, 0x00B5, 0x00B6, 0x00B7,
    0x00B8, 0x0105, 0x015F, 0x00BB, 0x013D, 0x02DD, 0x013E, 0x017C,
};

static const struct {
    const char *name;
    RnTextCharset charset;
} charset_names[] = {
    {"auto", RN_TEXT_AUTO},          {"utf-8", RN_TEXT_UTF8},
    {"utf8", RN_TEXT_UTF8},          {"latin1", RN_TEXT_LATIN1},
    {"latin-1", RN_TEXT_LATIN1},     {"iso-8859-1", RN_TEXT_LATIN1},
    {"iso8859-1", RN_TEXT_LATIN1},   {"latin2", RN_TEXT_LATIN2},
    {"latin-2", RN_TEXT_LATIN2},     {"iso-8859-2", RN_TEXT_LATIN2},
    {"iso8859-2", RN_TEXT_LATIN2},   {"cp1250", RN_TEXT_CP1250},
    {"windows-1250", RN_TEXT_CP1250}, {"win1250", RN_TEXT_CP1250},
};

bool rn_text_charset_parse(const char *name, RnTextCharset *out)
{
    for (size_t i = 0; i < sizeof charset_names / sizeof charset_names[0]; i++)
        if (strcasecmp(name, charset_names[i].name) == 0) {
            *out = charset_names[i].charset;
            return true;
        }
    return false;
}

const char *rn_text_charset_name(RnTextCharset c)
{
    static const char *const names[] = {
        [RN_TEXT_AUTO] = "auto",         [RN_TEXT_UTF8] = "utf-8",
        [RN_TEXT_LATIN1] = "iso-8859-1", [RN_TEXT_LATIN2] = "iso-8859-2",
        [RN_TEXT_CP1250] = "windows-1250",
    };
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "unknown";
}

bool rn_buf_append_utf8(RnBuf *b, uint32_t cp, RnError **err)
{
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = REPLACEMENT;
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp, n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xC0 | (cp >> 6)), n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xE0 | (cp >> 12)), n = 3;
    } else {
        u[0] = (uint8_t)(0xF0 | (cp >> 18)), n = 4;
    }
    for (size_t i = 1; i < n; i++)
        u[i] = (uint8_t)(0x80 | ((cp >> (6 * (n - 1 - i))) & 0x3F));
    return rn_buf_append(b, u, n, err);
}

/* Length of the well-formed UTF-8 sequence at s (n > 0 bytes left), or 0. */
static size_t utf8_sequence(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    uint32_t min;
    if ((c & 0xE0) == 0xC0)
        len = 2, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
        len = 3, min = 0x800;
    else if ((c & 0xF8) == 0xF0)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    uint32_t cp = c & (0x7Fu >> len);
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

bool rn_text_utf8_valid(const uint8_t *s, size_t n)
{
    for (size_t i = 0, len; i < n; i += len)
        if ((len = utf8_sequence(s + i, n - i)) == 0)
            return false;
    return true;
}

static bool append_valid_utf8(RnBuf *out, const uint8_t *s, size_t n, RnError **err)
{
    static const uint8_t replacement[] = {0xEF, 0xBF, 0xBD};
    size_t i = 0;
    while (i < n) {
        size_t run = i, len;
        while (run < n && (len = utf8_sequence(s + run, n - run)) > 0)
            run += len;
        if (!rn_buf_append(out, s + i, run - i, err))
            return false;
        if (run < n && !rn_buf_append(out, replacement, sizeof replacement, err))
            return false;
        i = run + 1; /* one U+FFFD per bad byte */
    }
    return true;
}

static uint32_t decode_byte(uint8_t b, RnTextCharset charset)
{
    if (b < 0x80)
        return b;
    switch (charset) {
    case RN_TEXT_LATIN2: return b >= 0xA0 ? latin2_high[b - 0xA0] : b;
    case RN_TEXT_CP1250: return b < 0xC0 ? cp1250_high[b - 0x80] : latin2_high[b - 0xA0];
    default: return b; /* Latin-1 is the first 256 code points */
    }
}

/* For AUTO on non-UTF-8 bytes: 0x80..0x9F are C1 controls in ISO-8859-2
 * (never in real text) but letters and punctuation in Windows-1250. */
static RnTextCharset guess_single_byte(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 0x80 && s[i] <= 0x9F)
            return RN_TEXT_CP1250;
    return RN_TEXT_LATIN2;
}

bool rn_text_append_exact(RnBuf *out, const uint8_t *s, size_t n,
                          RnTextCharset charset, RnError **err)
{
    if (charset == RN_TEXT_AUTO)
        charset = rn_text_utf8_valid(s, n) ? RN_TEXT_UTF8 : guess_single_byte(s, n);
    if (charset == RN_TEXT_UTF8)
        return append_valid_utf8(out, s, n, err);
    if (charset != RN_TEXT_LATIN1 && charset != RN_TEXT_LATIN2 &&
        charset != RN_TEXT_CP1250) {
        rn_error_set(err, RN_ERROR_INVALID, "unknown character set %d", (int)charset);
        return false;
    }
    if (!rn_buf_reserve(out, n + n / 4, err))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!rn_buf_append_utf8(out, decode_byte(s[i], charset), err))
            return false;
    return true;
}

bool rn_text_append_utf8(RnBuf *out, const uint8_t *s, size_t n,
                         RnTextCharset charset, RnError **err)
{
    if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)
        s += 3, n -= 3;
    return rn_text_append_exact(out, s, n, charset, err);
}

char *rn_text_to_utf8(const uint8_t *s, size_t n, RnTextCharset charset,
                      size_t *len, RnError **err)
{
    RnBuf b = RN_BUF_INIT;
    if (!rn_text_append_utf8(&b, s, n, charset, err) || !rn_buf_terminate(&b, err)) {
        rn_buf_free(&b);
        return NULL;
    }
    if (len)
        *len = b.len;
    return (char *)b.data;
}
