/* k-means E-step, naive: the plain reference every fast path is tested
 * against (part of kmeans_impl.h). */

/* The reference: every distance computed directly. */
static bool SFX(naive_part)(void *ctx, size_t p, size_t b, size_t e,
                         RnError **err)
{
    SFX(Km) *s = ctx;
    SFX(part_zero)(s, p);
    for (size_t i = b; i < e; i++) {
        const REAL *x = s->X + i * s->d;
        int32_t best = 0;
        REAL bestv = 0;
        for (size_t j = 0; j < s->k; j++) {
            REAL v = 0;
            for (size_t t = 0; t < s->d; t++) {
                REAL diff = x[t] - s->centers[j * s->d + t];
                v += diff * diff;
            }
            if (j == 0 || v < bestv) {
                bestv = v;
                best = (int32_t)j;
            }
        }
        s->labels[i] = best;
        SFX(part_accumulate)(s, p, i, best);
    }
    (void)p, (void)err;
    return true;
}
