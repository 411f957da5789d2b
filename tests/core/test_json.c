/* RnJsonWriter: nesting rules, escaping, shortest round-trip doubles.
 * With an argument, writes a document for json_roundtrip.py to check with
 * Python's json module. */
#include "rn_test.h"

#include "radnet/core.h"

static char *render(int indent, bool (*build)(RnJsonWriter *), RnError **err)
{
    RnBuf b = RN_BUF_INIT;
    RnJsonWriter *w = rn_json_open(&b, indent, err);
    bool ok = w && build(w) && rn_json_finish(w, err);
    if (w && !ok)
        rn_json_finish(w, err);
    rn_json_close(w);
    if (!ok || !rn_buf_terminate(&b, err)) {
        rn_buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

static bool build_nested(RnJsonWriter *w)
{
    rn_json_begin_object(w);
    rn_json_kv_string(w, "a\"b", "line\nbreak\t\\ \x01 end");
    rn_json_key(w, "list");
    rn_json_begin_array(w);
    rn_json_int(w, -3);
    rn_json_begin_object(w);
    rn_json_end_object(w);
    rn_json_begin_array(w);
    rn_json_end_array(w);
    rn_json_null(w);
    rn_json_bool(w, true);
    rn_json_end_array(w);
    rn_json_kv_double(w, "x", 0.1);
    rn_json_kv_double(w, "one", 1.0);
    rn_json_kv_double(w, "nan", NAN);
    rn_json_kv_uint(w, "big", UINT64_MAX);
    rn_json_kv_string(w, "bad", "\xC5\xA1\xFF\xC5");
    return rn_json_end_object(w);
}

static void test_compact_and_pretty(void)
{
    char *s = render(0, build_nested, NULL);
    CHECK(s != NULL);
    if (s)
        CHECK_EQ_STR(s, "{\"a\\\"b\":\"line\\nbreak\\t\\\\ \\u0001 end\","
                        "\"list\":[-3,{},[],null,true],\"x\":0.1,\"one\":1.0,"
                        "\"nan\":null,\"big\":18446744073709551615,"
                        "\"bad\":\"\xC5\xA1\xEF\xBF\xBD\xEF\xBF\xBD\"}");
    free(s);
    s = render(2, build_nested, NULL);
    CHECK(s != NULL);
    if (s)
        CHECK(strstr(s, "{\n  \"a\\\"b\": \"line") == s &&
              strstr(s, "\"list\": [\n    -3,\n    {},\n    [],\n    null,") != NULL &&
              strcmp(s + strlen(s) - 4, "\"\n}\n") == 0);
    free(s);
}

/* dcm2json's layout: one element per line, its object flat, a sequence's
 * items pretty again at the depth of the non-flat levels. */
static bool build_flat(RnJsonWriter *w)
{
    rn_json_begin_object(w);
    rn_json_key(w, "00080005");
    rn_json_begin_object_flat(w);
    rn_json_kv_string(w, "vr", "CS");
    rn_json_key(w, "Value");
    rn_json_begin_array_flat(w);
    rn_json_string(w, "A");
    rn_json_number_text(w, "-1.5e+3", 7);
    rn_json_end_array(w);
    rn_json_end_object(w);
    rn_json_key(w, "00081140");
    rn_json_begin_object_flat(w);
    rn_json_kv_string(w, "vr", "SQ");
    rn_json_key(w, "Value");
    rn_json_begin_array(w);
    rn_json_begin_object(w);
    rn_json_key(w, "00081150");
    rn_json_begin_object_flat(w);
    rn_json_kv_string(w, "vr", "UI");
    rn_json_end_object(w);
    rn_json_end_object(w);
    rn_json_end_array(w);
    rn_json_end_object(w);
    return rn_json_end_object(w);
}

static void test_flat(void)
{
    char *s = render(2, build_flat, NULL);
    CHECK(s != NULL);
    if (s)
        CHECK_EQ_STR(s, "{\n"
                        "  \"00080005\": {\"vr\":\"CS\",\"Value\":[\"A\",-1.5e+3]},\n"
                        "  \"00081140\": {\"vr\":\"SQ\",\"Value\":[\n"
                        "    {\n"
                        "      \"00081150\": {\"vr\":\"UI\"}\n"
                        "    }\n"
                        "  ]}\n"
                        "}\n");
    free(s);
    s = render(0, build_flat, NULL);
    CHECK(s != NULL);
    if (s)
        CHECK_EQ_STR(s, "{\"00080005\":{\"vr\":\"CS\",\"Value\":[\"A\",-1.5e+3]},"
                        "\"00081140\":{\"vr\":\"SQ\",\"Value\":[{\"00081150\":"
                        "{\"vr\":\"UI\"}}]}}");
    free(s);
}

static void test_number_text(void)
{
    const char *good[] = {"0", "-0", "12", "1.25", "-0.5e-7", "3E+2", "10e5"};
    const char *bad[] = {"", "-", "01", "1.", ".5", "+1", "1e", "1e+", "NaN", "1 ", "0x10"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        RnBuf b = RN_BUF_INIT;
        RnJsonWriter *w = rn_json_open(&b, 0, NULL);
        CHECK_MSG(rn_json_number_text(w, good[i], strlen(good[i])) &&
                      rn_json_finish(w, NULL) && b.len == strlen(good[i]) &&
                      memcmp(b.data, good[i], b.len) == 0,
                  "%s", good[i]);
        rn_json_close(w);
        rn_buf_free(&b);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        RnBuf b = RN_BUF_INIT;
        RnError *err = NULL;
        RnJsonWriter *w = rn_json_open(&b, 0, NULL);
        CHECK_MSG(!rn_json_number_text(w, bad[i], strlen(bad[i])) &&
                      !rn_json_finish(w, &err) && rn_error_code(err) == RN_ERROR_INTERNAL,
                  "'%s'", bad[i]);
        rn_error_free(err);
        rn_json_close(w);
        rn_buf_free(&b);
    }
}

/* RFC 4648's test vectors. */
static void test_base64(void)
{
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00"};
    const char *want[] = {"\"\"", "\"Zg==\"", "\"Zm8=\"", "\"Zm9v\"", "\"Zm9vYg==\"",
                          "\"Zm9vYmE=\"", "\"Zm9vYmFy\"", "\"//4A\""};
    const size_t len[] = {0, 1, 2, 3, 4, 5, 6, 3};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        RnBuf b = RN_BUF_INIT;
        RnJsonWriter *w = rn_json_open(&b, 0, NULL);
        bool ok = rn_json_base64(w, (const uint8_t *)in[i], len[i]) &&
                  rn_json_finish(w, NULL) && rn_buf_terminate(&b, NULL);
        CHECK_MSG(ok, "base64 %zu", i);
        if (ok)
            CHECK_EQ_STR((char *)b.data, want[i]);
        rn_json_close(w);
        rn_buf_free(&b);
    }
}

static bool key_in_array(RnJsonWriter *w)
{
    return rn_json_begin_array(w) && rn_json_key(w, "k") && rn_json_end_array(w);
}
static bool value_without_key(RnJsonWriter *w)
{
    return rn_json_begin_object(w) && rn_json_int(w, 1) && rn_json_end_object(w);
}
static bool unclosed(RnJsonWriter *w)
{
    return rn_json_begin_object(w) && rn_json_kv_int(w, "a", 1);
}
static bool dangling_key(RnJsonWriter *w)
{
    return rn_json_begin_object(w) && rn_json_key(w, "a") && rn_json_end_object(w);
}
static bool two_values(RnJsonWriter *w)
{
    return rn_json_int(w, 1) && rn_json_int(w, 2);
}
static bool mismatched(RnJsonWriter *w)
{
    return rn_json_begin_object(w) && rn_json_end_array(w);
}
static bool too_deep(RnJsonWriter *w)
{
    for (int i = 0; i <= RN_JSON_MAX_DEPTH; i++)
        rn_json_begin_array(w);
    for (int i = 0; i <= RN_JSON_MAX_DEPTH; i++)
        rn_json_end_array(w);
    return true;
}

static void test_misuse(void)
{
    bool (*const cases[])(RnJsonWriter *) = {key_in_array, value_without_key, unclosed,
                                             dangling_key, two_values, mismatched, too_deep};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        RnError *err = NULL;
        char *s = render(0, cases[i], &err);
        CHECK_MSG(s == NULL && rn_error_code(err) == RN_ERROR_INTERNAL, "case %zu", i);
        free(s);
        rn_error_free(err);
    }
}

