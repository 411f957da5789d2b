/* k-means E-step, Elkan (2003) as scikit-learn 1.2's _k_means_elkan:
 * n×k lower bounds, centre-centre half distances (part of kmeans_impl.h). */

/* Half distances between centres and, per centre, to its nearest other. */
static void SFX(elkan_center_distances)(SFX(Km) *s)
{
    size_t k = s->k;
    for (size_t a = 0; a < k; a++) {
        s->half[a * k + a] = 0;
        for (size_t c = a + 1; c < k; c++) {
            REAL h = SFX(dist)(s->centers + a * s->d, s->centers + c * s->d,
                               s->d) / 2;
            s->half[a * k + c] = h;
            s->half[c * k + a] = h;
        }
    }
    for (size_t a = 0; a < k; a++) {
        REAL m = INFINITY;
        for (size_t c = 0; c < k; c++)
            if (c != a && s->half[a * k + c] < m)
                m = s->half[a * k + c];
        s->next_half[a] = k > 1 ? m : 0;
    }
}

/* sklearn init_bounds_dense. */
CLONES static bool SFX(elkan_init_part)(void *ctx, size_t p, size_t b, size_t e,
                         RnError **err)
{
    SFX(Km) *s = ctx;
    size_t k = s->k, d = s->d;
    for (size_t i = b; i < e; i++) {
        const REAL *x = s->X + i * d;
        REAL *lb = s->lower + i * k;
        size_t best = 0;
        REAL min_dist = SFX(dist)(x, s->centers, d);
        lb[0] = min_dist;
        for (size_t j = 1; j < k; j++) {
            if (min_dist > s->half[best * k + j]) {
                REAL dist = SFX(dist)(x, s->centers + j * d, d);
                lb[j] = dist;
                if (dist < min_dist) {
                    min_dist = dist;
                    best = j;
                }
            }
        }
        s->labels[i] = (int32_t)best;
        s->upper[i] = min_dist;
    }
    (void)p, (void)err;
    return true;
}

/* sklearn _update_chunk_dense (Elkan). */
CLONES static bool SFX(elkan_part)(void *ctx, size_t p, size_t b, size_t e,
                         RnError **err)
{
    SFX(Km) *s = ctx;
    size_t k = s->k, d = s->d;
    SFX(part_zero)(s, p);
    for (size_t i = b; i < e; i++) {
        const REAL *x = s->X + i * d;
        REAL *lb = s->lower + i * k;
        REAL ub = s->upper[i];
        size_t label = (size_t)s->labels[i];
        bool tight = false;
        if (!(s->next_half[label] >= ub)) {
            for (size_t j = 0; j < k; j++) {
                if (j == label || !(ub > lb[j]) || !(ub > s->half[label * k + j]))
                    continue;
                if (!tight) {
                    ub = SFX(dist)(x, s->centers + label * d, d);
                    lb[label] = ub;
                    tight = true;
                }
                if (ub > lb[j] || ub > s->half[label * k + j]) {
                    REAL dist = SFX(dist)(x, s->centers + j * d, d);
                    lb[j] = dist;
                    if (dist < ub) {
                        label = j;
                        ub = dist;
                    }
                }
            }
            s->labels[i] = (int32_t)label;
            s->upper[i] = ub;
        }
        SFX(part_accumulate)(s, p, i, (int32_t)label);
    }
    (void)p, (void)err;
    return true;
}

/* Bounds move by the centre shifts (sklearn elkan_iter tail). */
CLONES static bool SFX(elkan_shift_part)(void *ctx, size_t p, size_t b, size_t e,
                         RnError **err)
{
    SFX(Km) *s = ctx;
    size_t k = s->k;
    for (size_t i = b; i < e; i++) {
        s->upper[i] += s->shift[s->labels[i]];
        REAL *lb = s->lower + i * k;
        for (size_t j = 0; j < k; j++) {
            lb[j] -= s->shift[j];
            if (lb[j] < 0)
                lb[j] = 0;
        }
    }
    (void)p, (void)err;
    return true;
}
