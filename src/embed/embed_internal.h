/* The embed stage's internal contract: every method is one row of the
 * registry table (src/embed/registry.c) with these operations. The generic
 * model file (src/embed/model.c) wraps a method's payload with a magic,
 * version, source, method name, output dimension, payload length and a
 * CRC-32, so a corrupt or truncated file is refused before a method parses
 * it. Payloads are written little-endian and byte-deterministically. */
#ifndef RN_EMBED_INTERNAL_H
#define RN_EMBED_INTERNAL_H

#include "radnet/embed.h"

typedef struct RnEmbedMethodOps {
    RnEmbedSource source;
    const char *name;
    const char *summary;        /* one line for --help */
    /* Fits on the sample; returns the fitted state and sets *dim. */
    void *(*fit)(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                 size_t *dim, RnError **err);
    /* out: n × dim float32, row-major. */
    bool (*transform)(const void *state, const RnEmbedItem *items, size_t n,
                      float *out, RnError **err);
    /* Appends the state's payload to out. */
    bool (*save)(const void *state, RnBuf *out, RnError **err);
    /* Parses a payload (every length checked); sets *dim. */
    void *(*load)(const uint8_t *payload, size_t n, size_t *dim, RnError **err);
    void (*free)(void *state);
    /* Optional (NULL: the method chooses): the threads later transforms use,
     * <= 0 meaning one per CPU. Set from RnEmbedParams.threads after a fit
     * and by rn_embed_model_set_threads; never stored in the model file,
     * and never changes the output. */
    void (*set_threads)(void *state, int threads);
    /* Optional (NULL: none): a number that changes whenever the method's
     * outputs change for the same inputs and parameters (a built-in table's
     * checksum). It is recorded with the outputs, so a workspace embedded by
     * an older build is embedded again instead of reused with a model file
     * this build refuses. */
    uint32_t (*revision)(void);
} RnEmbedMethodOps;

/* The registry: NULL when source/name is unknown. */
const RnEmbedMethodOps *rn_embed_method_find(RnEmbedSource source,
                                             const char *name);

/* Every method defines one ops row in its own file and declares it here;
 * src/embed/registry.c lists it (per source, the first row is the default). */
/* image (embimg) */
extern const RnEmbedMethodOps rn_embed_pca_ops;
extern const RnEmbedMethodOps rn_embed_hog_ops;
extern const RnEmbedMethodOps rn_embed_lbp_ops;
extern const RnEmbedMethodOps rn_embed_hoglbp_ops;
/* image (cae) */
extern const RnEmbedMethodOps rn_embed_cae_ops;
/* metadata and text (embtxt) */
extern const RnEmbedMethodOps rn_embed_meta_authors;
extern const RnEmbedMethodOps rn_embed_meta_text_tags;
extern const RnEmbedMethodOps rn_embed_text_tfidf;
extern const RnEmbedMethodOps rn_embed_text_doc2vec;
/* metadata (quality: the fusion defaults) */
extern const RnEmbedMethodOps rn_embed_meta_modality;
/* region3: the anatomy words of the report and of the descriptive tags */
extern const RnEmbedMethodOps rn_embed_text_anatomy;
extern const RnEmbedMethodOps rn_embed_meta_anatomy;

/* Longest method name a model file may carry. */
#define RN_EMBED_METHOD_NAME_MAX 64u

/* ---- the driver's sample (driver.c) ------------------------------------ */

/* Modality-balanced quotas: n groups of count[i] rows (names break ties),
 * want rows in all: equal shares, a group smaller than its share gives the
 * rest to the larger ones. Sum of quota = min(want, sum of count). */
bool eb_balance_quotas(const uint64_t *count, const char *const *names, size_t n,
                       uint64_t want, uint64_t *quota, RnError **err);

/* ---- method options: "key=value,key=value" (options.c) ---------------- */

/* Refuses (RN_ERROR_INVALID) keys not in the NULL-terminated `known` list
 * and keys without a value, so a typo never silently means the default. */
bool eb_options_check(const char *options, const char *const *known,
                      RnError **err);
/* Each getter leaves *out untouched when the key is absent (the caller
 * pre-sets the default); a later item overrides an earlier one. */
bool eb_option_u64(const char *options, const char *key, uint64_t min,
                   uint64_t max, uint64_t *out, RnError **err);
bool eb_option_f64(const char *options, const char *key, double min,
                   double max, double *out, RnError **err);
/* on/off, true/false, yes/no, 1/0. */
bool eb_option_bool(const char *options, const char *key, bool *out,
                    RnError **err);
/* The raw value (caller frees), NULL when absent. */
bool eb_option_str(const char *options, const char *key, char **out,
                   RnError **err);

#endif
