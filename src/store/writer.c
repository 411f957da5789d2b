/* The ingest's single writer: files, images, elements, quarantine and SR
 * rows, in walk order, in batched transactions that also commit the
 * thumbnail row count (see store.h, Consistency). */
#include "store/ingest_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>


enum {
    ST_SEL_FILE, ST_DEL_FILE, ST_DEL_IMAGE_ELEMENTS, ST_DEL_IMAGES, ST_DEL_QUARANTINE,
    ST_DEL_REPORTS, ST_INS_FILE, ST_UPD_FILE, ST_INS_QUARANTINE, ST_SEL_SOP, ST_UPS_STUDY,
    ST_UPS_SERIES, ST_INS_IMAGE, ST_INS_ELEMENTS, ST_INS_SR, ST_SEL_DUPS, ST_COUNT
};

static const char *const writer_sql[ST_COUNT] = {
    /* A quarantine for an I/O error is transient: such a file is read again. */
    [ST_SEL_FILE] = "SELECT id, size, mtime_ns, EXISTS (SELECT 1 FROM quarantine q "
                    "WHERE q.file_id = files.id AND q.code = 'io') FROM files WHERE path = ?",
    [ST_DEL_FILE] = "DELETE FROM files WHERE id = ?",
    [ST_DEL_IMAGE_ELEMENTS] =
        "DELETE FROM elements WHERE image_id IN (SELECT id FROM images WHERE file_id = ?)",
    [ST_DEL_IMAGES] = "DELETE FROM images WHERE file_id = ?",
    [ST_DEL_QUARANTINE] = "DELETE FROM quarantine WHERE file_id = ?",
    [ST_DEL_REPORTS] = "DELETE FROM reports WHERE file_id = ?",
    [ST_INS_FILE] = "INSERT INTO files(path, size, mtime_ns, status, run_id) "
                    "VALUES(?, ?, ?, ?, ?)",
    [ST_UPD_FILE] = "UPDATE files SET status = ?, image_id = ? WHERE id = ?",
    [ST_INS_QUARANTINE] = "INSERT INTO quarantine(file_id, path, offset, stage, code, reason) "
                          "VALUES(?, ?, ?, ?, ?, ?)",
    [ST_SEL_SOP] = "SELECT id FROM images WHERE sop_uid = ?",
    [ST_UPS_STUDY] = "INSERT INTO studies(study_uid, accession, study_id, study_date, "
                     "study_description, patient_id, exam_id) VALUES(?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT(study_uid) DO UPDATE SET "
                     "accession = coalesce(accession, excluded.accession), "
                     "study_id = coalesce(study_id, excluded.study_id), "
                     "study_date = coalesce(study_date, excluded.study_date), "
                     "study_description = coalesce(study_description, excluded.study_description), "
                     "patient_id = coalesce(patient_id, excluded.patient_id), "
                     "exam_id = coalesce(exam_id, excluded.exam_id) RETURNING id",
    [ST_UPS_SERIES] = "INSERT INTO series(series_uid, study_id, modality, series_number, "
                      "series_description) VALUES(?, ?, ?, ?, ?) "
                      "ON CONFLICT(series_uid) DO UPDATE SET "
                      "study_id = coalesce(study_id, excluded.study_id), "
                      "modality = coalesce(modality, excluded.modality), "
                      "series_number = coalesce(series_number, excluded.series_number), "
                      "series_description = coalesce(series_description, "
                      "excluded.series_description) RETURNING id",
    [ST_INS_IMAGE] = "INSERT INTO images(file_id, sop_uid, sop_class_uid, study_id, series_id, "
                     "modality, body_part_raw, region, transfer_syntax, rows, columns, frames, "
                     "photometric, has_pixels, drop_reason, window_source, window_center, "
                     "window_width, thumb_index) "
                     "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [ST_INS_ELEMENTS] = "INSERT INTO elements(image_id, json) VALUES(?, ?)",
    [ST_INS_SR] = "INSERT INTO reports(file_id, study_uid, accession, text) VALUES(?, ?, ?, ?)",
    [ST_SEL_DUPS] = "SELECT id, path, size, mtime_ns FROM files WHERE status = 'duplicate' AND "
                    "image_id IN (SELECT id FROM images WHERE file_id = ?) ORDER BY path",
};

