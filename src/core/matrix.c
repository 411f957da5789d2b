/* The one matrix view used by cluster, eval and the embeddings. */
#include "radnet/core.h"

bool rn_matrix_check(const RnMatrix *m, size_t *stride, RnError **err)
{
    if (m == NULL || (m->dtype != RN_DTYPE_F32 && m->dtype != RN_DTYPE_F64)) {
        rn_error_set(err, RN_ERROR_INVALID, "matrix must be float32 or float64");
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

bool rn_matrix_from_array(const RnArray *a, RnMatrix *out, RnError **err)
{
    if (a->ndim != 2 || (a->dtype != RN_DTYPE_F32 && a->dtype != RN_DTYPE_F64)) {
        rn_error_set(err, RN_ERROR_INVALID, "need a 2-D float32 or float64 array");
        return false;
    }
    *out = (RnMatrix){a->data, a->shape[0], a->shape[1], a->shape[1], a->dtype};
    return true;
}
