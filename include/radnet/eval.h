/* radnet eval: clustering metrics, defined exactly as scikit-learn 1.2
 * (sklearn.metrics.cluster): natural logarithms, the same conventions for
 * degenerate inputs (one cluster, all singletons, empty input), the same
 * exact expected mutual information for AMI.
 *
 * Label arrays are dense ids: the *_encode functions map arbitrary int64 or
 * string labels to 0..k-1 in sorted order of the values (as np.unique).
 * Functions that take "raw" int32 labels (the convenience scores, silhouette,
 * Davies-Bouldin, Calinski-Harabasz) accept any values and encode them first.
 *
 * Data are RnMatrix views (float32 or float64, any row stride); distances
 * are core's RnDistance; work runs on the caller's RnPool (NULL: the
 * calling thread alone).
 * Conventions of core.h apply: RnError **err last, first error wins, the
 * library never prints, aborts or exits.
 */
#ifndef RADNET_EVAL_H
#define RADNET_EVAL_H

#include "radnet/core.h"
#include "radnet/dist.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- label encoding --------------------------------------------------- */

/* Maps labels[0..n) to dense ids in [0, *n_ids), ordered as the sorted
 * unique values. first (optional, capacity n) receives for each id the index
 * of its first occurrence, so callers can recover the label value. */
bool rn_labels_encode_i64(const int64_t *labels, size_t n, int32_t *ids,
                          size_t *n_ids, size_t *first, RnError **err);
bool rn_labels_encode_i32(const int32_t *labels, size_t n, int32_t *ids,
                          size_t *n_ids, size_t *first, RnError **err);
/* Strings are NUL-terminated and ordered bytewise (for UTF-8 this is code
 * point order, as numpy sorts str arrays). */
bool rn_labels_encode_str(const char *const *labels, size_t n, int32_t *ids,
                          size_t *n_ids, size_t *first, RnError **err);

/* ---- contingency table ------------------------------------------------ */

/* Sparse contingency table of true classes (rows) × predicted clusters
 * (columns): the nonzero cells in row-major order. Memory is O(nnz + R + C)
 * with nnz <= n, so all-singleton labelings of 10^7 items are fine. */
typedef struct RnContingency {
    size_t n_rows;      /* classes */
    size_t n_cols;      /* clusters */
    size_t nnz;         /* nonzero cells */
    int64_t n;          /* total count */
    int32_t *cell_row;  /* nnz */
    int32_t *cell_col;  /* nnz */
    int64_t *cell_count;/* nnz, all > 0 */
    int64_t *row_sums;  /* n_rows */
    int64_t *col_sums;  /* n_cols */
} RnContingency;

/* true_ids in [0, n_rows), pred_ids in [0, n_cols). Empty rows/columns
 * (ids never used) are allowed and do not change any metric. */
bool rn_contingency_build(const int32_t *true_ids, size_t n_rows,
                          const int32_t *pred_ids, size_t n_cols, size_t n,
                          RnContingency *out, RnError **err);
/* Dense row-major n_rows × n_cols copy (caller frees); refuses tables with
 * more than max_cells cells (RN_ERROR_LIMIT). */
bool rn_contingency_dense(const RnContingency *c, size_t max_cells,
                          int64_t **out, RnError **err);
void rn_contingency_free(RnContingency *c);

/* ---- scores on a contingency table (sklearn semantics) ---------------- */

typedef enum RnAverageMethod {
    RN_AVERAGE_ARITHMETIC = 0, /* sklearn default */
    RN_AVERAGE_MIN,
    RN_AVERAGE_GEOMETRIC,
    RN_AVERAGE_MAX,
} RnAverageMethod;

/* sklearn.metrics.cluster.entropy of a labeling given its class counts
 * (zeros ignored); 1.0 for an empty labeling (total 0), as sklearn. */
double rn_entropy_counts(const int64_t *counts, size_t k);
double rn_mutual_info_score(const RnContingency *c);
/* homogeneity_completeness_v_measure(beta); empty input gives 1, 1, 1. */
void rn_homogeneity_completeness_v(const RnContingency *c, double beta,
                                   double *homogeneity, double *completeness,
                                   double *v_measure);
double rn_normalized_mutual_info_score(const RnContingency *c,
                                       RnAverageMethod avg);
