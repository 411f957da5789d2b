/* The authors' metadata feature pipeline: see meta_pipeline.h. */
#include "embed/meta_pipeline.h"

#include "embed/meta_rules.h"
#include "embed/strmap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define MAX_COLUMNS 100000u
#define MAX_VALUE_BYTES RN_STRMAP_MAX_KEY_BYTES

/* A final column: where its value comes from and how it is encoded. */
typedef struct Column {
    char *name;           /* "Keyword" or "Keyword[i]" */
    char *keyword;        /* the element */
    int part;             /* -1: whole value; else the backslash-separated part */
    bool age;             /* DICOM age string → years */
    bool numeric;
    RnStrMap categories;  /* categoricals: lowercased values, byte order */
    size_t first;         /* index of its first feature */
    size_t kw;            /* its keyword in the pipeline's keyword map */
} Column;

struct RnMetaPipeline {
    RnMetaRules *rules;
    Column *cols;
    size_t n_cols;
    size_t d;             /* features */
    char **names;         /* feature names */
    RnMetaImpute imputer;
    double *lo, *hi;      /* MinMax range per feature */
    RnStrMap keywords;    /* the columns' keywords: a document's members are found
                             in one pass over it, not one search per column */
};

/* ---- reading one item's elements ---------------------------------------- */

/* The trimmed text of an element (a member [VR, value] of the elements
 * object; 0: absent), or NULL. */
static const char *member_text(const RnJson *doc, RnJsonRef member, size_t *len)
{
    RnJsonRef v = rn_json_at(doc, member, 1);
    const char *s = rn_json_str(doc, v, len);
    if (!s)
        return NULL;
    while (*len && (*s == ' ' || *s == '\t'))
        s++, (*len)--;
    while (*len && (s[*len - 1] == ' ' || s[*len - 1] == '\t' || s[*len - 1] == 0))
        (*len)--;
    return s;
}

/* Part i of a backslash-separated value (trimmed), or len 0. */
static const char *value_part(const char *s, size_t n, int part, size_t *len)
{
    const char *end = s + n;
    for (int i = 0; i < part; i++) {
        const char *bs = memchr(s, '\\', (size_t)(end - s));
        if (!bs) {
            *len = 0;
            return s;
        }
        s = bs + 1;
    }
    const char *bs = memchr(s, '\\', (size_t)(end - s));
    const char *e = bs ? bs : end;
    while (s < e && *s == ' ')
        s++;
    while (e > s && e[-1] == ' ')
        e--;
    *len = (size_t)(e - s);
    return s;
}

/* DICOM age string nnnD/W/M/Y → years; false when malformed. */
static bool age_years(const char *s, size_t n, double *out)
{
    if (n < 2 || n > 8)
        return false;
    double v = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    switch (s[n - 1]) {
    case 'D': case 'd': *out = v / 365.25; return true;
    case 'W': case 'w': *out = v * 7.0 / 365.25; return true;
    case 'M': case 'm': *out = v / 12.0; return true;
    case 'Y': case 'y': *out = v; return true;
    default: return false;
    }
}

/* A plain decimal number ([+-]digits[.digits][e[+-]digits]): what DS and
 * IS hold. strtod alone would also take hex, "inf" and "nan". */
static bool parse_number(const char *s, size_t n, double *out)
{
    char tmp[64];
    if (n == 0 || n >= sizeof tmp)
        return false;
    size_t i = 0, digits = 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    if (digits == 0)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t exp_digits = 0;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            exp_digits++;
        if (exp_digits == 0)
            return false;
    }
    if (i != n)
        return false;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    double v = strtod(tmp, NULL);
    if (!isfinite(v))
        return false;
    *out = v;
    return true;
}

/* The trimmed value text of each of the pipeline's keywords in one
 * document (s NULL: absent; the first of duplicate members counts). */
typedef struct Span {
    const char *s;
    size_t n;
} Span;

/* Spans of the members of a parsed doc named by keywords. */
static void index_doc(const RnJson *doc, const RnStrMap *keywords, Span *span)
{
    memset(span, 0, keywords->n * sizeof *span);
    RnJsonRef root = rn_json_root(doc);
    size_t count = rn_json_count(doc, root);
    for (size_t m = 0; m < count; m++) {
        RnJsonRef mem = rn_json_at(doc, root, m);
        size_t len;
        const char *kw = rn_json_member_key(doc, mem, &len);
        int64_t k = rn_strmap_find((RnStrMap *)keywords, kw, len, false, NULL);
        if (k >= 0 && !span[k].s)
            span[k].s = member_text(doc, mem, &span[k].n);
    }
}

