/* radnet store: the workspace (SQLite catalogue + thumbnail store), the
 * anatomical region rules of SPEC §5, report files (CSV / JSONL), the folder
 * walker and the resumable, parallel ingest.
 *
 * Workspace WS (a folder):
 *   catalog.sqlite   SQLite in WAL mode; tables files, studies, series,
 *                    images, elements, reports, report_sources, quarantine,
 *                    runs, clusters, meta (schema: src/store/schema.sql)
 *   thumbs.npy       uint8 N×S×S; images.thumb_index is the row. S is fixed
 *                    when the workspace is created (default
 *                    RN_IMAGE_DEFAULT_SIZE = 128, --thumb-size).
 *   pseudonym.key    16 random bytes: the key of rn_store_pseudonym().
 *   writer.lock      flock of the one writer (ingest and later stages).
 *   embeddings/, models/, ...  artifacts: files committed through
 *                    rn_store_artifact_* and recorded in the catalogue.
 *
 * Only src/store speaks SQL: stages read the clustering set through
 * rn_image_cursor_*, record runs and commit artifacts through the calls
 * below (the stage contract: DEVELOPING.md).
 *
 * Consistency: files, images, elements, quarantine rows and the thumbnail
 * row count (meta 'thumbs_committed') are committed in ONE transaction per
 * batch, after the thumbnail rows are fsynced. On open, thumbs.npy is cut back
 * to the committed count, so a kill -9 at any moment loses at most the batch
 * in flight, and a rerun redoes exactly that batch. Files are committed in
 * walk order (directories sorted by name, depth first), so the committed set
 * is always a prefix of the walk and a resumed run yields the same rows,
 * ids and thumbnail rows as an uninterrupted one.
 *
 * Files: DICOM is recognised by content; DICOMDIRs and non-DICOM files are
 * counted (files.status). A SOPInstanceUID seen before makes the file a
 * 'duplicate' pointing at the first copy in walk order. A file whose size
 * or mtime changed is read again and its old rows replaced. Files that
 * cannot be parsed get a quarantine row (stage, error code, reason, byte
 * offset); an image whose pixels cannot be decoded keeps its metadata rows
 * and gets a quarantine row with stage 'pixels'.
 *
 * Metadata-only workspaces (--no-pixels) parse up to PixelData and never
 * past it; there images.has_pixels means PixelData or the Image Pixel
 * module's Rows, Columns and BitsAllocated are present.
 *
 * elements: one row per image, `json` = a JSON object of every top-level
 * non-bulk data-set element (group 0002 and sequences excluded), keyed by
 * the dictionary keyword ("ggggeeee" hex for private / unknown tags), each
 * value a two-element array [VR, text]; text is UTF-8, multiple values joined
 * by backslashes, binary numbers printed in decimal. UN values of known
 * tags are read with the dictionary VR (private creators as LO).
 * Measured against a tag/value row table: 25 MB vs 32 MB for 10 k images
 * (bench/results-store.md).
 */
#ifndef RADNET_STORE_H
#define RADNET_STORE_H

#include "radnet/core.h"
#include "radnet/dist.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- anatomical region rules (SPEC §5; data/regions.tsv) -------------- */

typedef struct RnRegionRules RnRegionRules;

/* Parses the rule table text (format described in data/regions.tsv). */
RnRegionRules *rn_region_rules_parse(const char *text, size_t n, RnError **err);
RnRegionRules *rn_region_rules_load(const char *path, RnError **err);
/* The table of data/regions.tsv, compiled in at build time. */
RnRegionRules *rn_region_rules_builtin(RnError **err);
void rn_region_rules_free(RnRegionRules *rules);
size_t rn_region_rules_rule_count(const RnRegionRules *rules);

/* The header values the rules look at; NULL counts as empty. */
typedef struct RnRegionInput {
    const char *body_part;  /* BodyPartExamined as found (trimmed) */
    const char *modality;
    const char *study_description;
    const char *protocol_name;
    const char *requested_procedure; /* RequestedProcedureDescription */
} RnRegionInput;

/* The region; caller frees *out ("" when nothing applies to an empty value).
 * Thread-safe on a shared rules object. */
bool rn_region_classify(const RnRegionRules *rules, const RnRegionInput *in,
                        char **out, RnError **err);

/* ---- report files ------------------------------------------------------ */

