/* Exact silhouette in O(n·k) memory, never n².
 *
 * X is copied once in cluster order (cosine: rows normalised, as sklearn),
 * so every B×B tile of the distance matrix splits into a few contiguous
 * cluster runs and each item needs only its k per-cluster distance sums.
 * Euclidean and cosine tiles come from one BLAS Gram block (sgemm for
 * float32, dgemm for float64); Manhattan tiles are summed directly.
 *
 * The full score uses symmetry: only tiles (I, J) with I <= J are computed;
 * a tile adds its row sums to block I and its column sums to block J. The
 * additions into a block happen in block-row order (task I waits for task
 * I - 1 to have added its share), so the sums, and the score, are the same
 * bits for any number of threads. The sampled estimate scores a subset of
 * rows against all columns. Tasks are block rows on the caller's pool. */
#include "radnet/eval.h"
#include "eval/eval_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define B 256u /* tile edge: a float64 tile is 512 KB, half of a 1 MB L2 */
/* Largest n·k for the symmetric pass's shared sums (1 GiB of doubles). */
#define RN_SIL_SYMMETRIC_MAX_SUMS ((size_t)1 << 27)

/* ---- plan: the sorted copy and what the workers share ------------------ */

typedef struct SilPlan {
    const RnMatrix *X;
    RnDistance dist;
    const RnSilhouetteOptions *opt;
    RnEvalClusters cl;
    size_t es;               /* bytes per element */
    void *sorted;            /* n×d, rows in cluster order */
    double *sq_norm;         /* squared norm per sorted row (Euclidean) */
    int32_t *pos_cluster;    /* cluster of each sorted position */
    size_t n_blocks;
    /* full score */
    double *sums;            /* n×k per-position cluster sums */
    size_t *added;           /* per block: block rows that added to it so far */
    pthread_mutex_t order_lock;
    pthread_cond_t order_cond;
    bool order_ready;
    /* sampled rows */
    const size_t *rows;
    size_t n_rows;
    double *out;             /* s(i) of rows[i] */
    atomic_uint_fast64_t done; /* progress units */
    uint64_t total;
    struct SilWork *work;    /* one per pool thread (rn_pool_worker) */
    int n_work;
} SilPlan;

typedef struct SilWork {
    SilPlan *plan;
    void *tile;        /* B × B, dtype of X */
    void *row_buf;     /* B × d gathered rows (sampled mode) */
    double *row_norm;  /* B */
    double *row_acc;   /* B × k */
    double *col_acc;   /* B × B: column sums per row run of a tile */
    int32_t *run_cluster; /* B: cluster of each of those runs */
} SilWork;

static double squared_norm(const RnMatrix *X, const void *row)
{
    double s = 0.0;
    for (size_t t = 0; t < X->cols; t++) {
        double v = X->dtype == RN_DTYPE_F32 ? (double)((const float *)row)[t]
                                            : ((const double *)row)[t];
        s += v * v;
    }
    return s;
}

/* Divides a row by its norm in place, as sklearn's normalize() (zero rows
 * stay zero), so that e.g. parallel rows are exactly 0 apart. */
static void normalize_row(RnDType dtype, void *row, size_t d, double norm)
{
    if (norm == 0.0)
        return;
    if (dtype == RN_DTYPE_F32) {
        float *x = row, s = (float)norm;
        for (size_t t = 0; t < d; t++)
            x[t] /= s;
    } else {
        double *x = row;
        for (size_t t = 0; t < d; t++)
            x[t] /= norm;
    }
}

/* Copies row `item` of X to dst, normalised for cosine; returns its squared
 * norm as stored (after normalisation). */
static double copy_row(const SilPlan *p, size_t item, void *dst)
{
    const RnMatrix *X = p->X;
    memcpy(dst, rn_matrix_row(X, item), X->cols * p->es);
    double sq = squared_norm(X, dst);
    if (p->dist == RN_DISTANCE_COSINE)
        normalize_row(X->dtype, dst, X->cols, sqrt(sq));
    return p->dist == RN_DISTANCE_EUCLIDEAN ? sq : 0.0;
}

