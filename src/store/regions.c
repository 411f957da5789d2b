/* Anatomical region from BodyPartExamined and descriptions (SPEC §5). The
 * rules are data (data/regions.tsv): renames, ordered regex rules guarded by
 * the current value, final modality rules. */
#include "store/store_internal.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

typedef struct RegionRename {
    char *from, *to;
} RegionRename;

typedef struct RegionRule {
    char *region;
    char *pattern;
    regex_t re;
    char **from;   /* "" stands for the empty value */
    size_t n_from;
} RegionRule;

typedef struct RegionFinal {
    char *modality, *from, *to;
} RegionFinal;

struct RnRegionRules {
    RegionRename *renames;
    size_t n_renames;
    RegionRule *rules;
    size_t n_rules;
    RegionFinal *finals;
    size_t n_finals;
};

#define MAX_FIELDS 5

/* ---- small string helpers ------------------------------------------- */

char *rn_str_trim_dup(const char *s, RnError **err)
{
    if (s == NULL)
        s = "";
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    char *out = rn_malloc(n + 1, err);
    if (out != NULL) {
        memcpy(out, s, n);
        out[n] = 0;
    }
    return out;
}

/* Lower-case code point for the Latin ranges descriptions use. */
static unsigned lower_code_point(unsigned cp)
{
    if (cp >= 'A' && cp <= 'Z')
        return cp + 32;
    if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
        return cp + 32;
    /* Latin Extended-A: pairs start even up to U+0137, odd from U+0139 to
     * U+0148, even again to U+0177, odd from U+0179 to U+017E. */
    if ((cp >= 0x100 && cp <= 0x137) || (cp >= 0x14A && cp <= 0x177))
        return cp | 1u;
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
        return (cp & 1u) ? cp + 1 : cp;
    return cp;
}

char *rn_utf8_lower(const char *s, RnError **err)
{
    size_t n = strlen(s);
    char *out = rn_malloc(n + 1, err);
    if (out == NULL)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0;
    while (i < n) {
        /* Two-byte sequences stay two bytes in the ranges we fold. */
        if ((p[i] & 0xE0) == 0xC0 && i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
            unsigned cp = ((p[i] & 0x1Fu) << 6) | (p[i + 1] & 0x3Fu);
            unsigned lc = lower_code_point(cp);
            out[o++] = (char)(0xC0 | (lc >> 6));
            out[o++] = (char)(0x80 | (lc & 0x3F));
            i += 2;
        } else {
            out[o++] = (char)lower_code_point(p[i]);
            i++;
        }
    }
    out[o] = 0;
    return out;
}

/* ---- parsing the table ---------------------------------------------- */

/* Splits line (modified in place) at tabs. */
static size_t split_tabs(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *tab = strchr(p, '\t');
        if (tab == NULL)
            break;
        *tab = 0;
        p = tab + 1;
    }
    return n;
}

static bool grow(void **arr, size_t n, size_t elem, RnError **err)
{
    size_t bytes;
    if (!rn_mul_size(n + 1, elem, &bytes)) {
        rn_error_set(err, RN_ERROR_LIMIT, "region table too large");
        return false;
    }
    void *p = rn_realloc(*arr, bytes, err);
    if (p == NULL)
        return false;
    *arr = p;
    memset((char *)p + n * elem, 0, elem);
    return true;
}

/* "'',SPINE" -> {"", "SPINE"}. */
static bool parse_from_list(const char *text, RegionRule *r, uint64_t line,
                            RnError **err)
{
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0) {
            rn_error_set(err, RN_ERROR_PARSE, "regions line %llu: empty entry in from list (write '')",
                         (unsigned long long)line);
            return false;
        }
        bool empty = len == 2 && p[0] == '\'' && p[1] == '\'';
        if (!grow((void **)&r->from, r->n_from, sizeof *r->from, err))
            return false;
        char *v = rn_malloc(len + 1, err);
        if (v == NULL)
            return false;
        if (empty)
            v[0] = 0;
        else {
            memcpy(v, p, len);
            v[len] = 0;
        }
        r->from[r->n_from++] = v;
        if (comma == NULL)
            return true;
        p = comma + 1;
    }
}

