/* radnet run: the whole pipeline on a workspace (SPEC §1, §2, §8, §9) —
 * ingest → embed → fuse → cluster → evaluate → report → export — its results, the
 * curators' cluster names, and `assign` for images added later.
 *
 * ARTIFACTS A FINISHED RUN LEAVES (all committed through the store; read
 * them with rn_store_artifact_latest or, better, rn_run_results_open):
 *
 *   embeddings/rows.csv            `row,sop_instance_uid` (store): row order
 *                                  of every per-row file below.
 *   embeddings/<src>-<method>.npy  one per input (embed stage);
 *   models/<src>-<method>.model    the fitted extractors.
 *   embeddings/fused.npy           float32 rows × d (fusion stage);
 *   models/fusion.model            the fusion model.
 *   models/cluster.rnc             RnClusterModel (k-means, the paper's
 *                                  settings), fitted on fused.npy; within
 *                                  the groups of the run's view (RnRunView:
 *                                  Modality values, or regions) with k
 *                                  split by (Modality, region) pairs
 *                                  (cluster.h, "k-means within groups",
 *                                  30 restarts each).
 *   models/view.json               what the clusters follow first (RnRunView):
 *                                  {"version": 1, "view": "modality"} or,
 *                                  for "region", also "regions" (the kept
 *                                  regions, the k-means groups in order),
 *                                  "modalities", "d", "pair_mean" and
 *                                  "pair_rows" (modalities × regions × d:
 *                                  mean fused row of each pair's rows),
 *                                  "region_mean", "region_rows",
 *                                  "centre_region" (per centre). assign
 *                                  predicts within the new image's region.
 *   models/novelty.json            the pixel novelty model: per cell of a
 *                                  4×4 grid over the thumbnail its mean,
 *                                  standard deviation and mean absolute
 *                                  neighbour difference, standardised
 *                                  ("mean", "scale"); "reference": up to
 *                                  2000 sampled rows' descriptors; an
 *                                  image's score is its mean distance to
 *                                  the "k" nearest of them; "threshold" the
 *                                  RN_RUN_OUTLIER_QUANTILE quantile of the
 *                                  archive's scores (leave-one-out).
 *   run/labels.csv                 header `row,cluster,distance,silhouette,
 *                                  novelty,outlier`, one line per rows.csv
 *                                  row in its order: cluster 0..k-1,
 *                                  Euclidean distance to the centre, the
 *                                  row's silhouette s(i) (exact below
 *                                  RN_RUN_SILHOUETTE_EXACT_MAX rows, else
 *                                  empty), the pixel novelty score (empty
 *                                  without a thumbnail), outlier 0/1
 *                                  (distance above the cluster's threshold
 *                                  or novelty above the model's).
 *   run/clusters.csv               header `cluster,size,threshold,modality,
 *                                  modality_share,region,region_share`:
 *                                  per cluster its size, the outlier
 *                                  threshold (its members' median distance
 *                                  × the RN_RUN_OUTLIER_QUANTILE quantile
 *                                  over all rows of distance / their
 *                                  cluster's median), the dominant
 *                                  archive Modality and SPEC §5 region and
 *                                  their shares (0..1). Strings CSV-quoted.
 *   run/evaluation.json            {"k", "rows", "inputs": [names],
 *                                  "modality": RnEvalReport JSON vs the
 *                                  archive's Modality (with seed stability
 *                                  over RN_RUN_STABILITY_SEEDS fits),
 *                                  "region": RnEvalReport JSON vs the region,
 *                                  "baseline": {"input": name,
 *                                  "nmi_modality", "nmi_region"} — the same
 *                                  k-means on one input alone, "summary":
 *                                  {"nmi_modality", "nmi_region",
 *                                  "silhouette", "outliers", "view"}}.
 *   run/choose_k.json              only with k = auto: rn_ksweep_json.
 *   run/names.csv                  only after `radnet names import`:
 *                                  header `cluster,name` (UTF-8, RFC 4180).
 *                                  The report's "save names" writes this
 *                                  same format; a cluster not listed has no
 *                                  name. Names belong to the clustering they
 *                                  were given for: a run that refits
 *                                  models/cluster.rnc leaves them unused.
 *   run/assigned.csv               only after `radnet assign`: header
 *                                  `sop_instance_uid,cluster,distance,
 *                                  outlier` for images labelled with the
 *                                  frozen models (not rows of rows.csv);
 *                                  unused once a run refits the model.
 *
 *   report/                        the HTML report (rn_report_render of
 *                                  report.h, written by `radnet run`);
 *   report/params.json             artifact: the hashes it was made from.
 *
 * Stage "run" records one run per `radnet run`; its params JSON holds the
 * hashes of every artifact above, and a finished run (status done) is what
 * export, report and assign read.
 *
 * Up to date: each step commits its artifacts with params = its options +
 * the hashes of its inputs; a rerun with the same params skips the step, a
 * changed option redoes that step and the ones after it, a kill at any
 * moment resumes at the first step whose artifacts are missing.
 *
 * Conventions of core.h apply.
 */
