/* Shared helpers of the run stage (src/run). */
#ifndef RADNET_RUN_INTERNAL_H
#define RADNET_RUN_INTERNAL_H

#include "radnet/cluster.h"
#include "radnet/run.h"

#include <stdio.h>

/* Appends s as one CSV field (RFC 4180: quoted when it holds , " CR LF or
 * starts with a character a spreadsheet would run as a formula). */
bool ru_csv_field(RnBuf *b, const char *s, RnError **err);

/* A small RFC 4180 reader over a whole file held in memory. */
typedef struct RuCsv {
    const char *p, *end;
    uint64_t line;
    RnBuf field;
} RuCsv;

/* Reads the next record's fields into fields[] (at most cap; each a
 * pointer into the reader's buffer, valid until the next call, stored as
 * NUL-separated text). Returns false at the end or on error (*err set). */
bool ru_csv_next(RuCsv *c, char **fields, size_t cap, size_t *n, RnError **err);
void ru_csv_free(RuCsv *c);

/* Commits data held in memory as artifact `name` of run. */
bool ru_put(RnStore *s, const char *name, const RnBuf *data, int64_t run, const char *params,
            RnError **err);

/* True when the run itself labelled sop_uid (*cluster: its label). */
bool ru_results_in_run(const RnRunResults *r, const char *sop_uid, int32_t *cluster);

/* {"model":"<hash of models/cluster.rnc>"} ("" when there is none): the
 * params of run/names.csv and run/assigned.csv. Checkpoints compare it as
 * text, so its bytes must never change. */
#define RU_MODEL_PARAMS_SIZE 40
bool ru_model_params(RnStore *s, char out[RU_MODEL_PARAMS_SIZE], RnError **err);

/* ---- JSON numbers (the run's JSON models) ----------------------------------- */

/* Writes x[0..n) as array `key` of the object open in w. */
void ru_json_put_array(RnJsonWriter *w, const char *key, const double *x, size_t n);
/* n finite numbers of array `key` into x; false when absent or another length. */
bool ru_json_get_array(const RnJson *doc, RnJsonRef root, const char *key, double *x, size_t n);
/* A whole number in [0, max] under `key`; false otherwise. */
bool ru_json_get_uint(const RnJson *doc, RnJsonRef root, const char *key, double max,
                      size_t *out);

/* ---- numbers ------------------------------------------------------------- */

int ru_cmp_double(const void *a, const void *b);   /* qsort of doubles */
/* Quantile q of sorted x[0..n) (linear interpolation, numpy's default);
 * +inf when n is 0. */
double ru_quantile_sorted(const double *x, size_t n, double q);

/* ---- the pixel novelty model (novelty.c, RN_RUN_NOVELTY) ------------------- */

#define RU_NOVELTY_GRID 4u
#define RU_NOVELTY_DIM (3u * RU_NOVELTY_GRID * RU_NOVELTY_GRID)
#define RU_NOVELTY_K 10u
#define RU_NOVELTY_REFERENCE 2000u

typedef struct RuNovelty {
    uint32_t thumb_size;         /* thumbnails it was fitted on */
    size_t m;                    /* reference rows */
    double mean[RU_NOVELTY_DIM], scale[RU_NOVELTY_DIM];
    double *ref;                 /* m × DIM, standardised */
    double threshold;            /* +inf: nothing to compare with */
} RuNovelty;

/* Per grid cell of a size × size thumbnail: mean, standard deviation and
 * mean absolute neighbour difference, pixels scaled to [0, 1]. */
void ru_novelty_descriptor(const uint8_t *thumb, uint32_t size, double out[RU_NOVELTY_DIM]);
/* Fits on the thumbnails of the n rows of the clustering set and scores
 * each (NAN: no thumbnail). Every rank of d calls it (rank 0 with the
 * writer's store): each describes and scores its share of the rows, and all
 * get the same model and every score, bit for bit whatever the rank count. */
bool ru_novelty_fit(RnStore *s, RnDist *d, size_t n, uint64_t seed, RnPool *pool,
                    RuNovelty *m, double *scores, RnError **err);
