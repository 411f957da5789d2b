/* k-means E-step, Lloyd: distances from one BLAS Gram block per
 * CHUNK_ROWS rows (part of kmeans_impl.h). */

/* sklearn's lloyd: argmin_j ||c_j||² - 2 x·c_j, first minimum wins. */
CLONES static bool SFX(lloyd_part)(void *ctx, size_t p, size_t b, size_t e,
                         RnError **err)
{
    SFX(Km) *s = ctx;
    size_t k = s->k, d = s->d;
    SFX(part_zero)(s, p);
    REAL *G = s->gram + p * CHUNK_ROWS * k;
    for (size_t r = b; r < e; r += CHUNK_ROWS) {
        size_t m = e - r < CHUNK_ROWS ? e - r : CHUNK_ROWS;
        GEMM_NT(m, k, d, (REAL)-2, s->X + r * d, d, s->centers, d, (REAL)0, G, k);
        for (size_t i = 0; i < m; i++) {
            int32_t best = (int32_t)SFX(argmin_shifted)(s->cnorm, G + i * k, k);
            s->labels[r + i] = best;
            SFX(part_accumulate)(s, p, r + i, best);
        }
    }
    (void)p, (void)err;
    return true;
}
