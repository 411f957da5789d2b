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

bool ru_artifact_hash(RnStore *s, const char *name, char hash[17], RnError **err)
{
    RnArtifact a = {0};
    bool found = false;
    if (!rn_store_artifact_latest(s, name, &a, &found, err))
        return false;
    memcpy(hash, found ? a.hash : "", found ? 17 : 1);
    rn_artifact_clear(&a);
    return true;
}

bool ru_put(RnStore *s, const char *name, const RnBuf *data, int64_t run, const char *params,
            RnError **err)
{
    return rn_store_artifact_put(s, name, data->data ? (const void *)data->data : "",
                                 data->len, run, params, NULL, err);
}

bool ru_read_artifact(RnStore *s, const char *name, char **data, size_t *n, bool *found,
                      RnError **err)
{
    *data = NULL;
    *n = 0;
    RnArtifact a = {0};
    if (!rn_store_artifact_latest(s, name, &a, found, err))
        return false;
    rn_artifact_clear(&a);
    if (!*found)
        return true;
    char *path = rn_store_artifact_path(s, name, err);
    uint8_t *raw = NULL;
    bool ok = path && rn_file_read_all(path, (size_t)1 << 32, &raw, n, err);
    free(path);
    char *text = ok ? rn_malloc(*n + 1, err) : NULL;
    if (text) {
        memcpy(text, raw, *n);
        text[*n] = '\0';
    }
    free(raw);
    *data = text;
    return text != NULL;
}
