/* radnet study: the paper's extractor-selection experiment (SPEC §9).
 *
 * On a modality-balanced subset of the clustering set, split into train and
 * test, every extractor (every method of every source; rn_embed_run with the
 * method's defaults embeds those the workspace has none of; existing ones
 * are used as they are) × {k-means (k-means++,
 * Elkan), k-medoids (Manhattan, alternate, k-medoids++)} × the k grid ×
 * the seeds is fitted on train and predicted on test; the test labels are
 * scored by homogeneity, completeness and NMI against the archive's own
 * Modality and SPEC §5 region (and, with a truth file, against the true
 * Modality and region), plus the Euclidean silhouette; seed stability is
 * the mean pairwise ARI of the seeds' test labels.
 *
 * Criterion: the mean over k and seeds of the k-means cells of
 * (NMI vs Modality + NMI vs region) / 2 on test. The best extractor per
 * source is kept; then fusion weights (the first source 1, the others in
 * {0.5, 1, 2}) are searched on the fused embedding (rn_fusion_fit on the
 * train rows, l2 scaling) by the same criterion; then forward selection
 * adds any other extractor (weight 1, up to two rounds) while the criterion
 * rises. A fusion must beat the best single extractor. The winner is written
 * as WS/study/choice.json (read by rn_fuse_workspace and `radnet run`
 * through rn_fusion_choice_get, include/radnet/fusion.h).
 *
 * Resumable: every finished cell (extractor, algo, k, seed) is committed at
 * once to WS/study/cells.tsv (an artifact whose parameters name the subset,
 * the split and the embeddings' hashes); a killed study restarts with the
 * cells left. Outputs (artifacts): WS/study/results.csv, results.json,
 * results.md, choice.json. Deterministic for a seed whatever the threads.
 *
 * Conventions of core.h apply.
 */
#ifndef RADNET_STUDY_H
#define RADNET_STUDY_H

#include "radnet/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RN_STUDY_DEFAULT_SUBSET 4000u
#define RN_STUDY_MAX_K 64u
#define RN_STUDY_MAX_SEEDS 16u

typedef struct RnStudyOptions {
    const char *truth_path;     /* truth.csv (SOPInstanceUID, Modality,
                                 * Region columns) or NULL */
    size_t subset;              /* rows of the balanced subset; 0: default */
    double test_fraction;       /* 0: 0.2 */
    const size_t *k;            /* the k grid; NULL: 10, 20, 30, 50 */
    size_t n_k;
    size_t n_seeds;             /* 0: 3 (seeds 1..n) */
    uint64_t seed;              /* subset and split; 0: 1 */
    bool kmedoids;              /* also k-medoids (the paper's protocol) */
    bool embed;                 /* embed the missing extractors first */
    size_t max_cells;           /* stop after this many new cells (0: all);
                                 * the study is then left to resume */
    int threads;
    double lock_wait;
    const char *command;
    void (*progress)(void *user, uint64_t done, uint64_t total);
    void *progress_user;
} RnStudyOptions;

void rn_study_options_default(RnStudyOptions *o);

typedef struct RnStudySummary {
    size_t train, test;         /* rows of the split */
    size_t extractors;          /* single-source extractors scored */
    uint64_t cells_total, cells_done, cells_resumed;
    bool finished;              /* false: stopped by max_cells */
    char text[4096];            /* the printed summary (80 columns) */
} RnStudySummary;

/* Runs (or resumes) the study on workspace ws. */
bool rn_study_run(const char *ws, const RnStudyOptions *o, RnStudySummary *summary,
                  RnError **err);

#ifdef __cplusplus
}
#endif
#endif
