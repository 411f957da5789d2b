/* Imputation of missing numeric metadata features (NaN in an encoded row).
 *
 * mean: the column mean of the sample.
 * missforest: MissForest (Stekhoven & Bühlmann 2012, as missingpy runs it):
 *   start from the means; visit the numeric columns with missing values in
 *   order of increasing missingness, fit a random forest (forest.h) on the
 *   rows where the column is observed, predicting it from every other
 *   feature, and replace its missing values by the forest's predictions;
 *   repeat while the change of the imputed values,
 *   sum (new - old)^2 / sum new^2 over the numeric columns, decreases (at
 *   most max_iter passes), and keep the imputation (and forests) of the last
 *   pass before it increased. Categorical columns are never missing here
 *   (an empty value is a category of its own, SPEC §4), so no classification
 *   forests are needed. New rows are imputed with the kept forests: means
 *   first, then as many passes over the columns, in the same order, as the
 *   fit kept.
 *
 * The fitted model is what the model file stores (means at float32
 * precision, forests exactly), so a reloaded model imputes exactly as the
 * fitted one. */
#ifndef RN_EMBED_META_IMPUTE_H
#define RN_EMBED_META_IMPUTE_H

#include "embed/blob.h"
#include "embed/forest.h"

typedef enum RnMetaImputer {
    RN_META_IMPUTE_MEAN = 0,
    RN_META_IMPUTE_MISSFOREST = 1,
} RnMetaImputer;

typedef struct RnMetaImputeOptions {
    RnMetaImputer kind;
    unsigned max_iter;          /* missforest passes at most */
    RnForestOptions forest;
    uint64_t seed;
    int threads;                /* <= 0: one per online CPU; results do not depend on it */
} RnMetaImputeOptions;

RnMetaImputeOptions rn_meta_impute_options_default(void);

typedef struct RnMetaImpute {
    RnMetaImputer kind;
    size_t d;
    uint8_t *numeric;     /* d flags: imputed columns */
    double *mean;         /* d */
    /* missforest: the columns it imputes in order, their forests, passes */
    size_t n_targets;
    size_t *targets;
    RnForest *forests;
    unsigned passes;
} RnMetaImpute;

/* Fits on X (n × d, NaN = missing in numeric columns) and imputes X. */
bool rn_meta_impute_fit(RnMetaImpute *m, const RnMetaImputeOptions *o, double *X, size_t n,
                        size_t d, const bool *numeric, RnError **err);
/* Imputes rows fitted or new (X: n × d). */
bool rn_meta_impute_apply(const RnMetaImpute *m, double *X, size_t n, RnError **err);
bool rn_meta_impute_save(const RnMetaImpute *m, RnBuf *out, RnError **err);
bool rn_meta_impute_load(RnMetaImpute *m, EbReader *r, size_t d, RnError **err);
void rn_meta_impute_free(RnMetaImpute *m);

#endif
