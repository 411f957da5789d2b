/* radnet fusion: single-source embeddings (image, metadata, report text)
 * scaled, weighted, concatenated and optionally PCA-reduced into one fused
 * embedding per row of the clustering set (SPEC §9).
 *
 * Per source s with weight w_s and d_s columns, a row x becomes
 *   l2:       w_s · (x - mean_s) / ||x - mean_s||      (unit length)
 *   standard: w_s · ((x - mean_s) / std_s) / sqrt(d_s) (expected unit length)
 * so every source contributes w_s² to a row's squared length whatever its
 * dimension or units: weights say how much each source counts, nothing
 * else does. Columns with std 0 (constant on the fit rows) are kept at 0.
 *
 * Missing rows. A source marks row i missing by writing the whole row as
 * NaN (the convention of every embedding file). Text sources additionally
 * mark an exam without a report with their explicit "no report" row — every
 * column 0 except the last, which is 1 (text-tfidf, text-doc2vec) — and the
 * fusion treats that row as missing too (RN_FUSION_INDICATOR_LAST). A
 * missing source never contributes a silent zero row: its block is 0 and
 * the weights of the sources present are renormalised so that the row's
 * squared length stays sum_s w_s² (the row is judged by what it has).
 * A row with every source missing is an error. Any other NaN or ±Inf is
 * an error naming the source and row.
 *
 * Imputation (optional, RnFusionOptions.impute = k > 0): a missing block is
 * first taken as the mean block of the k nearest reference rows that have
 * the source, nearness measured on the row's observed blocks (weighted,
 * unit length; the missing ones 0) — the row joins the rows that look like
 * it in pixels, tags and report instead of sitting with every other row
 * that lacks the source (renormalisation alone leaves all of them at the
 * block's mean, one clump). References: up to RN_FUSION_IMPUTE_REFS fit
 * rows spread evenly over the fit set, kept in the model; ties go to the
 * lower reference index. A block no k references have stays missing
 * (renormalised).
 *
 * Imputation by a map (RnFusionOptions.impute_map = lambda > 0, with
 * impute > 0): a missing block of a row that has its pixel blocks (inputs
 * "image-*") is instead predicted from them, [pixel blocks, 1] · W, with W
 * the ridge regression (X^T X + lambda I) W = X^T Y over the references
 * that have both, one W per value of the strongest column of the
 * "meta-modality" input (one for all rows without that input). A group with
 * fewer than k such references, or a row without its pixels or Modality,
 * falls back to the nearest references. More than RN_FUSION_MAP_MAX_DIM
 * pixel columns, or none: no maps. A pixel input of weight 0 is read by the
 * map only (at unit length): its block is not fused (its columns are 0),
 * not compared by the neighbours, never imputed, and a row needs some
 * other input — a second pixel embedding that tells the map more about
 * the body region than it should weigh in the clusters.
 *
 * Reduction (optional): PCA of the fused rows to `reduce` columns
 * (covariance eigenvectors, sign fixed so the largest-|.| loading of each
 * component is positive: deterministic).
 *
 * Model file (WS/models/fusion.model, little endian): magic "RNFUSMDL",
 * u32 format version, u64 payload length, payload, u32 CRC-32 of every byte
 * before it. Loading refuses a wrong magic, another version, a bad
 * checksum, a truncated file or a payload that does not parse to its end.
 *
 * Conventions of core.h apply.
 */
#ifndef RADNET_FUSION_H
#define RADNET_FUSION_H

#include "radnet/core.h"
#include "radnet/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum RnFusionScale {
    RN_FUSION_SCALE_L2 = 0,     /* centre, then unit length per row (default) */
    RN_FUSION_SCALE_STANDARD,   /* standardise per column, / sqrt(d) */
} RnFusionScale;

bool rn_fusion_scale_parse(const char *name, RnFusionScale *out);
const char *rn_fusion_scale_name(RnFusionScale s);

/* How a source marks a row missing beyond the all-NaN row. */
typedef enum RnFusionMissing {
    RN_FUSION_MISSING_NAN = 0,     /* only all-NaN rows */
    RN_FUSION_INDICATOR_LAST,      /* also: last column 1, the others 0 */
} RnFusionMissing;

/* The convention of the embedding named `input` ("text-tfidf"): the text
 * sources' "no report" row and meta-anatomy's "no anatomy word" row are
 * RN_FUSION_INDICATOR_LAST, every other input RN_FUSION_MISSING_NAN. */
