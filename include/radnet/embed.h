/* radnet embed: one embedding per row of the clustering set (SPEC §9) from
 * each of the three sources — pixels, DICOM metadata, report text.
 *
 * Every extractor is a fitted model: fit on a (modality-balanced) sample,
 * saved as a versioned file under WS/models/, applied streaming to every
 * row, writing WS/embeddings/<source>-<method>.npy (float32, C order, one row
 * per row of WS/embeddings/rows.csv). Same inputs + same seed give
 * byte-identical output whatever the thread count. Numeric code works on
 * contiguous float arrays with explicit n, d and row stride.
 *
 * Conventions of core.h apply.
 */
#ifndef RADNET_EMBED_H
#define RADNET_EMBED_H

#include "radnet/core.h"
#include "radnet/dist.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- image extractors (pca, hog, lbp, cae) --------------------------- */

/* ---- metadata extractors (authors, text-tags) ------------------------ */

/* ---- report-text extractors (tfidf, doc2vec) ------------------------- */

/* ---- the common extractor contract ------------------------------------ */

typedef enum RnEmbedSource {
    RN_EMBED_IMAGE = 0,
    RN_EMBED_META,
    RN_EMBED_TEXT,
} RnEmbedSource;

/* One row of the clustering set as every extractor sees it (borrowed). */
typedef struct RnEmbedItem {
    const char *sop_uid;
    const char *modality;       /* archive's own Modality ("" when absent) */
    const char *region;         /* SPEC §5 region ("" when unknown) */
    const uint8_t *thumb;       /* thumb_size² uint8, row-major; NULL: none */
    uint32_t thumb_size;
    const char *elements_json;  /* the catalogue's elements object */
    const char *report;         /* UTF-8 report of the exam; NULL: none */
} RnEmbedItem;

/* Parameters every method understands; 0 / NULL means the method default. */
typedef struct RnEmbedParams {
    size_t dim;                 /* output dimension */
    uint64_t seed;
    int threads;                /* <= 0: one per online CPU */
    const char *options;        /* method-specific "key=value,..." or NULL */
} RnEmbedParams;

/* A fitted extractor. Its file (WS/models/<source>-<method>.model) is
 * versioned and checksummed; a corrupt or truncated one is refused. */
typedef struct RnEmbedModel RnEmbedModel;

/* Method names of a source, in the order `--help` lists them; the first is
 * the source's default. NULL-terminated, static. */
const char *const *rn_embed_methods(RnEmbedSource source);
bool rn_embed_source_parse(const char *name, RnEmbedSource *out);
const char *rn_embed_source_name(RnEmbedSource source);
/* The method's one-line description, NULL when unknown. */
const char *rn_embed_method_summary(RnEmbedSource source, const char *method);

/* The SPEC §5 region that column c of the anatomy methods' block names
 * (meta-anatomy, text-anatomy; c < rn_embed_anatomy_regions()), NULL past
 * them. The block has one column more, its last: 1 for a row without an
 * anatomy word. */
size_t rn_embed_anatomy_regions(void);
const char *rn_embed_anatomy_region(size_t c);

/* Fits `method` of `source` on a sample of the clustering set. */
RnEmbedModel *rn_embed_fit(RnEmbedSource source, const char *method,
                           const RnEmbedItem *sample, size_t n,
                           const RnEmbedParams *params, RnError **err);
size_t rn_embed_model_dim(const RnEmbedModel *m);
/* Threads of later transforms (<= 0: one per CPU; a fit uses
 * params->threads). The output does not depend on it. */
void rn_embed_model_set_threads(RnEmbedModel *m, int threads);
RnEmbedSource rn_embed_model_source(const RnEmbedModel *m);
const char *rn_embed_model_method(const RnEmbedModel *m);
/* out: n × rn_embed_model_dim(m) float32, row-major. Deterministic. */
bool rn_embed_transform(const RnEmbedModel *m, const RnEmbedItem *items,
                        size_t n, float *out, RnError **err);
/* Model file (little endian): magic "RNEMBMDL", u32 format version,
 * u32 source, u32 length + method name, u64 dim, u64 payload length, the
 * method's payload, u32 CRC-32 (zlib) of every byte before it. Written
 * atomically. Loading refuses a wrong magic, another format version, a bad
 * checksum, a truncated file, an unknown method or a payload the method
 * does not parse to the end. */
#define RN_EMBED_MODEL_VERSION 1u
#define RN_EMBED_MODEL_MAX_BYTES ((size_t)1 << 32)
bool rn_embed_model_save(const RnEmbedModel *m, const char *path, RnError **err);
RnEmbedModel *rn_embed_model_load(const char *path, RnError **err);
RnEmbedModel *rn_embed_model_load_memory(const uint8_t *data, size_t n,
                                         RnError **err);
void rn_embed_model_free(RnEmbedModel *m);

/* ---- the stage driver: workspace in, embeddings and models out ------- */

#define RN_EMBED_DEFAULT_SAMPLE 10000u
#define RN_EMBED_DEFAULT_BATCH 2048u

typedef struct RnEmbedRunOptions {
    RnEmbedSource source;
    const char *method;         /* NULL: the source's default (first listed) */
    RnEmbedParams params;       /* dim, seed, threads, method options */
    size_t sample;              /* rows to fit on; 0: RN_EMBED_DEFAULT_SAMPLE */
    size_t batch;               /* rows per transform batch; 0: the default */
    double lock_wait;           /* seconds to wait for another writer */
    const char *command;        /* recorded in the run (no identifiers) */
    bool force;                 /* redo even when the outputs are current */
    void (*progress)(void *user, uint64_t done, uint64_t total);
    void *progress_user;
} RnEmbedRunOptions;

typedef struct RnEmbedRunSummary {
    const char *method;         /* static */
    uint64_t rows;              /* rows of the clustering set (= rows.csv) */
    size_t dim;
    size_t sample;              /* rows the model was fitted on */
    bool up_to_date;            /* nothing done: outputs already current */
    char npy_name[96];          /* WS-relative artifact names */
    char model_name[96];
} RnEmbedRunSummary;

/* `radnet embed`: as one writer of ws, writes WS/embeddings/rows.csv, draws
 * a modality-balanced sample of the clustering set (every Modality gets an
 * equal share, capped by its size; the rest goes to the larger ones; rows
 * chosen uniformly within a Modality, deterministic for params.seed), fits
 * the method on it, saves WS/models/<source>-<method>.model, then streams
 * every row through the model in batches into
 * WS/embeddings/<source>-<method>.npy (float32; memory does not grow with
 * the archive). Both files are artifacts committed through the store; the
 * run is recorded. When both artifacts exist for the same rows and the same
 * parameters, nothing is redone (unless force). */
bool rn_embed_run(const char *ws, const RnEmbedRunOptions *o,
                  RnEmbedRunSummary *summary, RnError **err);

/* rn_embed_run over MPI ranks (every rank calls it with the same options):
 * rank 0 holds the workspace, writes rows.csv and fits the model on its
 * balanced sample exactly as rn_embed_run does; then every rank transforms
 * a contiguous block of whole batches (rows.csv order) from the committed
 * model into WS/embeddings/<name>.npy.rank-R, and rank 0 appends the blocks
 * in rank order into the artifact: the same bytes as one process. WS must
 * be on a file system every rank sees. d NULL or of size 1: rn_embed_run. */
bool rn_embed_run_dist(const char *ws, const RnEmbedRunOptions *o, RnDist *d,
                       RnEmbedRunSummary *summary, RnError **err);

#ifdef __cplusplus
}
#endif
#endif
