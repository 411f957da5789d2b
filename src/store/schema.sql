-- radnet workspace catalogue (schema version 2 = RN_STORE_SCHEMA_VERSION).
-- Compiled into the binary by embed_text.py; a writer applies it with
-- CREATE ... IF NOT EXISTS on every open, after upgrading an older catalogue
-- (src/store/catalog.c: schema_upgrades).
-- Identifiers are the hospital's own data and are kept here; every output
-- built from this catalogue pseudonymises them (rn_store_pseudonym).

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per run of a stage (timestamps: ISO 8601 UTC). status: running,
-- done, failed, interrupted (found running by the next writer). The file
-- counts are the ingest's.
CREATE TABLE IF NOT EXISTS runs (
    id          INTEGER PRIMARY KEY,
    started     TEXT NOT NULL,
    finished    TEXT,
    command     TEXT NOT NULL,
    files_seen  INTEGER,
    files_new   INTEGER,
    quarantined INTEGER,
    stage       TEXT NOT NULL DEFAULT 'ingest',
    params      TEXT,
    status      TEXT NOT NULL DEFAULT 'done',
    message     TEXT,
    seconds     REAL
);

-- Files of the workspace the catalogue vouches for (embeddings, models,
-- rows.csv): the latest row of a name whose file still has this size and
-- mtime is the valid one (store.h, artifacts).
CREATE TABLE IF NOT EXISTS artifacts (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    run_id   INTEGER,
    params   TEXT NOT NULL,
    hash     TEXT NOT NULL,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    created  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS artifacts_name ON artifacts(name, id);

-- Every regular file the walk met. (path, size, mtime_ns) is the resume key:
-- a file whose key is committed is skipped without being opened.
-- status: image (DICOM with pixel data), object (DICOM without pixel data),
-- sr (structured report), duplicate (SOPInstanceUID already catalogued;
-- image_id = the first copy), dicomdir, notdicom, quarantined.
CREATE TABLE IF NOT EXISTS files (
    id       INTEGER PRIMARY KEY,
    path     TEXT NOT NULL UNIQUE,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    status   TEXT NOT NULL,
    image_id INTEGER,
    run_id   INTEGER
);

CREATE TABLE IF NOT EXISTS studies (
    id                INTEGER PRIMARY KEY,
    study_uid         TEXT NOT NULL UNIQUE,
    accession         TEXT,
    study_id          TEXT,   -- StudyID (0020,0010)
    study_date        TEXT,
    study_description TEXT,
    patient_id        TEXT,
    exam_id           TEXT    -- ScheduledProcedureStepID (top level or request item)
);
CREATE INDEX IF NOT EXISTS studies_accession ON studies(accession);
CREATE INDEX IF NOT EXISTS studies_study_id ON studies(study_id);
CREATE INDEX IF NOT EXISTS studies_exam_id ON studies(exam_id);

CREATE TABLE IF NOT EXISTS series (
    id                 INTEGER PRIMARY KEY,
    series_uid         TEXT NOT NULL UNIQUE,
    study_id           INTEGER,
    modality           TEXT,
    series_number      TEXT,
    series_description TEXT
);

-- One row per DICOM object (SOPInstanceUID unique; NULL when absent).
-- has_pixels: the object has PixelData. thumb_index: row of thumbs.npy,
-- NULL without a thumbnail (no pixels, --no-pixels, or decoding failed:
-- then the file also has a quarantine row with stage 'pixels').
CREATE TABLE IF NOT EXISTS images (
    id              INTEGER PRIMARY KEY,
    file_id         INTEGER NOT NULL,
    sop_uid         TEXT UNIQUE,
    sop_class_uid   TEXT,
    study_id        INTEGER,
    series_id       INTEGER,
    modality        TEXT,
    body_part_raw   TEXT,
    region          TEXT,
    transfer_syntax TEXT,
    rows            INTEGER,
    columns         INTEGER,
    frames          INTEGER,
    photometric     TEXT,
    has_pixels      INTEGER NOT NULL,
    drop_reason     TEXT,
    window_source   TEXT,
    window_center   REAL,
    window_width    REAL,
    thumb_index     INTEGER
);
CREATE INDEX IF NOT EXISTS images_study ON images(study_id);

-- Every top-level non-bulk element of an image: a JSON object
-- {"Keyword": ["VR", "value"], "ggggeeee": [...]} (see store.h).
CREATE TABLE IF NOT EXISTS elements (
    image_id INTEGER PRIMARY KEY,
    json     TEXT NOT NULL
);

-- Report files imported (a changed file is re-imported whole). A file whose
-- content (content_hash) is already imported under another path is recorded
-- with same_as = that source and adds no rows.
CREATE TABLE IF NOT EXISTS report_sources (
    id           INTEGER PRIMARY KEY,
    path         TEXT NOT NULL UNIQUE,
    size         INTEGER NOT NULL,
    mtime_ns     INTEGER NOT NULL,
    rows         INTEGER NOT NULL,
    skipped      INTEGER NOT NULL,
    content_hash TEXT,
    same_as      INTEGER
);

-- One row per report row (CSV / JSONL line) or SR document (file_id set).
-- study_id: the study it joined to (NULL = unmatched).
CREATE TABLE IF NOT EXISTS reports (
    id        INTEGER PRIMARY KEY,
    source_id INTEGER,
    file_id   INTEGER,
    line      INTEGER,
    accession TEXT,
    study_uid TEXT,
    exam_id   TEXT,
    text      TEXT NOT NULL,
    study_id  INTEGER
);
CREATE INDEX IF NOT EXISTS reports_study ON reports(study_id);

-- Files that could not be ingested (or whose pixels could not be decoded).
CREATE TABLE IF NOT EXISTS quarantine (
    id       INTEGER PRIMARY KEY,
    file_id  INTEGER NOT NULL,
    path     TEXT NOT NULL,
    offset   INTEGER,        -- byte offset of the problem, NULL = unknown
    stage    TEXT NOT NULL,  -- read | header | pixels
    code     TEXT NOT NULL,  -- rn_error_code_name
    reason   TEXT NOT NULL
);

-- Cluster labels written by later stages, per run.
CREATE TABLE IF NOT EXISTS clusters (
    run_id   INTEGER NOT NULL,
    image_id INTEGER NOT NULL,
    cluster  INTEGER NOT NULL,
    distance REAL,
    PRIMARY KEY (run_id, image_id)
);

-- Report text per study: all rows of an exam concatenated (file reports
-- first, in file order, then SR documents).
CREATE VIEW IF NOT EXISTS study_reports AS
    SELECT study_id, group_concat(text, char(10)) AS text, count(*) AS n_rows
    FROM (SELECT study_id, text FROM reports WHERE study_id IS NOT NULL
          ORDER BY study_id, file_id IS NOT NULL, source_id, line, id)
    GROUP BY study_id;
