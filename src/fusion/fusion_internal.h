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
};

bool fu_row_missing(const RnFusionInput *in, size_t i, bool *missing, RnError **err);
bool fu_missing_table(const RnFusionInput *inputs, size_t n_inputs, bool **out,
                      uint64_t *count, RnError **err);

#endif
