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
 * Diagnosis/Narrative/Findings). Encoding: UTF-8 (BOM allowed), otherwise
 * the whole file is read as ISO-8859-2 (Latin-2). A row with no key or no
 * text column value is skipped and counted in *skipped (may be NULL). */
bool rn_reports_read_memory(const uint8_t *data, size_t n, RnReportSink sink,
                            void *user, uint64_t *skipped, RnError **err);
bool rn_reports_read(const char *path, RnReportSink sink, void *user,
                     uint64_t *skipped, RnError **err);

/* True when data is valid UTF-8. */
bool rn_utf8_valid(const uint8_t *s, size_t n);
/* Converts ISO-8859-2 bytes to UTF-8 (appends to out). */
bool rn_latin2_to_utf8(const uint8_t *s, size_t n, RnBuf *out, RnError **err);

/* ---- folder walk ------------------------------------------------------- */

typedef struct RnWalk RnWalk;

typedef struct RnWalkEntry {
    const char *path;   /* borrowed until the next rn_walk_next */
    uint64_t size;
    int64_t mtime_ns;
} RnWalkEntry;

/* Regular files under each source (a file source is yielded as is), any
 * depth, directories sorted by name (bytewise) and visited depth first;
 * symlinks are not followed into directories. Memory: one directory listing
 * per level. */
RnWalk *rn_walk_open(const char *const *sources, size_t n_sources,
                     RnError **err);
/* false at the end or on error (then *err is set). */
bool rn_walk_next(RnWalk *w, RnWalkEntry *out, RnError **err);
/* Directories that could not be read (counted, the walk goes on). */
uint64_t rn_walk_unreadable(const RnWalk *w);
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

/* Opens a workspace; `create` makes the folder and catalogue when missing.
 * Without `create` a missing workspace is RN_ERROR_IO. */
RnStore *rn_store_open(const char *ws, bool create, RnError **err);
void rn_store_close(RnStore *s);
/* The SQLite handle, for stages that read the catalogue (borrowed). */
struct sqlite3 *rn_store_db(RnStore *s);
const char *rn_store_path(const RnStore *s);

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

typedef struct RnIngestOptions {
    const char *const *sources;
    size_t n_sources;
    const char *reports_path;     /* NULL = none */
    const char *regions_path;     /* NULL = the built-in table */
    int threads;                  /* decode workers; <= 0 means 1 */
    uint32_t thumb_size;          /* 0 = RN_IMAGE_DEFAULT_SIZE (new WS only) */
    bool no_pixels;               /* metadata only: no decode, no thumbnails */
    uint32_t batch_files;         /* commit every N files; 0 = 500 */
    double batch_seconds;         /* ... or every T seconds; 0 = 1.0 */
    bool count_first;             /* pre-count files for a progress total */
    void (*progress)(void *user, const RnIngestProgress *p);
    void *progress_user;
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
} RnIngestSummary;

/* Ingests sources into the workspace ws (created when missing). Bad files
 * are quarantined, not fatal; the call fails only when the workspace or a
 * report file cannot be used. */
bool rn_ingest(const char *ws, const RnIngestOptions *opts,
               RnIngestSummary *summary, RnError **err);

#ifdef __cplusplus
}
#endif
#endif