/* Column c's value (text after split, or an age in years as text in
 * scratch); *len 0 = empty. */
static const char *cell(const Span *span, const Column *c, char *scratch, size_t scratch_n,
                        size_t *len)
{
    size_t n = span[c->kw].n;
    const char *s = span[c->kw].s;
    if (!s) {
        *len = 0;
        return "";
    }
    if (c->part >= 0)
        s = value_part(s, n, c->part, &n);
    if (c->age) {
        double y;
        if (!age_years(s, n, &y)) {
            *len = 0;
            return "";
        }
        *len = (size_t)snprintf(scratch, scratch_n, "%.17g", y);
        return scratch;
    }
    *len = n;
    return s;
}

/* ---- the fit's sample, read once ----------------------------------------- */

/* The members of every sample document, parsed once: the fit makes three
 * passes (statistics, judging, encoding), and a sample's parsed JSON trees
 * would take ~25 KB per image. */
typedef struct SampleMember {
    uint32_t name;        /* index in Sample.names */
    uint32_t len : 31;
    uint32_t identifying : 1; /* never a base column (meta_rules) */
    size_t off;           /* trimmed value text in Sample.text; SIZE_MAX: no text */
} SampleMember;

typedef struct Sample {
    RnStrMap names;       /* every keyword met */
    SampleMember *members;
    size_t n_members, cap;
    size_t *first;        /* document i: members first[i] .. first[i + 1] */
    RnBuf text;
} Sample;

static void sample_free(Sample *s)
{
    rn_strmap_free(&s->names);
    free(s->members);
    free(s->first);
    rn_buf_free(&s->text);
}

static bool sample_add(Sample *s, const RnMetaRules *rules, const RnJson *doc, RnError **err)
{
    RnJsonRef root = rn_json_root(doc);
    size_t count = rn_json_count(doc, root);
    for (size_t m = 0; m < count; m++) {
        RnJsonRef mem = rn_json_at(doc, root, m);
        size_t kw_len, len;
        const char *kw = rn_json_member_key(doc, mem, &kw_len);
        const char *vr = rn_json_str(doc, rn_json_at(doc, mem, 0), NULL);
        bool identifying = rn_meta_rules_identifying(rules, kw, vr);
        int64_t id = rn_strmap_find(&s->names, kw, kw_len, true, err);
        if (id < 0)
            return false;
        if ((size_t)id >= MAX_COLUMNS) {
            rn_error_set(err, RN_ERROR_LIMIT, "metadata: more than %u distinct keywords",
                         MAX_COLUMNS);
            return false;
        }
        if (s->n_members == s->cap) {
            size_t c = s->cap ? s->cap * 2 : 4096;
            SampleMember *q = rn_realloc(s->members, c * sizeof *q, err);
            if (!q)
                return false;
            s->members = q;
            s->cap = c;
        }
        const char *v = member_text(doc, mem, &len);
        if (v && len > MAX_VALUE_BYTES)
            len = MAX_VALUE_BYTES;
        s->members[s->n_members++] = (SampleMember){(uint32_t)id, v ? (uint32_t)len : 0,
                                                    identifying, v ? s->text.len : SIZE_MAX};
        if (v && !rn_buf_append(&s->text, v, len, err))
            return false;
    }
    return true;
}

static bool sample_read(Sample *s, const RnMetaRules *rules, const RnEmbedItem *items,
                        size_t n, RnError **err)
{
    memset(s, 0, sizeof *s);
    s->first = rn_calloc(n + 1, sizeof *s->first, err);
    bool ok = s->first != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        const char *t = items[i].elements_json ? items[i].elements_json : "{}";
        RnJson *doc = rn_json_parse(t, strlen(t), err);
        ok = doc && sample_add(s, rules, doc, err);
        rn_json_free(doc);
        s->first[i + 1] = s->n_members;
    }
    return ok;
}

static const char *member_value(const Sample *s, const SampleMember *m)
{
    return m->off == SIZE_MAX ? NULL : (const char *)s->text.data + m->off;
}

/* Spans of document i; kw_of_name maps a sample keyword to the pipeline's
 * keyword index (-1: not a column's). */