static void test_format_double(void)
{
    char buf[32];
    const struct {
        double v;
        const char *text;
    } cases[] = {{0.1, "0.1"}, {1.0 / 3.0, "0.3333333333333333"}, {1e300, "1e+300"},
                 {5e-324, "4.94065645841247e-324"}, {-0.0, "-0"}, {123456789.0, "123456789"},
                 {0.30000000000000004, "0.30000000000000004"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rn_format_double(cases[i].v, buf);
        CHECK_EQ_STR(buf, cases[i].text);
    }
}

/* Random bit patterns and awkward values, each with its exact hex form,
 * for Python to compare after json.loads. */
static int write_roundtrip(const char *path)
{
    RnBuf b = RN_BUF_INIT;
    RnError *err = NULL;
    RnJsonWriter *w = rn_json_open(&b, 1, &err);
    rn_json_begin_object(w);
    rn_json_kv_string(w, "text", "č ć đ š ž \"quoted\" \\ \x7f \x1f / \xE2\x80\xA8");
    rn_json_key(w, "values");
    rn_json_begin_array(w);
    RnRng r = rn_rng_new(99);
    const double fixed[] = {0.1, 1e-310, 5e-324, 1.7976931348623157e308, -0.0, 3.0,
                            2.5e-8, 123456789012345678.0, 1.0 / 3.0};
    for (int i = 0; i < 2000 + (int)(sizeof fixed / sizeof fixed[0]); i++) {
        double v;
        if (i < (int)(sizeof fixed / sizeof fixed[0])) {
            v = fixed[i];
        } else {
            uint64_t bits = rn_rng_u64(&r);
            memcpy(&v, &bits, sizeof v);
            if (!isfinite(v))
                continue;
        }
        char hex[64];
        snprintf(hex, sizeof hex, "%a", v);
        rn_json_begin_array(w);
        rn_json_double(w, v);
        rn_json_string(w, hex);
        rn_json_end_array(w);
    }
    rn_json_end_array(w);
    rn_json_end_object(w);
    bool ok = rn_json_finish(w, &err) && rn_file_write_atomic(path, b.data, b.len, &err);
    if (!ok)
        fprintf(stderr, "%s\n", rn_error_message(err));
    rn_json_close(w);
    rn_error_free(err);
    rn_buf_free(&b);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 2)
        return write_roundtrip(argv[1]);
    test_compact_and_pretty();
    test_flat();
    test_number_text();
    test_base64();
    test_misuse();
    test_format_double();
    TEST_DONE();
}
