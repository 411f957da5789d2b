/* Report and descriptive-tag text normalisation shared by the text and
 * metadata extractors: Unicode NFC + case folding (utf8proc), numbers and
 * measurements, punctuation, optional Snowball stemming (the Serbian
 * stemmer: Croatian and Serbian share the Latin-script morphology it
 * strips), optional diacritic folding (č ć → c, đ → dj, š → s, ž → z), and
 * negation scope (tokens after "bez", "nema", "nije", "no", "without", ...
 * up to the end of the clause carry a "neg_" prefix).
 *
 * The result is one string of tokens joined by single spaces; tokens never
 * contain spaces, so word n-grams split on spaces and character n-grams run
 * over the same string (scikit-learn's char_wb convention). */
#ifndef RN_EMBED_TEXT_NORM_H
#define RN_EMBED_TEXT_NORM_H

#include "embed/blob.h"
#include "radnet/core.h"
#include "radnet/embed.h"

typedef struct RnTextOptions {
    bool fold_diacritics;
    bool stem;
    bool mark_negation;
    int negation_window;    /* tokens a cue reaches; <= 0: to clause end */
} RnTextOptions;

/* The defaults the extractors use (bench/RESULTS.md measures the choices). */
RnTextOptions rn_text_options_default(void);

/* The options as four u32 in a model payload (a window <= 0 is stored as 0:
 * both mean "to the clause end"); the reader refuses values out of range. */
bool rn_text_options_put(const RnTextOptions *o, RnBuf *out, RnError **err);
bool rn_text_options_get(EbReader *r, RnTextOptions *o, RnError **err);

/* The method option keys of the normalisation (on/off each), for a method's
 * list of known options, and their reader: the defaults, then fold, stem
 * and negation from "key=value,..." options. */
#define RN_TEXT_OPTION_KEYS "fold", "stem", "negation"
bool rn_text_options_read(const char *options, RnTextOptions *o, RnError **err);

/* Not thread-safe (the stemmer keeps state): one per thread. */
typedef struct RnTextNorm RnTextNorm;

RnTextNorm *rn_text_norm_new(const RnTextOptions *opt, RnError **err);
void rn_text_norm_free(RnTextNorm *tn);
/* Appends the normalised tokens of text[0..n) to out (space-separated, a
 * space before the first token when out is not empty) and NUL-terminates.
 * Text that is not valid UTF-8 is decoded as core's RN_TEXT_AUTO does
 * (ISO-8859-2, or Windows-1250 when its š ž bytes occur).
 * *tokens (may be NULL) receives the number of tokens appended. */
bool rn_text_normalize(RnTextNorm *tn, const char *text, size_t n, RnBuf *out,
                       size_t *tokens, RnError **err);

/* Appends the normalised text of an item to out (nothing when it has none). */
typedef bool (*RnItemTextFn)(const RnEmbedItem *item, RnTextNorm *tn, RnBuf *out,
                             RnError **err);
/* The item's report (the report-text methods' text). */
bool rn_text_item_report(const RnEmbedItem *item, RnTextNorm *tn, RnBuf *out, RnError **err);
/* The item's descriptive tags (StudyDescription, SeriesDescription,
 * ProtocolName, RequestedProcedureDescription, BodyPartExamined) joined. */
bool rn_text_item_tags(const RnEmbedItem *item, RnTextNorm *tn, RnBuf *out, RnError **err);
/* The same tags a line each ('\n' between them, so a reader can keep a
 * phrase inside one tag), every CamelCase name split into its words first
 * ("NeuroHead", "AbdPelv", "CTAbdomen": vendor protocol names). */
bool rn_text_item_tag_lines(const RnEmbedItem *item, RnTextNorm *tn, RnBuf *out,
                            RnError **err);
/* The normalised text of every item, NULL for items without a token;
 * free with rn_text_items_free. */
char **rn_text_items(RnItemTextFn text, const RnTextOptions *o, const RnEmbedItem *items,
                     size_t n, RnError **err);
void rn_text_items_free(char **docs, size_t n);

#endif
