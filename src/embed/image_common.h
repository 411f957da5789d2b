/* Shared by the image extractors (pca, hog, lbp): thumbnail checks, area
 * resampling to float, and the deterministic chunked parallel loop. */
#ifndef RN_EMBED_IMAGE_COMMON_H
#define RN_EMBED_IMAGE_COMMON_H

#include "embed/blob.h"
#include "embed/embed_internal.h"

/* Largest working image side an extractor accepts (options, model files). */
#define EB_SIDE_MAX 1024u
/* Items per task of eb_for_chunks (about: the partitions depend only on
 * n), so the output never depends on the thread count. */
#define EB_CHUNK 256u

/* Every item must carry a thumbnail, all of one size (>= 1); sets *size. */
bool eb_thumbs_size(const RnEmbedItem *items, size_t n, uint32_t *size,
                    RnError **err);

/* Area-average resampling of an in×in image to out×out (the mean of the
 * input pixels each output pixel covers, fractional overlaps weighted;
 * exact block means when in is a multiple of out; identity when equal). */
typedef struct EbResample {
    uint32_t in, out;
    uint32_t *lo, *hi;  /* per output index: covered input range [lo, hi) */
    float *w;           /* out × in weights, rows sum to 1 */
} EbResample;

bool eb_resample_init(EbResample *r, uint32_t in, uint32_t out, RnError **err);
void eb_resample_free(EbResample *r);
/* dst: out×out floats = resampled src / 255 (values in [0, 1]);
 * tmp: out × in floats of scratch. */
void eb_resample(const EbResample *r, const uint8_t *src, float *tmp, float *dst);
/* The same for a float image (no scaling). */
void eb_resample_f32(const EbResample *r, const float *src, float *tmp, float *dst);

/* fn fills out (n × dim) for n <= EB_CHUNK items. */
typedef bool (*EbChunkFn)(const void *state, const RnEmbedItem *items, size_t n,
                          float *out, RnError **err);
/* Runs fn on consecutive chunks of about EB_CHUNK items on the pool's
 * threads (NULL: the caller's), BLAS single-threaded meanwhile; the error
 * of the first failing chunk wins. */
bool eb_for_chunks(const void *state, EbChunkFn fn, const RnEmbedItem *items,
                   size_t n, size_t dim, RnPool *pool, float *out, RnError **err);

/* The output dimension: params->dim, else `fallback`; an explicit dim above
 * `max` is refused, the fallback is clamped to it. */
bool eb_pick_dim(const RnEmbedParams *p, size_t fallback, size_t max,
                 const char *method, size_t *dim, RnError **err);


/* Scales each of n rows of d floats (stride d) to unit Euclidean length;
 * an all-zero row stays zero. k-means on unit rows compares directions,
 * not magnitudes (the cae bottleneck, the pca method's pixel part). */
void eb_rows_l2(float *X, size_t n, size_t d);

/* Grey-level histogram part (pca, hog): out[b] = w · sqrt(fraction of the
 * n pixels in bin b), EB_HIST_BINS equal bins of 0..255. The square roots
 * of a distribution have unit length (the Hellinger embedding), so w is
 * the part's length. */
#define EB_HIST_BINS 32u
void eb_sqrt_histogram(const uint8_t *px, size_t n, float w, float *out);

/* ---- descriptor + optional PCA (hog, lbp) ------------------------------ */

#include "embed/pca.h"

/* The part of a descriptor method's state that fit/transform/save/load
 * share: the descriptor length and, when reduce is set, the PCA fitted on
 * the sample's descriptors. */
typedef struct EbReduced {
    size_t feat_dim;
    bool reduce;
    EbPca pca;
    int threads;
} EbReduced;

/* features(state, items, n, out) writes n × r->feat_dim descriptors. Fits
 * the PCA (to params->dim, default `default_dim`) when r->reduce is set,
 * else the output is the descriptor and params->dim must be 0 or feat_dim.
 * Sets *dim. */
bool eb_reduced_fit(const void *state, EbReduced *r, EbChunkFn features,
                    const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                    size_t default_dim, const char *method, size_t *dim,
                    RnError **err);
bool eb_reduced_transform(const void *state, const EbReduced *r,
                          EbChunkFn features, const RnEmbedItem *items, size_t n,
                          float *out, RnError **err);
size_t eb_reduced_dim(const EbReduced *r);
bool eb_reduced_save(const EbReduced *r, RnBuf *out, RnError **err);
/* feat_dim is what the method's parameters give; the payload must agree. */
bool eb_reduced_load(EbReader *rd, size_t feat_dim, EbReduced *r, RnError **err);
void eb_reduced_free(EbReduced *r);

/* ---- LBP grid histograms (image_lbp.c; lbp and hoglbp) ------------------ */

#include "embed/descriptors.h"

#define EB_LBP_MAX_SCALES 8u
#define EB_LBP_MAX_GRID 16u
/* Ojala et al.'s three operators. */
#define EB_LBP_DEFAULT_SCALES "8:1;16:2;24:3"

typedef struct EbLbpScale {
    uint32_t P;
    float R;
} EbLbpScale;

/* Per scale, a histogram of the P+2 uniform codes in every cell of a
 * grid×grid layout, each L1-normalised then square-rooted (Hellinger). */
typedef struct EbLbpLayout {
    uint32_t grid, n_scales;
    EbLbpScale scales[EB_LBP_MAX_SCALES];
} EbLbpLayout;

/* "P:R;P:R;..." into l->scales (errors name `method`). */
bool eb_lbp_parse_scales(const char *text, const char *method, EbLbpLayout *l,
                         RnError **err);
size_t eb_lbp_layout_dim(const EbLbpLayout *l);
/* img: side×side; scratch: eb_lbp_scratch(side, EB_LBP_MAX_P) doubles;
 * codes: side² bytes; out: eb_lbp_layout_dim(l) floats. */
void eb_lbp_describe(const EbLbpLayout *l, const float *img, uint32_t side,
                     double *scratch, uint8_t *codes, float *out);
bool eb_lbp_layout_save(const EbLbpLayout *l, RnBuf *out, RnError **err);
/* Refuses a grid above side or EB_LBP_MAX_GRID and invalid scales. */
bool eb_lbp_layout_load(EbReader *r, uint32_t side, EbLbpLayout *l, RnError **err);

#endif
