/* Private to the ingest (ingest.c drives it): the pipeline that walks and
 * extracts (pipeline.c, extract.c), the single writer (writer.c), report
 * import and join (report_import.c). */
#ifndef RADNET_STORE_INGEST_INTERNAL_H
#define RADNET_STORE_INGEST_INTERNAL_H

#include "store/store_internal.h"

#include "radnet/dist.h"

typedef enum ItemKind {
    ITEM_IMAGE = 0,    /* DICOM object with pixel data */
    ITEM_OBJECT,       /* DICOM object without pixel data */
    ITEM_SR,           /* structured report */
    ITEM_DICOMDIR,
    ITEM_NOTDICOM,
    ITEM_QUARANTINED,  /* unreadable or unparsable */
} ItemKind;

const char *rn_item_kind_status(ItemKind k);

/* Header values the catalogue keeps (UTF-8, NULL when absent). */
typedef enum ItemField {
    F_SOP_UID = 0, F_SOP_CLASS, F_STUDY_UID, F_SERIES_UID, F_MODALITY,
    F_BODY_PART, F_ACCESSION, F_STUDY_ID, F_STUDY_DATE, F_STUDY_DESC,
    F_PATIENT_ID, F_SERIES_NUMBER, F_SERIES_DESC, F_PROTOCOL, F_REQUESTED,
    F_EXAM_ID, F_COUNT
} ItemField;

typedef struct IngestItem {
    char *path;
    uint8_t *data;           /* the object's bytes when it came from a feed
                              * (freed once extracted), else NULL: read path */
    char *fetch_error;       /* a feed's object that could not be fetched */
    uint64_t size;
    int64_t mtime_ns;
    uint64_t walk_seq;       /* the file's place in the walk (files walked
                              * before it): a ranked ingest merges by it */
    ItemKind kind;
    /* quarantine (kind QUARANTINED, or a pixel failure of an image) */
    bool quarantined;
    const char *q_stage;     /* static string */
    RnErrorCode q_code;
    char *q_reason;
    int64_t q_offset;
    /* object */
    char *field[F_COUNT];
    char *region;
    char *ts_uid;
    char *photometric;
    uint32_t rows, columns, frames;
    RnBuf elements;          /* JSON object text, NUL-terminated */
    char *sr_text;
    /* thumbnail */
    uint8_t *thumb;          /* thumb_size² bytes, NULL when none */
    const char *drop_reason; /* static, NULL = not dropped */
    const char *window_source;
    double window_center, window_width;
} IngestItem;

typedef struct ExtractConfig {
    const RnRegionRules *rules;
    uint32_t thumb_size;
    bool pixels;
} ExtractConfig;

/* Fills item (path/size/mtime already set) from the file. Never fails:
 * problems become a quarantine outcome. */
void rn_extract_file(const ExtractConfig *cfg, IngestItem *item);
void rn_ingest_item_clear(IngestItem *item);

/* ---- lookup.c: has the workspace this object? (feeds) ------------------ */

/* On a reader connection db (borrowed; must outlive the lookup). */
RnInstanceLookup *rn_instance_lookup_open(sqlite3 *db, RnError **err);
void rn_instance_lookup_close(RnInstanceLookup *l);
/* Known answers so far: the feed's unchanged objects. */
uint64_t rn_instance_lookup_hits(const RnInstanceLookup *l);
/* ---- shard.c: ingest over MPI ranks ------------------------------------ */

/* The items the ranks extracted, one shard file per rank, and the counts of
 * rank 0's walk (every rank walks every file). */
typedef struct Shards Shards;

/* The next item of all the shards in walk order (*more false after the
 * last); rank 0 writes them without walking the sources again. */
bool rn_shards_next(Shards *sh, IngestItem *it, bool *more, RnError **err);
/* The walk's counts (files seen, unchanged, unreadable folders, loops). */
void rn_shards_walk_counts(const Shards *sh, RnIngestSummary *sum);

/* How the ingest splits work with other ranks (NULL: it does all). */
typedef struct PipelineShards {
    const RnDist *own;  /* the pipeline extracts only the files this rank owns */
    Shards *from;       /* the writer takes the ranks' items from their shards */
} PipelineShards;

/* ---- pipeline.c: walk + parallel extraction, in walk order ------------- */

typedef struct Pipeline Pipeline;

/* Starts the walk of o->sources and the extraction on a core thread pool of
 * o->threads (0: one per core). */
Pipeline *rn_pipeline_start(RnStore *s, const RnIngestOptions *o, const ExtractConfig *cfg,
                            const PipelineShards *shards, RnError **err);
/* The next extracted item(s) in walk order (borrowed until
 * rn_pipeline_release). *n == 0 after 200 ms without one (commit time).
 * false at the end, or when the pipeline failed (rn_pipeline_finish says). */
bool rn_pipeline_next(Pipeline *p, IngestItem **items, size_t *n);
void rn_pipeline_release(Pipeline *p);
/* Files skipped so far because their committed version is current. */
uint64_t rn_pipeline_unchanged(Pipeline *p);
/* Stops and joins every thread, fills the walk counts of sum (may be
 * NULL), frees p; false with *err when the walk failed. NULL: no-op. */
bool rn_pipeline_finish(Pipeline *p, RnIngestSummary *sum, RnError **err);

/* ---- writer.c: the one writer of the catalogue ------------------------ */

typedef struct WriterConfig {
    uint32_t thumb_size;          /* 0: no thumbnails */
    int64_t run_id;
    uint32_t batch_files;
    double batch_seconds;
    const ExtractConfig *extract; /* to read promoted duplicates again */
} WriterConfig;

typedef struct Writer Writer;

/* Opens thumbs.npy (cut back to the committed rows) and the first batch. */
Writer *rn_writer_open(RnStore *s, const WriterConfig *cfg, RnIngestSummary *sum,
                       RnError **err);
bool rn_writer_item(Writer *w, const IngestItem *it, RnError **err);
/* Commits when the batch is full or old enough. */
bool rn_writer_maybe_commit(Writer *w, RnError **err);
/* Commits the last batch. */
bool rn_writer_finish(Writer *w, RnError **err);
/* Rolls back what is not committed and closes; NULL is a no-op. */
bool rn_writer_close(Writer *w, RnError **err);

/* ---- ingest.c ------------------------------------------------------------ */

/* Checks and records the workspace settings (pixels, thumbnail size). */
bool rn_ingest_settings(RnStore *s, const RnIngestOptions *o, uint32_t *thumb_size,
                        RnError **err);
/* rn_ingest with the pipeline split as shards says (NULL: alone). */
bool rn_ingest_with(const char *ws, const RnIngestOptions *o, const PipelineShards *shards,
                    RnIngestSummary *summary, RnError **err);

/* ---- report_import.c ---------------------------------------------------- */

/* Imports a report file (once per version; a content already imported
 * under another name adds nothing). */
bool rn_import_reports(RnStore *s, const char *path, RnIngestSummary *sum, RnError **err);
/* Joins every report row to its study (independent of ingest order). */
bool rn_match_reports(RnStore *s, RnError **err);

#endif