#ifndef RADNET_RUN_H
#define RADNET_RUN_H

#include "radnet/core.h"
#include "radnet/dist.h"
#include "radnet/report.h"
#include "radnet/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RN_RUN_LABELS "run/labels.csv"
#define RN_RUN_CLUSTERS "run/clusters.csv"
#define RN_RUN_EVALUATION "run/evaluation.json"
#define RN_RUN_CHOOSE_K "run/choose_k.json"
#define RN_RUN_NAMES "run/names.csv"
#define RN_RUN_ASSIGNED "run/assigned.csv"
#define RN_RUN_CLUSTER_MODEL "models/cluster.rnc"
#define RN_RUN_NOVELTY "models/novelty.json"
#define RN_RUN_VIEW_MODEL "models/view.json"

#define RN_RUN_DEFAULT_K 50u
#define RN_RUN_DEFAULT_SEED 42u
#define RN_RUN_OUTLIER_QUANTILE 0.99
#define RN_RUN_STABILITY_SEEDS 3u
#define RN_RUN_SILHOUETTE_EXACT_MAX 20000u

/* ---- radnet run ---------------------------------------------------------- */

typedef enum RnRunStep {
    RN_STEP_INGEST = 0,
    RN_STEP_EMBED,
    RN_STEP_FUSE,
    RN_STEP_CLUSTER,
    RN_STEP_EVALUATE,
    RN_STEP_REPORT,
    RN_STEP_EXPORT,
    RN_STEP_COUNT,
} RnRunStep;

const char *rn_run_step_name(RnRunStep s);

/* Progress: step, done/total within the step (total 0: unknown). */
typedef void (*RnRunProgress)(void *user, RnRunStep step, const char *what,
                              uint64_t done, uint64_t total);

/* What k clusters follow first. A row's region is the one its tags'
 * anatomy words name, else (modality view only) its report's, else its
 * header's SPEC §5 region.
 *   modality: groups = the Modality values, k split by (Modality, region)
 *             pairs: one cluster per modality, then one per further pair,
 *             largest first; no cluster mixes modalities. With k below
 *             their number: the k largest, one cluster each, a rarer
 *             modality's rows joining the one of the nearest mean in the
 *             fused space.
 *   region:   groups = the regions (at most k, the largest; a row without
 *             one, or of a rarer one, joins the region of the nearest
 *             (Modality, region) mean of its modality in the fused
 *             space), k split by (region, Modality) pairs the same way.
 *   auto:     rn_run_view_auto. */
typedef enum RnRunView {
    RN_RUN_VIEW_AUTO = 0,
    RN_RUN_VIEW_MODALITY,
    RN_RUN_VIEW_REGION,
} RnRunView;

