/* k-means kernels, part 1: vector helpers and the state of one run. Part
 * of the per-dtype instantiation of kmeans_impl.h (REAL, IREAL, SFX,
 * GEMM_NT defined by kmeans_f32.c / kmeans_f64.c). */

/* 32-byte vectors (GCC vector extension): AVX2 registers in the avx2
 * clones, register pairs in the default ones. */
typedef REAL SFX(VecR) __attribute__((vector_size(32)));
typedef IREAL SFX(VecI) __attribute__((vector_size(32)));
#define LANES (32 / sizeof(REAL))

/* Helpers are always inlined so they take the instruction set of the
 * target_clones worker that calls them. */
#define INLINE static inline __attribute__((always_inline))
/* Hot partition workers: an AVX2 build and a baseline one, picked at load. */
#define CLONES __attribute__((target_clones("avx2", "default")))

/* Unaligned vector load (a macro: a function returning a vector type
 * would change the ABI between the clones). */
#define VLOAD(v, p) memcpy(&(v), (p), sizeof(v))

/* Squared Euclidean distance. Four vector accumulators hide the add
 * latency. */
INLINE REAL SFX(sqdist)(const REAL *a, const REAL *b, size_t d)
{
    SFX(VecR) acc[4] = {{0}}, va, vb;
    size_t i = 0;
    for (; i + 4 * LANES <= d; i += 4 * LANES)
        for (int u = 0; u < 4; u++) {
            VLOAD(va, a + i + u * LANES);
            VLOAD(vb, b + i + u * LANES);
            va -= vb;
            acc[u] += va * va;
        }
    for (; i + LANES <= d; i += LANES) {
        VLOAD(va, a + i);
        VLOAD(vb, b + i);
        va -= vb;
        acc[0] += va * va;
    }
    SFX(VecR) a0 = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    REAL s = 0;
    for (size_t l = 0; l < LANES; l++)
        s += a0[l];
    for (; i < d; i++) {
        REAL u = a[i] - b[i];
        s += u * u;
    }
    return s;
}

INLINE REAL SFX(dist)(const REAL *a, const REAL *b, size_t d)
{
    return (REAL)sqrt((double)SFX(sqdist)(a, b, d));
}

static void SFX(row_norms)(const REAL *C, size_t k, size_t d, REAL *out)
{
    for (size_t j = 0; j < k; j++) {
        REAL s = 0;
        for (size_t t = 0; t < d; t++)
            s += C[j * d + t] * C[j * d + t];
        out[j] = s;
    }
}

/* First j minimising cnorm[j] + g[j] (sklearn's first-minimum rule),
 * branch-free on 32-byte vectors: each lane keeps its minimum and the
 * first index reaching it; lanes are merged lowest index first on ties. */
INLINE size_t SFX(argmin_shifted)(const REAL *cnorm, const REAL *g, size_t k)
{
    SFX(VecR) best, v, c;
    SFX(VecI) bidx, cur;
    for (size_t l = 0; l < LANES; l++) {
        best[l] = INFINITY;
        bidx[l] = 0;
        cur[l] = (IREAL)l;
    }
    size_t j = 0;
    for (; j + LANES <= k; j += LANES) {
        VLOAD(v, g + j);
        VLOAD(c, cnorm + j);
        v += c;
        SFX(VecI) lt = v < best;
        best = (SFX(VecR))(((SFX(VecI))v & lt) | ((SFX(VecI))best & ~lt));
        bidx = (cur & lt) | (bidx & ~lt);
        cur += (IREAL)LANES;
    }
    REAL m = INFINITY;
    size_t arg = 0;
    for (size_t l = 0; l < LANES; l++)
        if (best[l] < m || (best[l] == m && (size_t)bidx[l] < arg)) {
            m = best[l];
            arg = (size_t)bidx[l];
        }
    for (; j < k; j++) {
        REAL t = cnorm[j] + g[j];
        if (t < m) {
            m = t;
            arg = j;
        }
    }
    return arg;
}

/* Adds row x to a double accumulator. */
INLINE void SFX(acc_row)(double *sum, const REAL *x, size_t d)
{
    for (size_t t = 0; t < d; t++)
        sum[t] += (double)x[t];
}

