/* Text decoding: the three single-byte tables against Python's codecs,
 * UTF-8 validation and repair, auto-detection, charset names. */
#include "rn_test.h"

#include "radnet/core.h"

static char *decode(const char *s, RnTextCharset cs)
{
    return rn_text_to_utf8((const uint8_t *)s, strlen(s), cs, NULL, NULL);
}

static void check_decode(const char *in, RnTextCharset cs, const char *want)
{
    char *got = decode(in, cs);
    CHECK(got != NULL);
    if (got)
        CHECK_EQ_STR(got, want);
    free(got);
}

static void test_single_byte(void)
{
    /* "čćđšž ČĆĐŠŽ" in each encoding (bytes from Python's codecs). */
    const char *utf8 = "\xC4\x8D\xC4\x87\xC4\x91\xC5\xA1\xC5\xBE \xC4\x8C\xC4\x86\xC4\x90\xC5\xA0\xC5\xBD";
    check_decode("\xE8\xE6\xF0\xB9\xBE \xC8\xC6\xD0\xA9\xAE", RN_TEXT_LATIN2, utf8);
    check_decode("\xE8\xE6\xF0\x9A\x9E \xC8\xC6\xD0\x8A\x8E", RN_TEXT_CP1250, utf8);
    check_decode("\xE9t\xE9 \xA9", RN_TEXT_LATIN1, "\xC3\xA9t\xC3\xA9 \xC2\xA9");
    /* Auto: C1 bytes mean Windows-1250, otherwise ISO-8859-2. */
    check_decode("\xE8\xE6\xF0\x9A\x9E \xC8\xC6\xD0\x8A\x8E", RN_TEXT_AUTO, utf8);
    check_decode("\xE8\xE6\xF0\xB9\xBE \xC8\xC6\xD0\xA9\xAE", RN_TEXT_AUTO, utf8);
    check_decode(utf8, RN_TEXT_AUTO, utf8);
    /* Unassigned Windows-1250 byte. */
    check_decode("a\x81z", RN_TEXT_CP1250, "a\xEF\xBF\xBDz");
    /* The BOM goes. */
    check_decode("\xEF\xBB\xBFok", RN_TEXT_UTF8, "ok");
}

static void test_utf8(void)
{
    const struct {
        const char *s;
        bool valid;
    } cases[] = {
        {"plain", true},          {"\xC5\xA1", true},        {"\xF0\x9F\x98\x80", true},
        {"\xC0\xAF", false},      /* overlong */ {"\xED\xA0\x80", false}, /* surrogate */
        {"\xF4\x90\x80\x80", false}, /* > U+10FFFF */ {"\xC5", false}, /* truncated */
        {"\x80", false},          {"\xFF", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_MSG(rn_text_utf8_valid((const uint8_t *)cases[i].s, strlen(cases[i].s)) ==
                      cases[i].valid, "case %zu", i);
    check_decode("a\xC0\xAFz\xC5", RN_TEXT_UTF8, "a\xEF\xBF\xBD\xEF\xBF\xBDz\xEF\xBF\xBD");
    check_decode("\xC5\xA1\xFF\xC5\xA1", RN_TEXT_UTF8, "\xC5\xA1\xEF\xBF\xBD\xC5\xA1");
    size_t len = 99;
    char *empty = rn_text_to_utf8((const uint8_t *)"", 0, RN_TEXT_AUTO, &len, NULL);
    CHECK(empty != NULL && len == 0 && empty[0] == 0);
    free(empty);
}

static void test_names(void)
{
    RnTextCharset c = RN_TEXT_AUTO;
    CHECK(rn_text_charset_parse("ISO-8859-2", &c) && c == RN_TEXT_LATIN2);
    CHECK(rn_text_charset_parse("windows-1250", &c) && c == RN_TEXT_CP1250);
    CHECK(rn_text_charset_parse("UTF8", &c) && c == RN_TEXT_UTF8);
    CHECK(!rn_text_charset_parse("ebcdic", &c));
    for (int i = RN_TEXT_AUTO; i <= RN_TEXT_CP1250; i++) {
        CHECK(rn_text_charset_parse(rn_text_charset_name((RnTextCharset)i), &c));
        CHECK_EQ_INT(c, i);
    }
}

static void test_append_utf8(void)
{
    RnBuf b = RN_BUF_INIT;
    const uint32_t cps[] = {0x41, 0x161, 0x20AC, 0x1F600, 0xD800, 0x110000};
    for (size_t i = 0; i < 6; i++)
        CHECK(rn_buf_append_utf8(&b, cps[i], NULL));
    CHECK(rn_buf_terminate(&b, NULL));
    CHECK_EQ_STR((char *)b.data,
                 "A\xC5\xA1\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBD\xEF\xBF\xBD");
    rn_buf_free(&b);
}

/* A value's bytes keep a leading BOM: U+FEFF in UTF-8, three letters in
 * Latin-1 (DICOM text goes through this path). */
static void test_append_exact(void)
{
    const uint8_t bom_ok[] = {0xEF, 0xBB, 0xBF, 'o', 'k', 0xFF};
    RnBuf b = RN_BUF_INIT;
    CHECK(rn_text_append_exact(&b, bom_ok, sizeof bom_ok, RN_TEXT_UTF8, NULL) &&
          rn_buf_terminate(&b, NULL));
    if (b.data)
        CHECK_EQ_STR((char *)b.data, "\xEF\xBB\xBFok\xEF\xBF\xBD");
    b.len = 0;
    CHECK(rn_text_append_exact(&b, bom_ok, sizeof bom_ok, RN_TEXT_LATIN1, NULL) &&
          rn_buf_terminate(&b, NULL));
    if (b.data)
        CHECK_EQ_STR((char *)b.data, "\xC3\xAF\xC2\xBB\xC2\xBFok\xC3\xBF");
    RnError *err = NULL;
    CHECK(!rn_text_append_exact(&b, bom_ok, 1, (RnTextCharset)99, &err) &&
          rn_error_code(err) == RN_ERROR_INVALID);
    rn_error_free(err);
    rn_buf_free(&b);
}

/* With an argument: bytes 0x80..0xFF decoded from each single-byte
 * charset, one line each, for text_codecs.py to compare with Python. */
static int dump_tables(const char *path)
{
    static const RnTextCharset sets[] = {RN_TEXT_LATIN1, RN_TEXT_LATIN2, RN_TEXT_CP1250};
    uint8_t high[128];
    for (int i = 0; i < 128; i++)
        high[i] = (uint8_t)(0x80 + i);
    RnBuf b = RN_BUF_INIT;
    bool ok = true;
    for (size_t s = 0; ok && s < 3; s++)
        ok = rn_text_append_exact(&b, high, sizeof high, sets[s], NULL) &&
             rn_buf_append(&b, "\n", 1, NULL);
    ok = ok && rn_file_write_atomic(path, b.data, b.len, NULL);
    rn_buf_free(&b);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 2)
        return dump_tables(argv[1]);
    test_append_exact();
    test_single_byte();
    test_utf8();
    test_names();
    test_append_utf8();
    TEST_DONE();
}