/* The score of an image not in the reference (NAN: no thumbnail). */
double ru_novelty_score(const RuNovelty *m, const uint8_t *thumb, uint32_t size);
bool ru_novelty_json(const RuNovelty *m, RnBuf *out, RnError **err);
/* Parses what ru_novelty_json wrote; anything else is refused. */
bool ru_novelty_parse(const char *text, size_t n, RuNovelty *m, RnError **err);
/* Reads the current RN_RUN_NOVELTY artifact. */
bool ru_novelty_load(RnStore *s, RuNovelty *m, RnError **err);
void ru_novelty_free(RuNovelty *m);

/* ---- the view model (view.c, RN_RUN_VIEW_MODEL) ----------------------------- */

/* What `assign` needs to put a new image where the run put its rows: the
 * view (run.h, RnRunView) and, for the region view, the kept regions (the
 * k-means groups, in group order), each centre's region, and the mean
 * fused row of every (Modality, kept region) pair and of every kept region
 * (a row without a kept region adopts the region of the nearest). */
typedef struct RuRun RuRun;

typedef struct RuView {
    RnRunView view;             /* modality or region */
    size_t d;                   /* fused columns (region view) */
    size_t n_regions;
    char **regions;             /* the kept regions, group order */
    size_t n_modalities;
    char **modalities;          /* the run's Modality values, id order */
    double *pair_mean;          /* n_modalities × n_regions × d */
    uint64_t *pair_rows;        /* rows behind each (0: the pair has none) */
    double *region_mean;        /* n_regions × d */
    uint64_t *region_rows;
    size_t k;
    int32_t *centre_region;     /* per centre: its region (-1: no row) */
} RuView;

/* The region a row's words name: the strongest column of the first block
 * with a body-part word (meta, then text: the anatomy methods' blocks of
 * rn_embed_anatomy_regions() + 1 columns, the last 1 without a word; each
 * may be NULL), else its header region. */
const char *ru_anatomy_region(const float *meta, const float *text, const char *header);
/* The kept region named `name`, -1 when none. */
int32_t ru_view_region(const RuView *v, const char *name);
/* The region a row without a kept one adopts: the nearest pair mean of its
 * modality (its id in v->modalities, -1 when the run had none such), else
 * the nearest region mean; row: d fused values. */
int32_t ru_view_adopt(const RuView *v, int32_t modality, const double *row);
/* Nearest centre of m among those of region[i] for every row i of X
 * (region view); labels and dist as rn_cluster_model_predict's. */
bool ru_view_predict(const RuView *v, const RnClusterModel *m, const RnMatrix *X,
                     const int32_t *region, RnPool *pool, int32_t *labels, double *dist,
                     RnError **err);
/* The run's side: the view of k clusters (RnRunOptions.view; auto:
 * rn_run_view_auto over the archive's class counts) into r->view, and for
 * the region view each row's kept region into r->view_group. Fills
 * r->group, r->subgroup and r->sum->view on the way; a no-op when k is
 * the last call's. Every rank reads the same committed inputs and gets the
 * same bits. */
bool ru_view_prepare(RuRun *r, size_t k, RnError **err);
/* After the run's fit (r->labels): each centre's region. */
bool ru_view_centres(RuRun *r, RnError **err);
bool ru_view_json(const RuView *v, RnBuf *out, RnError **err);
bool ru_view_parse(const char *text, size_t n, RuView *v, RnError **err);
/* Reads the current RN_RUN_VIEW_MODEL artifact; none (a run made before
 * views): the modality view. */
bool ru_view_load(RnStore *s, RuView *v, RnError **err);
void ru_view_free(RuView *v);

/* ---- the run's working state (pipeline.c, steps.c) ---------------------- */

