/* Metadata feature rules: see meta_rules.h and data/meta_rules.tsv. */
#include "embed/meta_rules.h"

#include <stdlib.h>
#include <string.h>

extern const unsigned char rn_meta_rules_tsv[];
extern const size_t rn_meta_rules_tsv_len;

#define MAX_FIELDS 3
#define MAX_SPLIT 16u

struct RnMetaRules {
    RnStrMap identifying;   /* keywords */
    RnStrMap vrs;
    RnStrMap suffixes;
    bool private_identifying;
    RnStrMap split;         /* keyword → index into split_n */
    unsigned *split_n;
    RnStrMap age;
};

void rn_meta_rules_free(RnMetaRules *r)
{
    if (!r)
        return;
    rn_strmap_free(&r->identifying);
    rn_strmap_free(&r->vrs);
    rn_strmap_free(&r->suffixes);
    rn_strmap_free(&r->split);
    free(r->split_n);
    rn_strmap_free(&r->age);
    free(r);
}

static bool add(RnStrMap *m, const char *s, RnError **err)
{
    return rn_strmap_find(m, s, strlen(s), true, err) >= 0;
}

static bool add_split(RnMetaRules *r, const char *kw, const char *count, uint64_t line,
                      RnError **err)
{
    char *end;
    unsigned long n = strtoul(count, &end, 10);
    if (*end || n < 1 || n > MAX_SPLIT) {
        rn_error_set_at(err, RN_ERROR_PARSE, line, "meta rules line %llu: bad column count",
                        (unsigned long long)line);
        return false;
    }
    int64_t id = rn_strmap_find(&r->split, kw, strlen(kw), true, err);
    if (id < 0)
        return false;
    unsigned *p = rn_realloc(r->split_n, r->split.n * sizeof *p, err);
    if (!p)
        return false;
    r->split_n = p;
    p[id] = (unsigned)n;
    return true;
}

/* One rule line split into fields (modified in place). */
static bool apply_rule(RnMetaRules *r, char **f, int nf, uint64_t line, RnError **err)
{
    const char *kind = f[0];
    if (strcmp(kind, "identifying-private") == 0 && nf == 1) {
        r->private_identifying = true;
        return true;
    }
    if (strcmp(kind, "identifying-vr") == 0 && nf == 2 && strlen(f[1]) == 2)
        return add(&r->vrs, f[1], err);
    if (strcmp(kind, "identifying") == 0 && nf == 2)
        return add(&r->identifying, f[1], err);
    if (strcmp(kind, "identifying-suffix") == 0 && nf == 2)
        return add(&r->suffixes, f[1], err);
    if (strcmp(kind, "split") == 0 && nf == 3)
        return add_split(r, f[1], f[2], line, err);
    if (strcmp(kind, "age") == 0 && nf == 2)
        return add(&r->age, f[1], err);
    rn_error_set_at(err, RN_ERROR_PARSE, line, "meta rules line %llu: unknown rule '%s'",
                    (unsigned long long)line, kind);
    return false;
}

RnMetaRules *rn_meta_rules_parse(const char *text, size_t n, RnError **err)
{
    RnMetaRules *r = rn_calloc(1, sizeof *r, err);
    char *copy = r ? rn_malloc(n + 1, err) : NULL;
    if (!copy) {
        free(r);
        return NULL;
    }
    memcpy(copy, text, n);
    copy[n] = 0;
    bool ok = true;
    uint64_t line = 0;
    for (char *s = copy, *next; ok && s && *s; s = next) {
        line++;
        next = strchr(s, '\n');
        if (next)
            *next++ = 0;
        size_t len = strlen(s);
        if (len && s[len - 1] == '\r')
            s[--len] = 0;
        if (!len || s[0] == '#')
            continue;
        char *f[MAX_FIELDS + 1];
        int nf = 0;
        for (char *p = s; p && nf <= MAX_FIELDS; nf++) {
            f[nf] = p;
            p = strchr(p, '\t');
            if (p)
                *p++ = 0;
        }
        if (nf > MAX_FIELDS) {
            rn_error_set_at(err, RN_ERROR_PARSE, line, "meta rules line %llu: too many fields",
                            (unsigned long long)line);
            ok = false;
        } else {
            ok = apply_rule(r, f, nf, line, err);
        }
    }
    free(copy);
    if (!ok) {
        rn_meta_rules_free(r);
        return NULL;
    }
    return r;
}

RnMetaRules *rn_meta_rules_builtin(RnError **err)
{
    return rn_meta_rules_parse((const char *)rn_meta_rules_tsv, rn_meta_rules_tsv_len, err);
}

static bool is_hex_keyword(const char *kw)
{
    size_t n = strlen(kw);
    if (n != 8)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((kw[i] >= '0' && kw[i] <= '9') || (kw[i] >= 'a' && kw[i] <= 'f') ||
              (kw[i] >= 'A' && kw[i] <= 'F')))
            return false;
    return true;
}

bool rn_meta_rules_identifying(const RnMetaRules *r, const char *keyword, const char *vr)
{
    RnStrMap *m = (RnStrMap *)&r->identifying; /* lookups never modify */
    size_t kn = strlen(keyword);
    if (rn_strmap_find(m, keyword, kn, false, NULL) >= 0)
        return true;
    if (vr && rn_strmap_find((RnStrMap *)&r->vrs, vr, strlen(vr), false, NULL) >= 0)
        return true;
    if (r->private_identifying && is_hex_keyword(keyword))
        return true;
    for (size_t i = 0; i < r->suffixes.n; i++) {
        size_t sn = rn_strmap_key_len(&r->suffixes, i);
        if (kn >= sn && memcmp(keyword + kn - sn, rn_strmap_key(&r->suffixes, i), sn) == 0)
            return true;
    }
    return false;
}

unsigned rn_meta_rules_split(const RnMetaRules *r, const char *keyword)
{
    int64_t id = rn_strmap_find((RnStrMap *)&r->split, keyword, strlen(keyword), false, NULL);
    return id >= 0 ? r->split_n[id] : 0;
}

bool rn_meta_rules_is_age(const RnMetaRules *r, const char *keyword)
{
    return rn_strmap_find((RnStrMap *)&r->age, keyword, strlen(keyword), false, NULL) >= 0;
}
