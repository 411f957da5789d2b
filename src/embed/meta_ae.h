/* The authors' dense autoencoder for metadata features: blocks of Linear →
 * LeakyReLU(0.01) → BatchNorm → Dropout; encoder d → m → h, decoder h → m →
 * d with a sigmoid output (inputs are MinMax-scaled to [0, 1]), m = (d+h)/2,
 * bottleneck h = d/2 by default; MSE loss, Adam, mini-batches, early
 * stopping on a held-out tenth of the sample. The embedding is the
 * bottleneck block's output in evaluation mode (BatchNorm running
 * statistics, no dropout). float64 throughout; BLAS runs single-threaded
 * inside a fit so results depend on the seed only. Parameters are rounded to
 * float32 after training, as the model file stores them. */
#ifndef RN_EMBED_META_AE_H
#define RN_EMBED_META_AE_H

#include "embed/blob.h"

typedef struct RnAeOptions {
    size_t hidden;        /* bottleneck h; 0: d / 2 (at least 1) */
    double dropout;       /* 0.1 */
    double lr;            /* Adam learning rate, 1e-3 */
    size_t batch;         /* 64 */
    unsigned max_epochs;  /* 200 */
    unsigned patience;    /* 10 epochs without a better validation loss */
    uint64_t seed;
} RnAeOptions;

RnAeOptions rn_ae_options_default(void);

typedef struct RnAe RnAe;

/* X: n × d in [0, 1]. *epochs_run (may be NULL) gets the epochs trained. */
RnAe *rn_ae_fit(const double *X, size_t n, size_t d, const RnAeOptions *o,
                unsigned *epochs_run, RnError **err);
size_t rn_ae_dim(const RnAe *ae);    /* the bottleneck h */
size_t rn_ae_input(const RnAe *ae);  /* d */
/* out: n × h (evaluation mode). */
bool rn_ae_encode(const RnAe *ae, const double *X, size_t n, float *out, RnError **err);
/* Mean squared reconstruction error in evaluation mode; NaN without memory. */
double rn_ae_reconstruction_mse(const RnAe *ae, const double *X, size_t n, RnError **err);
bool rn_ae_save(const RnAe *ae, RnBuf *out, RnError **err);
RnAe *rn_ae_load(EbReader *r, size_t d_max, RnError **err);
void rn_ae_free(RnAe *ae);

/* For the gradient test: a fresh network with seeded initial weights, its
 * parameter count, and the loss and gradient of one training-mode batch
 * (BatchNorm batch statistics; dropout off when `dropout` is 0). params and
 * grad are flat views of every parameter in a fixed order. */
RnAe *rn_ae_new(size_t d, const RnAeOptions *o, RnError **err);
size_t rn_ae_param_count(const RnAe *ae);
double *rn_ae_params(RnAe *ae);
double rn_ae_batch_grad(RnAe *ae, const double *X, size_t b, double *grad, RnError **err);

#endif