static bool plan_init(SilPlan *p, const RnMatrix *X, const int32_t *labels,
                      const RnSilhouetteOptions *opt, RnError **err)
{
    memset(p, 0, sizeof *p);
    p->X = X;
    p->dist = opt->distance;
    p->opt = opt;
    p->es = rn_dtype_size(X->dtype);
    if (!rn_eval_clusters_init(&p->cl, labels, X->rows, err))
        return false;
    if (!rn_eval_check_cluster_count(p->cl.k, X->rows, err))
        return false;
    size_t n = X->rows;
    p->n_blocks = (n + B - 1) / B;
    p->sorted = rn_calloc(n * X->cols, p->es, err);
    p->sq_norm = rn_calloc(n, sizeof *p->sq_norm, err);
    p->pos_cluster = rn_calloc(n, sizeof *p->pos_cluster, err);
    if (p->sorted == NULL || p->sq_norm == NULL || p->pos_cluster == NULL)
        return false;
    for (size_t pos = 0; pos < n; pos++) {
        size_t item = p->cl.order[pos];
        p->sq_norm[pos] = copy_row(p, item, (char *)p->sorted + pos * X->cols * p->es);
        p->pos_cluster[pos] = p->cl.ids[item];
    }
    return true;
}

static void plan_free(SilPlan *p)
{
    free(p->sorted);
    free(p->sq_norm);
    free(p->pos_cluster);
    free(p->sums);
    free(p->added);
    if (p->order_ready) {
        pthread_mutex_destroy(&p->order_lock);
        pthread_cond_destroy(&p->order_cond);
    }
    rn_eval_clusters_free(&p->cl);
}

/* ---- one tile ---------------------------------------------------------- */

static void manhattan_tile_f64(const double *A, size_t m, const double *C,
                               size_t c, size_t d, double *T)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < c; j++) {
            double s = 0.0;
            for (size_t t = 0; t < d; t++)
                s += fabs(A[i * d + t] - C[j * d + t]);
            T[i * B + j] = s;
        }
}

static void manhattan_tile_f32(const float *A, size_t m, const float *C,
                               size_t c, size_t d, float *T)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < c; j++) {
            double s = 0.0;
            for (size_t t = 0; t < d; t++)
                s += fabs((double)A[i * d + t] - (double)C[j * d + t]);
            T[i * B + j] = (float)s;
        }
}

/* Turns a Gram tile into distances in place: Euclidean from the squared
 * norms (clamped at 0 against rounding), cosine as 1 - cos in [0, 2]. */
static void gram_to_dist_f64(RnDistance dist, const double *rn, size_t m,
                             const double *cn, size_t c, double *T)
{
    for (size_t i = 0; i < m; i++) {
        double *t = T + i * B;
        if (dist == RN_DISTANCE_EUCLIDEAN) {
            for (size_t j = 0; j < c; j++) {
                double sq = rn[i] + cn[j] - 2.0 * t[j];
                t[j] = sqrt(sq > 0.0 ? sq : 0.0);
            }
        } else {
            for (size_t j = 0; j < c; j++) {
                double v = 1.0 - t[j];
                t[j] = v < 0.0 ? 0.0 : v > 2.0 ? 2.0 : v;
            }
        }
    }
}

static void gram_to_dist_f32(RnDistance dist, const double *rn, size_t m,
                             const double *cn, size_t c, float *T)
{
    for (size_t i = 0; i < m; i++) {
        float *t = T + i * B;
        if (dist == RN_DISTANCE_EUCLIDEAN) {
            float a = (float)rn[i];
            for (size_t j = 0; j < c; j++) {
                float sq = a + (float)cn[j] - 2.0f * t[j];
                t[j] = sqrtf(sq > 0.0f ? sq : 0.0f);
            }
        } else {
            for (size_t j = 0; j < c; j++) {
                float v = 1.0f - t[j];
                t[j] = v < 0.0f ? 0.0f : v > 2.0f ? 2.0f : v;
            }
        }
    }
}

/* Distances between m rows A (squared norms an) and c sorted rows from
 * position p0, into w->tile (leading dimension B). */
