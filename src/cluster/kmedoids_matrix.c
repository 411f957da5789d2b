/* k-medoids on a dissimilarity matrix: inits (BUILD, k-medoids++, random),
 * PAM SWAP (the reference), FasterPAM, and the 'alternate' iteration.
 * D is n×n float (symmetric, zero diagonal); sums run in double. */
#include "kmedoids_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Nearest and second-nearest medoid (slot indices) of every point. */
typedef struct Assign {
    size_t *near, *sec;
    double *dn, *ds;
} Assign;

static bool assign_alloc(Assign *a, size_t n, RnError **err)
{
    a->near = rn_malloc(n * sizeof *a->near, err);
    a->sec = rn_malloc(n * sizeof *a->sec, err);
    a->dn = rn_malloc(n * sizeof *a->dn, err);
    a->ds = rn_malloc(n * sizeof *a->ds, err);
    return a->near && a->sec && a->dn && a->ds;
}

static void assign_free(Assign *a)
{
    free(a->near);
    free(a->sec);
    free(a->dn);
    free(a->ds);
}

/* Scan all medoids for point o; first minimum wins ties. */
static void assign_point(const float *D, size_t n, const size_t *med, size_t k,
                         size_t o, Assign *a)
{
    size_t b1 = 0, b2 = SIZE_MAX;
    double d1 = INFINITY, d2 = INFINITY;
    for (size_t i = 0; i < k; i++) {
        double v = D[o * n + med[i]];
        if (v < d1) {
            b2 = b1;
            d2 = d1;
            b1 = i;
            d1 = v;
        } else if (v < d2) {
            b2 = i;
            d2 = v;
        }
    }
    a->near[o] = b1;
    a->dn[o] = d1;
    a->sec[o] = b2 == SIZE_MAX ? b1 : b2;
    a->ds[o] = d2;
}

static double assign_all(const float *D, size_t n, const size_t *med, size_t k,
                         Assign *a)
{
    double cost = 0;
    for (size_t o = 0; o < n; o++) {
        assign_point(D, n, med, k, o, a);
        cost += a->dn[o];
    }
    return cost;
}

/* ---- initialisation --------------------------------------------------- */

/* PAM BUILD: the 1-medoid, then greedily the point that lowers the cost
 * most (first wins ties). */
bool cl_pam_build(const float *D, size_t n, size_t k, size_t *med, RnError **err)
{
    double *dn = rn_malloc(n * sizeof *dn, err);
    bool *is_med = rn_calloc(n, sizeof *is_med, err);
    if (dn == NULL || is_med == NULL) {
        free(dn);
        free(is_med);
        return false;
    }
    for (size_t o = 0; o < n; o++)
        dn[o] = INFINITY;
    for (size_t c = 0; c < k; c++) {
        size_t best = SIZE_MAX;
        double best_gain = -INFINITY;
        for (size_t h = 0; h < n; h++) {
            if (is_med[h])
                continue;
            double gain = 0;
            for (size_t o = 0; o < n; o++) {
                double v = D[h * n + o];
                gain += c == 0 ? -v : (v < dn[o] ? dn[o] - v : 0);
            }
            if (gain > best_gain) {
                best_gain = gain;
                best = h;
            }
        }
        med[c] = best;
        is_med[best] = true;
        for (size_t o = 0; o < n; o++)
            if (D[best * n + o] < dn[o])
                dn[o] = D[best * n + o];
    }
    free(dn);
    free(is_med);
    return true;
}

/* sklearn-extra _kpp_init: greedy k-means++ on squared dissimilarities. */
bool cl_kmedoids_pp(const float *D, size_t n, size_t k, RnRng *rng,
                    size_t *med, RnError **err)
{
    int trials = 2 + (int)log((double)k);
    double *closest = rn_malloc(n * sizeof *closest, err);
    double *cum = rn_malloc(n * sizeof *cum, err);
    if (!closest || !cum) {
        free(closest);
        free(cum);
        return false;
    }
    med[0] = (size_t)rn_rng_below(rng, n);
    double pot = 0;
    for (size_t o = 0; o < n; o++) {
        double v = D[med[0] * n + o];
        pot += (closest[o] = v * v);
    }
    for (size_t c = 1; c < k; c++) {
        double acc = 0;
        for (size_t o = 0; o < n; o++)
            cum[o] = (acc += closest[o]);
        size_t best = SIZE_MAX;
        double best_pot = INFINITY;
        for (int t = 0; t < trials; t++) {
            double r = rn_rng_double(rng) * pot;
            size_t lo = 0, hi = n;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (cum[mid] < r)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            size_t cand = lo < n ? lo : n - 1;
            double new_pot = 0;
            for (size_t o = 0; o < n; o++) {
                double v = (double)D[cand * n + o] * D[cand * n + o];
                new_pot += v < closest[o] ? v : closest[o];
            }
            if (best == SIZE_MAX || new_pot < best_pot) {
                best = cand;
                best_pot = new_pot;
            }
        }
        med[c] = best;
        pot = best_pot;
        for (size_t o = 0; o < n; o++) {
            double v = (double)D[best * n + o] * D[best * n + o];
            if (v < closest[o])
                closest[o] = v;
        }
    }
    free(closest);
    free(cum);
    return true;
}

