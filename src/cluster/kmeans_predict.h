/* k-means nearest-centre assignment (part of kmeans_impl.h). */

/* ---- nearest-centre assignment (predict) ------------------------------ */

typedef struct SFX(Pred) {
    const REAL *X;
    size_t n, d, ldx, k, P;
    const REAL *centers;
    const REAL *cnorm;
    REAL *gram;               /* P×CHUNK_ROWS×k */
    int32_t *labels;
    double *sq_dist;          /* optional */
    double *part_inertia;
} SFX(Pred);

CLONES static bool SFX(predict_part)(void *ctx, size_t p, size_t b, size_t e,
                         RnError **err)
{
    SFX(Pred) *s = ctx;
    size_t k = s->k, d = s->d;
    REAL *G = s->gram + p * CHUNK_ROWS * k;
    double acc = 0;
    for (size_t r = b; r < e; r += CHUNK_ROWS) {
        size_t m = e - r < CHUNK_ROWS ? e - r : CHUNK_ROWS;
        GEMM_NT(m, k, d, (REAL)-2, s->X + r * s->ldx, s->ldx, s->centers, d,
                (REAL)0, G, k);
        for (size_t i = 0; i < m; i++) {
            size_t best = SFX(argmin_shifted)(s->cnorm, G + i * k, k);
            /* The Gram trick cancels badly for far-off points; the
             * reported distance is computed directly. */
            double dd = (double)SFX(sqdist)(s->X + (r + i) * s->ldx,
                                            s->centers + best * d, d);
            s->labels[r + i] = (int32_t)best;
            if (s->sq_dist)
                s->sq_dist[r + i] = dd;
            acc += dd;
        }
    }
    s->part_inertia[p] = acc;
    (void)p, (void)err;
    return true;
}

bool SFX(cl_predict)(const REAL *X, size_t n, size_t d, size_t ldx,
                     const REAL *centers, size_t k, RnPool *pool, int32_t *labels,
                     double *sq_dist, double *inertia, RnError **err)
{
    SFX(Pred) s = {X, n, d, ldx, k, cl_part_count(n), centers, NULL, NULL,
                   labels, sq_dist, NULL};
    REAL *cnorm = rn_malloc(k * sizeof *cnorm, err);
    s.gram = rn_malloc(s.P * CHUNK_ROWS * k * sizeof(REAL), err);
    s.part_inertia = rn_calloc(s.P, sizeof(double), err);
    bool ok = cnorm && s.gram && s.part_inertia;
    if (ok) {
        SFX(row_norms)(centers, k, d, cnorm);
        s.cnorm = cnorm;
        ok = rn_pool_for(pool, s.n, s.P, SFX(predict_part), &s, err);
    }
    if (ok && inertia) {
        *inertia = 0;
        for (size_t p = 0; p < s.P; p++)
            *inertia += s.part_inertia[p];
    }
    free(cnorm);
    free(s.gram);
    free(s.part_inertia);
    return ok;
}
