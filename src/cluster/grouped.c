/* k-means within groups: k split among the groups, each group's rows
 * clustered alone (contract: cluster.h, "k-means within groups"). */
#include "cluster_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const share_names[] = {"size", "inertia", "pairs"};

bool rn_group_share_parse(const char *name, RnGroupShare *out)
{
    for (size_t i = 0; i < sizeof share_names / sizeof *share_names; i++)
        if (strcmp(name, share_names[i]) == 0) {
            *out = (RnGroupShare)i;
            return true;
        }
    return false;
}

const char *rn_group_share_name(RnGroupShare s)
{
    return (unsigned)s < sizeof share_names / sizeof *share_names ? share_names[s] : "?";
}

/* ---- the split of k: a max-heap of groups by (quota - clusters so far) --- */

typedef struct Split {
    const double *quota;
    const size_t *alloc;
    size_t *heap, n;
} Split;

/* Group a before group b: further below its quota, then the lower index. */
static bool before(const Split *s, size_t a, size_t b)
{
    double pa = s->quota[a] - (double)s->alloc[a], pb = s->quota[b] - (double)s->alloc[b];
    return pa > pb || (pa == pb && a < b);
}

static void sift_down(Split *s, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, top = i;
        if (l < s->n && before(s, s->heap[l], s->heap[top]))
            top = l;
        if (r < s->n && before(s, s->heap[r], s->heap[top]))
            top = r;
        if (top == i)
            return;
        size_t t = s->heap[i];
        s->heap[i] = s->heap[top];
        s->heap[top] = t;
        i = top;
    }
}

/* Checks the shares and k against the groups; *used = non-empty groups. */
static bool check_split(const double *share, const size_t *cap, size_t n_groups, size_t k,
                        size_t *used, double *total, RnError **err)
{
    size_t room = 0;
    *used = 0;
    *total = 0;
    for (size_t g = 0; g < n_groups; g++) {
        if (!(share[g] >= 0) || !isfinite(share[g])) {
            rn_error_set(err, RN_ERROR_INVALID, "group %zu has share %g", g, share[g]);
            return false;
        }
        *total += cap[g] ? share[g] : 0;
        *used += cap[g] > 0;
        room += cap[g] > k ? k : cap[g];
    }
    if (k < *used || k > room) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "k = %zu clusters for %zu non-empty groups of %zu rows in all", k, *used,
                     room);
        return false;
    }
    return true;
}

/* Gives the clusters alloc lacks up to k, one at a time to the group
 * furthest below its quota k·share/total (alloc holds >= 1 per non-empty
 * group on entry, at most cap). */
static bool fill_by_quota(const double *share, const size_t *cap, size_t n_groups, size_t k,
                          size_t used, double total, size_t *alloc, RnError **err)
{
    double *quota = rn_calloc(n_groups + 1, sizeof *quota, err);
    size_t *heap = rn_calloc(n_groups + 1, sizeof *heap, err);
    if (!quota || !heap) {
        free(quota);
        free(heap);
        return false;
    }
    Split s = {quota, alloc, heap, 0};
    size_t given = 0;
    for (size_t g = 0; g < n_groups; g++) {
        /* all shares 0 (e.g. identical rows everywhere): equal quotas */
        quota[g] = (double)k * (total > 0 ? share[g] / total : 1.0 / (double)used);
        given += alloc[g];
        if (alloc[g] < cap[g])
            heap[s.n++] = g;
    }
    for (size_t i = s.n; i-- > 0;)
        sift_down(&s, i);
    for (; given < k; given++) {
        size_t g = heap[0];
        alloc[g]++;
        if (alloc[g] == cap[g])
            heap[0] = heap[--s.n];
        sift_down(&s, 0);
    }
    free(quota);
    free(heap);
    return true;
}

bool rn_group_allocate(const double *share, const size_t *cap, size_t n_groups, size_t k,
                       size_t *alloc, RnError **err)
{
    size_t used;
    double total;
    if (!check_split(share, cap, n_groups, k, &used, &total, err))
        return false;
    for (size_t g = 0; g < n_groups; g++)
        alloc[g] = cap[g] > 0;
    return fill_by_quota(share, cap, n_groups, k, used, total, alloc, err);
}