RnFusionMissing rn_fusion_input_missing(const char *input);

#define RN_FUSION_MAX_INPUTS 16u
#define RN_FUSION_MAX_DIM 65536u
#define RN_FUSION_MODEL_VERSION 3u   /* 2: imputation; 3: its maps; 1 and 2 still load */
#define RN_FUSION_IMPUTE_REFS 2048u
#define RN_FUSION_IMPUTE_MAX_K 256u
#define RN_FUSION_MAP_MAX_DIM 256u      /* pixel columns a map reads */
#define RN_FUSION_MAP_MAX_GROUPS 64u    /* Modality columns (more: one group) */
#define RN_FUSION_MODEL_MAX_BYTES ((size_t)1 << 30)

/* One source: its name (e.g. "image-pca") and its rows (borrowed; every
 * input of a fit or transform has the same number of rows). */
typedef struct RnFusionInput {
    const char *name;
    RnMatrix x;
    RnFusionMissing missing;
} RnFusionInput;

/* Weights NULL: 1 per source (equal contributions, see above). */
typedef struct RnFusionOptions {
    RnFusionScale scale;
    const double *weights;      /* n_inputs weights > 0 (0: a pixel input
                                 * only the map reads); NULL: all 1 */
    size_t reduce;              /* PCA to this many columns; 0: none */
    size_t impute;              /* impute missing blocks from this many
                                 * nearest references (<= RN_FUSION_IMPUTE_MAX_K);
                                 * 0: renormalise only */
    double impute_map;          /* > 0: missing blocks from the pixels by a
                                 * ridge map with this lambda (needs impute,
                                 * the fallback); 0: none */
    RnPool *pool;               /* rows fused on its threads (borrowed; the
                                 * bits do not depend on it); NULL: the
                                 * caller's thread */
} RnFusionOptions;

typedef struct RnFusionModel RnFusionModel;

/* Fits means/scales (over the rows where the source is present) and the
 * optional PCA. */
RnFusionModel *rn_fusion_fit(const RnFusionInput *inputs, size_t n_inputs,
                             const RnFusionOptions *o, RnError **err);
size_t rn_fusion_dim(const RnFusionModel *m);
size_t rn_fusion_input_count(const RnFusionModel *m);
const char *rn_fusion_input_name(const RnFusionModel *m, size_t i);
size_t rn_fusion_input_dim(const RnFusionModel *m, size_t i);
double rn_fusion_input_weight(const RnFusionModel *m, size_t i);
RnFusionScale rn_fusion_model_scale(const RnFusionModel *m);
size_t rn_fusion_model_impute(const RnFusionModel *m);  /* k, 0: none */
double rn_fusion_model_impute_map(const RnFusionModel *m); /* lambda, 0: none */
/* inputs in the model's order and dimensions (names are checked); out:
 * rows × rn_fusion_dim(m) float32; *missing_rows (may be NULL) receives the
 * number of (row, source) pairs found missing. */
bool rn_fusion_transform(const RnFusionModel *m, const RnFusionInput *inputs,
                         size_t n_inputs, float *out, uint64_t *missing_rows,
                         RnError **err);
/* The same, rows fused on pool's threads (NULL: the caller's); the same
 * bits whatever the pool. */
bool rn_fusion_transform_pool(const RnFusionModel *m, const RnFusionInput *inputs,
                              size_t n_inputs, RnPool *pool, float *out,
                              uint64_t *missing_rows, RnError **err);
bool rn_fusion_model_save_memory(const RnFusionModel *m, RnBuf *out, RnError **err);
bool rn_fusion_model_save(const RnFusionModel *m, const char *path, RnError **err);
RnFusionModel *rn_fusion_model_load_memory(const uint8_t *data, size_t n,
                                           RnError **err);
RnFusionModel *rn_fusion_model_load(const char *path, RnError **err);
void rn_fusion_model_free(RnFusionModel *m);

/* ---- the defaults (no study run) ------------------------------------ */

/* The inputs and weights `radnet fuse` and `radnet run` use when no
 * study chose them (bench/RESULTS.md, "Fusion defaults"): the Modality
 * tag one-hot with a weight that keeps modalities apart, then pixels,
 * the descriptive tags' text and the report text, which split each
 * modality by region; then PCA. A default input the workspace lacks is
 * left out (the others keep their weights). */