static bool add_rename(RnRegionRules *t, char **f, size_t nf, uint64_t line,
                       RnError **err)
{
    if (nf != 3) {
        rn_error_set(err, RN_ERROR_PARSE, "regions line %llu: rename needs FROM and TO",
                     (unsigned long long)line);
        return false;
    }
    if (!grow((void **)&t->renames, t->n_renames, sizeof *t->renames, err))
        return false;
    RegionRename *r = &t->renames[t->n_renames++];
    r->from = rn_strdup(f[1], err);
    r->to = rn_strdup(f[2], err);
    return r->from != NULL && r->to != NULL;
}

static bool add_rule(RnRegionRules *t, char **f, size_t nf, uint64_t line,
                     RnError **err)
{
    if (nf != 4 || f[1][0] == 0 || f[2][0] == 0) {
        rn_error_set(err, RN_ERROR_PARSE, "regions line %llu: rule needs REGION, REGEX and FROM",
                     (unsigned long long)line);
        return false;
    }
    if (!grow((void **)&t->rules, t->n_rules, sizeof *t->rules, err))
        return false;
    RegionRule *r = &t->rules[t->n_rules];
    char *lower = rn_utf8_lower(f[2], err);
    if (lower == NULL)
        return false;
    int rc = regcomp(&r->re, lower, REG_EXTENDED | REG_ICASE | REG_NOSUB);
    if (rc != 0) {
        char msg[128];
        regerror(rc, &r->re, msg, sizeof msg);
        rn_error_set(err, RN_ERROR_PARSE, "regions line %llu: bad regex: %s",
                     (unsigned long long)line, msg);
        free(lower);
        return false;
    }
    r->pattern = lower;
    t->n_rules++; /* from here on the regex is freed with the table */
    r->region = rn_strdup(f[1], err);
    return r->region != NULL && parse_from_list(f[3], r, line, err);
}

static bool add_final(RnRegionRules *t, char **f, size_t nf, uint64_t line,
                      RnError **err)
{
    if (nf != 4) {
        rn_error_set(err, RN_ERROR_PARSE, "regions line %llu: final needs MODALITY, FROM, TO",
                     (unsigned long long)line);
        return false;
    }
    if (!grow((void **)&t->finals, t->n_finals, sizeof *t->finals, err))
        return false;
    RegionFinal *r = &t->finals[t->n_finals++];
    r->modality = rn_strdup(f[1], err);
    r->from = rn_strdup(f[2], err);
    r->to = rn_strdup(f[3], err);
    return r->modality && r->from && r->to;
}

static bool parse_line(RnRegionRules *t, char *line, uint64_t lineno, RnError **err)
{
    size_t len = strlen(line);
    if (len > 0 && line[len - 1] == '\r')
        line[--len] = 0;
    if (len == 0 || line[0] == '#')
        return true;
    char *f[MAX_FIELDS];
    size_t nf = split_tabs(line, f, MAX_FIELDS);
    if (strcmp(f[0], "rename") == 0)
        return add_rename(t, f, nf, lineno, err);
    if (strcmp(f[0], "rule") == 0)
        return add_rule(t, f, nf, lineno, err);
    if (strcmp(f[0], "final") == 0)
        return add_final(t, f, nf, lineno, err);
    rn_error_set(err, RN_ERROR_PARSE, "regions line %llu: unknown kind '%s'",
                 (unsigned long long)lineno, f[0]);
    return false;
}

RnRegionRules *rn_region_rules_parse(const char *text, size_t n, RnError **err)
{
    RnRegionRules *t = rn_calloc(1, sizeof *t, err);
    char *copy = rn_malloc(n + 1, err);
    if (t == NULL || copy == NULL) {
        free(copy);
        free(t);
        return NULL;
    }
    memcpy(copy, text, n);
    copy[n] = 0;
    if (strlen(copy) != n) {
        rn_error_set(err, RN_ERROR_PARSE, "regions table contains a NUL byte");
        goto fail;
    }
    uint64_t lineno = 0;
    for (char *line = copy; line != NULL;) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = 0;
        if (!parse_line(t, line, ++lineno, err))
            goto fail;
        line = nl ? nl + 1 : NULL;
    }
    if (t->n_rules == 0) {
        rn_error_set(err, RN_ERROR_PARSE, "regions table has no rules");
        goto fail;
    }
    free(copy);
    return t;
