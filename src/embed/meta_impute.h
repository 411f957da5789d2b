/* Imputation of missing numeric metadata features (NaN in an encoded row).
 * Parameters are kept at float32 precision, as the model file stores them,
 * so a reloaded model imputes exactly as the fitted one. */
#ifndef RN_EMBED_META_IMPUTE_H
#define RN_EMBED_META_IMPUTE_H

#include "embed/blob.h"

typedef enum RnMetaImputer {
    RN_META_IMPUTE_MEAN = 0,    /* the column mean of the sample */
} RnMetaImputer;

typedef struct RnMetaImpute {
    RnMetaImputer kind;
    size_t d;
    uint8_t *numeric;     /* d flags: imputed columns */
    double *mean;         /* d */
} RnMetaImpute;

/* Fits on X (n × d, NaN = missing in numeric columns) and imputes X. */
bool rn_meta_impute_fit(RnMetaImpute *m, RnMetaImputer kind, double *X, size_t n, size_t d,
                        const bool *numeric, RnError **err);
void rn_meta_impute_apply(const RnMetaImpute *m, double *X, size_t n);
bool rn_meta_impute_save(const RnMetaImpute *m, RnBuf *out, RnError **err);
bool rn_meta_impute_load(RnMetaImpute *m, EbReader *r, size_t d, RnError **err);
void rn_meta_impute_free(RnMetaImpute *m);

#endif
