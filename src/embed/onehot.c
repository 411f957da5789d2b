/* One-hot of a catalogue string (contract: onehot.h). Written for the
 * Modality tag (meta_modality.c) and shared with the header region
 * (meta_region.c). */
#include "embed/onehot.h"
#include "embed/blob.h"

#include <stdlib.h>
#include <string.h>

#define ONEHOT_MAX_VALUES 4096u
#define ONEHOT_MAX_LEN 64u

typedef struct OneHotState {
    const EbOneHotField *field;
    size_t n;
    char **values;      /* sorted, distinct */
} OneHotState;

void eb_onehot_free(void *state)
{
    OneHotState *m = state;
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

static size_t onehot_dim(const OneHotState *m)
{
    return m->n + 1 + m->field->empty_is_none;
}

/* The column of `value`: its index, n ("other") or n + 1 ("none"). */
static size_t onehot_column(const OneHotState *m, const char *value)
{
    if (m->field->empty_is_none && value[0] == '\0')
        return m->n + 1;
    char *const *hit = m->values ? bsearch(&value, m->values, m->n, sizeof *m->values, cmp_str)
                                 : NULL;
    return hit ? (size_t)(hit - m->values) : m->n;
}

static OneHotState *state_new(const EbOneHotField *f, size_t cap, RnError **err)
{
    OneHotState *m = rn_calloc(1, sizeof *m, err);
    if (m && !(m->values = rn_calloc(cap + 1, sizeof *m->values, err))) {
        free(m);
        return NULL;
    }
    if (m)
        m->field = f;
    return m;
}

void *eb_onehot_fit(const EbOneHotField *f, const RnEmbedItem *sample, size_t n,
                    size_t *dim, RnError **err)
{
    OneHotState *m = state_new(f, n < ONEHOT_MAX_VALUES ? n : ONEHOT_MAX_VALUES, err);
    if (!m)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *v = f->value(&sample[i]);
        bool seen = f->empty_is_none && v[0] == '\0';
        for (size_t j = 0; j < m->n && !seen; j++)
            seen = strcmp(m->values[j], v) == 0;
        if (seen || strlen(v) > ONEHOT_MAX_LEN)
            continue;
        if (m->n == ONEHOT_MAX_VALUES) {
            rn_error_set(err, RN_ERROR_INVALID, "more than %u distinct %s values",
                         ONEHOT_MAX_VALUES, f->what);
            eb_onehot_free(m);
            return NULL;
        }
        if (!(m->values[m->n] = rn_strdup(v, err))) {
            eb_onehot_free(m);
            return NULL;
        }
        m->n++;
    }
    qsort(m->values, m->n, sizeof *m->values, cmp_str);
    *dim = onehot_dim(m);
    return m;
}

bool eb_onehot_transform(const void *state, const RnEmbedItem *items, size_t n, float *out,
                         RnError **err)
{
    (void)err;
    const OneHotState *m = state;
    size_t d = onehot_dim(m);
    memset(out, 0, n * d * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i * d + onehot_column(m, m->field->value(&items[i]))] = 1.0f;
    return true;
}

bool eb_onehot_save(const void *state, RnBuf *out, RnError **err)
{
    const OneHotState *m = state;
    bool ok = eb_put_u64(out, m->n, err);
    for (size_t i = 0; ok && i < m->n; i++)
        ok = eb_put_str(out, m->values[i], err);
    return ok;
}

void *eb_onehot_load(const EbOneHotField *f, const uint8_t *payload, size_t n, size_t *dim,
                     RnError **err)
{
    EbReader r;
    eb_reader_init(&r, payload, n);
    size_t count;
    if (!eb_get_size(&r, 0, ONEHOT_MAX_VALUES, &count, err))
        return NULL;
    OneHotState *m = state_new(f, count, err);
    bool ok = m != NULL;
    for (size_t i = 0; ok && i < count; i++) {
        ok = (m->values[i] = eb_get_str(&r, ONEHOT_MAX_LEN, err)) != NULL;
        m->n += ok;
        if (ok && i > 0 && strcmp(m->values[i - 1], m->values[i]) >= 0) {
            rn_error_set(err, RN_ERROR_PARSE, "%s model: values not sorted", f->what);
            ok = false;
        }
        if (ok && f->empty_is_none && m->values[i][0] == '\0') {
            rn_error_set(err, RN_ERROR_PARSE, "%s model: an empty value", f->what);
            ok = false;
        }
    }
    if (!ok || !eb_reader_done(&r, err)) {
        eb_onehot_free(m);
        return NULL;
    }
    *dim = onehot_dim(m);
    return m;
}
