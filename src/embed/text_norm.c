/* Text normalisation: see text_norm.h. */
#include "embed/text_norm.h"

#include "embed/embed_internal.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Negation cues (after case and diacritic folding): Croatian and English.
 * Each starts a scope over the following tokens of its clause. */
static const char *const negation_cues[] = {
    "bez", "nema", "nije", "nisu", "ne", "niti", "no", "not",
    "without", "negative", "negativan", "negativna", "negativno", "absent",
};

/* Characters that end a clause (and a negation scope). */
static const char clause_ends[] = ".,;:!?()[]{}\n\r";

struct RnTextNorm {
    RnTextOptions opt;
    struct sb_stemmer *stemmer;
    RnBuf word;      /* the token being built */
    RnBuf scratch;   /* Latin-2 fallback decoding */
};

RnTextOptions rn_text_options_default(void)
{
    return (RnTextOptions){.fold_diacritics = true, .stem = true,
                           .mark_negation = true, .negation_window = 4};
}

bool rn_text_options_put(const RnTextOptions *o, RnBuf *out, RnError **err)
{
    uint32_t window = o->negation_window > 0 ? (uint32_t)o->negation_window : 0;
    return eb_put_u32(out, o->fold_diacritics, err) && eb_put_u32(out, o->stem, err) &&
           eb_put_u32(out, o->mark_negation, err) && eb_put_u32(out, window, err);
}

bool rn_text_options_get(EbReader *r, RnTextOptions *o, RnError **err)
{
    uint32_t v[4];
    for (int i = 0; i < 4; i++)
        if (!eb_get_u32(r, &v[i], err))
            return false;
    if (v[0] > 1 || v[1] > 1 || v[2] > 1 || v[3] > 64) {
        rn_error_set(err, RN_ERROR_PARSE, "text model: bad text options");
        return false;
    }
    *o = (RnTextOptions){v[0] != 0, v[1] != 0, v[2] != 0, (int)v[3]};
    return true;
}

bool rn_text_options_read(const char *options, RnTextOptions *o, RnError **err)
{
    *o = rn_text_options_default();
    return eb_option_bool(options, "fold", &o->fold_diacritics, err) &&
           eb_option_bool(options, "stem", &o->stem, err) &&
           eb_option_bool(options, "negation", &o->mark_negation, err);
}

bool rn_text_item_report(const RnEmbedItem *item, RnTextNorm *tn, RnBuf *out, RnError **err)
{
    if (!item->report)
        return true;
    return rn_text_normalize(tn, item->report, strlen(item->report), out, NULL, err);
}

/* The descriptive tags, in the order their text is joined. */
static const char *const descriptive_tags[] = {
    "StudyDescription", "SeriesDescription", "ProtocolName",
    "RequestedProcedureDescription", "BodyPartExamined",
};

static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

/* s[0..n) with a space where a CamelCase word begins: before an upper-case
 * letter after two lower-case ones ("NeuroHead"; one is a prefix: "cCT",
 * "sT2W"), and before the last upper-case letter of a run followed by a
 * lower-case one ("CTAbdomen"). */
static bool split_camel(const char *s, size_t n, RnBuf *out, RnError **err)
{
    out->len = 0;
    for (size_t i = 0; i < n; i++) {
        bool starts = i > 1 && is_upper(s[i]) &&
                      ((is_lower(s[i - 1]) && is_lower(s[i - 2])) ||
                       (is_upper(s[i - 1]) && i + 1 < n && is_lower(s[i + 1])));
        if ((starts && !rn_buf_append(out, " ", 1, err)) || !rn_buf_append(out, s + i, 1, err))
            return false;
    }
    return true;
}

/* The descriptive tags normalised into out; lines: a line each, CamelCase
 * split. */
static bool item_tags(const RnEmbedItem *item, RnTextNorm *tn, RnBuf *out, bool lines,
                      RnError **err)
{
    if (!item->elements_json || !*item->elements_json)
        return true;
    RnJson *doc = rn_json_parse(item->elements_json, strlen(item->elements_json), err);
    if (!doc)
        return false;
    RnJsonRef root = rn_json_root(doc);
    RnBuf split = RN_BUF_INIT;
    bool ok = true;
    for (size_t i = 0; ok && i < sizeof descriptive_tags / sizeof *descriptive_tags; i++) {
        size_t len;
        const char *s = rn_json_str(
            doc, rn_json_at(doc, rn_json_get(doc, root, descriptive_tags[i]), 1), &len);
        if (!s)
            continue;
        if (lines) {
            ok = (out->len == 0 || rn_buf_append(out, "\n", 1, err)) &&
                 split_camel(s, len, &split, err);
            s = (const char *)split.data, len = split.len;
        }
        ok = ok && rn_text_normalize(tn, s ? s : "", len, out, NULL, err);
    }
    rn_buf_free(&split);
    rn_json_free(doc);
    return ok;
}

