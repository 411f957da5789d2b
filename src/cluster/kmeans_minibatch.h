/* Mini-batch k-means (part of kmeans_impl.h). */

/* ---- mini-batch (sklearn MiniBatchKMeans) ----------------------------- */

static bool SFX(gather)(const REAL *X, size_t d, size_t ldx, const size_t *idx,
                        size_t m, REAL *out)
{
    for (size_t i = 0; i < m; i++)
        memcpy(out + i * d, X + idx[i] * ldx, d * sizeof *out);
    return true;
}

typedef struct SFX(Mb) {
    size_t n, d, k, b;
    REAL *batch;          /* b×d gathered rows */
    size_t *idx;          /* b */
    int32_t *labels;      /* b */
    double *sq;           /* b */
    double *sums;         /* k×d */
    double *cnt;          /* k: batch counts */
    double *weight;       /* k: running counts (learning rates) */
    REAL *old;            /* k×d */
    size_t *order;        /* k */
    size_t since_reassign;
} SFX(Mb);

/* Init (sklearn): n_init k-means++ runs on random subsets of init_size
 * rows, the one with the lowest inertia on a validation subset wins. */
static bool SFX(mb_init)(const REAL *X, size_t n, size_t d, size_t ldx,
                         const RnMiniBatchOptions *o, size_t init_size,
                         RnRng *rng, RnPool *pool, REAL *centers, RnError **err)
{
    size_t k = o->k, *idx = rn_malloc(init_size * sizeof *idx, err);
    REAL *sub = rn_malloc(init_size * d * sizeof *sub, err);
    REAL *valid = rn_malloc(init_size * d * sizeof *valid, err);
    REAL *cand = rn_malloc(k * d * sizeof *cand, err);
    int32_t *lab = rn_malloc(init_size * sizeof *lab, err);
    bool ok = idx && sub && valid && cand && lab;
    for (size_t i = 0; ok && i < init_size; i++)
        idx[i] = (size_t)rn_rng_below(rng, n);
    if (ok)
        SFX(gather)(X, d, ldx, idx, init_size, valid);
    double best = INFINITY;
    for (int r = 0; ok && r < (o->n_init > 0 ? o->n_init : 1); r++) {
        for (size_t i = 0; i < init_size; i++)
            idx[i] = (size_t)rn_rng_below(rng, n);
        SFX(gather)(X, d, ldx, idx, init_size, sub);
        double in = 0;
        ok = SFX(cl_kmeanspp)(sub, init_size, d, d, k, 0, rng, pool, NULL, cand,
                              NULL, err) &&
             SFX(cl_predict)(valid, init_size, d, d, cand, k, pool, lab, NULL,
                             &in, err);
        if (ok && in < best) {
            best = in;
            memcpy(centers, cand, k * d * sizeof *cand);
        }
    }
    free(idx);
    free(sub);
    free(valid);
    free(cand);
    free(lab);
    return ok;
}

