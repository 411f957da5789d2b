/* The method table: one row per extractor (data, not a switch). Per source
 * the rows keep their order here; the first one is the source's default. */
#include "embed/embed_internal.h"

#include <pthread.h>
#include <string.h>

static const RnEmbedMethodOps *const method_table[] = {
    /* image */
    /* hog first: the fusion defaults' pixel input (src/fusion/defaults.c,
     * and tests/study expects the default to be one of them). hoglbp beats
     * it on Modality and region on every archive measured (bench/RESULTS.md,
     * "Issue 9, second pass"); it becomes the default together with the
     * fusion defaults table, or not at all. */
    &rn_embed_hog_ops,
    &rn_embed_hoglbp_ops,
    &rn_embed_lbp_ops,
    &rn_embed_pca_ops,
    &rn_embed_cae_ops,
    /* metadata */
    &rn_embed_meta_authors,
    &rn_embed_meta_text_tags,
    &rn_embed_meta_modality,
    &rn_embed_meta_anatomy,
    /* report text */
    &rn_embed_text_tfidf,
    &rn_embed_text_doc2vec,
    &rn_embed_text_anatomy,
    NULL,
};

#define N_METHODS (sizeof method_table / sizeof method_table[0] - 1)

static const char *const source_names[] = {
    [RN_EMBED_IMAGE] = "image",
    [RN_EMBED_META] = "meta",
    [RN_EMBED_TEXT] = "text",
};

#define N_SOURCES (sizeof source_names / sizeof source_names[0])

/* Per-source name lists, derived once from the table. */
static const char *method_names[N_SOURCES][N_METHODS + 1];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void build_names(void)
{
    for (size_t s = 0; s < N_SOURCES; s++) {
        size_t k = 0;
        for (size_t i = 0; method_table[i]; i++)
            if (method_table[i]->source == (RnEmbedSource)s)
                method_names[s][k++] = method_table[i]->name;
        method_names[s][k] = NULL;
    }
}

const char *const *rn_embed_methods(RnEmbedSource source)
{
    static const char *const none[] = {NULL};
    if ((size_t)source >= N_SOURCES)
        return none;
    pthread_once(&names_once, build_names);
    return method_names[source];
}

const RnEmbedMethodOps *rn_embed_method_find(RnEmbedSource source,
                                             const char *name)
{
    for (size_t i = 0; method_table[i] && name; i++)
        if (method_table[i]->source == source &&
            strcmp(method_table[i]->name, name) == 0)
            return method_table[i];
    return NULL;
}

bool rn_embed_source_parse(const char *name, RnEmbedSource *out)
{
    for (size_t s = 0; s < N_SOURCES && name; s++)
        if (strcmp(source_names[s], name) == 0) {
            *out = (RnEmbedSource)s;
            return true;
        }
    return false;
}

const char *rn_embed_source_name(RnEmbedSource source)
{
    return (size_t)source < N_SOURCES ? source_names[source] : "unknown";
}

const char *rn_embed_method_summary(RnEmbedSource source, const char *method)
{
    const RnEmbedMethodOps *ops = rn_embed_method_find(source, method);
    return ops ? ops->summary : NULL;
}
