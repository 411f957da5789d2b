/* Metadata method `modality` (beyond the paper; written for the fusion
 * defaults, issue 11): the archive's own Modality tag, one-hot. Modality is
 * the one header value a real archive gets right almost always; as its own
 * fusion input it can be weighted to keep modalities apart without the
 * vendor, station and protocol variation that comes with it in `authors`.
 *
 * Columns: the Modality values of the fit sample in byte order, then one
 * "other" column for a value the fit never saw (an empty Modality is a
 * value like any other). The dimension is the data's; --dim is ignored. */
#include "embed/blob.h"
#include "embed/embed_internal.h"

#include <stdlib.h>
#include <string.h>

#define MODALITY_MAX_VALUES 4096u
#define MODALITY_MAX_LEN 64u

typedef struct ModalityState {
    size_t n;
    char **values;      /* sorted, distinct */
} ModalityState;

static void modality_free(void *state)
{
    ModalityState *m = state;
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->values[i]);
    free(m->values);
    free(m);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *item_modality(const RnEmbedItem *item)
{
    return item->modality ? item->modality : "";
}

/* The column of `value`: its index, or n ("other"). */
static size_t modality_column(const ModalityState *m, const char *value)
{
    char *const *hit = m->values ? bsearch(&value, m->values, m->n, sizeof *m->values, cmp_str)
                                 : NULL;
    return hit ? (size_t)(hit - m->values) : m->n;
}

static ModalityState *state_new(size_t cap, RnError **err)
{
    ModalityState *m = rn_calloc(1, sizeof *m, err);
    if (m && !(m->values = rn_calloc(cap + 1, sizeof *m->values, err))) {
        free(m);
        return NULL;
    }
    return m;
}

static void *modality_fit(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                          size_t *dim, RnError **err)
{
    (void)p;
    ModalityState *m = state_new(n < MODALITY_MAX_VALUES ? n : MODALITY_MAX_VALUES, err);
    if (!m)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *v = item_modality(&sample[i]);
        bool seen = false;
        for (size_t j = 0; j < m->n && !seen; j++)
            seen = strcmp(m->values[j], v) == 0;
        if (seen || strlen(v) > MODALITY_MAX_LEN)
            continue;
        if (m->n == MODALITY_MAX_VALUES) {
            rn_error_set(err, RN_ERROR_INVALID, "more than %u distinct Modality values",
                         MODALITY_MAX_VALUES);
            modality_free(m);
            return NULL;
        }
        if (!(m->values[m->n] = rn_strdup(v, err))) {
            modality_free(m);
            return NULL;
        }
        m->n++;
    }
    qsort(m->values, m->n, sizeof *m->values, cmp_str);
    *dim = m->n + 1;
    return m;
}

static bool modality_transform(const void *state, const RnEmbedItem *items, size_t n,
                               float *out, RnError **err)
{
    (void)err;
    const ModalityState *m = state;
    size_t d = m->n + 1;
    memset(out, 0, n * d * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i * d + modality_column(m, item_modality(&items[i]))] = 1.0f;
    return true;
}

static bool modality_save(const void *state, RnBuf *out, RnError **err)
{
    const ModalityState *m = state;
    bool ok = eb_put_u64(out, m->n, err);
    for (size_t i = 0; ok && i < m->n; i++)
        ok = eb_put_str(out, m->values[i], err);
    return ok;
}

static void *modality_load(const uint8_t *payload, size_t n, size_t *dim, RnError **err)
{
    EbReader r;
    eb_reader_init(&r, payload, n);
    size_t count;
    if (!eb_get_size(&r, 0, MODALITY_MAX_VALUES, &count, err))
        return NULL;
    ModalityState *m = state_new(count, err);
    bool ok = m != NULL;
    for (size_t i = 0; ok && i < count; i++) {
        ok = (m->values[i] = eb_get_str(&r, MODALITY_MAX_LEN, err)) != NULL;
        m->n += ok;
        if (ok && i > 0 && strcmp(m->values[i - 1], m->values[i]) >= 0) {
            rn_error_set(err, RN_ERROR_PARSE, "modality model: values not sorted");
            ok = false;
        }
    }
    if (!ok || !eb_reader_done(&r, err)) {
        modality_free(m);
        return NULL;
    }
    *dim = m->n + 1;
    return m;
}

const RnEmbedMethodOps rn_embed_meta_modality = {
    .source = RN_EMBED_META,
    .name = "modality",
    .summary = "the Modality tag, one-hot (values of the fit sample, then 'other')",
    .fit = modality_fit,
    .transform = modality_transform,
    .save = modality_save,
    .load = modality_load,
    .free = modality_free,
};
