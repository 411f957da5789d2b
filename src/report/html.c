/* Escaping for the HTML report: element content / attributes and JSON
 * embedded in <script type="application/json">. */
#include "radnet/report.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] <= 0xDF ? 2
               : s[0] >= 0xE0 && s[0] <= 0xEF ? 3 : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
    if (len == 0 || len > n || !rn_text_utf8_valid(s, len))
        return 0;
    return len;
}

bool rn_html_escape(RnBuf *out, const char *s, size_t n, RnError **err)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq(p + i, n - i);
        if (len == 0) {
            if (!rn_buf_append_str(out, "\xEF\xBF\xBD", err))
                return false;
            i++;
            continue;
        }
        const char *rep = NULL;
        switch (p[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        bool control = len == 1 && (p[i] < 0x20 || p[i] == 0x7F) && p[i] != '\t' &&
                       p[i] != '\n' && p[i] != '\r';
        bool ok = rep ? rn_buf_append_str(out, rep, err)
                : control ? true : rn_buf_append(out, p + i, len, err);
        if (!ok)
            return false;
        i += len;
    }
    return true;
}

bool rn_html_script_json(RnBuf *out, const char *json, size_t n, RnError **err)
{
    const unsigned char *p = (const unsigned char *)json;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        if (p[i] == '<')
            rep = "\\u003c";
        else if (p[i] == '>')
            rep = "\\u003e";
        else if (p[i] == '&')
            rep = "\\u0026";
        else if (p[i] == 0xE2 && i + 2 < n && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
            rep = p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
            i += 2;
        }
        if (!(rep ? rn_buf_append_str(out, rep, err) : rn_buf_append(out, p + i, 1, err)))
            return false;
    }
    return true;
}