struct Writer {
    RnStore *store;
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    RnNpyWriter *thumbs;
    WriterConfig cfg;
    uint32_t in_batch;
    struct timespec batch_start;
    RnIngestSummary *sum;
};

static bool writer_prepare(Writer *w, RnError **err)
{
    for (int i = 0; i < ST_COUNT; i++)
        if ((w->st[i] = rn_sql_prepare(w->db, writer_sql[i], err)) == NULL)
            return false;
    return true;
}

static void writer_finalize(Writer *w)
{
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(w->st[i]);
}

/* Steps a statement expected to yield one id (RETURNING / SELECT id). */
static bool step_id(Writer *w, sqlite3_stmt *st, int64_t *id, bool *found, RnError **err)
{
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found)
        *id = sqlite3_column_int64(st, 0);
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || rn_sql_fail(w->db, sqlite3_sql(st), err);
}

/* Names thumbs.npy in an error of the npy writer (which knows no path):
 * a full disk must say which file it could not grow. */
static bool thumbs_fail(const Writer *w, RnError *local, RnError **err)
{
    rn_error_set(err, rn_error_code(local), "%s/%s: %s", rn_store_path(w->store), RN_STORE_THUMBS,
                 rn_error_message(local));
    rn_error_free(local);
    return false;
}

static bool thumbs_sync(Writer *w, RnError **err)
{
    RnError *local = NULL;
    return rn_npy_writer_sync(w->thumbs, &local) || thumbs_fail(w, local, err);
}

/* Thumbnails and catalogue become durable together: rows first, then the
 * transaction that records how many rows to trust. */
static bool writer_commit(Writer *w, RnError **err)
{
    if (w->thumbs != NULL &&
        (!thumbs_sync(w, err) ||
         !rn_store_meta_set(w->store, "thumbs_committed",
                            (int64_t)rn_npy_writer_rows(w->thumbs), err)))
        return false;
    if (!rn_sql_exec(w->db, "COMMIT", err))
        return false;
    w->in_batch = 0;
    clock_gettime(CLOCK_MONOTONIC, &w->batch_start);
    return rn_sql_exec(w->db, "BEGIN IMMEDIATE", err);
}

bool rn_writer_maybe_commit(Writer *w, RnError **err)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double age = (double)(t.tv_sec - w->batch_start.tv_sec) +
                 (double)(t.tv_nsec - w->batch_start.tv_nsec) / 1e9;
    if (w->in_batch >= w->cfg.batch_files || (w->in_batch > 0 && age >= w->cfg.batch_seconds))
        return writer_commit(w, err);
    return true;
}

static bool write_item(Writer *w, const IngestItem *it, RnError **err);

/* A duplicate file whose first copy is going away. */
typedef struct Orphan {
    char *path;
    uint64_t size;
    int64_t mtime_ns;
} Orphan;

/* Takes out the duplicates of the images of file id (their rows go; the
 * caller writes them again, so the first of them holds the image now). */
