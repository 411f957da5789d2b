/* Method options: "key=value,key=value" (embed_internal.h). */
#include "embed/embed_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Finds the next "key=value" item at *p; false at the end. */
static bool next_item(const char **p, const char **key, size_t *key_len,
                      const char **val, size_t *val_len)
{
    const char *s = *p;
    while (*s == ',')
        s++;
    if (*s == '\0')
        return false;
    const char *end = strchr(s, ',');
    if (!end)
        end = s + strlen(s);
    const char *eq = memchr(s, '=', (size_t)(end - s));
    *key = s;
    *key_len = eq ? (size_t)(eq - s) : (size_t)(end - s);
    *val = eq ? eq + 1 : end;
    *val_len = eq ? (size_t)(end - eq - 1) : 0;
    *p = end;
    return true;
}

bool eb_options_check(const char *options, const char *const *known,
                      RnError **err)
{
    const char *p = options ? options : "", *key, *val;
    size_t key_len, val_len;
    while (next_item(&p, &key, &key_len, &val, &val_len)) {
        bool found = false;
        for (size_t i = 0; known[i] && !found; i++)
            found = strlen(known[i]) == key_len && memcmp(known[i], key, key_len) == 0;
        if (!found || val_len == 0) {
            rn_error_set(err, RN_ERROR_INVALID,
                         found ? "option '%.*s' needs a value"
                               : "unknown option '%.*s'",
                         (int)key_len, key);
            return false;
        }
    }
    return true;
}

/* The last value given for key (later items override earlier ones). */
static bool find_value(const char *options, const char *key, const char **val,
                       size_t *val_len)
{
    const char *p = options ? options : "", *k, *v;
    size_t kl, vl, want = strlen(key);
    bool found = false;
    while (next_item(&p, &k, &kl, &v, &vl))
        if (kl == want && memcmp(k, key, kl) == 0) {
            *val = v;
            *val_len = vl;
            found = true;
        }
    return found;
}

bool eb_option_str(const char *options, const char *key, char **out,
                   RnError **err)
{
    const char *v;
    size_t vl;
    *out = NULL;
    if (!find_value(options, key, &v, &vl))
        return true;
    *out = rn_malloc(vl + 1, err);
    if (!*out)
        return false;
    memcpy(*out, v, vl);
    (*out)[vl] = '\0';
    return true;
}

bool eb_option_u64(const char *options, const char *key, uint64_t min,
                   uint64_t max, uint64_t *out, RnError **err)
{
    char *s;
    if (!eb_option_str(options, key, &s, err))
        return false;
    if (!s)
        return true;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    bool ok = errno == 0 && *end == '\0' && s[0] >= '0' && s[0] <= '9' &&
              v >= min && v <= max;
    if (ok)
        *out = v;
    else
        rn_error_set(err, RN_ERROR_INVALID, "option %s=%s: want an integer in [%llu, %llu]",
                     key, s, (unsigned long long)min, (unsigned long long)max);
    free(s);
    return ok;
}

bool eb_option_f64(const char *options, const char *key, double min,
                   double max, double *out, RnError **err)
{
    char *s;
    if (!eb_option_str(options, key, &s, err))
        return false;
    if (!s)
        return true;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    bool ok = errno == 0 && end != s && *end == '\0' && isfinite(v) && v >= min &&
              v <= max;
    if (ok)
        *out = v;
    else
        rn_error_set(err, RN_ERROR_INVALID, "option %s=%s: want a number in [%g, %g]",
                     key, s, min, max);
    free(s);
    return ok;
}

bool eb_option_bool(const char *options, const char *key, bool *out,
                    RnError **err)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    char *s;
    if (!eb_option_str(options, key, &s, err))
        return false;
    if (!s)
        return true;
    bool ok = false;
    for (size_t i = 0; i < 4 && !ok; i++) {
        if (strcmp(s, yes[i]) == 0)
            *out = ok = true;
        else if (strcmp(s, no[i]) == 0) {
            *out = false;
            ok = true;
        }
    }
    if (!ok)
        rn_error_set(err, RN_ERROR_INVALID, "option %s=%s: want on or off", key, s);
    free(s);
    return ok;
}