/* Exact E[MI] under the hypergeometric model (Vinh et al. 2010), as
 * sklearn's _expected_mutual_info_fast: each cell's hypergeometric terms are
 * evaluated from the mode outwards by the pmf recurrence and cut once they
 * fall below double precision, so the cost is O(R·C·sqrt(n)) instead of
 * O(R·C·n). */
bool rn_expected_mutual_info(const RnContingency *c, double *emi,
                             RnError **err);
bool rn_adjusted_mutual_info_score(const RnContingency *c, RnAverageMethod avg,
                                   double *ami, RnError **err);
/* pair_confusion_matrix: C[0][0] = TN, C[0][1] = FP, C[1][0] = FN,
 * C[1][1] = TP, counting ordered pairs (sums to n²); exact in int64 for
 * n < 3·10^9. */
void rn_pair_confusion_matrix(const RnContingency *c, int64_t C[2][2]);
double rn_rand_score(const RnContingency *c);
/* Products are formed in 128-bit integers, so exact for n = 10^7 and more. */
double rn_adjusted_rand_score_table(const RnContingency *c);
double rn_fowlkes_mallows_score(const RnContingency *c);
/* Purity (not in sklearn): (1/n) Σ_clusters max_class n(class, cluster), the
 * share of items that carry their cluster's majority class. 1.0 when n = 0. */
double rn_purity_score(const RnContingency *c);

/* Every supervised score at once (average method arithmetic, beta 1). */
typedef struct RnSupervisedScores {
    size_t n_samples, n_classes, n_clusters;
    double entropy_true, entropy_pred, mutual_info;
    double homogeneity, completeness, v_measure;
    double nmi[4]; /* indexed by RnAverageMethod */
    double ami[4]; /* indexed by RnAverageMethod */
    double expected_mutual_info;
    double adjusted_rand, rand, fowlkes_mallows, purity;
} RnSupervisedScores;
bool rn_supervised_scores(const RnContingency *c, RnSupervisedScores *out,
                          RnError **err);

/* Convenience on raw label arrays (any int32 values; encoded internally). */
bool rn_adjusted_rand_score(const int32_t *labels_true,
                            const int32_t *labels_pred, size_t n, double *ari,
                            RnError **err);
bool rn_adjusted_mutual_info(const int32_t *labels_true,
                             const int32_t *labels_pred, size_t n,
                             RnAverageMethod avg, double *ami, RnError **err);
bool rn_normalized_mutual_info(const int32_t *labels_true,
                               const int32_t *labels_pred, size_t n,
                               RnAverageMethod avg, double *nmi, RnError **err);

/* Seed stability: mean ARI over all unordered pairs of n_labelings labelings
 * of the same n items (needs n_labelings >= 2). pairwise (optional,
 * n_labelings² doubles) receives the symmetric ARI matrix (diagonal 1). */
bool rn_seed_stability(const int32_t *const *labelings, size_t n_labelings,
                       size_t n, double *mean_ari, double *pairwise,
                       RnError **err);

/* ---- label files (CSV) ------------------------------------------------ */

/* A label file: CSV (RFC 4180 quoting, optional UTF-8 BOM, LF or CRLF) with a
 * header row. One column: a label per row, matched by row order. Two or more
 * columns: the first is the item id, the label is the column named `column`
 * (NULL: the second column). Text must be UTF-8; blank lines are skipped. */
typedef struct RnLabelFile {
    size_t n;
    char **ids;      /* n ids, or NULL for a one-column file */
    char **labels;   /* n labels (NUL-terminated, borrowed from storage) */
    size_t *line;    /* n source line numbers (1-based) */
    char *storage;
} RnLabelFile;

#define RN_LABEL_FILE_MAX_BYTES ((size_t)4 << 30)

bool rn_label_file_read(const char *path, const char *column,
                        RnLabelFile *out, RnError **err);
bool rn_label_file_parse(const uint8_t *data, size_t len, const char *column,
                         RnLabelFile *out, RnError **err);
void rn_label_file_free(RnLabelFile *f);
/* Pairs the rows of two label files: for row j of `b`, a_index[j] (b->n
 * entries) is the row of `a` with the same id (or j itself when either file
 * has no ids; then the row counts must agree). Duplicate ids and ids present
 * in one file only are RN_ERROR_PARSE errors naming the id and its line; the
 * message starts with "<name of the file at fault>: " (a_name / b_name). */