static void distance_tile(SilWork *w, const void *A, const double *an, size_t m,
                          size_t p0, size_t c)
{
    const SilPlan *p = w->plan;
    size_t d = p->X->cols;
    const void *C = (const char *)p->sorted + p0 * d * p->es;
    const double *cn = p->sq_norm + p0;
    if (p->X->dtype == RN_DTYPE_F32) {
        if (p->dist == RN_DISTANCE_MANHATTAN) {
            manhattan_tile_f32(A, m, C, c, d, w->tile);
            return;
        }
        rn_blas_gemm_nt_f32(m, c, d, 1.0f, A, d, C, d, 0.0f, w->tile, B);
        gram_to_dist_f32(p->dist, an, m, cn, c, w->tile);
    } else {
        if (p->dist == RN_DISTANCE_MANHATTAN) {
            manhattan_tile_f64(A, m, C, c, d, w->tile);
            return;
        }
        rn_blas_gemm_nt_f64(m, c, d, 1.0, A, d, C, d, 0.0, w->tile, B);
        gram_to_dist_f64(p->dist, an, m, cn, c, w->tile);
    }
}

/* A Euclidean self-distance is exactly 0 (sklearn zeroes the diagonal). */
static void zero_entry(SilWork *w, size_t i, size_t j)
{
    if (w->plan->X->dtype == RN_DTYPE_F32)
        ((float *)w->tile)[i * B + j] = 0.0f;
    else
        ((double *)w->tile)[i * B + j] = 0.0;
}

/* Sum of tile row i over columns [from, to); four accumulators keep the
 * additions from waiting on each other. */
static double row_run_sum(const SilWork *w, size_t i, size_t from, size_t to)
{
    double s[4] = {0, 0, 0, 0};
    size_t j = from;
    if (w->plan->X->dtype == RN_DTYPE_F32) {
        const float *t = (const float *)w->tile + i * B;
        for (; j + 4 <= to; j += 4)
            for (int u = 0; u < 4; u++)
                s[u] += (double)t[j + u];
        for (; j < to; j++)
            s[0] += (double)t[j];
    } else {
        const double *t = (const double *)w->tile + i * B;
        for (; j + 4 <= to; j += 4)
            for (int u = 0; u < 4; u++)
                s[u] += t[j + u];
        for (; j < to; j++)
            s[0] += t[j];
    }
    return (s[0] + s[1]) + (s[2] + s[3]);
}

/* acc[j] = Σ over tile rows [from, to) of column j, j < c. */
static void column_run_sums(const SilWork *w, size_t from, size_t to, size_t c,
                            double *acc)
{
    memset(acc, 0, c * sizeof *acc);
    for (size_t i = from; i < to; i++) {
        if (w->plan->X->dtype == RN_DTYPE_F32) {
            const float *t = (const float *)w->tile + i * B;
            for (size_t j = 0; j < c; j++)
                acc[j] += (double)t[j];
        } else {
            const double *t = (const double *)w->tile + i * B;
            for (size_t j = 0; j < c; j++)
                acc[j] += t[j];
        }
    }
}

/* End of the cluster run that starts at sorted position q (bounded by end). */
static size_t run_end(const SilPlan *p, size_t q, size_t end)
{
    size_t stop = p->cl.start[p->pos_cluster[q] + 1];
    return stop < end ? stop : end;
}

/* Adds each tile row's distances to columns [p0, p0 + c) to row_acc, per
 * cluster run of the columns. */
static void add_row_sums(SilWork *w, size_t m, size_t p0, size_t c)
{
    const SilPlan *p = w->plan;
    size_t k = p->cl.k;
    for (size_t q = p0; q < p0 + c;) {
        size_t e = run_end(p, q, p0 + c);
        int32_t cluster = p->pos_cluster[q];
        for (size_t i = 0; i < m; i++)
            w->row_acc[i * k + (size_t)cluster] += row_run_sum(w, i, q - p0, e - p0);
        q = e;
    }
}

/* s(i) from the per-cluster sums, as sklearn: singletons and a = b = 0 give 0. */
static double silhouette_of(const RnEvalClusters *cl, const double *sums,
                            int32_t own)
{
    if (cl->sizes[own] <= 1)
        return 0.0;
    double a = sums[own] / (double)(cl->sizes[own] - 1);
    double b = INFINITY;
    for (size_t c = 0; c < cl->k; c++)
        if ((int32_t)c != own && sums[c] / (double)cl->sizes[c] < b)
            b = sums[c] / (double)cl->sizes[c];
    double denom = a > b ? a : b;
    return denom > 0.0 && isfinite(denom) ? (b - a) / denom : 0.0;
}

