/* Report stage units: HTML and script-JSON escaping, the count table, the
 * 2-D PCA, SVG labels escaped. */
#include "counts.h"
#include "report_internal.h"
#include "rn_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *escaped(const char *s, size_t n)
{
    RnBuf b = RN_BUF_INIT;
    CHECK(rn_html_escape(&b, s, n, NULL));
    CHECK(rn_buf_terminate(&b, NULL));
    return (char *)b.data;
}

static void test_html_escape(void)
{
    char *e = escaped("<script>alert('x')</script> & \"q\"", 34);
    CHECK_EQ_STR(e, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
    free(e);
    /* Already-escaped text is escaped again (no double-decoding trick). */
    e = escaped("&lt;", 4);
    CHECK_EQ_STR(e, "&amp;lt;");
    free(e);
    /* UTF-8 kept; invalid bytes become U+FFFD; controls dropped, TAB kept. */
    e = escaped("\xC5\xA1ka\xFF\x01\tb", 8);
    CHECK_EQ_STR(e, "\xC5\xA1ka\xEF\xBF\xBD\tb");
    free(e);
    /* A truncated sequence at the end and an embedded NUL. */
    e = escaped("a\xE2\x80", 3);
    CHECK_EQ_STR(e, "a\xEF\xBF\xBD\xEF\xBF\xBD");
    free(e);
    e = escaped("a\0<", 3);
    CHECK_EQ_STR(e, "a&lt;");
    free(e);
    /* Empty input: nothing appended. */
    e = escaped("", 0);
    CHECK(e == NULL || e[0] == 0);
    free(e);
}

static void test_script_json(void)
{
    const char *in = "{\"a\":\"</script><!-- & \xE2\x80\xA8 \xE2\x80\xA9 \xE2\x80\xA0\"}";
    RnBuf b = RN_BUF_INIT;
    CHECK(rn_html_script_json(&b, in, strlen(in), NULL));
    CHECK(rn_buf_terminate(&b, NULL));
    CHECK_EQ_STR((char *)b.data, "{\"a\":\"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028 \\u2029 "
                                 "\xE2\x80\xA0\"}");
    /* Still the same JSON value. */
    RnJson *doc = rn_json_parse((char *)b.data, b.len, NULL);
    CHECK(doc != NULL);
    const char *a = rn_json_str(doc, rn_json_get(doc, rn_json_root(doc), "a"), NULL);
    CHECK(a && strcmp(a, "</script><!-- & \xE2\x80\xA8 \xE2\x80\xA9 \xE2\x80\xA0") == 0);
    rn_json_free(doc);
    rn_buf_free(&b);
}

static void test_counts(void)
{
    RpCounts t = {0};
    uint64_t after = 0;
    char key[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "k%d", i % 1234);
        CHECK(rp_counts_add(&t, key, (size_t)n, 1, &after, NULL));
    }
    CHECK_EQ_INT(t.used, 1234);
    CHECK_EQ_INT(rp_counts_get(&t, "k0", 2), 5);     /* 0, 1234, 2468, 3702, 4936 */
    CHECK_EQ_INT(rp_counts_get(&t, "k1233", 5), 4);
    CHECK_EQ_INT(rp_counts_get(&t, "k1234", 5), 0);
    /* Keys with NUL and separators are compared by length. */
    CHECK(rp_counts_add(&t, "a\0b", 3, 2, NULL, NULL));
    CHECK_EQ_INT(rp_counts_get(&t, "a", 1), 0);
    CHECK_EQ_INT(rp_counts_get(&t, "a\0b", 3), 2);
    rp_counts_free(&t);
    CHECK_EQ_INT(rp_counts_get(&t, "k0", 2), 0);
}

/* Points in 3-D spread mostly along (1,1,0)/√2, less along (0,0,1): the
 * first component must be ±(1,1,0)/√2 with the data's variance. */
static void test_pca2(void)
{
    enum { N = 400 };
    double *x = malloc(N * 3 * sizeof *x), *xy = malloc(N * 2 * sizeof *xy);
    RnRng r = rn_rng_new(5);
    double var1 = 0, var2 = 0;
    for (int i = 0; i < N; i++) {
        double a = 10 * rn_rng_normal(&r), b = 2 * rn_rng_normal(&r), c = 0.1 * rn_rng_normal(&r);
        x[3 * i] = 3 + a / sqrt(2) + c / sqrt(2);
        x[3 * i + 1] = -1 + a / sqrt(2) - c / sqrt(2);
        x[3 * i + 2] = 7 + b;
    }
    CHECK(rp_pca2(x, N, 3, xy, NULL));
    double m[3] = {0};
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 3; j++)
            m[j] += x[3 * i + j] / N;
    double dot1 = 0, dot2 = 0;
    for (int i = 0; i < N; i++) {
        double p1 = ((x[3 * i] - m[0]) + (x[3 * i + 1] - m[1])) / sqrt(2), p2 = x[3 * i + 2] - m[2];
        var1 += p1 * p1;
        var2 += p2 * p2;
        dot1 += xy[2 * i] * p1;
        dot2 += xy[2 * i + 1] * p2;
    }
    /* Exact principal directions differ from the planted ones by the sample
     * correlation (~1/sqrt(N) of the smaller spread): cosines near 1. */
    CHECK_MSG(fabs(dot1) / var1 > 0.999, "cos %g", fabs(dot1) / var1);
    CHECK_MSG(fabs(dot2) / var2 > 0.99, "cos %g", fabs(dot2) / var2);
    free(x);
    free(xy);
}

static void test_svg_labels_escaped(void)
{
    RnBuf b = RN_BUF_INIT;
    const char *rows[] = {"<img src=x onerror=alert(1)>"}, *cols[] = {"\"'&"};
    uint64_t counts[] = {3};
    CHECK(rp_svg_heatmap(&b, "t<", 1, rows, 1, cols, counts, NULL));
    const char *names[] = {"</svg><script>"};
    double kx[] = {2, 3}, y[] = {1, NAN};
    CHECK(rp_svg_lines(&b, "x", "k", 1, names, 2, kx, y, NULL));
    CHECK(rn_buf_terminate(&b, NULL));
    const char *s = (const char *)b.data;
    CHECK(strstr(s, "<img") == NULL && strstr(s, "<script") == NULL && strstr(s, "t<") == NULL);
    CHECK(strstr(s, "&lt;img src=x onerror=alert(1)&gt;") != NULL);
    CHECK(strstr(s, "&quot;&#39;&amp;") != NULL);
    rn_buf_free(&b);
}

int main(void)
{
    test_html_escape();
    test_script_json();
    test_counts();
    test_pca2();
    test_svg_labels_escaped();
    TEST_DONE();
}
