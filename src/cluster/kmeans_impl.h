/* k-means kernels for one element type. Included by kmeans_f32.c and
 * kmeans_f64.c, which define REAL (float/double), SFX(name) (name suffixed
 * by the type) and GEMM_NT (the rn_blas_gemm_nt_* wrapper).
 *
 * The single-run driver mirrors scikit-learn 1.2's _kmeans_single_lloyd /
 * _kmeans_single_elkan step by step (including its Elkan bound updates and
 * _relocate_empty_clusters_dense) so that from the same initial centres the
 * same labels come out. Per-iteration work is local sums over MAX_PARTS row
 * partitions, reduced in partition order. */

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

static void SFX(part_range)(const SFX(Km) *s, size_t p, size_t *b, size_t *e)
{
    *b = cl_part_begin(s->n, s->P, p);
    *e = cl_part_begin(s->n, s->P, p + 1);
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

/* ---- E-steps: Lloyd (BLAS), naive, Elkan ------------------------------ */

/* sklearn's lloyd: argmin_j ||c_j||² - 2 x·c_j, first minimum wins. */
CLONES static void SFX(lloyd_part)(void *ctx, size_t p)
{
    SFX(Km) *s = ctx;
    size_t b, e, k = s->k, d = s->d;
    SFX(part_range)(s, p, &b, &e);
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
}

/* The reference: every distance computed directly. */
static void SFX(naive_part)(void *ctx, size_t p)
{
    SFX(Km) *s = ctx;
    size_t b, e;
    SFX(part_range)(s, p, &b, &e);
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
}

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
CLONES static void SFX(elkan_init_part)(void *ctx, size_t p)
{
    SFX(Km) *s = ctx;
    size_t b, e, k = s->k, d = s->d;
    SFX(part_range)(s, p, &b, &e);
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
}

/* sklearn _update_chunk_dense (Elkan). */
CLONES static void SFX(elkan_part)(void *ctx, size_t p)
{
    SFX(Km) *s = ctx;
    size_t b, e, k = s->k, d = s->d;
    SFX(part_range)(s, p, &b, &e);
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
}

/* Bounds move by the centre shifts (sklearn elkan_iter tail). */
CLONES static void SFX(elkan_shift_part)(void *ctx, size_t p)
{
    SFX(Km) *s = ctx;
    size_t b, e, k = s->k;
    SFX(part_range)(s, p, &b, &e);
    for (size_t i = b; i < e; i++) {
        s->upper[i] += s->shift[s->labels[i]];
        REAL *lb = s->lower + i * k;
        for (size_t j = 0; j < k; j++) {
            lb[j] -= s->shift[j];
            if (lb[j] < 0)
                lb[j] = 0;
        }
    }
}

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

CLONES static void SFX(hamerly_init_part)(void *ctx, size_t p)
{
    SFX(Km) *s = ctx;
    size_t b, e;
    SFX(part_range)(s, p, &b, &e);
    for (size_t i = b; i < e; i++)
        SFX(hamerly_scan)(s, i);
}

CLONES static void SFX(hamerly_part)(void *ctx, size_t p)
{
    SFX(Km) *s = ctx;
    size_t b, e;
    SFX(part_range)(s, p, &b, &e);
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
}

/* The own centre moved by shift[a]; any other by at most the largest other
 * shift. */
CLONES static void SFX(hamerly_shift_part)(void *ctx, size_t p)
{
    SFX(Km) *s = ctx;
    size_t b, e;
    SFX(part_range)(s, p, &b, &e);
    for (size_t i = b; i < e; i++) {
        size_t a = (size_t)s->labels[i];
        s->upper[i] += s->shift[a];
        s->lower[i] -= s->shift_max[a == s->shift_arg ? 1 : 0];
    }
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

CLONES static void SFX(inertia_part)(void *ctx, size_t p)
{
    SFX(Km) *s = ctx;
    size_t b, e;
    SFX(part_range)(s, p, &b, &e);
    double acc = 0;
    for (size_t i = b; i < e; i++)
        acc += (double)SFX(sqdist)(s->X + i * s->d,
                                   s->centers + (size_t)s->labels[i] * s->d, s->d);
    s->part_inertia[p] = acc;
}

/* ---- M-step: reduction, empty clusters, new centres ------------------- */

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
static bool SFX(step)(SFX(Km) *s, int threads, RnError **err)
{
    void (*fn)(void *, size_t) = SFX(naive_part);
    if (s->algo == RN_KMEANS_LLOYD) {
        SFX(row_norms)(s->centers, s->k, s->d, s->cnorm);
        fn = SFX(lloyd_part);
    } else if (s->algo == RN_KMEANS_ELKAN) {
        fn = SFX(elkan_part);
    } else if (s->algo == RN_KMEANS_HAMERLY) {
        fn = SFX(hamerly_part);
    }
    if (!cl_parallel_for(s->P, threads, fn, s, err))
        return false;
    if (!s->update)
        return true;
    SFX(reduce)(s);
    if (!SFX(relocate_empty)(s, err))
        return false;
    SFX(new_centers)(s);
    if (s->algo == RN_KMEANS_ELKAN)
        return cl_parallel_for(s->P, threads, SFX(elkan_shift_part), s, err);
    if (s->algo == RN_KMEANS_HAMERLY) {
        SFX(largest_shifts)(s);
        return cl_parallel_for(s->P, threads, SFX(hamerly_shift_part), s, err);
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
    int threads = s.algo == RN_KMEANS_NAIVE ? 1 : run->threads;
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
        ok = cl_parallel_for(s.P, threads,
                             s.algo == RN_KMEANS_ELKAN ? SFX(elkan_init_part)
                                                       : SFX(hamerly_init_part),
                             &s, err);
    }
    bool strict = false, stopped = false;
    int it = 0;
    for (; ok && it < run->max_iter; it++) {
        s.update = true;
        if (!(ok = SFX(step)(&s, threads, err)))
            break;
        SFX(swap_centers)(&s);
        if (bounded)
            SFX(elkan_center_distances)(&s);
        if (memcmp(s.labels, labels_old, s.n * sizeof *labels_old) == 0) {
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
        ok = SFX(step)(&s, threads, err);
    }
    if (ok)
        ok = cl_parallel_for(s.P, threads, SFX(inertia_part), &s, err);
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

CLONES static void SFX(predict_part)(void *ctx, size_t p)
{
    SFX(Pred) *s = ctx;
    size_t b = cl_part_begin(s->n, s->P, p), e = cl_part_begin(s->n, s->P, p + 1);
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
}

bool SFX(cl_predict)(const REAL *X, size_t n, size_t d, size_t ldx,
                     const REAL *centers, size_t k, int threads, int32_t *labels,
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
        ok = cl_parallel_for(s.P, threads, SFX(predict_part), &s, err);
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

/* ---- greedy k-means++ (sklearn _kmeans_plusplus) ---------------------- */

typedef struct SFX(Pp) {
    const REAL *X;
    size_t n, d, ldx, P, t;   /* t candidates this round */
    const REAL *cand;         /* t×d candidate rows */
    const double *closest;    /* n, or NULL in the first round */
    double *cand_dist;        /* n×t: min(closest, d²(x, cand)) */
    double *part_pot;         /* P×t */
} SFX(Pp);

/* Squared distances to the few candidates, computed directly: with t <= 8
 * candidates a Gram-matrix GEMM would spend its time packing X. */
CLONES static void SFX(pp_cand_part)(void *ctx, size_t p)
{
    SFX(Pp) *s = ctx;
    size_t b = cl_part_begin(s->n, s->P, p), e = cl_part_begin(s->n, s->P, p + 1);
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

/* Distances of all rows to the candidates in s->cand; returns the pots. */
static bool SFX(pp_eval)(SFX(Pp) *s, int threads, double *pots, RnError **err)
{
    if (!cl_parallel_for(s->P, threads, SFX(pp_cand_part), s, err))
        return false;
    for (size_t c = 0; c < s->t; c++) {
        pots[c] = 0;
        for (size_t p = 0; p < s->P; p++)
            pots[c] += s->part_pot[p * s->t + c];
    }
    return true;
}

bool SFX(cl_kmeanspp)(const REAL *X, size_t n, size_t d, size_t ldx, size_t k,
                      int trials, ClRng *rng, int threads, REAL *centers,
                      size_t *idx, RnError **err)
{
    if (trials <= 0)
        trials = 2 + (int)log((double)k);
    if (trials > 64)
        trials = 64;
    size_t T = (size_t)trials;
    SFX(Pp) s = {.X = X, .n = n, .d = d, .ldx = ldx, .P = cl_part_count(n)};
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
        size_t first = cl_rng_below(rng, n);
        memcpy(cand, X + first * ldx, d * sizeof *cand);
        memcpy(centers, cand, d * sizeof *cand);
        if (idx)
            idx[0] = first;
        s.t = 1;
        s.closest = NULL;
        ok = SFX(pp_eval)(&s, threads, pots, err);
        for (size_t i = 0; ok && i < n; i++)
            closest[i] = s.cand_dist[i];
    }
    double pot = pots[0];
    for (size_t c = 1; ok && c < k; c++) {
        double acc = 0;
        for (size_t i = 0; i < n; i++)
            cum[i] = (acc += closest[i]);
        for (size_t t = 0; t < T; t++) {
            cid[t] = SFX(search_cumsum)(cum, n, cl_rng_uniform(rng) * pot);
            memcpy(cand + t * d, X + cid[t] * ldx, d * sizeof *cand);
        }
        s.t = T;
        s.closest = closest;
        if (!(ok = SFX(pp_eval)(&s, threads, pots, err)))
            break;
        size_t best = 0;
        for (size_t t = 1; t < T; t++)
            if (pots[t] < pots[best])
                best = t;
        pot = pots[best];
        for (size_t i = 0; i < n; i++)
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
                         ClRng *rng, int threads, REAL *centers, RnError **err)
{
    size_t k = o->k, *idx = rn_malloc(init_size * sizeof *idx, err);
    REAL *sub = rn_malloc(init_size * d * sizeof *sub, err);
    REAL *valid = rn_malloc(init_size * d * sizeof *valid, err);
    REAL *cand = rn_malloc(k * d * sizeof *cand, err);
    int32_t *lab = rn_malloc(init_size * sizeof *lab, err);
    bool ok = idx && sub && valid && cand && lab;
    for (size_t i = 0; ok && i < init_size; i++)
        idx[i] = cl_rng_below(rng, n);
    if (ok)
        SFX(gather)(X, d, ldx, idx, init_size, valid);
    double best = INFINITY;
    for (int r = 0; ok && r < (o->n_init > 0 ? o->n_init : 1); r++) {
        for (size_t i = 0; i < init_size; i++)
            idx[i] = cl_rng_below(rng, n);
        SFX(gather)(X, d, ldx, idx, init_size, sub);
        double in = 0;
        ok = SFX(cl_kmeanspp)(sub, init_size, d, d, k, 0, rng, threads, cand,
                              NULL, err) &&
             SFX(cl_predict)(valid, init_size, d, d, cand, k, threads, lab, NULL,
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
static bool SFX(mb_reassign)(SFX(Mb) *m, REAL *centers, double ratio, ClRng *rng,
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
        ok = cl_rng_sample(rng, m->b, n_re, pick, err);
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
                       const RnMiniBatchOptions *o, int threads, REAL *centers,
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
    ClRng rng;
    cl_rng_seed(&rng, o->seed);
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
        ok = SFX(mb_init)(X, n, d, ldx, o, init_size, &rng, threads, centers, err);
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
            m.idx[i] = cl_rng_below(&rng, n);
        SFX(gather)(X, d, ldx, m.idx, m.b, m.batch);
        double inertia = 0;
        if (!(ok = SFX(cl_predict)(m.batch, m.b, d, d, centers, k, threads,
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

#undef LANES
#undef INLINE
#undef VLOAD
#undef CLONES
