/* Specific Character Set (0008,0005) to UTF-8, after PS3.3 C.12.1.1.2 and
 * PS3.5 6.1: single-byte repertoires, UTF-8, GB18030/GBK, and ISO 2022
 * code extension (escape sequences switching G0/G1 code elements, with the
 * state reset to the first value's elements at each delimiter). The
 * conversions themselves are glibc iconv's. Bytes that a repertoire cannot
 * convert become U+FFFD; text without a declared repertoire that is not
 * ASCII is read as Latin-1 (the most common undeclared encoding). */
#include "dicom/internal.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

/* A code element: what a G0 or G1 designation selects. */
typedef enum Element {
    EL_NONE = 0,
    EL_ASCII,
    EL_ROMAJI,     /* JIS X 0201 Roman (G0 of ISO-IR 14/13) */
    EL_JIS0208,    /* ISO-IR 87, 2 bytes in G0 */
    EL_JIS0212,    /* ISO-IR 159, 2 bytes in G0 */
    EL_KATAKANA,   /* JIS X 0201 Katakana (G1 of ISO-IR 13) */
    EL_KSX1001,    /* ISO-IR 149, 2 bytes in G1 */
    EL_GB2312,     /* ISO-IR 58, 2 bytes in G1 */
    EL_LATIN1, EL_LATIN2, EL_LATIN3, EL_LATIN4, EL_CYRILLIC, EL_ARABIC,
    EL_GREEK, EL_HEBREW, EL_LATIN5, EL_THAI,
    EL_COUNT
} Element;

/* iconv name that converts this element's bytes (after the mapping done
 * in queue()), and its width in bytes. NULL = ASCII (JIS X 0201 Roman
 * differs from ASCII only in 0x5C and 0x7E, which dcmtk keeps as ASCII;
 * glibc has no JIS X 0201 converter, its Katakana half is Shift_JIS's
 * single-byte range). */
static const struct {
    const char *iconv;
    uint8_t width;
} elements[EL_COUNT] = {
    [EL_ASCII] = {NULL, 1},          [EL_ROMAJI] = {NULL, 1},
    [EL_JIS0208] = {"EUC-JP", 2},    [EL_JIS0212] = {"EUC-JP", 2},
    [EL_KATAKANA] = {"SHIFT_JIS", 1}, [EL_KSX1001] = {"EUC-KR", 2},
    [EL_GB2312] = {"GB2312", 2},     [EL_LATIN1] = {"ISO-8859-1", 1},
    [EL_LATIN2] = {"ISO-8859-2", 1}, [EL_LATIN3] = {"ISO-8859-3", 1},
    [EL_LATIN4] = {"ISO-8859-4", 1}, [EL_CYRILLIC] = {"ISO-8859-5", 1},
    [EL_ARABIC] = {"ISO-8859-6", 1}, [EL_GREEK] = {"ISO-8859-7", 1},
    [EL_HEBREW] = {"ISO-8859-8", 1}, [EL_LATIN5] = {"ISO-8859-9", 1},
    [EL_THAI] = {"TIS-620", 1},
};

/* Defined terms, normalised (letters and digits only, upper case). */
typedef struct Term {
    const char *key;
    Element g0, g1;
    const char *whole; /* non-ISO 2022 multi-byte: iconv for the whole text */
} Term;

static const Term terms[] = {
    {"ISOIR6", EL_ASCII, EL_NONE, NULL},
    {"ISOIR100", EL_ASCII, EL_LATIN1, NULL},
    {"ISOIR101", EL_ASCII, EL_LATIN2, NULL},
    {"ISOIR109", EL_ASCII, EL_LATIN3, NULL},
    {"ISOIR110", EL_ASCII, EL_LATIN4, NULL},
    {"ISOIR144", EL_ASCII, EL_CYRILLIC, NULL},
    {"ISOIR127", EL_ASCII, EL_ARABIC, NULL},
    {"ISOIR126", EL_ASCII, EL_GREEK, NULL},
    {"ISOIR138", EL_ASCII, EL_HEBREW, NULL},
    {"ISOIR148", EL_ASCII, EL_LATIN5, NULL},
    {"ISOIR166", EL_ASCII, EL_THAI, NULL},
    {"ISOIR13", EL_ROMAJI, EL_KATAKANA, NULL},
    {"ISOIR192", EL_NONE, EL_NONE, "UTF-8"},
    {"GB18030", EL_NONE, EL_NONE, "GB18030"},
    {"GBK", EL_NONE, EL_NONE, "GBK"},
    {"ISO2022IR6", EL_ASCII, EL_NONE, NULL},
    {"ISO2022IR100", EL_ASCII, EL_LATIN1, NULL},
    {"ISO2022IR101", EL_ASCII, EL_LATIN2, NULL},
    {"ISO2022IR109", EL_ASCII, EL_LATIN3, NULL},
    {"ISO2022IR110", EL_ASCII, EL_LATIN4, NULL},
    {"ISO2022IR144", EL_ASCII, EL_CYRILLIC, NULL},
    {"ISO2022IR127", EL_ASCII, EL_ARABIC, NULL},
    {"ISO2022IR126", EL_ASCII, EL_GREEK, NULL},
    {"ISO2022IR138", EL_ASCII, EL_HEBREW, NULL},
    {"ISO2022IR148", EL_ASCII, EL_LATIN5, NULL},
    {"ISO2022IR166", EL_ASCII, EL_THAI, NULL},
    {"ISO2022IR13", EL_ROMAJI, EL_KATAKANA, NULL},
    {"ISO2022IR87", EL_JIS0208, EL_NONE, NULL},
    {"ISO2022IR159", EL_JIS0212, EL_NONE, NULL},
    {"ISO2022IR149", EL_ASCII, EL_KSX1001, NULL},
    {"ISO2022IR58", EL_ASCII, EL_GB2312, NULL},
};