/* One report row. Any of the keys may be NULL; text is UTF-8. */
typedef struct RnReportRow {
    const char *accession;  /* AccessionNumber */
    const char *study_uid;  /* StudyInstanceUID */
    const char *exam_id;    /* ExamID: ScheduledProcedureStepID, else AccessionNumber or StudyID */
    const char *text;
    uint64_t line;          /* 1-based line where the row starts */
} RnReportRow;

typedef bool (*RnReportSink)(void *user, const RnReportRow *row, RnError **err);

/* Reads a report file: JSONL (first non-blank byte '{') or CSV (RFC 4180;
 * delimiter ',', ';' or TAB chosen from the header; header names matched
 * case-insensitively ignoring '_', ' ' and '-': AccessionNumber/Accession,
 * StudyInstanceUID/StudyUID, ExamID/Exam, and Report/ReportText/Text/
 * Diagnosis/Narrative/Findings). Encoding, decided row by row (files
 * concatenated from several systems mix them): UTF-8 (BOM allowed) when the
 * row is valid UTF-8, else Windows-1250 when it has a byte 0x80-0x9F, else
 * ISO-8859-2 (Latin-2). A quote that is never closed is an error naming the
 * line it opens on (it would swallow every later row). A row with no key or
 * no text column value is skipped and counted in *skipped (may be NULL). */
bool rn_reports_read_memory(const uint8_t *data, size_t n, RnReportSink sink,
                            void *user, uint64_t *skipped, RnError **err);
bool rn_reports_read(const char *path, RnReportSink sink, void *user,
                     uint64_t *skipped, RnError **err);

/* True when data is valid UTF-8 (rn_text_utf8_valid of core.h). */
bool rn_utf8_valid(const uint8_t *s, size_t n);

/* ---- folder walk ------------------------------------------------------- */

typedef struct RnWalk RnWalk;

typedef struct RnWalkEntry {
    const char *path;   /* borrowed until the next rn_walk_next */
    uint64_t size;
    int64_t mtime_ns;
} RnWalkEntry;

/* Regular files under each source (a file source is yielded as is), any
 * depth, directories sorted by name (bytewise) and visited depth first;
 * symlinks are followed, into folders too, except a link back to a folder
 * being walked (a loop: counted by rn_walk_loops). Memory: one directory
 * listing per level. */
RnWalk *rn_walk_open(const char *const *sources, size_t n_sources,
                     RnError **err);
/* false at the end or on error (then *err is set). */
bool rn_walk_next(RnWalk *w, RnWalkEntry *out, RnError **err);
/* From now on, a file the folder entry says is regular and for which
 * want(user, path) is false is yielded without a stat (size and mtime_ns
 * 0): a rank of a ranked ingest needs only its own files' size and time. */
void rn_walk_stat_only(RnWalk *w, bool (*want)(const void *user, const char *path),
                       const void *user);
/* Directories that could not be read (counted, the walk goes on). */
uint64_t rn_walk_unreadable(const RnWalk *w);
/* Linked folders not entered because they lead back to an ancestor. */
uint64_t rn_walk_loops(const RnWalk *w);
void rn_walk_close(RnWalk *w);
/* Counts the files rn_walk would yield (names only, no stat where the
 * directory entry type is known): the progress total. */
bool rn_walk_count(const char *const *sources, size_t n_sources,
                   uint64_t *count, RnError **err);

/* ---- workspace --------------------------------------------------------- */

typedef struct RnStore RnStore;

#define RN_STORE_CATALOG "catalog.sqlite"
#define RN_STORE_THUMBS "thumbs.npy"
#define RN_STORE_KEY "pseudonym.key"
#define RN_STORE_LOCK "writer.lock"
#define RN_STORE_ROWS "embeddings/rows.csv"
/* The catalogue schema this radnet reads and writes. */
#define RN_STORE_SCHEMA_VERSION 2

typedef enum RnStoreMode {
    /* Readers (stats, export, report): no lock, no write; they see the last
     * committed state and work beside a running writer and on read-only
     * media. */
    RN_STORE_READ = 0,
    /* The one writer (ingest and every later stage): holds the workspace
     * lock (an flock on WS/writer.lock, released by the kernel when the
     * process dies) until rn_store_close. A second writer waits up to
     * lock_wait seconds, then fails with RN_ERROR_IO naming the workspace. */
    RN_STORE_WRITE = 1,
    /* RN_STORE_WRITE, creating the folder and catalogue when missing. */
    RN_STORE_CREATE = 2,
} RnStoreMode;

