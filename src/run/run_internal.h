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

/* ---- the run's working state (pipeline.c, steps.c) ---------------------- */

typedef struct RuRun {
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
    int32_t *subgroup;          /* per row: its header region's id (same) */
    size_t n_subgroups;
    int32_t *labels;
    double *dist, *sil, *novelty;
    bool *outlier;
    bool ranks_waiting;         /* rank 0: the other ranks wait for a RuRanksMsg */
} RuRun;

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

/* The run's k-means settings for k clusters and a seed: the paper's, and
 * with k at least the number of Modality values, k split among them by
 * their (Modality, header region) pairs and each modality clustered alone
 * (cluster.h, "k-means within groups", RN_GROUP_SHARE_PAIRS). Needs
 * r->modality and r->region; fills r->group and r->subgroup on the first
 * call. */
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