/* Escape sequences (after ESC) and the element they designate. */
static const struct {
    const char *seq;
    Element el;
    bool g1;
} escapes[] = {
    {"(B", EL_ASCII, false},    {"(J", EL_ROMAJI, false},
    {")I", EL_KATAKANA, true},  {"$B", EL_JIS0208, false},
    {"$@", EL_JIS0208, false},  {"$(D", EL_JIS0212, false},
    {"$)C", EL_KSX1001, true},  {"$)A", EL_GB2312, true},
    {"-A", EL_LATIN1, true},    {"-B", EL_LATIN2, true},
    {"-C", EL_LATIN3, true},    {"-D", EL_LATIN4, true},
    {"-L", EL_CYRILLIC, true},  {"-G", EL_ARABIC, true},
    {"-F", EL_GREEK, true},     {"-H", EL_HEBREW, true},
    {"-M", EL_LATIN5, true},    {"-T", EL_THAI, true},
};

struct RnCharset {
    Element g0, g1;      /* initial state */
    const char *whole;   /* UTF-8 / GB18030 / GBK */
    bool iso2022;
};

static const Term *find_term(const char *s, size_t n)
{
    char key[32];
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < sizeof key; i++)
        if (isalnum((unsigned char)s[i]))
            key[k++] = (char)toupper((unsigned char)s[i]);
    key[k] = 0;
    if (k == 0)
        return &terms[0];
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++)
        if (strcmp(terms[i].key, key) == 0)
            return &terms[i];
    return NULL;
}

RnCharset *rn_charset_parse(const uint8_t *value, size_t n, RnError **err)
{
    RnCharset cs = {EL_ASCII, EL_NONE, NULL, false};
    size_t begin = 0;
    bool first = true, any = false;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && value[i] != '\\')
            continue;
        const Term *t = find_term((const char *)value + begin, i - begin);
        if (t && strncmp(t->key, "ISO2022", 7) == 0)
            cs.iso2022 = true;
        if (first && t) {
            cs.g0 = t->g0 ? t->g0 : EL_ASCII;
            cs.g1 = t->g1;
            cs.whole = t->whole;
            any = t != &terms[0] || cs.iso2022;
        }
        first = false;
        begin = i + 1;
    }
    if (!any && !cs.iso2022)
        return NULL; /* default repertoire (or an unknown term: dcmtk too
                        leaves such text unconverted) */
    RnCharset *r = rn_malloc(sizeof *r, err);
    if (r)
        *r = cs;
    return r;
}

void rn_charset_free(RnCharset *cs) { free(cs); }

/* ---- conversion ----------------------------------------------------------- */

/* iconv descriptors opened during one decode (closed at its end). */
typedef struct Converter {
    const char *name[4];
    iconv_t cd[4];
    int n;
} Converter;

static iconv_t converter_get(Converter *c, const char *name)
{
    for (int i = 0; i < c->n; i++)
        if (c->name[i] == name)
            return c->cd[i];
    iconv_t cd = iconv_open("UTF-8", name);
    if (cd != (iconv_t)-1 && c->n < 4) {
        c->name[c->n] = name;
        c->cd[c->n++] = cd;
    }
    return cd;
}

static void converter_close(Converter *c)
{
    for (int i = 0; i < c->n; i++)
        iconv_close(c->cd[i]);
}

static bool append_replacement(RnBuf *out, RnError **err)
{
    return rn_buf_append_utf8(out, 0xFFFD, err);
}

/* Converts with iconv; unconvertible bytes become U+FFFD. */
static bool convert(Converter *c, const char *name, const uint8_t *s, size_t n,
                    RnBuf *out, RnError **err)
{
    iconv_t cd = converter_get(c, name);
    if (cd == (iconv_t)-1)
        return rn_text_append_exact(out, s, n, RN_TEXT_LATIN1, err);
    iconv(cd, NULL, NULL, NULL, NULL);
    char *in = (char *)s;
    size_t left = n;
    while (left > 0) {
        if (!rn_buf_reserve(out, left * 4 + 16, err))
            return false;
        char *o = (char *)out->data + out->len;
        size_t room = out->cap - out->len;
        size_t r = iconv(cd, &in, &left, &o, &room);
        out->len = (size_t)((uint8_t *)o - out->data);
        if (r == (size_t)-1 && errno != E2BIG) {
            /* EILSEQ or EINVAL (incomplete sequence): skip one byte. */
            if (!append_replacement(out, err))
                return false;
            in++;
            left--;
            iconv(cd, NULL, NULL, NULL, NULL);
        }
    }
    return true;
}