/* Opens a workspace. The schema version is checked here: a newer one is
 * refused (RN_ERROR_UNSUPPORTED); an older one is upgraded by a writer and
 * refused by a reader (which cannot write). A writer also removes orphans
 * (temporary files of artifacts and of the pseudonym key left by a killed
 * process) and marks runs left 'running' as 'interrupted'. A missing
 * workspace is RN_ERROR_IO unless mode is RN_STORE_CREATE. */
RnStore *rn_store_open(const char *ws, RnStoreMode mode, RnError **err);
/* The same with a lock wait in seconds for writers (0: refuse at once). */
RnStore *rn_store_open_wait(const char *ws, RnStoreMode mode, double lock_wait,
                            RnError **err);
void rn_store_close(RnStore *s);
const char *rn_store_path(const RnStore *s);
bool rn_store_is_writer(const RnStore *s);
/* Thumbnail size S of the workspace (0: metadata only, or nothing yet). */
uint32_t rn_store_thumb_size(const RnStore *s);

/* ---- the clustering set (SPEC §9) -------------------------------------- */

/* One row of the clustering set: an image with pixels kept by SPEC §3
 * (pixel data, a thumbnail, no drop reason; in a --no-pixels workspace:
 * pixel data), one per SOPInstanceUID (duplicate files are out), in the
 * fixed order of SOPInstanceUID (bytewise), which does not depend on the
 * order in which sources were ingested. Field names follow RnEmbedItem
 * (embed.h) so a stage fills its items directly. Borrowed until the next
 * rn_image_cursor_next or _close. */
typedef struct RnImageRow {
    uint64_t row;               /* 0-based row in the set (rows.csv) */
    int64_t image_id;           /* catalogue id (for cluster labels) */
    const char *sop_uid;
    const char *modality;       /* archive's own Modality ("" when absent) */
    const char *region;         /* SPEC §5 region ("" when unknown) */
    const uint8_t *thumb;       /* thumb_size² uint8 row-major; NULL unless
                                 * RN_CURSOR_THUMBS or without a thumbnail */
    uint32_t thumb_size;
    int64_t thumb_index;        /* row of thumbs.npy, -1: none */
    const char *elements_json;  /* "{}" unless RN_CURSOR_ELEMENTS */
    const char *report;         /* UTF-8 report text of the exam (all rows of
                                 * the study, file reports first, then SR);
                                 * NULL: no report, or not RN_CURSOR_REPORTS */
} RnImageRow;

/* What the cursor loads beyond the identifiers (ids, SOP UID, Modality,
 * region, thumb_index are always there). */
enum {
    RN_CURSOR_THUMBS = 1u << 0,
    RN_CURSOR_ELEMENTS = 1u << 1,
    RN_CURSOR_REPORTS = 1u << 2,
    RN_CURSOR_ALL = 7u,
};

typedef struct RnImageCursor RnImageCursor;

/* A streaming pass over the clustering set, in one consistent snapshot of
 * the catalogue (its own read connection: a writer may commit meanwhile,
 * and the same RnStore may record runs and artifacts during the pass).
 * Memory: one row. */
RnImageCursor *rn_image_cursor_open(RnStore *s, unsigned fields, RnError **err);
/* Rows in the cursor's snapshot. */
uint64_t rn_image_cursor_count(const RnImageCursor *c);
/* false at the end, or on error (then *err is set). */
bool rn_image_cursor_next(RnImageCursor *c, RnImageRow *out, RnError **err);
void rn_image_cursor_close(RnImageCursor *c);

/* The path of the file image_id (RnImageRow.image_id) was read from, as
 * ingest recorded it (absolute); caller frees. IDENTIFYING: for the
 * archive's owner only. */
bool rn_store_image_path(RnStore *s, int64_t image_id, char **path, RnError **err);
/* Size of the clustering set now. */
bool rn_store_clustering_count(RnStore *s, uint64_t *n, RnError **err);
/* Reads row thumb_index of thumbs.npy into out (thumb_size² bytes). */
bool rn_store_thumb_read(RnStore *s, int64_t thumb_index, uint8_t *out,
                         RnError **err);
/* thumbs.npy held open for many rows in any order, from any thread (pread:
 * nothing is mapped, so reading every row does not grow the process). */