bool rn_label_files_join(const RnLabelFile *a, const char *a_name,
                         const RnLabelFile *b, const char *b_name,
                         size_t *a_index, RnError **err);
/* Appends labels as a label file: header "id,label", then "i,label[i]"
 * (the id is the row index). */
bool rn_labels_csv(const int32_t *labels, size_t n, RnBuf *out, RnError **err);
/* True when every label is a base-10 int64 (then values[] receives them, so
 * labels order numerically as sklearn orders integer labels). */
bool rn_labels_parse_integers(char *const *labels, size_t n, int64_t *values);

/* ---- scores on data --------------------------------------------------- */

/* Exact silhouette_samples: per-item s(i) = (b - a) / max(a, b), 0 for
 * items alone in their cluster. Memory O(n·k + tiles), never n²; the
 * Euclidean distance tiles come from BLAS Gram blocks (sgemm for float32,
 * dgemm for float64). The same bits for any number of threads. Needs
 * 2 <= clusters <= n - 1 (RN_ERROR_INVALID otherwise, as sklearn).
 * samples has n entries. */
bool rn_silhouette_samples(const RnMatrix *X, const int32_t *labels,
                           RnDistance dist, RnPool *pool, double *samples,
                           RnError **err);
bool rn_silhouette_score(const RnMatrix *X, const int32_t *labels,
                         RnDistance dist, RnPool *pool, double *score,
                         RnError **err);

/* Long silhouette runs report progress through this callback: called on
 * the calling thread only, with work units done so far and their total
 * (tiles for the exact score, scored items for the sampled one). */
typedef void (*RnEvalProgress)(void *ctx, uint64_t done, uint64_t total);

typedef struct RnSilhouetteOptions {
    RnDistance distance;
    RnPool *pool;             /* NULL: the calling thread only */
    RnEvalProgress progress;  /* optional */
    void *progress_ctx;
    /* MPI ranks (NULL: alone): every rank calls with the same data; the
     * one-way passes (the sampled estimate, an exact silhouette too large
     * for the symmetric pass) split their row blocks over the ranks and
     * give every rank the same bits as one process. The symmetric exact
     * pass runs whole on every rank. */
    RnDist *dist;
} RnSilhouetteOptions;

/* rn_silhouette_samples with options (progress). */
bool rn_silhouette_samples_opt(const RnMatrix *X, const int32_t *labels,
                               const RnSilhouetteOptions *opt, double *samples,
                               RnError **err);

/* Sampled silhouette for large n. Each of `repeats` rounds draws
 * sample_size distinct items (seeded, deterministic) and averages their
 * exact s(i) measured against all n items, so every round is an unbiased
 * estimate of silhouette_score; the estimate is the mean of the rounds and
 * the 95 % interval mean ± 1.96·sd/√repeats (sd of the round means; with
 * repeats = 1 it falls back to the items' sd/√sample_size, with the finite
 * population correction). Cost O(repeats·sample_size·n·d). */
typedef struct RnSilhouetteEstimate {
    double mean;
    double ci_low, ci_high;
    double sd;          /* sd of the round means (or of items, repeats = 1) */
    size_t sample_size; /* items per round (clamped to n) */
    size_t repeats;
} RnSilhouetteEstimate;
bool rn_silhouette_sampled(const RnMatrix *X, const int32_t *labels,
                           RnDistance dist, size_t sample_size,
                           size_t repeats, uint64_t seed, RnPool *pool,
                           RnSilhouetteEstimate *out, RnError **err);
bool rn_silhouette_sampled_opt(const RnMatrix *X, const int32_t *labels,
                               size_t sample_size, size_t repeats,
                               uint64_t seed, const RnSilhouetteOptions *opt,
                               RnSilhouetteEstimate *out, RnError **err);

/* davies_bouldin_score and calinski_harabasz_score (Euclidean, as sklearn),
 * accumulated in double. Need 2 <= clusters <= n - 1. */
bool rn_davies_bouldin_score(const RnMatrix *X, const int32_t *labels,
                             double *score, RnError **err);
bool rn_calinski_harabasz_score(const RnMatrix *X, const int32_t *labels,
                                double *score, RnError **err);

