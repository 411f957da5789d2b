/* CSV fields and small artifact helpers of the run stage. */
#include "run_internal.h"

#include <stdlib.h>
#include <string.h>

bool ru_csv_field(RnBuf *b, const char *s, RnError **err)
{
    if (!s)
        s = "";
    /* =, +, -, @ at the start make spreadsheets evaluate the cell. */
    bool formula = s[0] == '=' || s[0] == '+' || s[0] == '@' ||
                   (s[0] == '-' && !(s[1] >= '0' && s[1] <= '9'));
    if (!formula && !strpbrk(s, ",\"\r\n"))
        return rn_buf_append_str(b, s, err);
    bool ok = rn_buf_append_str(b, formula ? "\"'" : "\"", err);
    for (const char *p = s; ok && *p; p++)
        ok = *p == '"' ? rn_buf_append_str(b, "\"\"", err) : rn_buf_append(b, p, 1, err);
    return ok && rn_buf_append_str(b, "\"", err);
}

bool ru_csv_next(RuCsv *c, char **fields, size_t cap, size_t *n, RnError **err)
{
    *n = 0;
    if (c->p >= c->end)
        return false;
    c->field.len = 0;
    size_t starts[64];
    size_t nf = 0;
    bool quoted = false, ok = true;
    uint64_t open_line = c->line;
    starts[nf++] = 0;
    for (;;) {
        if (c->p >= c->end) {
            if (quoted) {
                rn_error_set(err, RN_ERROR_PARSE, "line %llu: quote never closed",
                             (unsigned long long)open_line);
                return false;
            }
            break;
        }
        char ch = *c->p++;
        if (quoted) {
            if (ch == '"' && c->p < c->end && *c->p == '"') {
                c->p++;
                ok = rn_buf_append(&c->field, "\"", 1, err);
            } else if (ch == '"') {
                quoted = false;
            } else {
                c->line += ch == '\n';
                ok = rn_buf_append(&c->field, &ch, 1, err);
            }
        } else if (ch == '"') {
            quoted = true;
            open_line = c->line;
        } else if (ch == ',') {
            if (nf >= 64 || nf >= cap) {
                rn_error_set(err, RN_ERROR_PARSE, "line %llu: too many fields",
                             (unsigned long long)c->line);
                return false;
            }
            ok = rn_buf_append(&c->field, "", 1, err);
            starts[nf++] = c->field.len;
        } else if (ch == '\n') {
            c->line++;
            break;
        } else if (ch != '\r') {
            ok = rn_buf_append(&c->field, &ch, 1, err);
        }
        if (!ok)
            return false;
    }
    if (!rn_buf_append(&c->field, "", 1, err))
        return false;
    for (size_t i = 0; i < nf; i++)
        fields[i] = (char *)c->field.data + starts[i];
    *n = nf;
    return true;
}

void ru_csv_free(RuCsv *c)
{
    rn_buf_free(&c->field);
}

bool ru_put(RnStore *s, const char *name, const RnBuf *data, int64_t run, const char *params,
            RnError **err)
{
    return rn_store_artifact_put(s, name, data->data ? (const void *)data->data : "",
                                 data->len, run, params, NULL, err);
}