/* ---- PAM SWAP (reference) --------------------------------------------- */

/* Cost change of replacing medoid slot i by point h (Kaufman & Rousseeuw). */
static double pam_delta(const float *D, size_t n, const Assign *a, size_t i,
                        size_t h)
{
    double delta = 0;
    for (size_t o = 0; o < n; o++) {
        double doh = D[o * n + h];
        if (a->near[o] == i)
            delta += (doh < a->ds[o] ? doh : a->ds[o]) - a->dn[o];
        else if (doh < a->dn[o])
            delta += doh - a->dn[o];
    }
    return delta;
}

/* Swaps whose gain is below this (relative to the cost) are rounding noise. */
static double swap_eps(double cost)
{
    return 1e-12 * (1.0 + fabs(cost));
}

bool cl_pam_swap(const float *D, size_t n, size_t k, size_t *med, int max_iter,
                 int *n_iter, size_t *n_swaps, RnError **err)
{
    Assign a = {0};
    bool *is_med = rn_calloc(n, sizeof *is_med, err);
    if (!is_med || !assign_alloc(&a, n, err)) {
        free(is_med);
        assign_free(&a);
        return false;
    }
    for (size_t i = 0; i < k; i++)
        is_med[med[i]] = true;
    double cost = assign_all(D, n, med, k, &a);
    int it = 0;
    *n_swaps = 0;
    for (; it < max_iter && k > 1; it++) {
        double best = 0;
        size_t bi = 0, bh = SIZE_MAX;
        for (size_t i = 0; i < k; i++)
            for (size_t h = 0; h < n; h++) {
                if (is_med[h])
                    continue;
                double delta = pam_delta(D, n, &a, i, h);
                if (delta < best) {
                    best = delta;
                    bi = i;
                    bh = h;
                }
            }
        if (bh == SIZE_MAX || best > -swap_eps(cost))
            break;
        is_med[med[bi]] = false;
        is_med[bh] = true;
        med[bi] = bh;
        cost = assign_all(D, n, med, k, &a);
        (*n_swaps)++;
    }
    *n_iter = it + 1;
    free(is_med);
    assign_free(&a);
    return true;
}

/* ---- FasterPAM -------------------------------------------------------- */

static void removal_loss(const Assign *a, size_t n, size_t k, double *loss)
{
    for (size_t i = 0; i < k; i++)
        loss[i] = 0;
    for (size_t o = 0; o < n; o++)
        loss[a->near[o]] += a->ds[o] - a->dn[o];
}

/* Second nearest: the closest slot other than the nearest. */
static void rescan_second(const float *D, size_t n, const size_t *med, size_t k,
                          size_t o, Assign *a)
{
    double d2 = INFINITY;
    size_t b2 = a->near[o];
    for (size_t i = 0; i < k; i++) {
        if (i == a->near[o])
            continue;
        double v = D[o * n + med[i]];
        if (v < d2) {
            d2 = v;
            b2 = i;
        }
    }
    a->sec[o] = b2;
    a->ds[o] = d2;
}

/* Medoid slot i becomes point h: update nearest/second lazily. */
static void faster_do_swap(const float *D, size_t n, size_t *med, size_t k,
                           size_t i, size_t h, Assign *a)
{
    med[i] = h;
    for (size_t o = 0; o < n; o++) {
        double doh = D[o * n + h];
        if (a->near[o] == i) {
            if (doh <= a->ds[o]) {
                a->dn[o] = doh;
            } else {
                a->near[o] = a->sec[o];
                a->dn[o] = a->ds[o];
                rescan_second(D, n, med, k, o, a);
            }
        } else if (doh < a->dn[o]) {
            a->sec[o] = a->near[o];
            a->ds[o] = a->dn[o];
            a->near[o] = i;
            a->dn[o] = doh;
        } else if (a->sec[o] == i) {
            rescan_second(D, n, med, k, o, a);
        } else if (doh < a->ds[o]) {
            a->sec[o] = i;
            a->ds[o] = doh;
        }
    }
}

/* Best slot to give up for candidate h, and the total change. */
static double faster_best_for(const float *D, size_t n, size_t k,
                              const Assign *a, const double *loss, double *acc,
                              size_t h, size_t *slot)
{
    memcpy(acc, loss, k * sizeof *acc);
    double shared = 0;
    for (size_t o = 0; o < n; o++) {
        double doh = D[o * n + h];
        if (doh < a->dn[o]) {
            shared += doh - a->dn[o];
            acc[a->near[o]] += a->dn[o] - a->ds[o];
        } else if (doh < a->ds[o]) {
            acc[a->near[o]] += doh - a->ds[o];
        }
    }
    size_t b = 0;
    for (size_t i = 1; i < k; i++)
        if (acc[i] < acc[b])
            b = i;
    *slot = b;
    return acc[b] + shared;
}