static int SFX(cmp_by_weight)(const void *a, const void *b, void *ctx)
{
    const double *key = ctx;
    double x = key[*(const size_t *)a], y = key[*(const size_t *)b];
    if (x < y)
        return -1;
    if (x > y)
        return 1;
    return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

/* Starving centres (count < ratio · max) jump to random batch rows. */
static bool SFX(mb_reassign)(SFX(Mb) *m, REAL *centers, double ratio, RnRng *rng,
                             RnError **err)
{
    size_t k = m->k;
    double wmax = 0;
    for (size_t j = 0; j < k; j++)
        if (m->weight[j] > wmax)
            wmax = m->weight[j];
    bool *re = rn_calloc(k, sizeof *re, err);
    size_t *pick = rn_malloc((k < m->b ? k : m->b) * sizeof *pick, err);
    if (re == NULL || pick == NULL) {
        free(re);
        free(pick);
        return false;
    }
    size_t n_re = 0;
    for (size_t j = 0; j < k; j++)
        n_re += (re[j] = m->weight[j] < ratio * wmax);
    size_t limit = m->b / 2;
    if (n_re > limit) {
        /* Keep only the `limit` smallest counts (sklearn argsort). */
        for (size_t j = 0; j < k; j++)
            m->order[j] = j;
        qsort_r(m->order, k, sizeof *m->order, SFX(cmp_by_weight), m->weight);
        for (size_t r = limit; r < k; r++)
            re[m->order[r]] = false;
        n_re = limit;
    }
    bool ok = true;
    if (n_re > 0) {
        ok = rn_rng_sample(rng, m->b, n_re, pick, err);
        double wmin = INFINITY;
        for (size_t j = 0; j < k; j++)
            if (!re[j] && m->weight[j] < wmin)
                wmin = m->weight[j];
        for (size_t j = 0, q = 0; ok && j < k; j++) {
            if (!re[j])
                continue;
            memcpy(centers + j * m->d, m->batch + pick[q++] * m->d,
                   m->d * sizeof *centers);
            m->weight[j] = isfinite(wmin) ? wmin : 0;
        }
    }
    free(re);
    free(pick);
    return ok;
}

/* Per-centre running means: c ← (c·w + Σx) / (w + count). */
static void SFX(mb_update)(SFX(Mb) *m, REAL *centers)
{
    size_t k = m->k, d = m->d;
    memset(m->sums, 0, k * d * sizeof *m->sums);
    memset(m->cnt, 0, k * sizeof *m->cnt);
    for (size_t i = 0; i < m->b; i++) {
        size_t j = (size_t)m->labels[i];
        m->cnt[j] += 1;
        SFX(acc_row)(m->sums + j * d, m->batch + i * d, d);
    }
    for (size_t j = 0; j < k; j++) {
        if (m->cnt[j] == 0)
            continue;
        double w = m->weight[j];
        for (size_t t = 0; t < d; t++)
            centers[j * d + t] =
                (REAL)(((double)centers[j * d + t] * w + m->sums[j * d + t]) /
                       (w + m->cnt[j]));
        m->weight[j] = w + m->cnt[j];
    }
}

static void SFX(mb_free)(SFX(Mb) *m)
{
    free(m->batch);
    free(m->idx);
    free(m->labels);
    free(m->sq);
    free(m->sums);
    free(m->cnt);
    free(m->weight);
    free(m->old);
    free(m->order);
}

bool SFX(cl_minibatch)(const REAL *X, size_t n, size_t d, size_t ldx,
                       const RnMiniBatchOptions *o, RnPool *pool, REAL *centers,
                       int *n_steps_out, bool *converged, RnError **err)
{
    size_t k = o->k;
    SFX(Mb) m = {.n = n, .d = d, .k = k};
    m.b = o->batch_size < n ? o->batch_size : n;
    size_t init_size = o->init_size ? o->init_size : 3 * (m.b > k ? m.b : k);
    if (init_size > n)
        init_size = n;
    if (init_size < k)
        init_size = k;
    RnRng rng = rn_rng_new(o->seed);
    m.batch = rn_malloc(m.b * d * sizeof(REAL), err);
    m.idx = rn_malloc(m.b * sizeof(size_t), err);
    m.labels = rn_malloc(m.b * sizeof(int32_t), err);
    m.sq = rn_malloc(m.b * sizeof(double), err);
    m.sums = rn_malloc(k * d * sizeof(double), err);
    m.cnt = rn_malloc(k * sizeof(double), err);
    m.weight = rn_calloc(k, sizeof(double), err);
    m.old = rn_malloc(k * d * sizeof(REAL), err);
    m.order = rn_malloc(k * sizeof(size_t), err);
    bool ok = m.batch && m.idx && m.labels && m.sq && m.sums && m.cnt &&
              m.weight && m.old && m.order;
    if (ok && o->init_centers)
        memcpy(centers, o->init_centers, k * d * sizeof(REAL));
    else if (ok)
        ok = SFX(mb_init)(X, n, d, ldx, o, init_size, &rng, pool, centers, err);
    double tol = 0;
    if (ok && o->tol > 0) {
        /* tol is relative to the mean feature variance, as for KMeans. */
        double var = 0;
        for (size_t t = 0; t < d; t++) {
            double mean = 0, m2 = 0;
            for (size_t i = 0; i < n; i++) {
                double x = (double)X[i * ldx + t], delta = x - mean;
                mean += delta / (double)(i + 1);
                m2 += delta * (x - mean);
            }
            var += m2 / (double)n;
        }
        tol = o->tol * var / (double)d;
    }
    size_t n_steps = (size_t)(o->max_epochs > 0 ? o->max_epochs : 1) * n / m.b;
    if (n_steps == 0)
        n_steps = 1;
    double ewa = 0, ewa_min = 0;
    bool have_ewa = false, have_min = false, stop = false;
    int no_improvement = 0;
    size_t step = 0;
    for (; ok && step < n_steps && !stop; step++) {
        for (size_t i = 0; i < m.b; i++)
            m.idx[i] = (size_t)rn_rng_below(&rng, n);
        SFX(gather)(X, d, ldx, m.idx, m.b, m.batch);
        double inertia = 0;
        if (!(ok = SFX(cl_predict)(m.batch, m.b, d, d, centers, k, pool,
                                   m.labels, m.sq, &inertia, err)))
            break;
        memcpy(m.old, centers, k * d * sizeof(REAL));
        SFX(mb_update)(&m, centers);
        /* sklearn _random_reassign: some centre empty, or 10·k samples
         * seen since the last reassignment. */
        m.since_reassign += m.b;
        bool any_zero = false;
        for (size_t j = 0; j < k; j++)
            any_zero |= m.weight[j] == 0;
        if (any_zero || m.since_reassign >= 10 * k) {
            m.since_reassign = 0;
            if (o->reassignment_ratio > 0)
                ok = SFX(mb_reassign)(&m, centers, o->reassignment_ratio, &rng, err);
        }
        double diff = 0;
        if (tol > 0)
            for (size_t t = 0; t < k * d; t++)
                diff += ((double)centers[t] - (double)m.old[t]) *
                        ((double)centers[t] - (double)m.old[t]);
        /* sklearn _mini_batch_convergence. */
        inertia /= (double)m.b;
        if (step == 0)
            continue;
        if (!have_ewa) {
            ewa = inertia;
            have_ewa = true;
        } else {
            double alpha = (double)m.b * 2.0 / ((double)n + 1);
            if (alpha > 1)
                alpha = 1;
            ewa = ewa * (1 - alpha) + inertia * alpha;
        }
        if (tol > 0 && diff <= tol) {
            stop = true;
            continue;
        }
        if (!have_min || ewa < ewa_min) {
            no_improvement = 0;
            ewa_min = ewa;
            have_min = true;
        } else {
            no_improvement++;
        }
        if (o->max_no_improvement > 0 && no_improvement >= o->max_no_improvement)
            stop = true;
    }
    *n_steps_out = (int)step;
    *converged = stop;
    SFX(mb_free)(&m);
    return ok;
}