/* Progress goes out from the calling thread only (worker 0). */
static void report(SilPlan *p, uint64_t units)
{
    uint64_t done = atomic_fetch_add(&p->done, units) + units;
    if (rn_pool_worker() == 0 && p->opt->progress)
        p->opt->progress(p->opt->progress_ctx, done, p->total);
}

/* Block rows add into block J in order: block row I waits for I - 1. */
static void wait_turn(SilPlan *p, size_t J, size_t I)
{
    pthread_mutex_lock(&p->order_lock);
    while (p->added[J] != I)
        pthread_cond_wait(&p->order_cond, &p->order_lock);
    pthread_mutex_unlock(&p->order_lock);
}

static void end_turn(SilPlan *p, size_t J)
{
    pthread_mutex_lock(&p->order_lock);
    p->added[J]++;
    pthread_cond_broadcast(&p->order_cond);
    pthread_mutex_unlock(&p->order_lock);
}

/* ---- full score: upper-triangle tiles ---------------------------------- */

static size_t block_len(const SilPlan *p, size_t b)
{
    size_t start = b * B;
    return p->X->rows - start < B ? p->X->rows - start : B;
}

/* Tile (I, J), J > I: its column sums, per cluster run of I's rows, belong
 * to J's items. They are summed first and added in J's turn order. */
static void add_column_sums(SilWork *w, size_t pi, size_t m, size_t pj, size_t c)
{
    SilPlan *p = w->plan;
    size_t k = p->cl.k, runs = 0;
    for (size_t q = pi; q < pi + m; runs++) {
        size_t e = run_end(p, q, pi + m);
        column_run_sums(w, q - pi, e - pi, c, w->col_acc + runs * B);
        w->run_cluster[runs] = p->pos_cluster[q];
        q = e;
    }
    wait_turn(p, pj / B, pi / B);
    for (size_t r = 0; r < runs; r++) {
        double *dst = p->sums + pj * k + (size_t)w->run_cluster[r];
        const double *acc = w->col_acc + r * B;
        for (size_t j = 0; j < c; j++)
            dst[j * k] += acc[j];
    }
    end_turn(p, pj / B);
}

static void full_block_row(SilWork *w, size_t I)
{
    SilPlan *p = w->plan;
    size_t k = p->cl.k, pi = I * B, m = block_len(p, I);
    const void *A = (const char *)p->sorted + pi * p->X->cols * p->es;
    memset(w->row_acc, 0, m * k * sizeof *w->row_acc);
    for (size_t J = I; J < p->n_blocks; J++) {
        size_t pj = J * B, c = block_len(p, J);
        distance_tile(w, A, p->sq_norm + pi, m, pj, c);
        if (J == I && p->dist == RN_DISTANCE_EUCLIDEAN)
            for (size_t i = 0; i < m; i++)
                zero_entry(w, i, i);
        add_row_sums(w, m, pj, c);
        if (J != I)
            add_column_sums(w, pi, m, pj, c);
    }
    wait_turn(p, I, I);
    for (size_t x = 0; x < m * k; x++)
        p->sums[pi * k + x] += w->row_acc[x];
    end_turn(p, I);
}

/* Block row I, on this thread's buffers. Block rows are handed out in
 * increasing order, so the one a task waits for is already running. */
static bool full_task(void *ctx, size_t I, size_t begin, size_t end, RnError **err)
{
    (void)begin, (void)end, (void)err;
    SilPlan *p = ctx;
    full_block_row(&p->work[rn_pool_worker()], I);
    report(p, p->n_blocks - I);
    return true;
}

/* ---- sampled rows against all columns -------------------------------- */