struct RuRun {
    const char *ws;
    const RnRunOptions *o;
    RnRunSummary *sum;
    RnStore *s;
    RnPool *pool;
    int64_t run_id;
    RnMatrixFile fused;
    char fused_hash[17];
    size_t n, k;
    char **modality, **region;  /* per row, from the catalogue */
    int32_t *group;             /* per row: its Modality's id (ru_cluster_options) */
    size_t n_groups;
    int32_t *subgroup;          /* per row: its region's id (view.c, run_regions) */
    int32_t *view_region;       /* per row: its region without the report's (same) */
    size_t n_subgroups;
    char **modality_names;      /* the groups' names, id order */
    char **region_names;        /* the subgroups' names, id order */
    int32_t no_region;          /* the subgroup id of "" (-1: none) */
    size_t view_k;              /* the k the view below was chosen for (0: none) */
    RuView view;
    int32_t *view_group;        /* per row: its kept region (region view) or
                                 * kept modality (modality view, k below the
                                 * Modality values); else NULL */
    int32_t *labels;
    double *dist, *sil, *novelty;
    bool *outlier;
    bool ranks_waiting;         /* rank 0: the other ranks wait for a RuRanksMsg */
};

/* ---- over MPI ranks (pipeline.c) ------------------------------------------ */

/* What rank 0 tells the other ranks at the points where they wait for it:
 * failed, go on (to the next message), the cluster step's fit, the pixel
 * novelty, the evaluation's fits (each done by every rank together), done. */
enum {
    RU_RANKS_FAILED = 0, RU_RANKS_GO, RU_RANKS_FIT, RU_RANKS_NOVELTY, RU_RANKS_EVALUATE,
    RU_RANKS_DONE
};

typedef struct RuRanksMsg {
    uint64_t status;            /* RU_RANKS_* */
    uint64_t k;                 /* the run's k (RU_RANKS_EVALUATE) */
    uint64_t n_inputs;
    char inputs[16][64];        /* the inputs to embed and fuse */
} RuRanksMsg;

/* Rank 0: sends status (and the summary's inputs) to the waiting ranks; a
 * no-op in a world of one. */
bool ru_ranks_tell(RuRun *r, uint64_t status, RnError **err);

/* The k-means fit of the cluster step on r->fused (the k sweep first when
 * k is auto; *sweep receives it): every rank of r->o->dist calls it with
 * the same rows and gets the same bits. Fills r->labels, r->dist, r->k. */
bool ru_cluster_fit(RuRun *r, RnKSweep *sweep, RnClusterModel **model, RnError **err);

/* The run's k-means settings for k clusters and a seed: the paper's,
 * within the groups of the view (run.h, RnRunView) with k split by their
 * (Modality, region) pairs (cluster.h, "k-means within groups",
 * RN_GROUP_SHARE_PAIRS). Needs r->modality, r->region and r->fused; fills
 * r->group, r->subgroup and the view (r->sum->view). */
bool ru_cluster_options(RuRun *r, size_t k, uint64_t seed, RnClusterModelOptions *co,
                        RnError **err);

/* Cluster step: models/cluster.rnc, run/labels.csv, run/clusters.csv
 * (+ run/choose_k.json); loads labels when up to date. */
bool ru_step_cluster(RuRun *r, RnError **err);
/* Evaluate step: run/evaluation.json; fills the summary's figures. Its
 * k-means fits (seed stability, baseline) run over the ranks of r->o->dist. */
bool ru_step_evaluate(RuRun *r, RnError **err);
/* A rank > 0's share of the evaluate step after RU_RANKS_EVALUATE: the same
 * k-means fits as rank 0, in the same order (needs r->fused, r->modality,
 * r->k, r->pool and the summary's inputs). */
bool ru_evaluate_beside_rank0(RuRun *r, RnError **err);
/* Report step: the HTML report of the recorded run (skipped when made from
 * the same artifacts). */
bool ru_step_report(RuRun *r, RnError **err);
/* Reads run/labels.csv (n rows) into the arrays (each may be NULL). */
bool ru_labels_read(RnStore *s, size_t n, int32_t *labels, double *dist, double *sil,
                    double *novelty, bool *outlier, RnError **err);
/* Progress helper. */
void ru_progress(const RuRun *r, RnRunStep step, const char *what, uint64_t done,
                 uint64_t total);
/* Largest artifact the run stage reads back into memory. */
#define RU_ARTIFACT_MAX ((size_t)1 << 32)

#endif