/* "auto", "modality", "region". */
const char *rn_run_view_name(RnRunView v);
bool rn_run_view_parse(const char *name, RnRunView *out);
/* The view for k clusters of an archive with `modalities` Modality values
 * and `regions` regions (each held by at least 0.1 % of the rows): region
 * when modalities < k < 1.5 × regions, else modality. Up to the number of
 * modalities, one cluster per modality (or fewer); above it, clusters kept
 * to one modality could follow only a few regions each, so they follow the
 * regions (k = the number of regions: one per region); from 1.5 × regions
 * on, k covers most (Modality, region) pairs and the clusters keep to one
 * modality again. Why a rule of k: bench/RESULTS.md, "Two views of k". */
RnRunView rn_run_view_auto(size_t k, size_t modalities, size_t regions);

typedef struct RnRunOptions {
    const char *const *sources;
    size_t n_sources;
    const char *reports_path;   /* NULL: none */
    size_t k;                   /* 0: auto (k sweep); default RN_RUN_DEFAULT_K */
    RnRunView view;             /* default auto */
    uint64_t seed;
    int threads;                /* <= 0: one per CPU */
    double lock_wait;
    const char *command;        /* recorded in the run (no identifiers) */
    const char *labels_path;    /* export target; NULL: WS/labels.csv */
    const char *report_dir;     /* HTML report; NULL: WS/report */
    RnRunProgress progress;
    void *progress_user;
    /* MPI ranks (NULL: this process alone): every rank calls rn_run with
     * the same options. Ingest (rn_ingest_dist), embed (rn_embed_run_dist)
     * and the k-means fit (with its k sweep) are split over the ranks;
     * fuse, silhouettes, novelty, evaluation, report and export run on
     * rank 0 while the others wait at a collective (the world's timeout).
     * Rank 0 alone writes the workspace and fills the summary; the
     * artifacts are the same bytes as one process's. */
    RnDist *dist;
} RnRunOptions;

void rn_run_options_init(RnRunOptions *o);

typedef struct RnRunSummary {
    uint64_t images;            /* rows clustered */
    size_t k;
    bool k_auto;                /* k was chosen by the sweep */
    RnRunView view;             /* the view the clusters follow (never auto) */
    bool step_skipped[RN_STEP_COUNT]; /* up to date: nothing redone */
    size_t n_inputs;
    char inputs[16][64];
    double nmi_modality, nmi_region, silhouette;
    char baseline[64];
    double baseline_nmi_modality, baseline_nmi_region;
    uint64_t outliers;
    bool rank0_failed;          /* ranks > 0 of RnRunOptions.dist: rn_run failed
                                 * because rank 0 did (whose error says why) */
} RnRunSummary;

/* The whole pipeline as one writer of ws (created when missing). */
bool rn_run(const char *ws, const RnRunOptions *o, RnRunSummary *summary,
            RnError **err);

/* ---- results of the last finished run ------------------------------------ */

typedef struct RnRunResults RnRunResults;

typedef struct RnRunRow {
    const char *sop_uid;        /* borrowed */
    int32_t cluster;
    double distance;
    double silhouette;          /* NAN when not computed */
    bool outlier;
} RnRunRow;

typedef struct RnRunCluster {
    uint64_t size;
    double threshold;
    const char *modality, *region;  /* dominant values ("" when none) */
    double modality_share, region_share;
    const char *name;           /* curator's name, NULL when none */
} RnRunCluster;

/* Reads the artifacts of the last finished run (RN_ERROR_INVALID "no
 * finished run" when there is none). Works with a reader store. */
RnRunResults *rn_run_results_open(RnStore *s, RnError **err);
void rn_run_results_close(RnRunResults *r);
size_t rn_run_results_count(const RnRunResults *r);   /* rows of rows.csv */
size_t rn_run_results_k(const RnRunResults *r);
int64_t rn_run_results_run_id(const RnRunResults *r);
void rn_run_results_row(const RnRunResults *r, size_t i, RnRunRow *out);
void rn_run_results_cluster(const RnRunResults *r, size_t c, RnRunCluster *out);
/* Assigned rows (run/assigned.csv), in file order. */
size_t rn_run_results_assigned_count(const RnRunResults *r);
void rn_run_results_assigned(const RnRunResults *r, size_t i, RnRunRow *out);
/* The row (results or assigned) of a SOP UID; false when neither has it. */
bool rn_run_results_find(const RnRunResults *r, const char *sop_uid, RnRunRow *out);
/* run/evaluation.json and run/choose_k.json texts (NULL when absent). */
const char *rn_run_results_evaluation_json(const RnRunResults *r);
const char *rn_run_results_choose_k_json(const RnRunResults *r);

