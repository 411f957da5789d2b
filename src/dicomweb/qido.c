/* QIDO-RS responses (PS3.18 F.2 JSON): one attribute's values per object. */
#include "radnet/dicomweb.h"

#include <stdlib.h>
#include <string.h>

void rn_dicomweb_strings_free(char **values, size_t count)
{
    for (size_t i = 0; values != NULL && i < count; i++)
        free(values[i]);
    free(values);
}

static bool only_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* The first string of {"vr":..,"Value":["..."]} of tag in obj, else NULL. */
static const char *first_value(const RnJson *doc, RnJsonRef obj, const char *tag, size_t *len)
{
    RnJsonRef attr = rn_json_get(doc, obj, tag);
    RnJsonRef value = rn_json_get(doc, attr, "Value");
    if (rn_json_type(doc, value) != RN_JSON_ARRAY || rn_json_count(doc, value) == 0)
        return NULL;
    return rn_json_str(doc, rn_json_at(doc, value, 0), len);
}

bool rn_qido_rows(const char *json, size_t n, const char *const *tags, size_t n_tags,
                  char ***values, size_t *count, size_t *objects, RnError **err)
{
    *values = NULL;
    *count = 0;
    *objects = 0;
    if (n_tags == 0 || only_space(json, n)) /* 204 No Content, or an empty body */
        return true;
    RnJson *doc = rn_json_parse(json, n, err);
    if (doc == NULL)
        return false;
    RnJsonRef root = rn_json_root(doc);
    bool ok = rn_json_type(doc, root) == RN_JSON_ARRAY;
    if (!ok)
        rn_error_set(err, RN_ERROR_PARSE, "QIDO-RS response is not a JSON array");
    size_t total = ok ? rn_json_count(doc, root) : 0, cells = 0;
    char **out = NULL;
    if (ok && total > 0) {
        ok = rn_mul_size(total, n_tags, &cells) &&
             (out = rn_calloc(cells, sizeof *out, err)) != NULL;
        if (cells == 0)
            rn_error_set(err, RN_ERROR_LIMIT, "QIDO-RS response too large");
    }
    size_t k = 0; /* cells filled */
    for (size_t i = 0; ok && i < total; i++) {
        RnJsonRef obj = rn_json_at(doc, root, i);
        if (rn_json_type(doc, obj) != RN_JSON_OBJECT) {
            rn_error_set(err, RN_ERROR_PARSE, "QIDO-RS response: element %zu is not an object", i);
            ok = false;
            break;
        }
        size_t row = k;
        for (size_t t = 0; ok && t < n_tags; t++) {
            size_t len = 0;
            const char *v = first_value(doc, obj, tags[t], &len);
            if (v == NULL || len == 0 || memchr(v, 0, len) != NULL)
                break; /* a row needs every tag */
            ok = (out[k] = rn_malloc(len + 1, err)) != NULL;
            if (ok)
                memcpy(out[k++], v, len + 1);
        }
        if (ok && k - row < n_tags) { /* incomplete: left out */
            while (k > row)
                free(out[--k]);
        }
    }
    rn_json_free(doc);
    if (!ok) {
        rn_dicomweb_strings_free(out, k);
        return false;
    }
    *values = out;
    *count = k / n_tags;
    *objects = total;
    return true;
}