bool rn_text_item_tags(const RnEmbedItem *item, RnTextNorm *tn, RnBuf *out, RnError **err)
{
    return item_tags(item, tn, out, false, err);
}

bool rn_text_item_tag_lines(const RnEmbedItem *item, RnTextNorm *tn, RnBuf *out,
                            RnError **err)
{
    return item_tags(item, tn, out, true, err);
}

void rn_text_items_free(char **docs, size_t n)
{
    for (size_t i = 0; docs && i < n; i++)
        free(docs[i]);
    free(docs);
}

char **rn_text_items(RnItemTextFn text, const RnTextOptions *o, const RnEmbedItem *items,
                     size_t n, RnError **err)
{
    RnTextNorm *tn = rn_text_norm_new(o, err);
    char **docs = tn ? rn_calloc(n ? n : 1, sizeof *docs, err) : NULL;
    bool ok = docs != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        RnBuf b = RN_BUF_INIT;
        ok = text(&items[i], tn, &b, err);
        if (ok && b.len)
            docs[i] = (char *)b.data;
        else
            rn_buf_free(&b);
    }
    rn_text_norm_free(tn);
    if (!ok) {
        rn_text_items_free(docs, n);
        docs = NULL;
    }
    return docs;
}

RnTextNorm *rn_text_norm_new(const RnTextOptions *opt, RnError **err)
{
    RnTextNorm *tn = rn_calloc(1, sizeof *tn, err);
    if (!tn)
        return NULL;
    tn->opt = opt ? *opt : rn_text_options_default();
    if (tn->opt.stem) {
        tn->stemmer = sb_stemmer_new("serbian", "UTF_8");
        if (!tn->stemmer) {
            rn_error_set(err, RN_ERROR_NOMEM, "cannot create the Snowball stemmer");
            free(tn);
            return NULL;
        }
    }
    return tn;
}

void rn_text_norm_free(RnTextNorm *tn)
{
    if (!tn)
        return;
    if (tn->stemmer)
        sb_stemmer_delete(tn->stemmer);
    rn_buf_free(&tn->word);
    rn_buf_free(&tn->scratch);
    free(tn);
}

static bool is_cue(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof negation_cues / sizeof *negation_cues; i++)
        if (strlen(negation_cues[i]) == n && memcmp(negation_cues[i], w, n) == 0)
            return true;
    return false;
}

/* Folds the diacritics of an NFC, case-folded word in place of `in`:
 * marks stripped by utf8proc, đ (no decomposition) spelled dj. */
static bool fold_word(const char *in, size_t n, RnBuf *out, RnError **err)
{
    utf8proc_uint8_t *mapped = NULL;
    utf8proc_ssize_t len = utf8proc_map((const utf8proc_uint8_t *)in, (utf8proc_ssize_t)n,
                                        &mapped, UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                                                     UTF8PROC_STRIPMARK);
    if (len < 0) {
        rn_error_set(err, RN_ERROR_INTERNAL, "utf8proc: %s", utf8proc_errmsg(len));
        return false;
    }
    bool ok = true;
    for (utf8proc_ssize_t i = 0; ok && i < len; i++) {
        if (mapped[i] == 0xC4 && i + 1 < len && mapped[i + 1] == 0x91) { /* đ */
            ok = rn_buf_append(out, "dj", 2, err);
            i++;
        } else {
            ok = rn_buf_append(out, &mapped[i], 1, err);
        }
    }
    free(mapped);
    return ok;
}

typedef struct Emit {
    RnTextNorm *tn;
    RnBuf *out;
    size_t tokens;
    int neg_left;     /* tokens still in the current negation scope */
} Emit;

static bool emit_raw(Emit *e, const char *s, size_t n, bool negated, RnError **err)
{
    if (e->out->len && !rn_buf_append(e->out, " ", 1, err))
        return false;
    if (negated && !rn_buf_append(e->out, "neg_", 4, err))
        return false;
    e->tokens++;
    return rn_buf_append(e->out, s, n, err);
}