bool cl_fasterpam(const float *D, size_t n, size_t k, size_t *med, int max_iter,
                  int *n_iter, size_t *n_swaps, RnError **err)
{
    Assign a = {0};
    double *loss = rn_malloc(k * sizeof *loss, err);
    double *acc = rn_malloc(k * sizeof *acc, err);
    bool *is_med = rn_calloc(n, sizeof *is_med, err);
    bool ok = loss && acc && is_med && assign_alloc(&a, n, err);
    *n_swaps = 0;
    *n_iter = 0;
    if (ok && k > 1) {
        for (size_t i = 0; i < k; i++)
            is_med[med[i]] = true;
        double cost = assign_all(D, n, med, k, &a);
        removal_loss(&a, n, k, loss);
        size_t last = SIZE_MAX;
        for (int it = 0; it < max_iter; it++) {
            *n_iter = it + 1;
            bool swapped = false;
            for (size_t h = 0; h < n; h++) {
                if (h == last)
                    goto converged;
                if (is_med[h])
                    continue;
                size_t slot;
                double delta = faster_best_for(D, n, k, &a, loss, acc, h, &slot);
                if (delta >= -swap_eps(cost))
                    continue;
                is_med[med[slot]] = false;
                is_med[h] = true;
                faster_do_swap(D, n, med, k, slot, h, &a);
                removal_loss(&a, n, k, loss);
                cost += delta;
                last = h;
                swapped = true;
                (*n_swaps)++;
            }
            if (!swapped)
                break;
        }
    }
converged:
    free(loss);
    free(acc);
    free(is_med);
    assign_free(&a);
    return ok;
}

/* ---- 'alternate' (sklearn-extra) --------------------------------------- */

/* labels = argmin over medoids (first wins), as np.argmin(D[medoids], 0). */
void cl_matrix_labels(const float *D, size_t n, const size_t *med, size_t k,
                      int32_t *labels, double *cost)
{
    double c = 0;
    for (size_t o = 0; o < n; o++) {
        size_t b = 0;
        for (size_t i = 1; i < k; i++)
            if (D[med[i] * n + o] < D[med[b] * n + o])
                b = i;
        labels[o] = (int32_t)b;
        c += D[med[b] * n + o];
    }
    if (cost)
        *cost = c;
}

/* _update_medoid_idxs_in_place: each cluster's medoid becomes the member
 * with the smallest summed distance to the other members, if strictly
 * better than the current one. Empty clusters keep their medoid. */
static void alternate_update(const float *D, size_t n, const int32_t *labels,
                             size_t k, size_t *med, size_t *members)
{
    for (size_t c = 0; c < k; c++) {
        size_t m = 0;
        for (size_t o = 0; o < n; o++)
            if ((size_t)labels[o] == c)
                members[m++] = o;
        if (m == 0)
            continue;
        double best = INFINITY, cur = INFINITY;
        size_t arg = 0;
        for (size_t a = 0; a < m; a++) {
            double s = 0;
            for (size_t b = 0; b < m; b++)
                s += D[members[a] * n + members[b]];
            if (s < best) {
                best = s;
                arg = a;
            }
            if (members[a] == med[c])
                cur = s;
        }
        /* sklearn-extra reads the current medoid's cost at the first
         * member when the medoid is not in its own cluster (argmax of an
         * all-false mask is 0). */
        if (cur == INFINITY) {
            cur = 0;
            for (size_t b = 0; b < m; b++)
                cur += D[members[0] * n + members[b]];
        }
        if (best < cur)
            med[c] = members[arg];
    }
}

bool cl_alternate(const float *D, size_t n, size_t k, size_t *med, int max_iter,
                  int *n_iter, size_t *n_swaps, RnError **err)
{
    int32_t *labels = rn_malloc(n * sizeof *labels, err);
    size_t *members = rn_malloc(n * sizeof *members, err);
    size_t *old = rn_malloc(k * sizeof *old, err);
    bool ok = labels && members && old;
    *n_swaps = 0;
    int it = 0;
    for (; ok && it < max_iter; it++) {
        memcpy(old, med, k * sizeof *old);
        cl_matrix_labels(D, n, med, k, labels, NULL);
        alternate_update(D, n, labels, k, med, members);
        size_t changed = 0;
        for (size_t c = 0; c < k; c++)
            changed += old[c] != med[c];
        *n_swaps += changed;
        if (changed == 0)
            break;
    }
    *n_iter = it < max_iter ? it + 1 : max_iter;
    free(labels);
    free(members);
    free(old);
    return ok;
}