typedef struct RnThumbReader RnThumbReader;
RnThumbReader *rn_thumb_reader_open(RnStore *s, RnError **err);
bool rn_thumb_reader_read(const RnThumbReader *t, int64_t thumb_index, uint8_t *out,
                          RnError **err);
void rn_thumb_reader_close(RnThumbReader *t);
/* Writes WS/embeddings/rows.csv (`row,sop_instance_uid`, one line per row
 * of the set) as an artifact of run_id (0: none); *n_rows and hash (16 hex
 * + NUL, the artifact's content hash) may be NULL. A stage whose outputs
 * were made for this hash is up to date with the set. Writer only. */
bool rn_store_write_rows_csv(RnStore *s, int64_t run_id, uint64_t *n_rows,
                             char hash[17], RnError **err);

/* ---- runs ---------------------------------------------------------------- */

typedef enum RnRunStatus {
    RN_RUN_RUNNING = 0,
    RN_RUN_DONE,
    RN_RUN_FAILED,
    RN_RUN_INTERRUPTED, /* found 'running' by the next writer: killed */
} RnRunStatus;

const char *rn_run_status_name(RnRunStatus s);

/* A run record as stored (owned strings; rn_run_clear frees them). */
typedef struct RnRun {
    int64_t id;
    char *stage;        /* "ingest", "embed", "cluster", ... */
    char *command;      /* what the user ran (no identifiers) */
    char *params;       /* the stage's own parameter text (e.g. JSON) */
    RnRunStatus status;
    char *message;      /* the error of a failed run, else NULL */
    char *started;      /* ISO 8601 UTC */
    char *finished;     /* NULL while running */
    double seconds;     /* wall time, 0 while running */
} RnRun;

void rn_run_clear(RnRun *r);

/* Records the start of a run (committed at once); *run_id is its id.
 * Writer only. params may be NULL. */
bool rn_store_run_begin(RnStore *s, const char *stage, const char *command,
                        const char *params, int64_t *run_id, RnError **err);
/* Records the end: status RN_RUN_DONE or RN_RUN_FAILED (message: the
 * reason, may be NULL), finish time and wall seconds. */
bool rn_store_run_end(RnStore *s, int64_t run_id, RnRunStatus status,
                      const char *message, RnError **err);
bool rn_store_run_get(RnStore *s, int64_t run_id, RnRun *out, bool *found,
                      RnError **err);
/* The latest run of a stage (by id), optionally only with one status
 * (status < 0: any). */
bool rn_store_run_latest(RnStore *s, const char *stage, int status, RnRun *out,
                         bool *found, RnError **err);

/* ---- artifacts: files of WS the catalogue vouches for ------------------- */

/* An artifact is a file under WS (name relative to WS, e.g.
 * "embeddings/image-pca.npy", "models/image-pca.model"). Commit: the stage
 * writes rn_artifact_tmp_path(), then rn_store_artifact_commit fsyncs it,
 * hashes it, renames it over the final name, fsyncs the folder and records
 * (name, run, params, hash, size, mtime) in one transaction. A kill at any
 * moment leaves either the old artifact or the new one: temporary files are
 * removed by the next writer's open, and a renamed file whose record did
 * not commit does not match the recorded size/mtime, so lookups report no
 * valid artifact and the stage redoes it. */
typedef struct RnArtifact {
    int64_t id;
    int64_t run_id;     /* 0: none */
    char *name;
    char *params;       /* as given to commit ("" when NULL) */
    char hash[17];      /* content hash: SipHash-2-4 (zero key), 16 hex */
    uint64_t size;
    char *created;      /* ISO 8601 UTC */
} RnArtifact;

void rn_artifact_clear(RnArtifact *a);

typedef struct RnArtifactWriter RnArtifactWriter;

/* Starts an artifact: makes the folders of name and a temporary file beside
 * it. Writer only. name: relative, no "..", no leading '/'. */
RnArtifactWriter *rn_store_artifact_begin(RnStore *s, const char *name,
                                          RnError **err);
/* Where the stage writes the content (closed by the stage before commit). */
const char *rn_artifact_tmp_path(const RnArtifactWriter *a);
/* Makes the artifact durable and recorded (see above); frees a either way.
 * out (may be NULL) receives the record. */
bool rn_store_artifact_commit(RnStore *s, RnArtifactWriter *a, int64_t run_id,
                              const char *params, RnArtifact *out,
                              RnError **err);
