/* k-means E-step, Hamerly (2010): one upper and one lower bound per point
 * (part of kmeans_impl.h; shares Elkan's centre-centre distances). */

/* Hamerly (2010): one upper bound to the own centre, one lower bound to
 * every other; a point whose upper bound is below max(lower bound, half
 * the distance from its centre to the nearest other) cannot move. Bounds
 * are n-sized, so each pass costs O(n) beyond the distances it computes
 * (Elkan's n×k bounds dominate at low d). */
INLINE void SFX(hamerly_scan)(SFX(Km) *s, size_t i)
{
    const REAL *x = s->X + i * s->d;
    size_t best = 0;
    REAL d1 = INFINITY, d2 = INFINITY;
    for (size_t j = 0; j < s->k; j++) {
        REAL v = SFX(dist)(x, s->centers + j * s->d, s->d);
        if (v < d1) {
            d2 = d1;
            d1 = v;
            best = j;
        } else if (v < d2) {
            d2 = v;
        }
    }
    s->labels[i] = (int32_t)best;
    s->upper[i] = d1;
    s->lower[i] = d2;
}

CLONES static bool SFX(hamerly_init_part)(void *ctx, size_t p, size_t b, size_t e,
                         RnError **err)
{
    SFX(Km) *s = ctx;
    for (size_t i = b; i < e; i++)
        SFX(hamerly_scan)(s, i);
    (void)p, (void)err;
    return true;
}

CLONES static bool SFX(hamerly_part)(void *ctx, size_t p, size_t b, size_t e,
                         RnError **err)
{
    SFX(Km) *s = ctx;
    SFX(part_zero)(s, p);
    for (size_t i = b; i < e; i++) {
        size_t a = (size_t)s->labels[i];
        REAL z = s->lower[i] > s->next_half[a] ? s->lower[i] : s->next_half[a];
        if (s->upper[i] > z) {
            s->upper[i] = SFX(dist)(s->X + i * s->d, s->centers + a * s->d, s->d);
            if (s->upper[i] > z)
                SFX(hamerly_scan)(s, i);
        }
        SFX(part_accumulate)(s, p, i, s->labels[i]);
    }
    (void)p, (void)err;
    return true;
}

/* The own centre moved by shift[a]; any other by at most the largest other
 * shift. */
CLONES static bool SFX(hamerly_shift_part)(void *ctx, size_t p, size_t b, size_t e,
                         RnError **err)
{
    SFX(Km) *s = ctx;
    for (size_t i = b; i < e; i++) {
        size_t a = (size_t)s->labels[i];
        s->upper[i] += s->shift[a];
        s->lower[i] -= s->shift_max[a == s->shift_arg ? 1 : 0];
    }
    (void)p, (void)err;
    return true;
}

static void SFX(largest_shifts)(SFX(Km) *s)
{
    s->shift_max[0] = s->shift_max[1] = 0;
    s->shift_arg = 0;
    for (size_t j = 0; j < s->k; j++) {
        if (s->shift[j] > s->shift_max[0]) {
            s->shift_max[1] = s->shift_max[0];
            s->shift_max[0] = s->shift[j];
            s->shift_arg = j;
        } else if (s->shift[j] > s->shift_max[1]) {
            s->shift_max[1] = s->shift[j];
        }
    }
}