static void sample_spans(const Sample *s, size_t i, const int64_t *kw_of_name, size_t n_kw,
                         Span *span)
{
    memset(span, 0, n_kw * sizeof *span);
    for (size_t q = s->first[i]; q < s->first[i + 1]; q++) {
        const SampleMember *m = &s->members[q];
        int64_t k = kw_of_name[m->name];
        if (k >= 0 && !span[k].s && m->off != SIZE_MAX)
            span[k] = (Span){member_value(s, m), m->len};
    }
}

/* ---- fitting: column statistics ----------------------------------------- */

typedef struct ColStats {
    RnStrMap values;   /* distinct non-empty values */
    size_t filled;     /* rows with a non-empty value */
    bool all_numeric;
    bool age;
    char vr[3];
} ColStats;

static void stats_free(ColStats *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        rn_strmap_free(&s[i].values);
    free(s);
}

static bool stats_add(ColStats *st, const char *v, size_t n, RnError **err)
{
    if (n == 0)
        return true;
    if (n > MAX_VALUE_BYTES)
        n = MAX_VALUE_BYTES;
    st->filled++;
    double x;
    if (st->all_numeric && !parse_number(v, n, &x))
        st->all_numeric = false;
    /* beyond 50 distinct values a categorical is dropped anyway; keep
     * counting up to one more than that so memory stays bounded */
    if (st->values.n > RN_META_MAX_CATEGORIES && !st->all_numeric)
        return true;
    return rn_strmap_find(&st->values, v, n, true, err) >= 0;
}

/* Step 1–2: the kept base columns (keywords). */
static bool base_columns(const Sample *sample, RnStrMap *kept, RnError **err)
{
    size_t n_names = sample->names.n;
    ColStats *st = rn_calloc(n_names ? n_names : 1, sizeof *st, err);
    bool ok = st != NULL;
    for (size_t c = 0; ok && c < n_names; c++)
        st[c].all_numeric = true;
    for (size_t q = 0; ok && q < sample->n_members; q++) {
        const SampleMember *m = &sample->members[q];
        const char *v = member_value(sample, m);
        if (v && !m->identifying)
            ok = stats_add(&st[m->name], v, m->len, err);
    }
    for (size_t c = 0; ok && c < n_names; c++)
        if (st[c].values.n >= 2)
            ok = rn_strmap_find(kept, rn_strmap_key(&sample->names, c),
                                rn_strmap_key_len(&sample->names, c), true, err) >= 0;
    stats_free(st, n_names);
    return ok;
}

/* kw_of_name[name] = the pipeline's keyword index of a sample keyword, or
 * -1 (n_names + 1 entries). */
static int64_t *keyword_ids(const RnMetaPipeline *p, const Sample *sample, RnError **err)
{
    int64_t *ids = rn_calloc(sample->names.n + 1, sizeof *ids, err);
    for (size_t c = 0; ids && c < sample->names.n; c++)
        ids[c] = rn_strmap_find((RnStrMap *)&p->keywords, rn_strmap_key(&sample->names, c),
                                rn_strmap_key_len(&sample->names, c), false, NULL);
    return ids;
}

static int cmp_column(const void *a, const void *b)
{
    return strcmp(((const Column *)a)->name, ((const Column *)b)->name);
}

static void column_free(Column *c)
{
    free(c->name);
    free(c->keyword);
    rn_strmap_free(&c->categories);
}

/* Step 3: candidate columns of the kept base columns. */
static bool candidate_columns(const RnMetaRules *rules, const RnStrMap *kept, Column **out,
                              size_t *n_out, RnError **err)
{
    size_t total = 0;
    for (size_t k = 0; k < kept->n; k++) {
        unsigned parts = rn_meta_rules_split(rules, rn_strmap_key(kept, k));
        total += parts ? parts : 1;
    }
    Column *cols = rn_calloc(total ? total : 1, sizeof *cols, err);
    if (!cols)
        return false;
    size_t c = 0;
    bool ok = true;
    for (size_t k = 0; ok && k < kept->n; k++) {
        const char *kw = rn_strmap_key(kept, k);
        unsigned parts = rn_meta_rules_split(rules, kw);
        for (unsigned p = 0; ok && p < (parts ? parts : 1); p++) {
            Column *col = &cols[c++];
            col->keyword = rn_strdup(kw, err);
            col->part = parts ? (int)p : -1;
            col->age = rn_meta_rules_is_age(rules, kw);
            RnBuf name = RN_BUF_INIT;
            ok = col->keyword && (parts ? rn_buf_printf(&name, err, "%s[%u]", kw, p)
                                        : rn_buf_append_str(&name, kw, err)) &&
                 rn_buf_terminate(&name, err);
            col->name = (char *)name.data;
        }
    }
    *out = cols;
    *n_out = c;
    return ok;
}

