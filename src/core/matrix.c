/* The one matrix view used by cluster, eval and the embeddings; distance
 * and enum name tables. */
#include "radnet/core.h"

#include <math.h>
#include <stdio.h>
#include <strings.h>

bool rn_matrix_check(const RnMatrix *m, size_t *stride, RnError **err)
{
    if (m == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "no matrix");
        return false;
    }
    if (m->dtype != RN_DTYPE_F32 && m->dtype != RN_DTYPE_F64) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "matrix must be float32 or float64");
        return false;
    }
    size_t ld = rn_matrix_stride(m);
    if (ld < m->cols) {
        rn_error_set(err, RN_ERROR_INVALID, "matrix stride %zu < %zu columns", ld, m->cols);
        return false;
    }
    size_t elements, bytes;
    if (m->rows > 0 && (!rn_mul_size(m->rows - 1, ld, &elements) ||
                        __builtin_add_overflow(elements, m->cols, &elements) ||
                        !rn_mul_size(elements, rn_dtype_size(m->dtype), &bytes))) {
        rn_error_set(err, RN_ERROR_LIMIT, "matrix of %zu × %zu (stride %zu) overflows",
                     m->rows, m->cols, ld);
        return false;
    }
    if (m->data == NULL && m->rows > 0 && m->cols > 0) {
        rn_error_set(err, RN_ERROR_INVALID, "matrix without data");
        return false;
    }
    if (stride)
        *stride = ld;
    return true;
}

double rn_matrix_at(const RnMatrix *m, size_t i, size_t j)
{
    const void *row = rn_matrix_row(m, i);
    return m->dtype == RN_DTYPE_F32 ? (double)((const float *)row)[j]
                                    : ((const double *)row)[j];
}

bool rn_matrix_check_finite(const RnMatrix *m, RnError **err)
{
    for (size_t i = 0; i < m->rows; i++)
        for (size_t j = 0; j < m->cols; j++)
            if (!isfinite(rn_matrix_at(m, i, j))) {
                rn_error_set(err, RN_ERROR_PARSE, "non-finite value at row %zu", i);
                return false;
            }
    return true;
}

bool rn_matrix_from_array(const RnArray *a, RnMatrix *out, RnError **err)
{
    if (a->ndim != 2 || (a->dtype != RN_DTYPE_F32 && a->dtype != RN_DTYPE_F64)) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "needs a 2-D float32 or float64 matrix");
        return false;
    }
    *out = (RnMatrix){a->data, a->shape[0], a->shape[1], a->shape[1], a->dtype};
    return true;
}

bool rn_enum_parse(const RnEnumName *table, size_t n, const char *name, int *out)
{
    for (size_t i = 0; name != NULL && i < n; i++)
        if (strcasecmp(name, table[i].name) == 0) {
            *out = table[i].value;
            return true;
        }
    return false;
}

const char *rn_enum_name(const RnEnumName *table, size_t n, int value)
{
    for (size_t i = 0; i < n; i++)
        if (table[i].value == value)
            return table[i].name;
    return "unknown";
}

const char *rn_enum_list(const RnEnumName *table, size_t n, char *buf, size_t cap)
{
    size_t len = 0;
    if (cap == 0)
        return buf;
    buf[0] = 0;
    for (size_t i = 0; i < n; i++) {
        bool first_of_value = true;
        for (size_t j = 0; j < i; j++)
            first_of_value &= table[j].value != table[i].value;
        if (!first_of_value)
            continue;
        int w = snprintf(buf + len, cap - len, "%s%s", len ? "|" : "", table[i].name);
        if (w < 0 || (size_t)w >= cap - len)
            break;
        len += (size_t)w;
    }
    return buf;
}

static const RnEnumName distance_names[] = {
    {"euclidean", RN_DISTANCE_EUCLIDEAN}, {"manhattan", RN_DISTANCE_MANHATTAN},
    {"cosine", RN_DISTANCE_COSINE},       {"l2", RN_DISTANCE_EUCLIDEAN},
    {"l1", RN_DISTANCE_MANHATTAN},        {"cityblock", RN_DISTANCE_MANHATTAN},
};

bool rn_distance_parse(const char *name, RnDistance *out)
{
    int v;
    if (!rn_enum_parse(distance_names, sizeof distance_names / sizeof distance_names[0],
                       name, &v))
        return false;
    *out = (RnDistance)v;
    return true;
}

const char *rn_distance_name(RnDistance d)
{
    return rn_enum_name(distance_names, sizeof distance_names / sizeof distance_names[0],
                        (int)d);
}
