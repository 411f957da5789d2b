/* Shared by the image extractors (pca, hog, lbp): thumbnail checks, area
 * resampling to float, and the deterministic chunked parallel loop. */
#ifndef RN_EMBED_IMAGE_COMMON_H
#define RN_EMBED_IMAGE_COMMON_H

#include "embed/embed_internal.h"

/* Largest working image side an extractor accepts (options, model files). */
#define EB_SIDE_MAX 1024u
/* Items per task of eb_for_chunks: a fixed layout, so the output never
 * depends on the thread count. */
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

/* fn fills out (n × dim) for n <= EB_CHUNK items. */
typedef bool (*EbChunkFn)(const void *state, const RnEmbedItem *items, size_t n,
                          float *out, RnError **err);
/* Runs fn on consecutive chunks of EB_CHUNK items on up to `threads`
 * threads (<= 0: one per CPU), BLAS single-threaded meanwhile; the error
 * of the first failing chunk wins. */
bool eb_for_chunks(const void *state, EbChunkFn fn, const RnEmbedItem *items,
                   size_t n, size_t dim, int threads, float *out, RnError **err);

/* The output dimension: params->dim, else `fallback`; an explicit dim above
 * `max` is refused, the fallback is clamped to it. */
bool eb_pick_dim(const RnEmbedParams *p, size_t fallback, size_t max,
                 const char *method, size_t *dim, RnError **err);

#endif