/* Appends the lowercase of s[0..n) (per code point) to out. */
static bool lowercase(const char *s, size_t n, RnBuf *out, RnError **err)
{
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0) { /* not UTF-8: keep the byte */
            if (!rn_buf_append(out, s + i, 1, err))
                return false;
            i++;
            continue;
        }
        utf8proc_uint8_t enc[4];
        utf8proc_ssize_t e = utf8proc_encode_char(utf8proc_tolower(cp), enc);
        if (!rn_buf_append(out, enc, (size_t)e, err))
            return false;
        i += (size_t)k;
    }
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Step 4–5 for one candidate: statistics over the sample, then keep or
 * drop, numeric or categorical with its sorted categories. */
typedef struct Judge {
    ColStats st;
    RnStrMap lower;       /* lowercased values, up to one past the limit */
    bool empty_seen;
} Judge;

static bool judge_add(Judge *j, const char *v, size_t len, RnBuf *buf, RnError **err)
{
    if (!stats_add(&j->st, v, len, err))
        return false;
    if (len == 0) {
        j->empty_seen = true;
        return true;
    }
    if (j->lower.n > RN_META_MAX_CATEGORIES)
        return true;
    buf->len = 0;
    return lowercase(v, len, buf, err) &&
           rn_strmap_find(&j->lower, (const char *)buf->data, buf->len, true, err) >= 0;
}

static bool judge_finish(Column *col, const Judge *j, size_t n, bool *keep, RnError **err)
{
    col->numeric = j->st.all_numeric;
    *keep = j->st.values.n >= 2 && (double)j->st.filled >= RN_META_MIN_FILL * (double)n &&
            (col->numeric || j->st.values.n <= RN_META_MAX_CATEGORIES);
    if (!*keep || col->numeric)
        return true;
    size_t k = j->lower.n + (j->empty_seen ? 1 : 0);
    const char **cats = rn_calloc(k, sizeof *cats, err);
    bool ok = cats != NULL;
    for (size_t i = 0; ok && i < j->lower.n; i++)
        cats[i] = rn_strmap_key(&j->lower, i);
    if (ok && j->empty_seen)
        cats[j->lower.n] = "";
    if (ok)
        qsort(cats, k, sizeof *cats, cmp_str);
    for (size_t i = 0; ok && i < k; i++)
        ok = rn_strmap_find(&col->categories, cats[i], strlen(cats[i]), true, err) >= 0;
    free(cats);
    return ok;
}

/* Judges every candidate in one pass over the documents; keep[c] set. */
static bool judge_columns(const RnMetaPipeline *p, Column *cand, size_t n_cand,
                          const Sample *sample, size_t n, bool *keep, RnError **err)
{
    Judge *judges = rn_calloc(n_cand ? n_cand : 1, sizeof *judges, err);
    Span *span = judges ? rn_calloc(p->keywords.n + 1, sizeof *span, err) : NULL;
    int64_t *kw_of_name = span ? keyword_ids(p, sample, err) : NULL;
    RnBuf buf = RN_BUF_INIT;
    char scratch[64];
    bool ok = kw_of_name != NULL;
    for (size_t c = 0; ok && c < n_cand; c++)
        judges[c].st.all_numeric = true;
    for (size_t i = 0; ok && i < n; i++) {
        sample_spans(sample, i, kw_of_name, p->keywords.n, span);
        for (size_t c = 0; ok && c < n_cand; c++) {
            size_t len;
            const char *v = cell(span, &cand[c], scratch, sizeof scratch, &len);
            ok = judge_add(&judges[c], v, len, &buf, err);
        }
    }
    for (size_t c = 0; ok && c < n_cand; c++)
        ok = judge_finish(&cand[c], &judges[c], n, &keep[c], err);
    for (size_t c = 0; judges && c < n_cand; c++) {
        rn_strmap_free(&judges[c].st.values);
        rn_strmap_free(&judges[c].lower);
    }
    free(judges);
    free(span);
    free(kw_of_name);
    rn_buf_free(&buf);
    return ok;
}