static bool take_duplicates(Writer *w, int64_t id, Orphan **out, size_t *n, RnError **err)
{
    sqlite3_stmt *st = w->st[ST_SEL_DUPS];
    sqlite3_bind_int64(st, 1, id);
    size_t cap = 0;
    int rc;
    bool ok = true;
    *out = NULL;
    *n = 0;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 4;
            Orphan *grown = rn_realloc(*out, cap * sizeof *grown, err);
            if (!(ok = grown != NULL))
                break;
            *out = grown;
        }
        Orphan *o = &(*out)[*n];
        o->path = rn_strdup((const char *)sqlite3_column_text(st, 1), err);
        o->size = (uint64_t)sqlite3_column_int64(st, 2);
        o->mtime_ns = sqlite3_column_int64(st, 3);
        ok = o->path != NULL;
        *n += ok;
    }
    sqlite3_reset(st);
    if (ok && rc != SQLITE_DONE)
        ok = rn_sql_fail(w->db, "duplicates", err);
    for (size_t i = 0; ok && i < *n; i++) {
        sqlite3_stmt *del = w->st[ST_DEL_FILE];
        sqlite3_stmt *sel = w->st[ST_SEL_FILE];
        int64_t dup_id = 0;
        bool found = false;
        sqlite3_bind_text(sel, 1, (*out)[i].path, -1, SQLITE_STATIC);
        if (sqlite3_step(sel) == SQLITE_ROW) {
            dup_id = sqlite3_column_int64(sel, 0);
            found = true;
        }
        sqlite3_reset(sel);
        if (found) {
            sqlite3_bind_int64(del, 1, dup_id);
            ok = rn_sql_step_done(w->db, del, "promote duplicate", err);
        }
    }
    return ok;
}

/* Writes the duplicates again from their own files: the first in path
 * order becomes the image's holder, the others its duplicates. A copy that
 * is gone from the disk is simply forgotten. */
static bool promote_duplicates(Writer *w, Orphan *dups, size_t n, RnError **err)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        IngestItem it = {.path = dups[i].path, .size = dups[i].size,
                         .mtime_ns = dups[i].mtime_ns};
        dups[i].path = NULL;
        struct stat st;
        if (ok && stat(it.path, &st) == 0) {
            rn_extract_file(w->cfg.extract, &it);
            ok = write_item(w, &it, err);
        }
        rn_ingest_item_clear(&it);
    }
    for (size_t i = 0; i < n; i++)
        free(dups[i].path);
    free(dups);
    return ok;
}

/* A path seen before: unchanged -> nothing to do; changed -> its old rows
 * go, and copies of its images that other files hold take its place. */