/* ---- evaluation report (every metric of SPEC §6) ------------------------ */

/* One labeling of n items: dense ids plus the label text of each id. */
typedef struct RnEvalLabels {
    size_t n, k;
    int32_t *ids;        /* n dense ids, in the order of the label values */
    char **names;        /* k label texts, in id order (owned copies) */
    bool numeric;        /* every label an integer: ordered and shown as such */
    int64_t *values;     /* k label values when numeric ("007" is 7) */
} RnEvalLabels;

/* Encodes text[row_of[j]] for j < n (row_of NULL: text[j]): integer labels
 * in numeric order, other labels in byte order, as sklearn orders them. */
bool rn_eval_labels_encode(char *const *text, const size_t *row_of, size_t n,
                           RnEvalLabels *out, RnError **err);
void rn_eval_labels_free(RnEvalLabels *l);

typedef struct RnEvalReportOptions {
    RnDistance distance;        /* silhouette distance; default Euclidean */
    size_t silhouette_sample;   /* 0: exact silhouette; else items per round */
    size_t silhouette_repeats;  /* rounds of the sampled silhouette; default 5 */
    uint64_t seed;              /* of the sampled silhouette; default 1 */
    RnPool *pool;               /* NULL: the calling thread only */
    RnEvalProgress progress;    /* optional, silhouette progress */
    void *progress_ctx;
} RnEvalReportOptions;

void rn_eval_report_options_default(RnEvalReportOptions *o);

typedef struct RnEvalReport {
    size_t n_samples, n_clusters;
    const RnEvalLabels *pred, *truth;   /* borrowed; truth may be NULL */
    /* against truth */
    RnSupervisedScores scores;
    RnContingency table;                /* classes × clusters */
    /* on the data (have_data); defined needs 2 <= clusters <= n - 1 */
    bool have_data, data_defined;
    RnDistance distance;
    double silhouette, davies_bouldin, calinski_harabasz;
    bool sampled;                       /* silhouette is an estimate */
    RnSilhouetteEstimate estimate;
    uint64_t seed;
    /* seed stability over pred and the other labelings */
    size_t stability_count;             /* 0: not computed */
    double stability_mean_ari;
    double *stability_pairwise;         /* count × count */
} RnEvalReport;

/* Scores pred against truth (optional, aligned row by row), on data
 * (optional, one row per item; NaN or infinity refused) and its stability
 * against `others` (n_others labelings of the same items). Scores that are
 * undefined for the labeling (one cluster, or one per item) are left out
 * (data_defined false), not errors. */
bool rn_eval_report_compute(const RnEvalLabels *pred, const RnEvalLabels *truth,
                            const RnMatrix *data, const RnEvalLabels *const *others,
                            size_t n_others, const RnEvalReportOptions *opt,
                            RnEvalReport *out, RnError **err);
void rn_eval_report_free(RnEvalReport *r);

/* The report as one JSON object (sklearn's metric names as keys; the
 * contingency table dense up to max_dense_cells, else sparse cells
 * [row, col, count]). */
bool rn_eval_report_json(const RnEvalReport *r, size_t max_dense_cells,
                         RnJsonWriter *w);
/* The report as a text table for people (contingency table up to
 * max_rows × max_cols; label texts cut to the column width). */
bool rn_eval_report_text(const RnEvalReport *r, size_t max_rows, size_t max_cols,
                         RnBuf *out, RnError **err);

/* ---- plain reference implementations (kept to test the fast ones) ----- */

/* Naive O(n²) silhouette_samples with directly computed distances. */
bool rn_silhouette_samples_reference(const RnMatrix *X,
                                     const int32_t *labels, RnDistance dist,
                                     double *samples, RnError **err);
/* E[MI] by the full O(R·C·n) lgamma sum, term by term as sklearn. */
bool rn_expected_mutual_info_reference(const RnContingency *c, double *emi,
                                       RnError **err);
/* Dense contingency by direct counting (n_rows·n_cols cells). */
bool rn_contingency_dense_reference(const int32_t *true_ids, size_t n_rows,
                                    const int32_t *pred_ids, size_t n_cols,
                                    size_t n, int64_t **out, RnError **err);

#ifdef __cplusplus
}
#endif
#endif