/* Removes the temporary file; frees a. NULL is a no-op. */
void rn_store_artifact_abort(RnArtifactWriter *a);
/* begin + write data + commit, for content held in memory. */
bool rn_store_artifact_put(RnStore *s, const char *name, const void *data,
                           size_t n, int64_t run_id, const char *params,
                           RnArtifact *out, RnError **err);
/* The latest committed record of name whose file is still the committed
 * one (same size and mtime); *found false when none (or the file changed,
 * went missing, or a commit was cut short). */
bool rn_store_artifact_latest(RnStore *s, const char *name, RnArtifact *out,
                              bool *found, RnError **err);
/* *same: the latest committed `name` (as rn_store_artifact_latest finds it)
 * was committed with exactly params, so the work behind it need not be
 * redone. */
bool rn_store_artifact_current(RnStore *s, const char *name, const char *params,
                               bool *same, RnError **err);
/* The content hash of the latest committed `name` ("" when none; *found, may
 * be NULL, says which). */
bool rn_store_artifact_hash(RnStore *s, const char *name, char hash[17], bool *found,
                            RnError **err);
/* The content of the latest committed `name` (at most max_bytes), NUL-
 * terminated after its *n bytes; caller frees *data. *found false (and
 * *data NULL) when there is none. */
bool rn_store_artifact_read(RnStore *s, const char *name, size_t max_bytes, char **data,
                            size_t *n, bool *found, RnError **err);
/* For an artifact only ever rewritten by appending to it (a checkpoint):
 * the bytes its latest record vouches for — the file's first `size` bytes
 * when they hash to the recorded hash. Unlike rn_store_artifact_read this
 * survives a longer file renamed into place by a commit cut short before
 * its record (a kill between rename and record loses the last append, not
 * the whole file). *data NUL-terminated after its *n bytes, *params the
 * record's params (caller frees both); *found false (both NULL) when there
 * is no record, the file is shorter or its first bytes differ. */
bool rn_store_artifact_read_appended(RnStore *s, const char *name, size_t max_bytes,
                                     char **data, size_t *n, char **params, bool *found,
                                     RnError **err);
/* Absolute-or-WS-relative path of an artifact name (caller frees). */
char *rn_store_artifact_path(const RnStore *s, const char *name, RnError **err);

/* Keyed hash (SipHash-2-4 with the workspace key) of an identifier, as 16
 * lowercase hex digits + NUL: what every output shows instead of IDs. */
void rn_store_pseudonym(const RnStore *s, const char *id, char out[17]);
/* The same with an explicit 16-byte key (tests, other tools). */
void rn_siphash24_hex(const uint8_t key[16], const void *data, size_t n,
                      char out[17]);

/* Statistics as one JSON object: files_seen, images (objects with pixel
 * data), objects, quarantined, duplicates, non_dicom, dicomdir,
 * sr_documents, thumbnails, thumb_size, studies, series, reports_total,
 * reports_matched, reports_unmatched, studies_with_report,
 * report_rows_skipped, images_without_report; counts per key in by_modality,
 * by_region, by_transfer_syntax (UID), by_drop_reason, by_window_source,
 * by_status and quarantine_reasons ("stage: reason"). No identifiers. */
bool rn_store_stats_json(RnStore *s, RnBuf *out, RnError **err);
/* The same as aligned text. */
bool rn_store_stats_text(RnStore *s, RnBuf *out, RnError **err);

/* Canonical dump for comparing workspaces: every catalogue row that an
 * ingest writes, in a fixed order, ids replaced by natural keys (path,
 * SOPInstanceUID), timestamps and run ids left out, each image's thumbnail
 * row as a hash. Two ingests of the same input give byte-identical dumps. */
bool rn_store_dump_canonical(RnStore *s, RnBuf *out, RnError **err);

/* ---- ingest ------------------------------------------------------------ */

typedef struct RnIngestProgress {
    uint64_t done;    /* files handled this run (skipped ones included) */
    uint64_t total;   /* files found by the pre-count (0 when unknown) */
    uint64_t bytes;   /* bytes of the files read this run */
} RnIngestProgress;

/* ---- objects from elsewhere than folders (a PACS: src/dicomweb) -------- */

/* The typed "already catalogued?" lookup a feed asks before it fetches an
 * object (src/store/lookup.c). Lives on the ingest's reader connection, so
 * it sees what earlier batches committed. */
typedef struct RnInstanceLookup RnInstanceLookup;

