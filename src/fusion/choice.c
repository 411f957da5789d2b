/* The fusion choice recorded by the study (WS/study/choice.json). */
#include "fusion_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool bad(RnError **err, const char *what)
{
    rn_error_set(err, RN_ERROR_PARSE, "%s: %s", RN_FUSION_CHOICE, what);
    return false;
}

bool rn_fusion_choice_parse(const char *json, size_t n, RnFusionChoice *out,
                            RnError **err)
{
    memset(out, 0, sizeof *out);
    RnJson *doc = rn_json_parse(json, n, err);
    if (!doc)
        return false;
    RnJsonRef root = rn_json_root(doc);
    RnJsonRef inputs = rn_json_get(doc, root, "inputs");
    RnJsonRef weights = rn_json_get(doc, root, "weights");
    RnJsonRef scale = rn_json_get(doc, root, "scale");
    RnJsonRef reduce = rn_json_get(doc, root, "reduce");
    size_t k = rn_json_count(doc, inputs);
    bool ok = rn_json_type(doc, inputs) == RN_JSON_ARRAY &&
              rn_json_type(doc, weights) == RN_JSON_ARRAY && k > 0 &&
              k <= RN_FUSION_MAX_INPUTS && rn_json_count(doc, weights) == k
                  ? true
                  : bad(err, "needs arrays inputs and weights of equal length 1..16");
    for (size_t i = 0; ok && i < k; i++) {
        size_t len = 0;
        const char *name = rn_json_str(doc, rn_json_at(doc, inputs, i), &len);
        RnJsonRef w = rn_json_at(doc, weights, i);
        double v = rn_json_number(doc, w);
        if (!name || len == 0 || len >= sizeof out->inputs[i] || strlen(name) != len ||
            rn_json_type(doc, w) != RN_JSON_NUMBER || !fu_weight_ok(name, v))
            ok = bad(err, "bad input name or weight");
        else {
            memcpy(out->inputs[i], name, len + 1);
            out->weights[i] = v;
        }
    }
    const char *sc = rn_json_str(doc, scale, NULL);
    if (ok && sc && !rn_fusion_scale_parse(sc, &out->scale))
        ok = bad(err, "unknown scale");
    double r = rn_json_number(doc, reduce);
    if (ok && reduce && (!(r >= 0) || r > RN_FUSION_MAX_DIM || r != floor(r)))
        ok = bad(err, "bad reduce");
    out->reduce = ok && reduce ? (size_t)r : 0;
    out->n_inputs = ok ? k : 0;
    rn_json_free(doc);
    return ok;
}

bool rn_fusion_choice_json(const RnFusionChoice *c, RnJsonWriter *w)
{
    rn_json_key(w, "inputs");
    rn_json_begin_array(w);
    for (size_t i = 0; i < c->n_inputs; i++)
        rn_json_string(w, c->inputs[i]);
    rn_json_end_array(w);
    rn_json_key(w, "weights");
    rn_json_begin_array(w);
    for (size_t i = 0; i < c->n_inputs; i++)
        rn_json_double(w, c->weights[i]);
    rn_json_end_array(w);
    rn_json_kv_string(w, "scale", rn_fusion_scale_name(c->scale));
    return rn_json_kv_uint(w, "reduce", c->reduce);
}

bool rn_fusion_choice_get(RnStore *s, RnFusionChoice *out, bool *found, RnError **err)
{
    char *data = NULL;
    size_t n = 0;
    if (!rn_store_artifact_read(s, RN_FUSION_CHOICE, (size_t)1 << 20, &data, &n, found, err))
        return false;
    if (!*found)
        return true;
    bool ok = rn_fusion_choice_parse(data, n, out, err);
    free(data);
    *found = ok;
    return ok;
}