typedef struct RnFusionDefault {
    const char *input;          /* embedding name, "<source>-<method>" */
    double weight;              /* 0: a pixel input only the map reads */
    const char *options;        /* the embed options `radnet run` computes
                                 * this input with, whichever fusion (the
                                 * defaults or a study's choice) reads it;
                                 * NULL: the method's defaults */
} RnFusionDefault;

/* The table, in fusion order; *n receives its length. */
const RnFusionDefault *rn_fusion_defaults(size_t *n);
/* The options of `input` in the table; NULL when it has none or is not a
 * default input. */
const char *rn_fusion_default_options(const char *input);
/* The PCA the defaults reduce the fused rows to (columns; RnFuseRunOptions
 * .reduce overrides it when > 0). */
size_t rn_fusion_default_reduce(void);
/* The imputation (RnFusionOptions.impute) of the defaults and of the
 * study's candidates. */
size_t rn_fusion_default_impute(void);
/* The ridge of the imputation's map (RnFusionOptions.impute_map) wherever
 * the default imputation applies. */
double rn_fusion_default_impute_map(void);

/* ---- the recorded choice (written by `radnet study`, read by fuse/run) - */

#define RN_FUSION_CHOICE "study/choice.json"

/* JSON object {"inputs": [names], "weights": [numbers > 0], "scale":
 * "l2"|"standard", "reduce": n}; anything else in the object is ignored. */
typedef struct RnFusionChoice {
    size_t n_inputs;
    char inputs[RN_FUSION_MAX_INPUTS][64];
    double weights[RN_FUSION_MAX_INPUTS];
    RnFusionScale scale;
    size_t reduce;
} RnFusionChoice;

bool rn_fusion_choice_parse(const char *json, size_t n, RnFusionChoice *out,
                            RnError **err);
/* Appends the choice's JSON object (the keys above) to out. */
bool rn_fusion_choice_json(const RnFusionChoice *c, RnJsonWriter *w);
/* The latest committed WS/study/choice.json; *found false when none. */
bool rn_fusion_choice_get(RnStore *s, RnFusionChoice *out, bool *found,
                          RnError **err);

/* ---- the stage driver: `radnet fuse` --------------------------------- */

#define RN_FUSION_NPY "embeddings/fused.npy"
#define RN_FUSION_MODEL "models/fusion.model"

typedef struct RnFuseRunOptions {
    /* Embedding names (files WS/embeddings/<name>.npy); NULL: the choice
     * recorded by `radnet study` (WS/study/choice.json) when there is one,
     * else the inputs of rn_fusion_defaults present in the workspace. */
    const char *const *inputs;
    size_t n_inputs;
    const double *weights;      /* NULL: the study's, else the defaults' */
    RnFusionScale scale;
    size_t reduce;
    /* Missing blocks imputed from this many neighbours; 0: the defaults'
     * (rn_fusion_default_impute) with the study's or the defaults' inputs,
     * none with explicit inputs. no_impute: renormalise only, always. */
    size_t impute;
    bool no_impute;
    bool no_impute_map;         /* neighbours only; else wherever imputation
                                 * applies, the map of
                                 * rn_fusion_default_impute_map() */
    double lock_wait;
    const char *command;        /* recorded in the run */
    bool force;
    int threads;                /* <= 0: one per core (the bits do not
                                 * depend on it) */
} RnFuseRunOptions;

typedef struct RnFuseSummary {
    uint64_t rows;
    size_t dim;
    size_t n_inputs;
    char inputs[RN_FUSION_MAX_INPUTS][64];
    double weights[RN_FUSION_MAX_INPUTS];
    uint64_t missing;           /* (row, source) pairs missing */
    bool from_study;            /* inputs / weights came from the study */
    bool up_to_date;
} RnFuseSummary;

/* As the workspace writer: reads WS/embeddings/<input>.npy (rows must match
 * WS/embeddings/rows.csv), fits the fusion on all rows, commits
 * WS/models/fusion.model and WS/embeddings/fused.npy as artifacts of a
 * "fuse" run. Unchanged inputs (hashes) and options: nothing redone. */
bool rn_fuse_workspace(const char *ws, const RnFuseRunOptions *o,
                       RnFuseSummary *summary, RnError **err);

#ifdef __cplusplus
}
#endif
#endif
