/* Sparse contingency table (classes × clusters). Small tables are counted
 * densely; large ones (e.g. all-singleton labelings of 10^7 items) by sorting
 * cell keys, so memory stays O(n) either way. */
#include "radnet/eval.h"

#include <stdlib.h>
#include <string.h>

/* Dense counting is used while the table has at most this many cells per
 * item (plus a floor), beyond that sorting the n cell keys is cheaper. */
#define RN_DENSE_CELLS_PER_ITEM 4u
#define RN_DENSE_CELLS_FLOOR (1u << 20)

static bool check_ids(const int32_t *ids, size_t n, size_t k, const char *what,
                      RnError **err)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0 || (size_t)ids[i] >= k) {
            rn_error_set(err, RN_ERROR_INVALID, "%s id %d at %zu outside [0, %zu)",
                         what, (int)ids[i], i, k);
            return false;
        }
    }
    return true;
}

static bool alloc_cells(RnContingency *c, size_t nnz, RnError **err)
{
    c->nnz = nnz;
    c->cell_row = rn_calloc(nnz ? nnz : 1, sizeof *c->cell_row, err);
    c->cell_col = rn_calloc(nnz ? nnz : 1, sizeof *c->cell_col, err);
    c->cell_count = rn_calloc(nnz ? nnz : 1, sizeof *c->cell_count, err);
    return c->cell_row && c->cell_col && c->cell_count;
}

static bool build_dense(const int32_t *t, const int32_t *p, size_t n,
                        RnContingency *c, RnError **err)
{
    size_t cells = c->n_rows * c->n_cols;
    int64_t *dense = rn_calloc(cells ? cells : 1, sizeof *dense, err);
    if (dense == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        dense[(size_t)t[i] * c->n_cols + (size_t)p[i]]++;
    size_t nnz = 0;
    for (size_t x = 0; x < cells; x++)
        nnz += dense[x] != 0;
    bool ok = alloc_cells(c, nnz, err);
    if (ok) {
        size_t z = 0;
        for (size_t x = 0; x < cells; x++) {
            if (dense[x] == 0)
                continue;
            c->cell_row[z] = (int32_t)(x / c->n_cols);
            c->cell_col[z] = (int32_t)(x % c->n_cols);
            c->cell_count[z++] = dense[x];
        }
    }
    free(dense);
    return ok;
}

static int compare_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

static bool build_sorted(const int32_t *t, const int32_t *p, size_t n,
                         RnContingency *c, RnError **err)
{
    uint64_t *key = rn_calloc(n ? n : 1, sizeof *key, err);
    if (key == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        key[i] = (uint64_t)t[i] * c->n_cols + (uint64_t)p[i];
    qsort(key, n, sizeof *key, compare_u64);
    size_t nnz = 0;
    for (size_t i = 0; i < n; i++)
        nnz += i == 0 || key[i] != key[i - 1];
    bool ok = alloc_cells(c, nnz, err);
    if (ok) {
        size_t z = 0;
        for (size_t i = 0; i < n; i++) {
            if (i == 0 || key[i] != key[i - 1]) {
                c->cell_row[z] = (int32_t)(key[i] / c->n_cols);
                c->cell_col[z] = (int32_t)(key[i] % c->n_cols);
                z++;
            }
            c->cell_count[z - 1]++;
        }
    }
    free(key);
    return ok;
}

static void fill_margins(RnContingency *c)
{
    for (size_t z = 0; z < c->nnz; z++) {
        c->row_sums[c->cell_row[z]] += c->cell_count[z];
        c->col_sums[c->cell_col[z]] += c->cell_count[z];
        c->n += c->cell_count[z];
    }
}

bool rn_contingency_build(const int32_t *true_ids, size_t n_rows,
                          const int32_t *pred_ids, size_t n_cols, size_t n,
                          RnContingency *out, RnError **err)
{
    memset(out, 0, sizeof *out);
    if (n > 0 && (true_ids == NULL || pred_ids == NULL)) {
        rn_error_set(err, RN_ERROR_INVALID, "label ids are NULL");
        return false;
    }
    if (n_rows > (size_t)INT32_MAX || n_cols > (size_t)INT32_MAX || n > (size_t)INT64_MAX) {
        rn_error_set(err, RN_ERROR_LIMIT, "contingency table too large");
        return false;
    }
    if (!check_ids(true_ids, n, n_rows, "class", err) ||
        !check_ids(pred_ids, n, n_cols, "cluster", err))
        return false;
    out->n_rows = n_rows;
    out->n_cols = n_cols;
    out->row_sums = rn_calloc(n_rows ? n_rows : 1, sizeof *out->row_sums, err);
    out->col_sums = rn_calloc(n_cols ? n_cols : 1, sizeof *out->col_sums, err);
    if (out->row_sums == NULL || out->col_sums == NULL) {
        rn_contingency_free(out);
        return false;
    }
    size_t cells;
    size_t dense_limit = n * RN_DENSE_CELLS_PER_ITEM + RN_DENSE_CELLS_FLOOR;
    bool dense = rn_mul_size(n_rows, n_cols, &cells) && cells <= dense_limit;
    bool ok = dense ? build_dense(true_ids, pred_ids, n, out, err)
                    : build_sorted(true_ids, pred_ids, n, out, err);
    if (!ok) {
        rn_contingency_free(out);
        return false;
    }
    fill_margins(out);
    return true;
}

bool rn_contingency_dense(const RnContingency *c, size_t max_cells,
                          int64_t **out, RnError **err)
{
    *out = NULL;
    size_t cells;
    if (!rn_mul_size(c->n_rows, c->n_cols, &cells) || cells > max_cells) {
        rn_error_set(err, RN_ERROR_LIMIT,
                     "dense contingency table of %zu × %zu exceeds %zu cells",
                     c->n_rows, c->n_cols, max_cells);
        return false;
    }
    int64_t *d = rn_calloc(cells ? cells : 1, sizeof *d, err);
    if (d == NULL)
        return false;
    for (size_t z = 0; z < c->nnz; z++)
        d[(size_t)c->cell_row[z] * c->n_cols + (size_t)c->cell_col[z]] = c->cell_count[z];
    *out = d;
    return true;
}

void rn_contingency_free(RnContingency *c)
{
    if (c == NULL)
        return;
    free(c->cell_row);
    free(c->cell_col);
    free(c->cell_count);
    free(c->row_sums);
    free(c->col_sums);
    memset(c, 0, sizeof *c);
}

bool rn_contingency_dense_reference(const int32_t *true_ids, size_t n_rows,
                                    const int32_t *pred_ids, size_t n_cols,
                                    size_t n, int64_t **out, RnError **err)
{
    *out = NULL;
    size_t cells;
    if (!rn_mul_size(n_rows, n_cols, &cells)) {
        rn_error_set(err, RN_ERROR_LIMIT, "contingency table too large");
        return false;
    }
    if (!check_ids(true_ids, n, n_rows, "class", err) ||
        !check_ids(pred_ids, n, n_cols, "cluster", err))
        return false;
    int64_t *d = rn_calloc(cells ? cells : 1, sizeof *d, err);
    if (d == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        d[(size_t)true_ids[i] * n_cols + (size_t)pred_ids[i]]++;
    *out = d;
    return true;
}