/* ---- the split of k by (group, subgroup) pairs ------------------------- */

/* More rows first, then the lower group, then the lower subgroup. */
static int cmp_pair(const void *a, const void *b)
{
    const RnGroupPair *p = a, *q = b;
    if (p->rows != q->rows)
        return p->rows > q->rows ? -1 : 1;
    if (p->group != q->group)
        return p->group < q->group ? -1 : 1;
    return (p->sub > q->sub) - (p->sub < q->sub);
}

/* The rows per group the pairs hold agree with cap (and name real groups). */
static bool check_pairs(const RnGroupPair *pairs, size_t n_pairs, const size_t *cap,
                        size_t n_groups, double *rows, RnError **err)
{
    memset(rows, 0, n_groups * sizeof *rows);
    for (size_t i = 0; i < n_pairs; i++) {
        if (pairs[i].group >= n_groups || pairs[i].rows == 0) {
            rn_error_set(err, RN_ERROR_INVALID, "pair %zu: group %zu of %zu, %zu rows", i,
                         pairs[i].group, n_groups, pairs[i].rows);
            return false;
        }
        rows[pairs[i].group] += (double)pairs[i].rows;
    }
    for (size_t g = 0; g < n_groups; g++)
        if (rows[g] != (double)cap[g]) {
            rn_error_set(err, RN_ERROR_INVALID, "group %zu: its pairs hold %.0f of %zu rows",
                         g, rows[g], cap[g]);
            return false;
        }
    return true;
}

bool rn_group_allocate_pairs(RnGroupPair *pairs, size_t n_pairs, const size_t *cap,
                             size_t n_groups, size_t k, size_t *alloc, RnError **err)
{
    double *rows = rn_calloc(n_groups + 1, sizeof *rows, err);
    size_t used;
    double total;
    bool ok = rows && check_pairs(pairs, n_pairs, cap, n_groups, rows, err) &&
              check_split(rows, cap, n_groups, k, &used, &total, err);
    if (ok) {
        qsort(pairs, n_pairs, sizeof *pairs, cmp_pair);
        /* alloc[g] = 0 marks "largest pair not met yet": the floor of one
         * cluster per group is that pair's */
        memset(alloc, 0, n_groups * sizeof *alloc);
        size_t given = used;
        for (size_t i = 0; i < n_pairs && given < k; i++) {
            size_t g = pairs[i].group;
            if (alloc[g] == 0)
                alloc[g] = 1;
            else if (alloc[g] < cap[g])
                alloc[g]++, given++;
        }
        for (size_t g = 0; g < n_groups; g++)
            alloc[g] = cap[g] == 0 ? 0 : alloc[g] ? alloc[g] : 1;
        ok = fill_by_quota(rows, cap, n_groups, k, used, total, alloc, err);
    }
    free(rows);
    return ok;
}

/* ---- the fit ------------------------------------------------------------ */

/* Sum of squared distances of each group's rows to the group's mean. */
static bool group_inertia(const RnMatrix *X, const int32_t *groups, size_t n_groups,
                          const size_t *count, double *out, RnError **err)
{
    size_t d = X->cols;
    double *mean = rn_calloc(n_groups * d + 1, sizeof *mean, err);
    if (mean == NULL)
        return false;
    for (size_t i = 0; i < X->rows; i++)
        for (size_t j = 0; j < d; j++)
            mean[(size_t)groups[i] * d + j] += rn_matrix_at(X, i, j);
    for (size_t g = 0; g < n_groups; g++)
        for (size_t j = 0; count[g] && j < d; j++)
            mean[g * d + j] /= (double)count[g];
    memset(out, 0, n_groups * sizeof *out);
    for (size_t i = 0; i < X->rows; i++)
        for (size_t j = 0; j < d; j++) {
            double v = rn_matrix_at(X, i, j) - mean[(size_t)groups[i] * d + j];
            out[groups[i]] += v * v;
        }
    free(mean);
    return true;
}