static bool forget_old_version(Writer *w, const IngestItem *it, bool *unchanged, RnError **err)
{
    sqlite3_stmt *st = w->st[ST_SEL_FILE];
    sqlite3_bind_text(st, 1, it->path, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int64_t id = 0;
    *unchanged = false;
    if (rc == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        *unchanged = (uint64_t)sqlite3_column_int64(st, 1) == it->size &&
                     sqlite3_column_int64(st, 2) == it->mtime_ns &&
                     sqlite3_column_int(st, 3) == 0;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rn_sql_fail(w->db, "files", err);
    if (rc == SQLITE_DONE || *unchanged)
        return true;
    Orphan *dups = NULL;
    size_t n_dups = 0;
    bool ok = take_duplicates(w, id, &dups, &n_dups, err);
    static const int order[] = {ST_DEL_IMAGE_ELEMENTS, ST_DEL_IMAGES, ST_DEL_QUARANTINE,
                                ST_DEL_REPORTS, ST_DEL_FILE};
    for (size_t i = 0; ok && i < sizeof order / sizeof order[0]; i++) {
        sqlite3_bind_int64(w->st[order[i]], 1, id);
        ok = rn_sql_step_done(w->db, w->st[order[i]], "forget changed file", err);
    }
    return promote_duplicates(w, dups, n_dups, err) && ok;
}

static bool insert_file(Writer *w, const IngestItem *it, int64_t *file_id, RnError **err)
{
    sqlite3_stmt *st = w->st[ST_INS_FILE];
    sqlite3_bind_text(st, 1, it->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (int64_t)it->size);
    sqlite3_bind_int64(st, 3, it->mtime_ns);
    sqlite3_bind_text(st, 4, rn_item_kind_status(it->kind), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, w->cfg.run_id);
    if (!rn_sql_step_done(w->db, st, "files", err))
        return false;
    *file_id = sqlite3_last_insert_rowid(w->db);
    return true;
}

static bool update_file(Writer *w, int64_t file_id, const char *status, int64_t image_id,
                        RnError **err)
{
    sqlite3_stmt *st = w->st[ST_UPD_FILE];
    sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    if (image_id > 0)
        sqlite3_bind_int64(st, 2, image_id);
    sqlite3_bind_int64(st, 3, file_id);
    return rn_sql_step_done(w->db, st, "files", err);
}

static bool insert_quarantine(Writer *w, const IngestItem *it, int64_t file_id, RnError **err)
{
    sqlite3_stmt *st = w->st[ST_INS_QUARANTINE];
    sqlite3_bind_int64(st, 1, file_id);
    sqlite3_bind_text(st, 2, it->path, -1, SQLITE_STATIC);
    if (it->q_offset >= 0)
        sqlite3_bind_int64(st, 3, it->q_offset);
    sqlite3_bind_text(st, 4, it->q_stage, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, rn_error_code_name(it->q_code), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, it->q_reason ? it->q_reason : "unknown", -1, SQLITE_STATIC);
    w->sum->quarantined++;
    return rn_sql_step_done(w->db, st, "quarantine", err);
}

static bool upsert_study(Writer *w, const IngestItem *it, int64_t *id, RnError **err)
{
    *id = 0;
    if (it->field[F_STUDY_UID] == NULL)
        return true;
    sqlite3_stmt *st = w->st[ST_UPS_STUDY];
    static const ItemField cols[] = {F_STUDY_UID, F_ACCESSION, F_STUDY_ID, F_STUDY_DATE,
                                     F_STUDY_DESC, F_PATIENT_ID, F_EXAM_ID};
    for (int i = 0; i < 7; i++)
        rn_sql_bind_text_or_null(st, i + 1, it->field[cols[i]]);
    bool found;
    return step_id(w, st, id, &found, err);
}

static bool upsert_series(Writer *w, const IngestItem *it, int64_t study, int64_t *id,
                          RnError **err)
{
    *id = 0;
    if (it->field[F_SERIES_UID] == NULL)
        return true;
    sqlite3_stmt *st = w->st[ST_UPS_SERIES];
    rn_sql_bind_text_or_null(st, 1, it->field[F_SERIES_UID]);
    if (study > 0)
        sqlite3_bind_int64(st, 2, study);
    rn_sql_bind_text_or_null(st, 3, it->field[F_MODALITY]);
    rn_sql_bind_text_or_null(st, 4, it->field[F_SERIES_NUMBER]);
    rn_sql_bind_text_or_null(st, 5, it->field[F_SERIES_DESC]);
    bool found;
    return step_id(w, st, id, &found, err);
}

static void bind_int_or_null(sqlite3_stmt *st, int i, int64_t v, bool present)
{
    if (present)
        sqlite3_bind_int64(st, i, v);
}

static bool insert_image(Writer *w, const IngestItem *it, int64_t file_id, int64_t study,
                         int64_t series, int64_t thumb_index, int64_t *image_id, RnError **err)
{
    sqlite3_stmt *st = w->st[ST_INS_IMAGE];
    sqlite3_bind_int64(st, 1, file_id);
    rn_sql_bind_text_or_null(st, 2, it->field[F_SOP_UID]);
    rn_sql_bind_text_or_null(st, 3, it->field[F_SOP_CLASS]);
    bind_int_or_null(st, 4, study, study > 0);
    bind_int_or_null(st, 5, series, series > 0);
    rn_sql_bind_text_or_null(st, 6, it->field[F_MODALITY]);
    rn_sql_bind_text_or_null(st, 7, it->field[F_BODY_PART]);
    sqlite3_bind_text(st, 8, it->region ? it->region : "", -1, SQLITE_STATIC);
    rn_sql_bind_text_or_null(st, 9, it->ts_uid);
    bind_int_or_null(st, 10, it->rows, it->rows > 0);
    bind_int_or_null(st, 11, it->columns, it->columns > 0);
    bind_int_or_null(st, 12, it->frames, it->frames > 0);
    rn_sql_bind_text_or_null(st, 13, it->photometric);
    sqlite3_bind_int(st, 14, it->kind == ITEM_IMAGE);
    rn_sql_bind_text_or_null(st, 15, it->drop_reason);
    rn_sql_bind_text_or_null(st, 16, it->window_source);
    if (it->thumb != NULL) {
        sqlite3_bind_double(st, 17, it->window_center);
        sqlite3_bind_double(st, 18, it->window_width);
    }
    bind_int_or_null(st, 19, thumb_index, thumb_index >= 0);
    if (!rn_sql_step_done(w->db, st, "images", err))
        return false;
    *image_id = sqlite3_last_insert_rowid(w->db);
    return true;
}

static bool insert_elements_and_sr(Writer *w, const IngestItem *it, int64_t file_id,
                                   int64_t image_id, RnError **err)
{
    sqlite3_stmt *st = w->st[ST_INS_ELEMENTS];
    sqlite3_bind_int64(st, 1, image_id);
    sqlite3_bind_text(st, 2, it->elements.data ? (const char *)it->elements.data : "{}", -1,
                      SQLITE_STATIC);
    if (!rn_sql_step_done(w->db, st, "elements", err))
        return false;
    if (it->sr_text == NULL)
        return true;
    st = w->st[ST_INS_SR];
    sqlite3_bind_int64(st, 1, file_id);
    rn_sql_bind_text_or_null(st, 2, it->field[F_STUDY_UID]);
    rn_sql_bind_text_or_null(st, 3, it->field[F_ACCESSION]);
    sqlite3_bind_text(st, 4, it->sr_text, -1, SQLITE_STATIC);
    return rn_sql_step_done(w->db, st, "reports", err);
}

/* A new DICOM object (not a duplicate): study, series, image, thumbnail.
 * Study and series rows take each value from the first object that has it. */
static bool write_object(Writer *w, const IngestItem *it, int64_t file_id, int64_t *image_id,
                         RnError **err)
{
    int64_t study, series, thumb_index = -1;
    if (!upsert_study(w, it, &study, err) || !upsert_series(w, it, study, &series, err))
        return false;
    if (it->thumb != NULL && w->thumbs != NULL) {
        thumb_index = (int64_t)rn_npy_writer_rows(w->thumbs);
        RnError *local = NULL;
        if (!rn_npy_writer_append(w->thumbs, it->thumb, 1, &local))
            return thumbs_fail(w, local, err);
    }
    if (!insert_image(w, it, file_id, study, series, thumb_index, image_id, err) ||
        !insert_elements_and_sr(w, it, file_id, *image_id, err))
        return false;
    w->sum->images += it->kind == ITEM_IMAGE;
    return true;
}

static bool write_dicom(Writer *w, const IngestItem *it, int64_t file_id, RnError **err)
{
    int64_t image_id = 0;
    bool dup = false;
    if (it->field[F_SOP_UID] != NULL) {
        sqlite3_stmt *st = w->st[ST_SEL_SOP];
        sqlite3_bind_text(st, 1, it->field[F_SOP_UID], -1, SQLITE_STATIC);
        if (!step_id(w, st, &image_id, &dup, err))
            return false;
    }
    if (dup) {
        w->sum->duplicates++;
        return update_file(w, file_id, "duplicate", image_id, err);
    }
    if (!write_object(w, it, file_id, &image_id, err))
        return false;
    if (it->quarantined && !insert_quarantine(w, it, file_id, err))
        return false;
    return update_file(w, file_id, rn_item_kind_status(it->kind), image_id, err);
}

/* A DICOM object without SOPInstanceUID cannot be told apart from any
 * other: it is quarantined, not catalogued. */
static bool lacks_identity(const IngestItem *it)
{
    return (it->kind == ITEM_IMAGE || it->kind == ITEM_OBJECT || it->kind == ITEM_SR) &&
           it->field[F_SOP_UID] == NULL;
}

static bool write_item(Writer *w, const IngestItem *given, RnError **err)
{
    bool unchanged;
    if (!forget_old_version(w, given, &unchanged, err))
        return false;
    if (unchanged)
        return true; /* the same path twice in one run */
    IngestItem no_uid;
    const IngestItem *it = given;
    if (lacks_identity(given)) {
        no_uid = *given; /* shallow: only the quarantine fields differ */
        no_uid.kind = ITEM_QUARANTINED;
        no_uid.q_stage = "header";
        no_uid.q_code = RN_ERROR_PARSE;
        no_uid.q_reason = (char *)"no SOPInstanceUID (0008,0018)";
        no_uid.q_offset = -1;
        it = &no_uid;
    }
    int64_t file_id;
    if (!insert_file(w, it, &file_id, err))
        return false;
    w->sum->files_new++;
    w->sum->bytes_read += it->size;
    w->in_batch++;
    switch (it->kind) {
    case ITEM_NOTDICOM:
        w->sum->non_dicom++;
        return true;
    case ITEM_DICOMDIR:
        w->sum->dicomdir++;
        return true;
    case ITEM_QUARANTINED:
        return insert_quarantine(w, it, file_id, err);
    default:
        return write_dicom(w, it, file_id, err);
    }
}

bool rn_writer_item(Writer *w, const IngestItem *it, RnError **err)
{
    return write_item(w, it, err);
}

/* Opens thumbs.npy and cuts it back to the row count the catalogue trusts. */
static bool open_thumbs(Writer *w, RnError **err)
{
    if (w->cfg.thumb_size == 0)
        return true;
    char *path = rn_store_file_path(w->store, RN_STORE_THUMBS, err);
    if (path == NULL)
        return false;
    size_t shape[2] = {w->cfg.thumb_size, w->cfg.thumb_size};
    RnError *local = NULL;
    w->thumbs = rn_npy_writer_open(path, RN_DTYPE_U8, 2, shape, &local);
    free(path);
    if (w->thumbs == NULL)
        return thumbs_fail(w, local, err);
    int64_t committed = 0;
    bool found;
    if (!rn_store_meta_get(w->store, "thumbs_committed", &committed, &found, err))
        return false;
    size_t rows = rn_npy_writer_rows(w->thumbs);
    if ((uint64_t)committed > rows) {
        rn_error_set(err, RN_ERROR_IO, "%s: thumbs.npy has %zu rows, the catalogue %lld",
                     rn_store_path(w->store), rows, (long long)committed);
        return false;
    }
    return rows == (size_t)committed ||
           rn_npy_writer_truncate(w->thumbs, (size_t)committed, &local) ||
           thumbs_fail(w, local, err);
}

Writer *rn_writer_open(RnStore *s, const WriterConfig *cfg, RnIngestSummary *sum, RnError **err)
{
    Writer *w = rn_calloc(1, sizeof *w, err);
    if (w == NULL)
        return NULL;
    w->store = s;
    w->db = s->db;
    w->cfg = *cfg;
    w->sum = sum;
    if (!open_thumbs(w, err) || !writer_prepare(w, err) ||
        !rn_sql_exec(w->db, "BEGIN IMMEDIATE", err)) {
        rn_writer_close(w, NULL);
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &w->batch_start);
    return w;
}

bool rn_writer_finish(Writer *w, RnError **err)
{
    return writer_commit(w, err) && rn_sql_exec(w->db, "COMMIT", err);
}

bool rn_writer_close(Writer *w, RnError **err)
{
    if (w == NULL)
        return true;
    if (!sqlite3_get_autocommit(w->db))
        sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
    writer_finalize(w);
    bool ok = rn_npy_writer_close(w->thumbs, err);
    free(w);
    return ok;
}