/* ---- report ---------------------------------------------------------------- */

/* The HTML report (report.h) of the last finished run of ws (opened as a
 * reader): its labels, distances, silhouettes, outliers, names, evaluation
 * and choice of k, WS/embeddings/fused.npy and the run's cluster model.
 * o NULL: rn_report_options_init's. `radnet report` calls this. */
bool rn_run_report_write(const char *ws, const char *out_dir, const RnReportOptions *o,
                         RnError **err);

/* ---- names ---------------------------------------------------------------- */

/* Reads a names file (CSV `cluster,name` with that header; UTF-8) and
 * commits it as run/names.csv (clusters checked against the last finished
 * run's k; an empty name removes the name). Writer. */
bool rn_run_names_import(RnStore *s, const char *path, size_t *n_names,
                         RnError **err);

/* ---- export ---------------------------------------------------------------- */

typedef struct RnExportOptions {
    bool json;                  /* JSON array of objects instead of CSV */
    bool reveal_uids;           /* id = SOPInstanceUID, ExamID as found
                                 * (IDENTIFYING) */
    bool with_paths;            /* a last column `path`: the file the image
                                 * was read from (IDENTIFYING) */
} RnExportOptions;

/* Columns id,ExamID,Modality,BodyPartExamined,Cluster,region,distance,
 * silhouette,outlier,name (+ path with with_paths): one line per image of the last finished
 * run and of the images assigned since, in SOPInstanceUID order. id and ExamID are
 * rn_store_pseudonym of the SOPInstanceUID and the ExamID unless
 * reveal_uids. Written atomically to path. */
bool rn_run_export(RnStore *s, const char *path, const RnExportOptions *o,
                   uint64_t *n_rows, RnError **err);

/* ---- assign ---------------------------------------------------------------- */

typedef struct RnAssignSummary {
    uint64_t new_images;        /* images labelled this call */
    uint64_t outliers;
    uint64_t checked, agreed;   /* verify: run rows recomputed / same label */
} RnAssignSummary;

typedef struct RnAssignOptions {
    const char *const *sources;  /* folders/files to ingest first (may be 0) */
    size_t n_sources;
    const char *reports_path;    /* reports of the new images, imported as
                                  * `radnet ingest --reports` does (needs
                                  * sources); NULL: none */
    int threads;                 /* <= 0: one per CPU */
    bool verify;
    /* MPI ranks (NULL: this process alone): every rank calls rn_assign with
     * the same options; the ingest is rn_ingest_dist, batch b of the images
     * to label is rank b mod R's, rank 0 commits the rows in catalogue
     * order (the same bytes as one process) and the summary is the total
     * on every rank. */
    RnDist *dist;
} RnAssignOptions;

/* Ingests the sources (and reports) into ws, then labels every image of
 * the clustering set that the last finished run did not cluster: embeds it
 * with the run's frozen extractors (the text extractor reads the report
 * the catalogue joined to it), fuses with its fusion model, predicts with
 * its cluster model, flags as outliers distances above the cluster's
 * threshold and pixel novelty above the run's (models/novelty.json), and
 * commits run/assigned.csv (earlier assignments kept).
 * The images stay in the catalogue: a later `radnet run` clusters them
 * with the rest.
 * verify: also recomputes every row of the run through the frozen models
 * and counts those that get the run's label (checked, agreed). Refuses
 * (RN_ERROR_INVALID) when there is no finished run, or a model artifact is
 * not the one the run recorded. */
bool rn_assign(const char *ws, const RnAssignOptions *o, RnAssignSummary *summary,
               RnError **err);

#ifdef __cplusplus
}
#endif
#endif