static void sample_block(SilWork *w, size_t r0, size_t m)
{
    SilPlan *p = w->plan;
    size_t k = p->cl.k, d = p->X->cols;
    const size_t *items = p->rows + r0;
    for (size_t i = 0; i < m; i++)
        w->row_norm[i] = copy_row(p, items[i], (char *)w->row_buf + i * d * p->es);
    memset(w->row_acc, 0, m * k * sizeof *w->row_acc);
    for (size_t J = 0; J < p->n_blocks; J++) {
        size_t pj = J * B, c = block_len(p, J);
        distance_tile(w, w->row_buf, w->row_norm, m, pj, c);
        for (size_t i = 0; i < m && p->dist == RN_DISTANCE_EUCLIDEAN; i++) {
            size_t pos = p->cl.position[items[i]];
            if (pos >= pj && pos < pj + c)
                zero_entry(w, i, pos - pj);
        }
        add_row_sums(w, m, pj, c);
    }
    for (size_t i = 0; i < m; i++)
        p->out[r0 + i] = silhouette_of(&p->cl, w->row_acc + i * k, p->cl.ids[items[i]]);
}

/* Sampled rows [R·B, R·B + B), against every column. */
static bool sample_task(void *ctx, size_t R, size_t begin, size_t end, RnError **err)
{
    (void)begin, (void)end, (void)err;
    SilPlan *p = ctx;
    size_t r0 = R * B, m = p->n_rows - r0 < B ? p->n_rows - r0 : B;
    sample_block(&p->work[rn_pool_worker()], r0, m);
    report(p, m);
    return true;
}

/* ---- running on the pool ------------------------------------------------ */

/* The one-way blocks over MPI ranks: each rank scores its blocks of rows,
 * then all exchange the scores (each row's s(i) is computed alone, so the
 * bits do not depend on who computed it). */
static bool split_rows(SilPlan *p, size_t jobs, RnError **err)
{
    RnDist *d = p->opt->dist;
    if (!rn_dist_pool_for(d, p->opt->pool, jobs, jobs, sample_task, p, err))
        return false;
    if (rn_dist_size(d) == 1)
        return true;
    size_t size = (size_t)rn_dist_size(d);
    size_t *offset = rn_malloc((size + 1) * sizeof *offset, err);
    if (offset == NULL)
        return false;
    for (size_t r = 0; r <= size; r++) {
        size_t row = rn_part_begin(jobs, size, r) * B;
        offset[r] = (row < p->n_rows ? row : p->n_rows) * sizeof *p->out;
    }
    bool ok = rn_dist_allgatherv(d, p->out, offset, err);
    free(offset);
    return ok;
}

static void work_free(SilWork *w)
{
    free(w->tile);
    free(w->row_buf);
    free(w->row_norm);
    free(w->row_acc);
    free(w->col_acc);
    free(w->run_cluster);
}

static bool work_init(SilWork *w, SilPlan *p, RnError **err)
{
    memset(w, 0, sizeof *w);
    w->plan = p;
    w->tile = rn_calloc((size_t)B * B, p->es, err);
    w->row_buf = rn_calloc((size_t)B * p->X->cols, p->es, err);
    w->row_norm = rn_calloc(B, sizeof *w->row_norm, err);
    w->row_acc = rn_calloc((size_t)B * p->cl.k, sizeof *w->row_acc, err);
    w->col_acc = rn_calloc((size_t)B * B, sizeof *w->col_acc, err);
    w->run_cluster = rn_calloc(B, sizeof *w->run_cluster, err);
    if (w->tile && w->row_buf && w->row_norm && w->row_acc && w->col_acc && w->run_cluster)
        return true;
    work_free(w);
    return false;
}

/* Runs task on `jobs` blocks on the pool, each thread with its own
 * buffers. BLAS is held to one thread meanwhile, with a pool of one thread
 * too (its own threads would only spin on tiles this small: with -j 1 under
 * mpirun they doubled the metrics' CPU), and given the machine back
 * afterwards. */