/* ---- state of one run ------------------------------------------------- */

typedef struct SFX(Km) {
    const REAL *X;
    size_t n, d, k, P;
    RnDist *dist;             /* this rank computes its partitions only */
    RnKMeansAlgorithm algo;
    bool update;              /* accumulate sums (M-step) this pass */
    REAL *centers;            /* k×d, used for assignment */
    REAL *centers_new;        /* k×d */
    REAL *cnorm;              /* k */
    double *sums;             /* P×k×d */
    double *counts;           /* P×k */
    double *part_inertia;     /* P */
    REAL *gram;               /* P×CHUNK_ROWS×k */
    int32_t *labels;          /* n */
    REAL *upper;              /* Elkan: n */
    REAL *lower;              /* Elkan: n×k; Hamerly: n (second nearest) */
    REAL *half;               /* Elkan: k×k half centre distances */
    REAL *next_half;          /* Elkan: k, nearest other centre / 2 */
    REAL *shift;              /* k */
    REAL shift_max[2];        /* Hamerly: largest two shifts */
    size_t shift_arg;         /* Hamerly: centre with the largest shift */
} SFX(Km);

static void SFX(km_free)(SFX(Km) *s)
{
    free(s->centers);
    free(s->centers_new);
    free(s->cnorm);
    free(s->sums);
    free(s->counts);
    free(s->part_inertia);
    free(s->gram);
    free(s->upper);
    free(s->lower);
    free(s->half);
    free(s->next_half);
    free(s->shift);
}

static bool SFX(km_alloc)(SFX(Km) *s, RnError **err)
{
    size_t k = s->k, d = s->d, P = s->P, kd = k * d;
    s->centers = rn_calloc(kd, sizeof(REAL), err);
    s->centers_new = rn_calloc(kd, sizeof(REAL), err);
    s->cnorm = rn_calloc(k, sizeof(REAL), err);
    s->sums = rn_calloc(P * kd, sizeof(double), err);
    s->counts = rn_calloc(P * k, sizeof(double), err);
    s->part_inertia = rn_calloc(P, sizeof(double), err);
    s->shift = rn_calloc(k, sizeof(REAL), err);
    bool ok = s->centers && s->centers_new && s->cnorm && s->sums &&
              s->counts && s->part_inertia && s->shift;
    if (s->algo == RN_KMEANS_LLOYD) {
        s->gram = rn_calloc(P * CHUNK_ROWS * k, sizeof(REAL), err);
        ok = ok && s->gram;
    }
    if (s->algo == RN_KMEANS_HAMERLY) {
        s->upper = rn_calloc(s->n, sizeof(REAL), err);
        s->lower = rn_calloc(s->n, sizeof(REAL), err);
        s->half = rn_calloc(k * k, sizeof(REAL), err);
        s->next_half = rn_calloc(k, sizeof(REAL), err);
        ok = ok && s->upper && s->lower && s->half && s->next_half;
    }
    if (s->algo == RN_KMEANS_ELKAN) {
        size_t nk;
        if (!rn_mul_size(s->n, k, &nk)) {
            rn_error_set(err, RN_ERROR_LIMIT, "n*k overflows");
            return false;
        }
        s->upper = rn_calloc(s->n, sizeof(REAL), err);
        s->lower = rn_calloc(nk, sizeof(REAL), err);
        s->half = rn_calloc(k * k, sizeof(REAL), err);
        s->next_half = rn_calloc(k, sizeof(REAL), err);
        ok = ok && s->upper && s->lower && s->half && s->next_half;
    }
    return ok;
}

static void SFX(part_zero)(SFX(Km) *s, size_t p)
{
    if (!s->update)
        return;
    memset(s->sums + p * s->k * s->d, 0, s->k * s->d * sizeof(double));
    memset(s->counts + p * s->k, 0, s->k * sizeof(double));
}

static void SFX(part_accumulate)(SFX(Km) *s, size_t p, size_t i, int32_t label)
{
    if (!s->update)
        return;
    s->counts[p * s->k + (size_t)label] += 1.0;
    SFX(acc_row)(s->sums + (p * s->k + (size_t)label) * s->d, s->X + i * s->d,
                 s->d);
}
