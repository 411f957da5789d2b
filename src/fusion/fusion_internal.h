/* Internals of the fusion stage shared by its files. */
#ifndef RN_FUSION_INTERNAL_H
#define RN_FUSION_INTERNAL_H

#include "radnet/fusion.h"

#define FU_NAME_MAX 64u

typedef struct FuSource {
    char name[FU_NAME_MAX];
    size_t dim;
    RnFusionMissing missing;
    double weight;
    float *mean;        /* dim, over the rows where the source is present */
    float *inv_std;     /* dim, standard scaling only (0: constant column) */
} FuSource;

struct RnFusionModel {
    RnFusionScale scale;
    size_t n_sources;
    FuSource src[RN_FUSION_MAX_INPUTS];
    size_t concat_dim;
    size_t reduce;              /* 0: no PCA */
    float *pca_mean;            /* concat_dim */
    float *pca_components;      /* concat_dim × reduce, row-major */
    size_t impute_k;            /* 0: missing blocks renormalised away */
    size_t n_refs;              /* reference rows for imputation */
    float *refs;                /* n_refs × concat_dim weighted unit blocks */
    uint8_t *ref_present;       /* n_refs × n_sources: 1 where the source is */
    /* imputation by a linear map (map.c); map_lambda 0: none */
    double map_lambda;
    size_t map_group;           /* source whose strongest column groups rows;
                                 * n_sources: one group */
    size_t map_groups;          /* its columns (1 without it) */
    uint32_t map_pred;          /* bit s: source s predicts; 0: no maps */
    size_t map_pdim;            /* predictor columns + 1 (the intercept) */
    float *map[RN_FUSION_MAX_INPUTS];   /* per target: map_groups × map_pdim × dim */
    uint64_t map_have[RN_FUSION_MAX_INPUTS]; /* bit g: the map of group g exists */
};

#define FU_NO_GROUP ((size_t)-1)

/* A source of weight 0 is read by the imputation's map only (fusion.h):
 * its block is not fused, not compared, not imputed; the map reads it at
 * unit length. Every other source at its weight. */
static inline bool fu_map_only(const FuSource *src)
{
    return src->weight == 0;
}

static inline double fu_unit_weight(const FuSource *src)
{
    return fu_map_only(src) ? 1.0 : src->weight;
}

/* The weight rule of a fit, a model file and a fusion choice: > 0, or 0
 * for a pixel input (one the map reads). */
bool fu_weight_ok(const char *input, double w);

bool fu_row_missing(const RnFusionInput *in, size_t i, bool *missing, RnError **err);
bool fu_missing_table(const RnFusionModel *m, const RnFusionInput *inputs, size_t n_inputs,
                      bool **out, uint64_t *count, RnError **err);

/* map.c */
size_t fu_ref_row(size_t j, size_t n, size_t nr);
size_t fu_map_group(const RnFusionModel *m, const RnFusionInput *inputs, const bool *missing,
                    size_t i);
void fu_map_layout(RnFusionModel *m);
bool fu_map_target(const RnFusionModel *m, size_t s);
bool fu_cholesky_solve(double *a, size_t n, double *b, size_t cols);
bool fu_fit_maps(RnFusionModel *m, const RnFusionInput *inputs, const bool *missing,
                 RnError **err);
/* Block s of a row (its weighted unit blocks in unit) from the map of its
 * group into out[dim]; x: scratch of map_pdim. False: no map applies. */
bool fu_map_row(const RnFusionModel *m, size_t s, size_t group, const double *unit,
                const bool *missing, double *x, double *out);

#endif
