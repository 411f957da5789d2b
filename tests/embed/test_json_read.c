/* The strict JSON reader of src/core/json_read.c. */
#include "radnet/core.h"
#include "rn_test.h"

static RnJson *parse(const char *s)
{
    return rn_json_parse(s, strlen(s), NULL);
}

static void test_elements_object(void)
{
    const char *s = "{\"Modality\": [\"CS\", \"CT\"], \"PixelSpacing\": [\"DS\", \"0.5\\\\0.5\"],"
                    " \"x\": [1, -2.5e1, true, null, \"\\u010d\\ud83d\\ude00\\n\"]}";
    RnError *err = NULL;
    RnJson *d = rn_json_parse(s, strlen(s), &err);
    CHECK(d && !err);
    RnJsonRef root = rn_json_root(d);
    CHECK(rn_json_type(d, root) == RN_JSON_OBJECT);
    CHECK_EQ_INT(rn_json_count(d, root), 3);
    RnJsonRef mod = rn_json_get(d, root, "Modality");
    CHECK_EQ_STR(rn_json_member_key(d, mod, NULL), "Modality");
    CHECK_EQ_STR(rn_json_get_string(d, rn_json_at(d, mod, 1), NULL), "CT");
    RnJsonRef ps = rn_json_get(d, root, "PixelSpacing");
    CHECK_EQ_STR(rn_json_get_string(d, rn_json_at(d, ps, 1), NULL), "0.5\\0.5");
    RnJsonRef x = rn_json_get(d, root, "x");
    CHECK_EQ_INT(rn_json_count(d, x), 5);
    CHECK_NEAR(rn_json_number(d, rn_json_at(d, x, 0)), 1.0, 0);
    CHECK_NEAR(rn_json_number(d, rn_json_at(d, x, 1)), -25.0, 0);
    CHECK(rn_json_type(d, rn_json_at(d, x, 2)) == RN_JSON_BOOL);
    CHECK(rn_json_type(d, rn_json_at(d, x, 3)) == RN_JSON_NULL);
    size_t len;
    CHECK_EQ_STR(rn_json_get_string(d, rn_json_at(d, x, 4), &len), "\xc4\x8d\xf0\x9f\x98\x80\n");
    CHECK_EQ_INT(len, 7);
    CHECK(rn_json_get(d, root, "missing") == 0);
    CHECK(rn_json_at(d, x, 5) == 0);
    CHECK(rn_json_type(d, 0) == RN_JSON_NONE);
    rn_json_free(d);
    rn_json_free(NULL);
}

static void test_refusals(void)
{
    static const char *bad[] = {
        "", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "01", "1.", "-", "1e", "\"\\x\"",
        "\"\\ud800\"", "\"\\udc00x\"", "\"a\tb\"", "[1] 2", "nul", "{\"a\" 1}",
        "\"\xc3\x28\"", "\"\xed\xa0\x80\"", "\"\xc0\xaf\"", "[\"\\u12\"]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        RnError *err = NULL;
        RnJson *d = rn_json_parse(bad[i], strlen(bad[i]), &err);
        CHECK_MSG(!d && rn_error_code(err) == RN_ERROR_PARSE, "accepted %s", bad[i]);
        rn_error_free(err);
    }
    /* nesting deeper than the limit is refused, not a stack overflow */
    char deep[4 * RN_JSON_MAX_DEPTH + 1];
    for (int i = 0; i < 2 * RN_JSON_MAX_DEPTH; i++) {
        deep[i] = '[';
        deep[4 * RN_JSON_MAX_DEPTH - 1 - i] = ']';
    }
    deep[4 * RN_JSON_MAX_DEPTH] = 0;
    CHECK(parse(deep) == NULL);
    RnJson *ok = parse("[[[]]]");
    CHECK(ok != NULL);
    rn_json_free(ok);
}

int main(void)
{
    test_elements_object();
    test_refusals();
    TEST_DONE();
}
