/* k-means single run: M-step (ordered reduction of the partition sums,
 * sklearn's empty-cluster relocation) and the iteration driver (part of
 * kmeans_impl.h). */

CLONES static bool SFX(inertia_part)(void *ctx, size_t p, size_t b, size_t e,
                         RnError **err)
{
    SFX(Km) *s = ctx;
    double acc = 0;
    for (size_t i = b; i < e; i++)
        acc += (double)SFX(sqdist)(s->X + i * s->d,
                                   s->centers + (size_t)s->labels[i] * s->d, s->d);
    s->part_inertia[p] = acc;
    (void)p, (void)err;
    return true;
}

/* ---- M-step: reduction, empty clusters, new centres ------------------- */

/* Over MPI ranks each rank computed its own partitions' sums; all ranks get
 * every partition's and reduce them in partition order below, so the
 * centres are the same bits for any number of ranks (and threads). */
static bool SFX(gather_sums)(SFX(Km) *s, RnError **err)
{
    return rn_dist_allgather_parts(s->dist, s->sums, s->P,
                                   s->k * s->d * sizeof *s->sums, err) &&
           rn_dist_allgather_parts(s->dist, s->counts, s->P, s->k * sizeof *s->counts, err);
}

/* Whether any row of this rank's partitions changed label, over all
 * ranks. */
static bool SFX(labels_changed)(SFX(Km) *s, const int32_t *old, bool *changed,
                                RnError **err)
{
    size_t lo, hi;
    rn_dist_parts(s->dist, s->P, &lo, &hi);
    size_t b = rn_part_begin(s->n, s->P, lo), e = rn_part_begin(s->n, s->P, hi);
    uint64_t any = e > b && memcmp(s->labels + b, old + b, (e - b) * sizeof *old) != 0;
    if (!rn_dist_allreduce_u64(s->dist, &any, 1, RN_DIST_MAX, err))
        return false;
    *changed = any != 0;
    return true;
}

static void SFX(reduce)(SFX(Km) *s)
{
    size_t kd = s->k * s->d;
    for (size_t p = 1; p < s->P; p++) {
        const double *src = s->sums + p * kd;
        for (size_t t = 0; t < kd; t++)
            s->sums[t] += src[t];
        for (size_t j = 0; j < s->k; j++)
            s->counts[j] += s->counts[p * s->k + j];
    }
}

/* sklearn _relocate_empty_clusters_dense: each empty cluster takes the
 * point farthest from its (old) centre, largest distance first; ties go to
 * the lower index. */
static bool SFX(relocate_empty)(SFX(Km) *s, RnError **err)
{
    size_t k = s->k, d = s->d, n_empty = 0;
    for (size_t j = 0; j < k; j++)
        n_empty += s->counts[j] == 0;
    if (n_empty == 0)
        return true;
    /* Rare: every rank needs every label to find the farthest points. */
    if (!rn_dist_allgather_rows(s->dist, s->labels, s->n, s->P, sizeof *s->labels, err))
        return false;
    double *dist = rn_malloc(s->n * sizeof *dist, err);
    size_t *far = rn_malloc(n_empty * sizeof *far, err);
    if (dist == NULL || far == NULL) {
        free(dist);
        free(far);
        return false;
    }
    for (size_t i = 0; i < s->n; i++)
        dist[i] = (double)SFX(sqdist)(s->X + i * d,
                                      s->centers + (size_t)s->labels[i] * d, d);
    for (size_t m = 0; m < n_empty; m++) {
        size_t arg = 0;
        for (size_t i = 1; i < s->n; i++)
            if (dist[i] > dist[arg])
                arg = i;
        far[m] = arg;
        dist[arg] = -1;
    }
    size_t m = 0;
    for (size_t j = 0; j < k && m < n_empty; j++) {
        if (s->counts[j] != 0)
            continue;
        size_t i = far[m++];
        size_t old = (size_t)s->labels[i];
        const REAL *x = s->X + i * d;
        for (size_t t = 0; t < d; t++) {
            s->sums[old * d + t] -= (double)x[t];
            s->sums[j * d + t] = (double)x[t];
        }
        s->counts[j] = 1;
        s->counts[old] -= 1;
    }
    free(dist);
    free(far);
    return true;
}

static void SFX(new_centers)(SFX(Km) *s)
{
    size_t d = s->d;
    for (size_t j = 0; j < s->k; j++) {
        double w = s->counts[j];
        double inv = w > 0 ? 1.0 / w : 1.0;
        for (size_t t = 0; t < d; t++)
            s->centers_new[j * d + t] = (REAL)(s->sums[j * d + t] * inv);
        s->shift[j] = SFX(dist)(s->centers_new + j * d, s->centers + j * d, d);
    }
}