/* Rows of X in group order: order[start[g] .. start[g + 1]) are group g's. */
static void group_rows(const int32_t *groups, size_t n, size_t n_groups, size_t *count,
                       size_t *start, size_t *order)
{
    memset(count, 0, n_groups * sizeof *count);
    for (size_t i = 0; i < n; i++)
        count[groups[i]]++;
    start[0] = 0;
    for (size_t g = 0; g < n_groups; g++)
        start[g + 1] = start[g] + count[g];
    size_t *next = order + n; /* n_groups scratch after the n indices */
    memcpy(next, start, n_groups * sizeof *next);
    for (size_t i = 0; i < n; i++)
        order[next[groups[i]]++] = i;
}

static bool check_groups(const int32_t *groups, size_t n, size_t n_groups, RnError **err)
{
    if (n_groups == 0 || n_groups > RN_CLUSTER_MAX_K) {
        rn_error_set(err, RN_ERROR_INVALID, "%zu groups (1..%u)", n_groups, RN_CLUSTER_MAX_K);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (groups[i] < 0 || (size_t)groups[i] >= n_groups) {
            rn_error_set(err, RN_ERROR_INVALID, "row %zu: group %d outside [0, %zu)", i,
                         groups[i], n_groups);
            return false;
        }
    return true;
}

typedef struct Grouped {
    size_t *count, *start, *order, *alloc;
    double *share;
    void *rows;                 /* the largest group's rows, contiguous */
} Grouped;

static void grouped_free(Grouped *g)
{
    free(g->count);
    free(g->start);
    free(g->order);
    free(g->alloc);
    free(g->share);
    free(g->rows);
}

/* Fits group g (rows gathered into gr->rows) with alloc[g] clusters; its
 * centres go to out's rows base.., its labels to out->labels. */
static bool fit_group(const RnMatrix *X, const RnKMeansOptions *ko, Grouped *gr, size_t g,
                      size_t base, RnKMeansResult *out, RnError **err)
{
    size_t es = rn_dtype_size(X->dtype), d = X->cols, m = gr->count[g];
    for (size_t j = 0; j < m; j++)
        memcpy((char *)gr->rows + j * d * es, rn_matrix_row(X, gr->order[gr->start[g] + j]),
               d * es);
    RnMatrix part = {gr->rows, m, d, d, X->dtype};
    RnKMeansOptions go = *ko;
    go.k = gr->alloc[g];
    RnKMeansResult r;
    if (!rn_kmeans_fit(&part, &go, &r, err))
        return false;
    memcpy((char *)out->centers + base * d * es, r.centers, go.k * d * es);
    for (size_t j = 0; j < m; j++)
        out->labels[gr->order[gr->start[g] + j]] = (int32_t)(base + (size_t)r.labels[j]);
    out->inertia += r.inertia;
    out->n_iter = r.n_iter > out->n_iter ? r.n_iter : out->n_iter;
    out->converged = out->converged && r.converged;
    rn_kmeans_result_free(&r);
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The pairs split: each row's (group, subgroup) key sorted and counted
 * (memory n, whatever the number of subgroups), then
 * rn_group_allocate_pairs. */
static bool allocate_by_pairs(const RnClusterModelOptions *o, size_t n, size_t k,
                              const size_t *count, size_t *alloc, RnError **err)
{
    if (o->subgroups == NULL || o->n_subgroups == 0 || o->n_subgroups > RN_CLUSTER_MAX_K) {
        rn_error_set(err, RN_ERROR_INVALID, "group share pairs needs 1..%u subgroups",
                     RN_CLUSTER_MAX_K);
        return false;
    }
    if (!check_groups(o->subgroups, n, o->n_subgroups, err))
        return false;
    uint64_t *key = rn_malloc((n + 1) * sizeof *key, err);
    RnGroupPair *pairs = key ? rn_calloc(n + 1, sizeof *pairs, err) : NULL;
    bool ok = pairs != NULL;
    size_t m = 0;
    if (ok) {
        for (size_t i = 0; i < n; i++)
            key[i] = (uint64_t)o->groups[i] * o->n_subgroups + (uint64_t)o->subgroups[i];
        qsort(key, n, sizeof *key, cmp_u64);
        for (size_t i = 0, j; i < n; i = j) {
            for (j = i; j < n && key[j] == key[i]; j++)
                ;
            pairs[m++] = (RnGroupPair){(size_t)(key[i] / o->n_subgroups),
                                       (size_t)(key[i] % o->n_subgroups), j - i};
        }
        ok = rn_group_allocate_pairs(pairs, m, count, o->n_groups, k, alloc, err);
    }
    free(key);
    free(pairs);
    return ok;
}

/* k split among the groups by o->group_share. */
static bool allocate(const RnMatrix *X, const RnClusterModelOptions *o, size_t k, Grouped *gr,
                     RnError **err)
{
    for (size_t g = 0; g < o->n_groups; g++)
        gr->share[g] = (double)gr->count[g];
    switch (o->group_share) {
    case RN_GROUP_SHARE_PAIRS:
        return allocate_by_pairs(o, X->rows, k, gr->count, gr->alloc, err);
    case RN_GROUP_SHARE_INERTIA:
        if (!group_inertia(X, o->groups, o->n_groups, gr->count, gr->share, err))
            return false;
        break;
    case RN_GROUP_SHARE_SIZE:
        break;
    }
    return rn_group_allocate(gr->share, gr->count, o->n_groups, k, gr->alloc, err);
}

bool cl_kmeans_grouped(const RnMatrix *X, const RnKMeansOptions *ko,
                       const RnClusterModelOptions *o, RnKMeansResult *out, RnError **err)
{
    memset(out, 0, sizeof *out);
    const int32_t *groups = o->groups;
    size_t stride, n = X->rows, d = X->cols, es, n_groups = o->n_groups;
    if (!cl_check_data(X, &stride, err) || !check_groups(groups, n, n_groups, err))
        return false;
    if (ko->init == RN_KMEANS_INIT_GIVEN || (unsigned)o->group_share > RN_GROUP_SHARE_PAIRS) {
        rn_error_set(err, RN_ERROR_INVALID, "groups need k-means++ or random starts");
        return false;
    }
    es = rn_dtype_size(X->dtype);
    Grouped gr = {
        .count = rn_calloc(n_groups, sizeof *gr.count, err),
        .start = rn_calloc(n_groups + 1, sizeof *gr.start, err),
        .order = rn_calloc(n + n_groups, sizeof *gr.order, err),
        .alloc = rn_calloc(n_groups, sizeof *gr.alloc, err),
        .share = rn_calloc(n_groups, sizeof *gr.share, err),
    };
    bool ok = gr.count && gr.start && gr.order && gr.alloc && gr.share;
    if (ok)
        group_rows(groups, n, n_groups, gr.count, gr.start, gr.order);
    size_t largest = 0;
    for (size_t g = 0; ok && g < n_groups; g++)
        largest = gr.count[g] > largest ? gr.count[g] : largest;
    ok = ok && allocate(X, o, ko->k, &gr, err);
    gr.rows = ok ? rn_malloc(largest * d * es, err) : NULL;
    out->centers = gr.rows ? rn_calloc(ko->k * d, es, err) : NULL;
    out->labels = out->centers ? rn_calloc(n, sizeof *out->labels, err) : NULL;
    ok = out->labels != NULL;
    out->converged = true;
    for (size_t g = 0, base = 0; ok && g < n_groups; base += gr.alloc[g], g++)
        ok = gr.count[g] == 0 || fit_group(X, ko, &gr, g, base, out, err);
    grouped_free(&gr);
    if (!ok) {
        rn_kmeans_result_free(out);
        return false;
    }
    out->dtype = X->dtype;
    out->n = n;
    out->k = ko->k;
    out->d = d;
    return true;
}