/* Fills p->keywords with the columns' keywords and each column's kw. */
static bool index_keywords(RnMetaPipeline *p, Column *cols, size_t n_cols, RnError **err)
{
    for (size_t c = 0; c < n_cols; c++) {
        int64_t k = rn_strmap_find(&p->keywords, cols[c].keyword, strlen(cols[c].keyword), true,
                                   err);
        if (k < 0)
            return false;
        cols[c].kw = (size_t)k;
    }
    return true;
}

static bool name_features(RnMetaPipeline *p, RnError **err)
{
    p->d = 0;
    for (size_t c = 0; c < p->n_cols; c++) {
        p->cols[c].first = p->d;
        p->d += p->cols[c].numeric ? 1 : p->cols[c].categories.n;
    }
    p->names = rn_calloc(p->d ? p->d : 1, sizeof *p->names, err);
    if (!p->names)
        return false;
    for (size_t c = 0; c < p->n_cols; c++) {
        const Column *col = &p->cols[c];
        size_t k = col->numeric ? 1 : col->categories.n;
        for (size_t j = 0; j < k; j++) {
            RnBuf b = RN_BUF_INIT;
            bool ok = col->numeric ? rn_buf_append_str(&b, col->name, err)
                                   : rn_buf_printf(&b, err, "%s=%s", col->name,
                                                   rn_strmap_key(&col->categories, j));
            if (!ok || !rn_buf_terminate(&b, err)) {
                rn_buf_free(&b);
                return false;
            }
            p->names[col->first + j] = (char *)b.data;
        }
    }
    return true;
}

static bool choose_columns(RnMetaPipeline *p, const Sample *sample, size_t n, RnError **err)
{
    RnStrMap kept = RN_STRMAP_INIT;
    Column *cand = NULL;
    size_t n_cand = 0;
    bool ok = base_columns(sample, &kept, err) &&
              candidate_columns(p->rules, &kept, &cand, &n_cand, err);
    rn_strmap_free(&kept);
    if (ok)
        qsort(cand, n_cand, sizeof *cand, cmp_column);
    p->cols = cand;
    /* the candidates' keywords index the kept columns too */
    bool *keep = ok ? rn_calloc(n_cand ? n_cand : 1, sizeof *keep, err) : NULL;
    ok = keep && index_keywords(p, cand, n_cand, err) &&
         judge_columns(p, cand, n_cand, sample, n, keep, err);
    for (size_t c = 0; ok && c < n_cand; c++) {
        if (keep[c])
            cand[p->n_cols++] = cand[c];
        else
            column_free(&cand[c]);
    }
    free(keep);
    if (!ok) {
        for (size_t c = p->n_cols; c < n_cand; c++)
            if (cand[c].name || cand[c].keyword)
                column_free(&cand[c]);
    }
    return ok && name_features(p, err);
}

/* ---- encoding --------------------------------------------------------------- */

/* One row from the spans of a document's keywords. */
static bool encode_spans(const RnMetaPipeline *p, const Span *span, double *row, RnBuf *buf,
                         RnError **err)
{
    char scratch[64];
    memset(row, 0, p->d * sizeof *row);
    for (size_t c = 0; c < p->n_cols; c++) {
        const Column *col = &p->cols[c];
        size_t len;
        const char *v = cell(span, col, scratch, sizeof scratch, &len);
        if (col->numeric) {
            double x;
            row[col->first] = parse_number(v, len, &x) ? x : NAN;
            continue;
        }
        buf->len = 0;
        if (!lowercase(v, len, buf, err))
            return false;
        int64_t k = rn_strmap_find((RnStrMap *)&col->categories, (const char *)buf->data,
                                   buf->len, false, NULL);
        if (k >= 0) /* an unseen category leaves its block at zero */
            row[col->first + (size_t)k] = 1.0;
    }
    return true;
}

bool rn_meta_pipeline_encode(const RnMetaPipeline *p, const RnEmbedItem *items, size_t n,
                             double *out, RnError **err)
{
    RnBuf buf = RN_BUF_INIT;
    Span *span = rn_calloc(p->keywords.n + 1, sizeof *span, err);
    bool ok = span != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        const char *s = items[i].elements_json ? items[i].elements_json : "{}";
        RnJson *doc = rn_json_parse(s, strlen(s), err);
        if (doc)
            index_doc(doc, &p->keywords, span);
        ok = doc && encode_spans(p, span, out + i * p->d, &buf, err);
        rn_json_free(doc);
    }
    free(span);
    rn_buf_free(&buf);
    return ok;
}