/* A word token (NFC, case-folded): stem, fold, mark negation. */
static bool emit_word(Emit *e, const char *w, size_t n, RnError **err)
{
    RnTextNorm *tn = e->tn;
    const char *s = w;
    size_t len = n;
    if (tn->stemmer) {
        const sb_symbol *st = sb_stemmer_stem(tn->stemmer, (const sb_symbol *)w, (int)n);
        if (!st) {
            rn_error_set(err, RN_ERROR_NOMEM, "stemmer out of memory");
            return false;
        }
        s = (const char *)st;
        len = (size_t)sb_stemmer_length(tn->stemmer);
    }
    RnBuf folded = RN_BUF_INIT;
    if (tn->opt.fold_diacritics) {
        if (!fold_word(s, len, &folded, err)) {
            rn_buf_free(&folded);
            return false;
        }
        s = (const char *)folded.data;
        len = folded.len;
    }
    bool negated = e->neg_left != 0;
    bool ok = len == 0 || emit_raw(e, s, len, negated, err);
    if (e->neg_left > 0)
        e->neg_left--;
    /* cues are matched before stemming ("nema" stems to "nem") */
    if (tn->opt.mark_negation && is_cue(w, n))
        e->neg_left = tn->opt.negation_window > 0 ? tn->opt.negation_window : -1;
    rn_buf_free(&folded);
    return ok;
}

static bool is_word_char(utf8proc_int32_t cp)
{
    utf8proc_category_t c = utf8proc_category(cp);
    return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
           (c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME);
}

static bool is_digit(utf8proc_int32_t cp)
{
    return utf8proc_category(cp) == UTF8PROC_CATEGORY_ND;
}

/* Splits an NFC, case-folded string into tokens. A run of letters (with
 * digits inside, e.g. "th12", "t2") is a word; a number ("12", "3,5",
 * "0.75") becomes the token "#", its unit following as a word ("12mm" →
 * "# mm"). Clause punctuation ends a negation scope. */
static bool tokenize(Emit *e, const utf8proc_uint8_t *s, utf8proc_ssize_t n, RnError **err)
{
    RnBuf *word = &e->tn->word;
    utf8proc_ssize_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(s + i, n - i, &cp);
        if (k <= 0) { /* cannot happen on utf8proc output; skip a byte */
            i++;
            continue;
        }
        if (is_digit(cp)) {
            while (i < n) {
                k = utf8proc_iterate(s + i, n - i, &cp);
                bool sep = (cp == '.' || cp == ',') && i + 1 < n && s[i + 1] >= '0' &&
                           s[i + 1] <= '9';
                if (k <= 0 || !(is_digit(cp) || sep))
                    break;
                i += k;
            }
            if (!emit_raw(e, "#", 1, e->neg_left != 0, err))
                return false;
            if (e->neg_left > 0)
                e->neg_left--;
            continue;
        }
        if (is_word_char(cp)) {
            word->len = 0;
            while (i < n) {
                k = utf8proc_iterate(s + i, n - i, &cp);
                if (k <= 0 || !(is_word_char(cp) || is_digit(cp)))
                    break;
                if (!rn_buf_append(word, s + i, (size_t)k, err))
                    return false;
                i += k;
            }
            if (!emit_word(e, (const char *)word->data, word->len, err))
                return false;
            continue;
        }
        if (cp < 128 && strchr(clause_ends, (int)cp))
            e->neg_left = 0;
        i += k;
    }
    return true;
}

bool rn_text_normalize(RnTextNorm *tn, const char *text, size_t n, RnBuf *out,
                       size_t *tokens, RnError **err)
{
    const uint8_t *in = (const uint8_t *)text;
    if (!rn_text_utf8_valid(in, n)) {
        tn->scratch.len = 0;
        if (!rn_text_append_utf8(&tn->scratch, in, n, RN_TEXT_AUTO, err))
            return false;
        in = tn->scratch.data;
        n = tn->scratch.len;
    }
    utf8proc_uint8_t *mapped = NULL;
    utf8proc_ssize_t len = 0;
    if (n) {
        len = utf8proc_map(in, (utf8proc_ssize_t)n, &mapped,
                           UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
                               UTF8PROC_IGNORE);
        if (len < 0) {
            rn_error_set(err, RN_ERROR_PARSE, "report text: %s", utf8proc_errmsg(len));
            return false;
        }
    }
    Emit e = {tn, out, 0, 0};
    bool ok = tokenize(&e, mapped, len, err) && rn_buf_terminate(out, err);
    free(mapped);
    if (tokens)
        *tokens = e.tokens;
    return ok;
}