static bool run_blocks(SilPlan *p, RnPoolTask task, size_t jobs, RnError **err)
{
    RnPool *pool = p->opt->pool;
    int nt = rn_pool_threads(pool);
    p->work = rn_calloc((size_t)nt, sizeof *p->work, err);
    bool ok = p->work != NULL;
    while (ok && p->n_work < nt) {
        ok = work_init(&p->work[p->n_work], p, err);
        p->n_work += ok;
    }
    if (ok) {
        int blas_threads = rn_blas_get_threads();
        rn_blas_set_threads(1);
        ok = task == sample_task ? split_rows(p, jobs, err)
                                 : rn_pool_for(pool, jobs, jobs, task, p, err);
        rn_blas_set_threads(blas_threads);
        if (ok && p->opt->progress) /* the other threads' share, now done */
            p->opt->progress(p->opt->progress_ctx, atomic_load(&p->done), p->total);
    }
    for (int t = 0; t < p->n_work; t++)
        work_free(&p->work[t]);
    free(p->work);
    p->work = NULL;
    p->n_work = 0;
    return ok;
}

static bool check_points(const RnMatrix *X, RnError **err)
{
    if (X == NULL || !rn_matrix_check(X, NULL, err))
        return false;
    if (X->rows > 0 && X->cols == 0) {
        rn_error_set(err, RN_ERROR_INVALID, "points have no columns");
        return false;
    }
    size_t cells;
    if (!rn_mul_size(X->rows, X->cols, &cells) ||
        !rn_mul_size(cells, rn_dtype_size(X->dtype), &cells)) {
        rn_error_set(err, RN_ERROR_LIMIT, "points matrix too large");
        return false;
    }
    return true;
}

static bool full_alloc(SilPlan *p, RnError **err)
{
    size_t cells;
    if (!rn_mul_size(p->X->rows, p->cl.k, &cells)) {
        rn_error_set(err, RN_ERROR_LIMIT, "n × clusters too large");
        return false;
    }
    p->sums = rn_calloc(cells, sizeof *p->sums, err);
    p->added = rn_calloc(p->n_blocks, sizeof *p->added, err);
    if (p->sums == NULL || p->added == NULL)
        return false;
    pthread_mutex_init(&p->order_lock, NULL);
    pthread_cond_init(&p->order_cond, NULL);
    p->order_ready = true;
    return true;
}

/* Every row against every column, each tile computed once per direction:
 * twice the arithmetic of the symmetric pass, but only O(B·k) sums per
 * worker instead of n·k. */
static bool all_rows_one_way(SilPlan *p, double *samples, RnError **err)
{
    size_t *rows = rn_calloc(p->X->rows, sizeof *rows, err);
    if (rows == NULL)
        return false;
    for (size_t i = 0; i < p->X->rows; i++)
        rows[i] = i;
    p->rows = rows;
    p->n_rows = p->X->rows;
    p->out = samples;
    p->total = p->X->rows;
    bool ok = run_blocks(p, sample_task, p->n_blocks, err);
    free(rows);
    return ok;
}

static bool all_rows_symmetric(SilPlan *p, double *samples, RnError **err)
{
    if (!full_alloc(p, err))
        return false;
    p->total = (uint64_t)p->n_blocks * (p->n_blocks + 1) / 2;
    if (!run_blocks(p, full_task, p->n_blocks, err))
        return false;
    for (size_t pos = 0; pos < p->X->rows; pos++)
        samples[p->cl.order[pos]] =
            silhouette_of(&p->cl, p->sums + pos * p->cl.k, p->pos_cluster[pos]);
    return true;
}

bool rn_silhouette_samples_opt(const RnMatrix *X, const int32_t *labels,
                               const RnSilhouetteOptions *opt, double *samples,
                               RnError **err)
{
    if (!check_points(X, err))
        return false;
    SilPlan p;
    bool ok = plan_init(&p, X, labels, opt, err);
    if (ok) {
        /* the symmetric pass keeps n·k sums: fall back when that is large */
        size_t cells;
        bool fits = rn_mul_size(X->rows, p.cl.k, &cells) && cells <= RN_SIL_SYMMETRIC_MAX_SUMS;
        ok = fits ? all_rows_symmetric(&p, samples, err) : all_rows_one_way(&p, samples, err);
    }
    plan_free(&p);
    return ok;
}

bool rn_silhouette_samples(const RnMatrix *X, const int32_t *labels,
                           RnDistance dist, RnPool *pool, double *samples,
                           RnError **err)
{
    RnSilhouetteOptions opt = {dist, pool, NULL, NULL, NULL};
    return rn_silhouette_samples_opt(X, labels, &opt, samples, err);
}