bool rn_meta_pipeline_finish(const RnMetaPipeline *p, double *rows, size_t n, RnError **err)
{
    if (!rn_meta_impute_apply(&p->imputer, rows, n, err))
        return false;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p->d; j++) {
            double range = p->hi[j] - p->lo[j];
            double x = range > 0 ? (rows[i * p->d + j] - p->lo[j]) / range : 0.0;
            rows[i * p->d + j] = x < 0 ? 0 : x > 1 ? 1 : x;
        }
    return true;
}

/* ---- fit, accessors, payload ------------------------------------------------- */

void rn_meta_pipeline_free(RnMetaPipeline *p)
{
    if (!p)
        return;
    rn_meta_rules_free(p->rules);
    for (size_t c = 0; c < p->n_cols; c++)
        column_free(&p->cols[c]);
    free(p->cols);
    for (size_t j = 0; p->names && j < p->d; j++)
        free(p->names[j]);
    free(p->names);
    rn_meta_impute_free(&p->imputer);
    rn_strmap_free(&p->keywords);
    free(p->lo);
    free(p->hi);
    free(p);
}

static bool fit_scaler(RnMetaPipeline *p, const double *X, size_t n, RnError **err)
{
    p->lo = rn_calloc(p->d ? p->d : 1, sizeof *p->lo, err);
    p->hi = p->lo ? rn_calloc(p->d ? p->d : 1, sizeof *p->hi, err) : NULL;
    if (!p->hi)
        return false;
    for (size_t j = 0; j < p->d; j++) {
        p->lo[j] = INFINITY;
        p->hi[j] = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            double x = X[i * p->d + j];
            p->lo[j] = x < p->lo[j] ? x : p->lo[j];
            p->hi[j] = x > p->hi[j] ? x : p->hi[j];
        }
        if (!(p->lo[j] <= p->hi[j]))
            p->lo[j] = p->hi[j] = 0;
        /* the model file stores float32: fit with what a reload will see */
        p->lo[j] = (float)p->lo[j];
        p->hi[j] = (float)p->hi[j];
    }
    return true;
}

RnMetaPipeline *rn_meta_pipeline_fit(const RnEmbedItem *sample, size_t n,
                                     const RnMetaImputeOptions *imputer, double **encoded,
                                     RnError **err)
{
    RnMetaPipeline *p = rn_calloc(1, sizeof *p, err);
    if (!p)
        return NULL;
    Sample docs;
    double *X = NULL;
    bool ok = (p->rules = rn_meta_rules_builtin(err));
    ok = sample_read(&docs, p->rules, sample, ok ? n : 0, err) && ok &&
         choose_columns(p, &docs, n, err);
    if (ok && p->d == 0) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "metadata: no feature survives the authors' rules on this sample");
        ok = false;
    }
    ok = ok && (X = rn_calloc(n, p->d * sizeof *X, err));
    RnBuf buf = RN_BUF_INIT;
    Span *span = ok ? rn_calloc(p->keywords.n + 1, sizeof *span, err) : NULL;
    int64_t *kw_of_name = span ? keyword_ids(p, &docs, err) : NULL;
    ok = ok && kw_of_name;
    for (size_t i = 0; ok && i < n; i++) {
        sample_spans(&docs, i, kw_of_name, p->keywords.n, span);
        ok = encode_spans(p, span, X + i * p->d, &buf, err);
    }
    free(span);
    free(kw_of_name);
    rn_buf_free(&buf);
    if (ok && encoded) { /* the imputer's fit overwrites X */
        *encoded = rn_malloc(n * p->d * sizeof **encoded, err);
        ok = *encoded != NULL;
        if (ok)
            memcpy(*encoded, X, n * p->d * sizeof **encoded);
    }
    if (ok) {
        bool *numeric = rn_calloc(p->d, sizeof *numeric, err);
        ok = numeric != NULL;
        for (size_t c = 0; ok && c < p->n_cols; c++)
            numeric[p->cols[c].first] = p->cols[c].numeric;
        ok = ok && rn_meta_impute_fit(&p->imputer, imputer, X, n, p->d, numeric, err) &&
             fit_scaler(p, X, n, err);
        free(numeric);
    }
    sample_free(&docs);
    free(X);
    if (!ok) {
        if (encoded) {
            free(*encoded);
            *encoded = NULL;
        }
        rn_meta_pipeline_free(p);
        return NULL;
    }
    return p;
}