static bool is_ascii(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 0x80 || s[i] == 0x1B)
            return false;
    return true;
}

/* ---- ISO 2022 ------------------------------------------------------------- */

typedef struct State {
    Element g0, g1;
} State;

/* Parses an escape sequence at s (s[0] == ESC); returns its length, or 0
 * when it is not one we know. */
static size_t escape(const uint8_t *s, size_t n, State *st)
{
    for (size_t i = 0; i < sizeof escapes / sizeof escapes[0]; i++) {
        size_t k = strlen(escapes[i].seq);
        if (n >= k + 1 && memcmp(s + 1, escapes[i].seq, k) == 0) {
            if (escapes[i].g1)
                st->g1 = escapes[i].el;
            else
                st->g0 = escapes[i].el;
            return k + 1;
        }
    }
    return 0;
}

static bool is_delimiter(uint8_t c, bool pn)
{
    return c == '\\' || c == '\r' || c == '\n' || c == '\f' || c == '\t' ||
           (pn && (c == '^' || c == '='));
}

/* Pending bytes of one code element, converted in one iconv call. */
typedef struct Run {
    Element el;
    RnBuf bytes;
} Run;

static bool flush(Run *run, Converter *c, RnBuf *out, RnError **err)
{
    bool ok = true;
    if (run->bytes.len) {
        const char *name = elements[run->el].iconv;
        ok = name ? convert(c, name, run->bytes.data, run->bytes.len, out, err)
                  : rn_text_append_exact(out, run->bytes.data, run->bytes.len,
                                         RN_TEXT_LATIN1, err);
    }
    run->bytes.len = 0;
    return ok;
}

/* Queues one character (1 or 2 bytes) of element el, mapped to the byte
 * form its iconv converter expects. */
static bool queue(Run *run, Element el, const uint8_t *s, size_t n, Converter *c,
                  RnBuf *out, RnError **err)
{
    if (run->el != el && !flush(run, c, out, err))
        return false;
    run->el = el;
    uint8_t b[3];
    size_t k = 0;
    if (el == EL_JIS0212)
        b[k++] = 0x8F;
    for (size_t i = 0; i < n; i++)
        b[k++] = (el == EL_JIS0208 || el == EL_JIS0212) ? (uint8_t)(s[i] | 0x80) : s[i];
    return rn_buf_append(&run->bytes, b, k, err);
}

static bool decode_2022(const RnCharset *cs, const uint8_t *s, size_t n, bool pn,
                        RnBuf *out, RnError **err)
{
    State st = {cs->g0, cs->g1};
    Converter c = {0};
    Run run = {EL_NONE, RN_BUF_INIT};
    bool ok = true;
    size_t i = 0;
    while (ok && i < n) {
        uint8_t b = s[i];
        size_t k;
        if (b == 0x1B && (k = escape(s + i, n - i, &st)) > 0) {
            i += k;
            continue;
        }
        Element el = b < 0x80 ? st.g0 : st.g1;
        size_t width = el ? elements[el].width : 1;
        if (el == EL_ASCII || el == EL_NONE || b < 0x20 || (b < 0x80 && width == 2 && b == 0x20)) {
            ok = flush(&run, &c, out, err) &&
                 rn_text_append_exact(out, &b, 1, RN_TEXT_LATIN1, err);
            if (b < 0x80 && width == 1 && is_delimiter(b, pn))
                st = (State){cs->g0, cs->g1};
            i++;
            continue;
        }
        if (width == 2 && i + 1 >= n) {
            ok = flush(&run, &c, out, err) && append_replacement(out, err);
            i++;
            continue;
        }
        if (el == EL_ROMAJI && is_delimiter(b, pn))
            st = (State){cs->g0, cs->g1};
        ok = queue(&run, el, s + i, width, &c, out, err);
        i += width;
    }
    ok = ok && flush(&run, &c, out, err);
    rn_buf_free(&run.bytes);
    converter_close(&c);
    return ok;
}

bool rn_charset_decode(const RnCharset *cs, const uint8_t *in, size_t n,
                       bool pn, RnBuf *out, RnError **err)
{
    bool ok;
    if (is_ascii(in, n)) {
        ok = rn_buf_append(out, in, n, err);
    } else if (cs == NULL) {
        ok = rn_text_append_exact(out, in, n, RN_TEXT_LATIN1, err);
    } else if (cs->whole && strcmp(cs->whole, "UTF-8") == 0) {
        ok = rn_text_append_exact(out, in, n, RN_TEXT_UTF8, err);
    } else if (cs->whole) {
        Converter c = {0};
        ok = convert(&c, cs->whole, in, n, out, err);
        converter_close(&c);
    } else {
        ok = decode_2022(cs, in, n, pn, out, err);
    }
    return ok && rn_buf_terminate(out, err);
}