fail:
    free(copy);
    rn_region_rules_free(t);
    return NULL;
}

RnRegionRules *rn_region_rules_load(const char *path, RnError **err)
{
    uint8_t *data = NULL;
    size_t n = 0;
    if (!rn_file_read_all(path, 16u << 20, &data, &n, err))
        return NULL;
    RnRegionRules *t = rn_region_rules_parse((const char *)data, n, err);
    free(data);
    return t;
}

RnRegionRules *rn_region_rules_builtin(RnError **err)
{
    return rn_region_rules_parse((const char *)rn_region_rules_tsv,
                                 rn_region_rules_tsv_len, err);
}

size_t rn_region_rules_rule_count(const RnRegionRules *rules)
{
    return rules ? rules->n_rules : 0;
}

void rn_region_rules_free(RnRegionRules *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n_renames; i++) {
        free(t->renames[i].from);
        free(t->renames[i].to);
    }
    for (size_t i = 0; i < t->n_rules; i++) {
        RegionRule *r = &t->rules[i];
        regfree(&r->re);
        free(r->pattern);
        free(r->region);
        for (size_t j = 0; j < r->n_from; j++)
            free(r->from[j]);
        free(r->from);
    }
    for (size_t i = 0; i < t->n_finals; i++) {
        free(t->finals[i].modality);
        free(t->finals[i].from);
        free(t->finals[i].to);
    }
    free(t->renames);
    free(t->rules);
    free(t->finals);
    free(t);
}

/* ---- classification -------------------------------------------------- */

static bool value_in_from(const RegionRule *r, const char *value)
{
    for (size_t i = 0; i < r->n_from; i++)
        if (strcmp(r->from[i], value) == 0)
            return true;
    return false;
}

static bool rule_matches(const RegionRule *r, char *const *texts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (texts[i][0] != 0 && regexec(&r->re, texts[i], 0, NULL, 0) == 0)
            return true;
    return false;
}

/* Replaces *value by a copy of v. */
static bool set_value(char **value, const char *v, RnError **err)
{
    char *copy = rn_strdup(v, err);
    if (copy == NULL)
        return false;
    free(*value);
    *value = copy;
    return true;
}

static bool apply_renames(const RnRegionRules *t, char **value, RnError **err)
{
    for (size_t i = 0; i < t->n_renames; i++)
        if (strcmp(*value, t->renames[i].from) == 0)
            return set_value(value, t->renames[i].to, err);
    return true;
}

static bool apply_rules(const RnRegionRules *t, char *const *texts, size_t n,
                        char **value, RnError **err)
{
    for (size_t i = 0; i < t->n_rules; i++) {
        const RegionRule *r = &t->rules[i];
        if (value_in_from(r, *value) && rule_matches(r, texts, n) &&
            !set_value(value, r->region, err))
            return false;
    }
    return true;
}

static bool apply_finals(const RnRegionRules *t, const char *modality,
                         char **value, RnError **err)
{
    for (size_t i = 0; i < t->n_finals; i++) {
        const RegionFinal *f = &t->finals[i];
        if (strcmp(modality, f->modality) == 0 && strcmp(*value, f->from) == 0 &&
            !set_value(value, f->to, err))
            return false;
    }
    return true;
}

bool rn_region_classify(const RnRegionRules *t, const RnRegionInput *in,
                        char **out, RnError **err)
{
    *out = NULL;
    const char *sources[3] = {in->study_description, in->protocol_name,
                              in->requested_procedure};
    char *texts[3] = {NULL, NULL, NULL};
    char *value = rn_str_trim_dup(in->body_part, err);
    char *modality = rn_str_trim_dup(in->modality, err);
    bool ok = value != NULL && modality != NULL;
    for (size_t i = 0; ok && i < 3; i++) {
        texts[i] = rn_utf8_lower(sources[i] ? sources[i] : "", err);
        ok = texts[i] != NULL;
    }
    ok = ok && apply_renames(t, &value, err) && apply_rules(t, texts, 3, &value, err) &&
         apply_finals(t, modality, &value, err);
    for (size_t i = 0; i < 3; i++)
        free(texts[i]);
    free(modality);
    if (!ok) {
        free(value);
        return false;
    }
    *out = value;
    return true;
}
