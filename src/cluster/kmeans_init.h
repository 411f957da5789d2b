/* k-means initialisation: greedy k-means++ (part of kmeans_impl.h). */

/* ---- greedy k-means++ (sklearn _kmeans_plusplus) ---------------------- */

typedef struct SFX(Pp) {
    const REAL *X;
    size_t n, d, ldx, P, t;   /* t candidates this round */
    RnDist *dist;             /* this rank's partitions: rows [b, e) */
    size_t b, e;
    const REAL *cand;         /* t×d candidate rows */
    const double *closest;    /* n, or NULL in the first round */
    double *cand_dist;        /* n×t: min(closest, d²(x, cand)) */
    double *part_pot;         /* P×t */
} SFX(Pp);

/* Squared distances to the few candidates, computed directly: with t <= 8
 * candidates a Gram-matrix GEMM would spend its time packing X. */
CLONES static bool SFX(pp_cand_part)(void *ctx, size_t p, size_t b, size_t e,
                         RnError **err)
{
    SFX(Pp) *s = ctx;
    size_t t = s->t;
    double *pot = s->part_pot + p * t;
    for (size_t c = 0; c < t; c++)
        pot[c] = 0;
    for (size_t row = b; row < e; row++) {
        const REAL *x = s->X + row * s->ldx;
        for (size_t c = 0; c < t; c++) {
            double dd = (double)SFX(sqdist)(x, s->cand + c * s->d, s->d);
            if (s->closest != NULL && s->closest[row] < dd)
                dd = s->closest[row];
            s->cand_dist[row * t + c] = dd;
            pot[c] += dd;
        }
    }
    (void)p, (void)err;
    return true;
}

/* First index whose cumulative sum reaches r (numpy searchsorted 'left'),
 * clipped to n - 1. */
static size_t SFX(search_cumsum)(const double *cum, size_t n, double r)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] < r)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n ? lo : n - 1;
}

/* Running sum of closest over this rank's rows, continuing the sum of the
 * ranks before it: the same additions in the same order as one process. */
static bool SFX(pp_cumsum)(SFX(Pp) *s, const double *closest, double *cum,
                           RnError **err)
{
    double acc = 0;
    if (!rn_dist_chain_recv(s->dist, &acc, err))
        return false;
    for (size_t i = s->b; i < s->e; i++)
        cum[i] = (acc += closest[i]);
    return rn_dist_chain_send(s->dist, acc, err);
}

/* numpy searchsorted over the whole cumulative sum, each rank searching
 * its own rows: the first index over all ranks wins. */
static bool SFX(pp_search)(SFX(Pp) *s, const double *cum, const double *r, size_t T,
                           size_t *cid, RnError **err)
{
    uint64_t found[64];
    for (size_t t = 0; t < T; t++) {
        found[t] = UINT64_MAX;
        if (s->e > s->b && cum[s->e - 1] >= r[t])
            found[t] = s->b + SFX(search_cumsum)(cum + s->b, s->e - s->b, r[t]);
    }
    if (!rn_dist_allreduce_u64(s->dist, found, T, RN_DIST_MIN, err))
        return false;
    for (size_t t = 0; t < T; t++)
        cid[t] = found[t] == UINT64_MAX ? s->n - 1 : (size_t)found[t];
    return true;
}

/* Distances of all rows to the candidates in s->cand; returns the pots. */
static bool SFX(pp_eval)(SFX(Pp) *s, RnPool *pool, double *pots, RnError **err)
{
    if (!rn_dist_pool_for(s->dist, pool, s->n, s->P, SFX(pp_cand_part), s, err) ||
        !rn_dist_allgather_parts(s->dist, s->part_pot, s->P, s->t * sizeof *s->part_pot,
                                 err))
        return false;
    for (size_t c = 0; c < s->t; c++) {
        pots[c] = 0;
        for (size_t p = 0; p < s->P; p++)
            pots[c] += s->part_pot[p * s->t + c];
    }
    return true;
}

bool SFX(cl_kmeanspp)(const REAL *X, size_t n, size_t d, size_t ldx, size_t k,
                      int trials, RnRng *rng, RnPool *pool, RnDist *dist,
                      REAL *centers, size_t *idx, RnError **err)
{
    if (trials <= 0)
        trials = 2 + (int)log((double)k);
    if (trials > 64)
        trials = 64;
    size_t T = (size_t)trials;
    SFX(Pp) s = {.X = X, .n = n, .d = d, .ldx = ldx, .P = cl_part_count(n), .dist = dist};
    size_t plo, phi;
    rn_dist_parts(dist, s.P, &plo, &phi);
    s.b = rn_part_begin(n, s.P, plo);
    s.e = rn_part_begin(n, s.P, phi);
    double *closest = rn_malloc(n * sizeof *closest, err);
    double *cum = rn_malloc(n * sizeof *cum, err);
    s.cand_dist = rn_malloc(n * T * sizeof(double), err);
    s.part_pot = rn_malloc(s.P * T * sizeof(double), err);
    REAL *cand = rn_malloc(T * d * sizeof *cand, err);
    size_t cid[64];
    double pots[64];
    bool ok = closest && cum && s.cand_dist && s.part_pot && cand;
    s.cand = cand;
    if (ok) {
        size_t first = (size_t)rn_rng_below(rng, n);
        memcpy(cand, X + first * ldx, d * sizeof *cand);
        memcpy(centers, cand, d * sizeof *cand);
        if (idx)
            idx[0] = first;
        s.t = 1;
        s.closest = NULL;
        ok = SFX(pp_eval)(&s, pool, pots, err);
        for (size_t i = s.b; ok && i < s.e; i++)
            closest[i] = s.cand_dist[i];
    }
    double pot = pots[0];
    for (size_t c = 1; ok && c < k; c++) {
        double r[64];
        for (size_t t = 0; t < T; t++)
            r[t] = rn_rng_double(rng) * pot;
        if (!(ok = SFX(pp_cumsum)(&s, closest, cum, err) &&
                   SFX(pp_search)(&s, cum, r, T, cid, err)))
            break;
        for (size_t t = 0; t < T; t++)
            memcpy(cand + t * d, X + cid[t] * ldx, d * sizeof *cand);
        s.t = T;
        s.closest = closest;
        if (!(ok = SFX(pp_eval)(&s, pool, pots, err)))
            break;
        size_t best = 0;
        for (size_t t = 1; t < T; t++)
            if (pots[t] < pots[best])
                best = t;
        pot = pots[best];
        for (size_t i = s.b; i < s.e; i++)
            closest[i] = s.cand_dist[i * T + best];
        memcpy(centers + c * d, X + cid[best] * ldx, d * sizeof *cand);
        if (idx)
            idx[c] = cid[best];
    }
    free(closest);
    free(cum);
    free(s.cand_dist);
    free(s.part_pot);
    free(cand);
    return ok;
}
