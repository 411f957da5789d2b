/* Private to the ingest: one file's outcome, produced by a worker
 * (extract.c) and written by the single writer (ingest.c). */
#ifndef RADNET_STORE_INGEST_INTERNAL_H
#define RADNET_STORE_INGEST_INTERNAL_H

#include "store/store_internal.h"

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
    uint64_t size;
    int64_t mtime_ns;
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

#endif