/* *known: the workspace has an object with this SOPInstanceUID, or a file
 * row named name whose read did not fail transiently (an object that was
 * quarantined stays skipped, as an unchanged file does). Either key may be
 * NULL. Every known answer counts as one unchanged file of the run. */
bool rn_instance_lookup_known(RnInstanceLookup *l, const char *sop_uid, const char *name,
                              bool *known, RnError **err);

/* One object handed to the ingest: extracted exactly as a file with these
 * bytes would be (same quarantine rules); the catalogue's files.path is
 * name, its mtime 0. An object that could not be fetched carries the
 * reason in error instead of data: it is quarantined as a file the OS
 * refused to read (stage 'read', code 'io'), so the next run tries it
 * again. The buffers are malloc'd and pass to the ingest. */
typedef struct RnIngestObject {
    char *name;
    uint8_t *data;
    size_t size;
    char *error;
} RnIngestObject;

/* A source of objects instead of sources[] folders. next() is called from
 * one thread, in order, until it returns false: at the end with *err unset,
 * or on failure (the ingest then fails with that error after committing
 * what it had). lookup lets it skip objects already in the workspace. */
typedef struct RnIngestFeed {
    bool (*next)(void *user, RnInstanceLookup *lookup, RnIngestObject *out, RnError **err);
    void *user;
} RnIngestFeed;

typedef struct RnIngestOptions {
    const char *const *sources;
    size_t n_sources;
    const char *reports_path;     /* NULL = none */
    const char *regions_path;     /* NULL = the built-in table */
    int threads;                  /* decode workers; <= 0: one per online CPU */
    uint32_t thumb_size;          /* 0 = RN_IMAGE_DEFAULT_SIZE (new WS only) */
    bool no_pixels;               /* metadata only: no decode, no thumbnails */
    uint32_t batch_files;         /* commit every N files; 0 = 500 */
    double batch_seconds;         /* ... or every T seconds; 0 = 1.0 */
    bool count_first;             /* pre-count files for a progress total */
    double lock_wait;             /* seconds to wait for the workspace lock
                                   * held by another writer; 0 = refuse */
    void (*progress)(void *user, const RnIngestProgress *p);
    void *progress_user;
    /* Objects from a feed instead of walking sources (which then only name
     * the source in the run record; count_first is ignored). NULL: walk. */
    const RnIngestFeed *feed;
} RnIngestOptions;

void rn_ingest_options_init(RnIngestOptions *o);

/* What this run did (workspace totals: rn_store_stats_json). */
typedef struct RnIngestSummary {
    uint64_t files_seen;       /* walked this run */
    uint64_t files_unchanged;  /* skipped without opening */
    uint64_t files_new;        /* opened and committed this run */
    uint64_t images;           /* new image rows with pixel data */
    uint64_t non_dicom;
    uint64_t dicomdir;
    uint64_t duplicates;
    uint64_t quarantined;      /* this run */
    uint64_t quarantined_total;/* in the workspace after the run */
    uint64_t report_rows;      /* report rows read this run */
    uint64_t reports_matched;  /* workspace total after the run */
    uint64_t bytes_read;
    uint64_t dirs_unreadable;  /* folders the walk could not list */
    uint64_t link_loops;       /* linked folders skipped: they loop back */
    bool report_same_content;  /* the report file's content was imported
                                * before under another name: nothing added */
} RnIngestSummary;

/* Ingests sources into the workspace ws (created when missing). Bad files
 * are quarantined, not fatal; the call fails only when the workspace or a
 * report file cannot be used. */
bool rn_ingest(const char *ws, const RnIngestOptions *opts,
               RnIngestSummary *summary, RnError **err);

/* The ingest over MPI ranks (`mpirun -n R radnet ingest`): every rank calls
 * it with the same arguments. Each rank extracts (parses, decodes,
 * preprocesses) the files it owns — rn_dist_owner of the path — into its
 * shard WS/shards/rank-R.bin; rank 0 then writes the catalogue and the
 * thumbnails from the shards in walk order, so they equal a single-process
 * ingest row for row, and removes the shards. WS must be on a file system
 * every rank sees. A killed run resumes like rn_ingest. summary is filled
 * on rank 0. d NULL or of size 1: rn_ingest. */
bool rn_ingest_dist(const char *ws, const RnIngestOptions *opts, RnDist *d,
                    RnIngestSummary *summary, RnError **err);

#ifdef __cplusplus
}
#endif
#endif
