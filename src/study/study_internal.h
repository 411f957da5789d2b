/* Internals of the study stage shared by its files. */
#ifndef RN_STUDY_INTERNAL_H
#define RN_STUDY_INTERNAL_H

#include "radnet/study.h"
#include "radnet/cluster.h"
#include "radnet/fusion.h"
#include "radnet/store.h"

/* Reference labelings: the archive's own Modality and region, then the
 * truth file's (when given). */
enum { REF_MOD = 0, REF_REG, REF_TMOD, REF_TREG, N_REFS };
/* Per reference: homogeneity, completeness, NMI; then the silhouette. */
enum { M_H = 0, M_C, M_NMI, M_PER_REF };
#define N_METRICS (N_REFS * M_PER_REF + 1)
#define M_SIL (N_REFS * M_PER_REF)

extern const char *const st_ref_names[N_REFS];
extern const char *const st_metric_names[M_PER_REF];

#define ST_NAME_MAX 160u
#define ST_KEY_MAX 288u     /* name + a content hash per member */
#define ST_MAX_EXTRACTORS 96u
#define ST_MAX_MEMBERS 8u       /* inputs of a fused candidate: the defaults + ST_MAX_ADDED */
#define ST_MAX_ADDED 2          /* forward-selection rounds */

typedef struct StExtractor {
    char name[ST_NAME_MAX];     /* "image-pca", or "fused:1,0.5,2" */
    int source;                 /* RnEmbedSource; -1 for a fused candidate */
    char key[ST_KEY_MAX];       /* name + content hashes: a cell's identity */
    float *train, *test;        /* rows × d */
    size_t d;
    size_t members[ST_MAX_MEMBERS]; /* fused: single extractors ... */
    double weights[ST_MAX_MEMBERS]; /* ... and their weights */
    size_t n_members;
    size_t reduce;                  /* fused: PCA columns, 0: none */
} StExtractor;

typedef struct StCell {
    size_t ex;
    RnClusterAlgo algo;
    size_t k;
    uint64_t seed;
    bool done, resumed;
    double m[N_METRICS];        /* NaN: undefined (e.g. no truth) */
    int32_t *labels;            /* n_test predicted test labels */
} StCell;

typedef struct StStudy {
    const RnStudyOptions *o;
    RnStore *store;
    RnPool *pool;
    int64_t run;
    bool have_truth;
    /* the split */
    size_t n_rows;              /* of the clustering set */
    size_t n_train, n_test;
    size_t *train_rows, *test_rows;
    int32_t *ref_test[N_REFS];  /* test labels per reference */
    size_t ref_classes[N_REFS];
    /* the experiment */
    StExtractor ex[ST_MAX_EXTRACTORS];
    size_t n_ex, n_single;
    StCell *cells;
    size_t n_cells, cap_cells;
    char params[1024];          /* of the checkpoint */
    RnBuf checkpoint;           /* cells.tsv text */
    StCell *old;                /* cells of the committed checkpoint */
    char (*old_keys)[ST_KEY_MAX];
    size_t n_old;
    uint64_t new_cells;
    size_t cells_expected;      /* progress total */
    bool stopped;
    RnFusionChoice choice;
    double choice_score;
} StStudy;

/* study/cells.tsv: parses a committed checkpoint into resumable cells. */
bool st_checkpoint_load(StStudy *st, RnError **err);
bool st_checkpoint_add(StStudy *st, const StCell *c, RnError **err);
/* A resumed cell for (ex, algo, k, seed), or NULL. */
const StCell *st_checkpoint_find(const StStudy *st, const char *key, RnClusterAlgo algo,
                                 size_t k, uint64_t seed);
/* results.csv, results.json, results.md and the summary text. */
bool st_write_outputs(StStudy *st, RnStudySummary *sum, RnError **err);
/* Criterion of an extractor: mean of (NMI mod + NMI reg) / 2 over its
 * k-means cells; NaN when it has none. */
double st_criterion(const StStudy *st, size_t ex);

#endif