static void SFX(swap_centers)(SFX(Km) *s)
{
    REAL *t = s->centers;
    s->centers = s->centers_new;
    s->centers_new = t;
}

/* One assignment pass over all partitions (+ M-step when s->update). */
static bool SFX(step)(SFX(Km) *s, RnPool *pool, RnError **err)
{
    RnPoolTask fn = SFX(naive_part);
    if (s->algo == RN_KMEANS_LLOYD) {
        SFX(row_norms)(s->centers, s->k, s->d, s->cnorm);
        fn = SFX(lloyd_part);
    } else if (s->algo == RN_KMEANS_ELKAN) {
        fn = SFX(elkan_part);
    } else if (s->algo == RN_KMEANS_HAMERLY) {
        fn = SFX(hamerly_part);
    }
    if (!rn_dist_pool_for(s->dist, pool, s->n, s->P, fn, s, err))
        return false;
    if (!s->update)
        return true;
    if (!SFX(gather_sums)(s, err))
        return false;
    SFX(reduce)(s);
    if (!SFX(relocate_empty)(s, err))
        return false;
    SFX(new_centers)(s);
    if (s->algo == RN_KMEANS_ELKAN)
        return rn_dist_pool_for(s->dist, pool, s->n, s->P, SFX(elkan_shift_part), s, err);
    if (s->algo == RN_KMEANS_HAMERLY) {
        SFX(largest_shifts)(s);
        return rn_dist_pool_for(s->dist, pool, s->n, s->P, SFX(hamerly_shift_part), s, err);
    }
    return true;
}

bool SFX(cl_kmeans_single)(ClKMeansRun *run, RnError **err)
{
    SFX(Km) s = {0};
    s.X = run->X;
    s.n = run->n;
    s.d = run->d;
    s.k = run->k;
    s.P = cl_part_count(run->n);
    s.algo = run->algorithm;
    s.labels = run->labels;
    s.dist = run->dist;
    /* The reference runs on one thread. */
    RnPool *pool = s.algo == RN_KMEANS_NAIVE ? NULL : run->pool;
    int32_t *labels_old = rn_malloc(s.n * sizeof *labels_old, err);
    bool ok = labels_old && SFX(km_alloc)(&s, err);
    if (!ok)
        goto done;
    memcpy(s.centers, run->centers, s.k * s.d * sizeof(REAL));
    for (size_t i = 0; i < s.n; i++)
        labels_old[i] = -1;
    bool bounded = s.algo == RN_KMEANS_ELKAN || s.algo == RN_KMEANS_HAMERLY;
    if (bounded) {
        SFX(elkan_center_distances)(&s);
        ok = rn_dist_pool_for(s.dist, pool, s.n, s.P,
                             s.algo == RN_KMEANS_ELKAN ? SFX(elkan_init_part)
                                                       : SFX(hamerly_init_part),
                             &s, err);
    }
    bool strict = false, stopped = false;
    int it = 0;
    for (; ok && it < run->max_iter; it++) {
        s.update = true;
        if (!(ok = SFX(step)(&s, pool, err)))
            break;
        SFX(swap_centers)(&s);
        if (bounded)
            SFX(elkan_center_distances)(&s);
        bool changed = true;
        if (!(ok = SFX(labels_changed)(&s, labels_old, &changed, err)))
            break;
        if (!changed) {
            strict = stopped = true;
            break;
        }
        double shift_tot = 0;
        for (size_t j = 0; j < s.k; j++)
            shift_tot += (double)s.shift[j] * (double)s.shift[j];
        if (shift_tot <= run->tol) {
            stopped = true;
            break;
        }
        memcpy(labels_old, s.labels, s.n * sizeof *labels_old);
    }
    if (ok && !strict) {
        /* Labels must match the final centres. */
        s.update = false;
        ok = SFX(step)(&s, pool, err);
    }
    if (ok)
        ok = rn_dist_pool_for(s.dist, pool, s.n, s.P, SFX(inertia_part), &s, err) &&
             rn_dist_allgather_parts(s.dist, s.part_inertia, s.P, sizeof *s.part_inertia,
                                     err) &&
             rn_dist_allgather_rows(s.dist, s.labels, s.n, s.P, sizeof *s.labels, err);
    if (ok) {
        run->inertia = 0;
        for (size_t p = 0; p < s.P; p++)
            run->inertia += s.part_inertia[p];
        run->n_iter = stopped ? it + 1 : it;
        run->converged = stopped;
        memcpy(run->centers, s.centers, s.k * s.d * sizeof(REAL));
    }
done:
    free(labels_old);
    SFX(km_free)(&s);
    return ok;
}