size_t rn_meta_pipeline_features(const RnMetaPipeline *p)
{
    return p->d;
}

const char *rn_meta_pipeline_feature_name(const RnMetaPipeline *p, size_t j)
{
    return j < p->d ? p->names[j] : NULL;
}

bool rn_meta_pipeline_save(const RnMetaPipeline *p, RnBuf *out, RnError **err)
{
    bool ok = eb_put_u64(out, p->n_cols, err);
    for (size_t c = 0; ok && c < p->n_cols; c++) {
        const Column *col = &p->cols[c];
        ok = eb_put_str(out, col->keyword, err) && eb_put_u32(out, (uint32_t)(col->part + 1), err) &&
             eb_put_u32(out, col->age, err) && eb_put_u32(out, col->numeric, err) &&
             eb_put_u64(out, col->categories.n, err);
        for (size_t j = 0; ok && j < col->categories.n; j++)
            ok = eb_put_str(out, rn_strmap_key(&col->categories, j), err);
    }
    for (size_t j = 0; ok && j < p->d; j++)
        ok = eb_put_f32(out, (float)p->lo[j], err) && eb_put_f32(out, (float)p->hi[j], err);
    return ok && rn_meta_impute_save(&p->imputer, out, err);
}

static bool load_column(Column *col, EbReader *r, RnError **err)
{
    uint32_t part, age, numeric;
    size_t k;
    col->keyword = eb_get_str(r, 256, err);
    if (!col->keyword || !eb_get_u32(r, &part, err) || !eb_get_u32(r, &age, err) ||
        !eb_get_u32(r, &numeric, err) ||
        !eb_get_size(r, 0, RN_META_MAX_CATEGORIES + 1, &k, err))
        return false;
    if (part > 16 || age > 1 || numeric > 1 || (numeric && k)) {
        rn_error_set(err, RN_ERROR_PARSE, "metadata model: bad column");
        return false;
    }
    col->part = (int)part - 1;
    col->age = age;
    col->numeric = numeric;
    RnBuf name = RN_BUF_INIT;
    bool ok = (col->part >= 0 ? rn_buf_printf(&name, err, "%s[%d]", col->keyword, col->part)
                              : rn_buf_append_str(&name, col->keyword, err)) &&
              rn_buf_terminate(&name, err);
    col->name = (char *)name.data;
    for (size_t j = 0; ok && j < k; j++) {
        char *cat = eb_get_str(r, MAX_VALUE_BYTES, err);
        ok = cat && rn_strmap_find(&col->categories, cat, strlen(cat), true, err) == (int64_t)j;
        if (cat && !ok)
            rn_error_set(err, RN_ERROR_PARSE, "metadata model: duplicate category");
        free(cat);
    }
    return ok;
}

RnMetaPipeline *rn_meta_pipeline_load(EbReader *r, RnError **err)
{
    RnMetaPipeline *p = rn_calloc(1, sizeof *p, err);
    if (!p)
        return NULL;
    size_t n_cols;
    /* a column takes at least 24 bytes */
    bool ok = (p->rules = rn_meta_rules_builtin(err)) &&
              eb_get_size(r, 1, (r->n - r->pos) / 24, &n_cols, err) &&
              (p->cols = rn_calloc(n_cols, sizeof *p->cols, err));
    for (size_t c = 0; ok && c < n_cols; c++) {
        p->n_cols++;
        ok = load_column(&p->cols[c], r, err);
    }
    ok = ok && index_keywords(p, p->cols, p->n_cols, err) && name_features(p, err) &&
         (p->lo = rn_calloc(p->d, sizeof *p->lo, err)) &&
         (p->hi = rn_calloc(p->d, sizeof *p->hi, err));
    for (size_t j = 0; ok && j < p->d; j++) {
        float lo, hi;
        ok = eb_get_f32(r, &lo, err) && eb_get_f32(r, &hi, err);
        p->lo[j] = lo;
        p->hi[j] = hi;
    }
    ok = ok && rn_meta_impute_load(&p->imputer, r, p->d, err);
    if (!ok) {
        rn_meta_pipeline_free(p);
        return NULL;
    }
    return p;
}