bool rn_silhouette_score(const RnMatrix *X, const int32_t *labels,
                         RnDistance dist, RnPool *pool, double *score,
                         RnError **err)
{
    if (!check_points(X, err))
        return false;
    double *s = rn_calloc(X->rows ? X->rows : 1, sizeof *s, err);
    if (s == NULL)
        return false;
    bool ok = rn_silhouette_samples(X, labels, dist, pool, s, err);
    if (ok)
        *score = rn_eval_mean(s, X->rows);
    free(s);
    return ok;
}

/* ---- sampled estimate -------------------------------------------------- */

/* First m entries of a partial Fisher–Yates shuffle of perm (length n). */
static void draw_sample(size_t *perm, size_t n, size_t m, RnRng *rng)
{
    for (size_t i = 0; i < m; i++) {
        size_t j = i + (size_t)rn_rng_below(rng, n - i);
        size_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

static void summarize_rounds(const double *round_mean, size_t r,
                             const double *last_items, size_t m, size_t n,
                             RnSilhouetteEstimate *out)
{
    double mean = rn_eval_mean(round_mean, r);
    double half;
    if (r > 1) {
        out->sd = rn_eval_sd(round_mean, r);
        half = 1.96 * out->sd / sqrt((double)r);
    } else {
        out->sd = rn_eval_sd(last_items, m);
        double fpc = n > 1 ? sqrt((double)(n - m) / (double)(n - 1)) : 0.0;
        half = 1.96 * out->sd / sqrt((double)m) * fpc;
    }
    out->mean = mean;
    out->ci_low = mean - half;
    out->ci_high = mean + half;
}

/* Each round scores its sample against every item. */
static bool sample_rounds(SilPlan *p, size_t m, size_t repeats, uint64_t seed,
                          double *items, double *round_mean, RnError **err)
{
    size_t n = p->X->rows;
    size_t *perm = rn_calloc(n, sizeof *perm, err);
    if (perm == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    RnRng rng = rn_rng_new(seed);
    bool ok = true;
    p->rows = perm;
    p->n_rows = m;
    p->out = items;
    p->total = (uint64_t)m * repeats;
    for (size_t r = 0; ok && r < repeats; r++) {
        draw_sample(perm, n, m, &rng);
        ok = run_blocks(p, sample_task, (m + B - 1) / B, err);
        round_mean[r] = rn_eval_mean(items, m);
    }
    free(perm);
    return ok;
}

bool rn_silhouette_sampled_opt(const RnMatrix *X, const int32_t *labels,
                               size_t sample_size, size_t repeats,
                               uint64_t seed, const RnSilhouetteOptions *opt,
                               RnSilhouetteEstimate *out, RnError **err)
{
    memset(out, 0, sizeof *out);
    if (!check_points(X, err))
        return false;
    if (sample_size == 0 || repeats == 0) {
        rn_error_set(err, RN_ERROR_INVALID, "sample size and repeats must be positive");
        return false;
    }
    size_t m = sample_size < X->rows ? sample_size : X->rows;
    SilPlan p;
    double *items = rn_calloc(m ? m : 1, sizeof *items, err);
    double *round_mean = rn_calloc(repeats, sizeof *round_mean, err);
    bool ok = items && round_mean && plan_init(&p, X, labels, opt, err) &&
              sample_rounds(&p, m, repeats, seed, items, round_mean, err);
    if (ok) {
        out->sample_size = m;
        out->repeats = repeats;
        summarize_rounds(round_mean, repeats, items, m, X->rows, out);
    }
    if (items && round_mean)
        plan_free(&p);
    free(items);
    free(round_mean);
    return ok;
}

bool rn_silhouette_sampled(const RnMatrix *X, const int32_t *labels,
                           RnDistance dist, size_t sample_size,
                           size_t repeats, uint64_t seed, RnPool *pool,
                           RnSilhouetteEstimate *out, RnError **err)
{
    RnSilhouetteOptions opt = {dist, pool, NULL, NULL, NULL};
    return rn_silhouette_sampled_opt(X, labels, sample_size, repeats, seed, &opt,
                                     out, err);
}
