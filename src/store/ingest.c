/* Ingest: a walker thread streams the folders (skipping files whose
 * (path, size, mtime) is committed), N workers extract files in parallel,
 * and this thread alone writes the catalogue, in walk order, in batched
 * transactions that also commit the thumbnail row count. The window of
 * files in flight is bounded, so memory does not grow with the archive. */
#include "store/ingest_internal.h"

#include "radnet/image.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_BATCH_FILES 500u
#define DEFAULT_BATCH_SECONDS 1.0
#define SLOTS_PER_WORKER 8u

void rn_ingest_options_init(RnIngestOptions *o)
{
    memset(o, 0, sizeof *o);
    o->threads = 0;
    o->count_first = true;
}

/* ---- the bounded, ordered pipeline ------------------------------------ */

typedef enum SlotState { SLOT_EMPTY = 0, SLOT_QUEUED, SLOT_WORKING, SLOT_DONE } SlotState;

typedef struct Slot {
    SlotState state;
    IngestItem item;
} Slot;

typedef struct Pipeline {
    pthread_mutex_t mu;
    pthread_cond_t job_cv, done_cv, space_cv;
    Slot *slots;
    size_t cap;
    uint64_t issued, claimed, consumed; /* sequence numbers */
    bool walk_done, abort;
    RnError *walk_err;
    uint64_t files_seen, unchanged, bytes, dirs_unreadable;
    const RnIngestOptions *opts;
    const char *catalog_path;
    ExtractConfig cfg;
} Pipeline;

static void pipeline_abort(Pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    p->abort = true;
    pthread_cond_broadcast(&p->job_cv);
    pthread_cond_broadcast(&p->space_cv);
    pthread_cond_broadcast(&p->done_cv);
    pthread_mutex_unlock(&p->mu);
}

/* Hands one file to the workers, waiting while the window is full. */
static bool issue(Pipeline *p, const RnWalkEntry *e, RnError **err)
{
    char *path = rn_strdup(e->path, err);
    if (path == NULL)
        return false;
    pthread_mutex_lock(&p->mu);
    while (p->issued >= p->consumed + p->cap && !p->abort)
        pthread_cond_wait(&p->space_cv, &p->mu);
    bool ok = !p->abort;
    if (ok) {
        Slot *s = &p->slots[p->issued % p->cap];
        memset(&s->item, 0, sizeof s->item);
        s->item.path = path;
        s->item.size = e->size;
        s->item.mtime_ns = e->mtime_ns;
        s->state = SLOT_QUEUED;
        p->issued++;
        pthread_cond_signal(&p->job_cv);
    } else {
        free(path);
    }
    pthread_mutex_unlock(&p->mu);
    return ok;
}

/* True when (path, size, mtime) is already committed. */
static bool is_unchanged(sqlite3_stmt *st, const RnWalkEntry *e)
{
    sqlite3_bind_text(st, 1, e->path, -1, SQLITE_STATIC);
    bool same = sqlite3_step(st) == SQLITE_ROW &&
                (uint64_t)sqlite3_column_int64(st, 0) == e->size &&
                sqlite3_column_int64(st, 1) == e->mtime_ns;
    sqlite3_reset(st);
    return same;
}

static bool walk_all(Pipeline *p, sqlite3_stmt *lookup, RnError **err)
{
    RnWalk *w = rn_walk_open(p->opts->sources, p->opts->n_sources, err);
    if (w == NULL)
        return false;
    RnWalkEntry e;
    bool ok = true;
    while (ok && rn_walk_next(w, &e, err)) {
        bool same = is_unchanged(lookup, &e);
        pthread_mutex_lock(&p->mu);
        p->files_seen++;
        p->unchanged += same;
        pthread_mutex_unlock(&p->mu);
        if (!same)
            ok = issue(p, &e, err);
    }
    ok = ok && !(err && *err);
    pthread_mutex_lock(&p->mu);
    p->dirs_unreadable = rn_walk_unreadable(w);
    pthread_mutex_unlock(&p->mu);
    rn_walk_close(w);
    return ok;
}

static void *walker_main(void *arg)
{
    Pipeline *p = arg;
    RnError *err = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *lookup = NULL;
    /* Its own connection: in WAL mode it reads committed rows while the
     * writer keeps its transaction open. */
    bool ok = sqlite3_open_v2(p->catalog_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK ||
              rn_sql_fail(db, "open for reading", &err);
    if (ok) {
        sqlite3_busy_timeout(db, 30000);
        lookup = rn_sql_prepare(db, "SELECT size, mtime_ns FROM files WHERE path = ?", &err);
        ok = lookup != NULL && walk_all(p, lookup, &err);
    }
    sqlite3_finalize(lookup);
    sqlite3_close_v2(db);
    pthread_mutex_lock(&p->mu);
    p->walk_done = true;
    if (!ok && p->walk_err == NULL) {
        p->walk_err = err ? err : NULL;
        err = NULL;
        if (p->walk_err == NULL)
            rn_error_set(&p->walk_err, RN_ERROR_INTERNAL, "walk stopped");
        p->abort = true;
    }
    pthread_cond_broadcast(&p->job_cv);
    pthread_cond_broadcast(&p->done_cv);
    pthread_cond_broadcast(&p->space_cv);
    pthread_mutex_unlock(&p->mu);
    rn_error_free(err);
    return NULL;
}

static void *worker_main(void *arg)
{
    Pipeline *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->claimed == p->issued && !p->walk_done && !p->abort)
            pthread_cond_wait(&p->job_cv, &p->mu);
        if (p->abort || p->claimed == p->issued)
            break;
        Slot *s = &p->slots[p->claimed++ % p->cap];
        s->state = SLOT_WORKING;
        pthread_mutex_unlock(&p->mu);
        rn_extract_file(&p->cfg, &s->item);
        pthread_mutex_lock(&p->mu);
        s->state = SLOT_DONE;
        pthread_cond_broadcast(&p->done_cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Takes the next item in walk order; false at the end (or on abort).
 * Wakes up at least every 200 ms so batches commit on time. */
static bool next_item(Pipeline *p, IngestItem *out, bool *timed_out)
{
    pthread_mutex_lock(&p->mu);
    *timed_out = false;
    for (;;) {
        Slot *s = &p->slots[p->consumed % p->cap];
        if (p->abort || (p->walk_done && p->consumed == p->issued)) {
            pthread_mutex_unlock(&p->mu);
            return false;
        }
        if (p->consumed < p->issued && s->state == SLOT_DONE) {
            *out = s->item;
            memset(&s->item, 0, sizeof s->item);
            s->state = SLOT_EMPTY;
            p->consumed++;
            pthread_cond_broadcast(&p->space_cv);
            pthread_mutex_unlock(&p->mu);
            return true;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 200 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&p->done_cv, &p->mu, &until) == ETIMEDOUT) {
            *timed_out = true;
            pthread_mutex_unlock(&p->mu);
            return true;
        }
    }
}

/* ---- the writer ------------------------------------------------------ */

enum {
    ST_SEL_FILE, ST_DEL_FILE, ST_DEL_IMAGE_ELEMENTS, ST_DEL_IMAGES, ST_DEL_QUARANTINE,
    ST_DEL_REPORTS, ST_INS_FILE, ST_UPD_FILE, ST_INS_QUARANTINE, ST_SEL_SOP, ST_UPS_STUDY,
    ST_UPS_SERIES, ST_INS_IMAGE, ST_INS_ELEMENTS, ST_INS_SR, ST_COUNT
};

static const char *const writer_sql[ST_COUNT] = {
    [ST_SEL_FILE] = "SELECT id, size, mtime_ns FROM files WHERE path = ?",
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
};

typedef struct Writer {
    RnStore *store;
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    RnNpyWriter *thumbs;
    uint32_t thumb_size;
    int64_t run_id;
    uint32_t batch_files, in_batch;
    double batch_seconds;
    struct timespec batch_start;
    RnIngestSummary *sum;
} Writer;

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

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

/* Thumbnails and catalogue become durable together: rows first, then the
 * transaction that records how many rows to trust. */
static bool writer_commit(Writer *w, RnError **err)
{
    if (w->thumbs != NULL &&
        (!rn_npy_writer_sync(w->thumbs, err) ||
         !rn_store_meta_set(w->store, "thumbs_committed",
                            (int64_t)rn_npy_writer_rows(w->thumbs), err)))
        return false;
    if (!rn_sql_exec(w->db, "COMMIT", err))
        return false;
    w->in_batch = 0;
    clock_gettime(CLOCK_MONOTONIC, &w->batch_start);
    return rn_sql_exec(w->db, "BEGIN IMMEDIATE", err);
}

static bool writer_maybe_commit(Writer *w, RnError **err)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double age = (double)(t.tv_sec - w->batch_start.tv_sec) +
                 (double)(t.tv_nsec - w->batch_start.tv_nsec) / 1e9;
    if (w->in_batch >= w->batch_files || (w->in_batch > 0 && age >= w->batch_seconds))
        return writer_commit(w, err);
    return true;
}

/* A path seen before: unchanged -> nothing to do; changed -> its old rows go. */
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
                     sqlite3_column_int64(st, 2) == it->mtime_ns;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rn_sql_fail(w->db, "files", err);
    if (rc == SQLITE_DONE || *unchanged)
        return true;
    static const int order[] = {ST_DEL_IMAGE_ELEMENTS, ST_DEL_IMAGES, ST_DEL_QUARANTINE,
                                ST_DEL_REPORTS, ST_DEL_FILE};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        sqlite3_bind_int64(w->st[order[i]], 1, id);
        if (!rn_sql_step_done(w->db, w->st[order[i]], "forget changed file", err))
            return false;
    }
    return true;
}

static bool insert_file(Writer *w, const IngestItem *it, int64_t *file_id, RnError **err)
{
    sqlite3_stmt *st = w->st[ST_INS_FILE];
    sqlite3_bind_text(st, 1, it->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (int64_t)it->size);
    sqlite3_bind_int64(st, 3, it->mtime_ns);
    sqlite3_bind_text(st, 4, rn_item_kind_status(it->kind), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, w->run_id);
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
        if (!rn_npy_writer_append(w->thumbs, it->thumb, 1, err))
            return false;
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

static bool write_item(Writer *w, const IngestItem *it, RnError **err)
{
    bool unchanged;
    if (!forget_old_version(w, it, &unchanged, err))
        return false;
    if (unchanged)
        return true; /* the same path twice in one run */
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

/* ---- workspace settings, thumbnails, runs ----------------------------- */

static bool check_settings(RnStore *s, const RnIngestOptions *o, uint32_t *thumb_size,
                           RnError **err)
{
    int64_t size = 0, pixels = 0;
    bool has_size, has_pixels;
    if (!rn_store_meta_get(s, "thumb_size", &size, &has_size, err) ||
        !rn_store_meta_get(s, "pixels", &pixels, &has_pixels, err))
        return false;
    if (has_pixels && (pixels != 0) != !o->no_pixels) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: workspace was created %s --no-pixels",
                     rn_store_path(s), pixels ? "without" : "with");
        return false;
    }
    uint32_t want = o->thumb_size ? o->thumb_size : has_size && size > 0 ? (uint32_t)size
                                                                         : RN_IMAGE_DEFAULT_SIZE;
    if (want > RN_IMAGE_MAX_SIZE || (has_size && size > 0 && (uint32_t)size != want)) {
        rn_error_set(err, RN_ERROR_INVALID, "thumbnail size %u: workspace uses %lld (max %u)",
                     want, (long long)size, RN_IMAGE_MAX_SIZE);
        return false;
    }
    *thumb_size = o->no_pixels ? 0 : want;
    s->thumb_size = *thumb_size;
    return rn_store_meta_set(s, "pixels", !o->no_pixels, err) &&
           rn_store_meta_set(s, "thumb_size", *thumb_size, err);
}

/* Opens thumbs.npy and cuts it back to the row count the catalogue trusts. */
static bool open_thumbs(Writer *w, RnError **err)
{
    if (w->thumb_size == 0)
        return true;
    char *path = rn_store_file_path(w->store, RN_STORE_THUMBS, err);
    if (path == NULL)
        return false;
    size_t shape[2] = {w->thumb_size, w->thumb_size};
    w->thumbs = rn_npy_writer_open(path, RN_DTYPE_U8, 2, shape, err);
    free(path);
    int64_t committed = 0;
    bool found;
    if (w->thumbs == NULL || !rn_store_meta_get(w->store, "thumbs_committed", &committed, &found, err))
        return false;
    size_t rows = rn_npy_writer_rows(w->thumbs);
    if ((uint64_t)committed > rows) {
        rn_error_set(err, RN_ERROR_IO, "%s: thumbs.npy has %zu rows, the catalogue %lld",
                     rn_store_path(w->store), rows, (long long)committed);
        return false;
    }
    return rows == (size_t)committed ||
           rn_npy_writer_truncate(w->thumbs, (size_t)committed, err);
}

static bool begin_run(Writer *w, const RnIngestOptions *o, RnError **err)
{
    RnBuf cmd = RN_BUF_INIT;
    bool ok = rn_buf_append_str(&cmd, "ingest", err);
    for (size_t i = 0; ok && i < o->n_sources; i++)
        ok = rn_buf_printf(&cmd, err, " %s", o->sources[i]);
    ok = ok && rn_buf_printf(&cmd, err, " -j %d%s", o->threads, o->no_pixels ? " --no-pixels" : "") &&
         rn_buf_terminate(&cmd, err) &&
         rn_store_run_begin(w->store, "ingest", (const char *)cmd.data, NULL, &w->run_id, err);
    rn_buf_free(&cmd);
    return ok;
}

static bool end_run(Writer *w, RnError **err)
{
    return rn_store_run_set_counts(w->store, w->run_id, w->sum->files_seen, w->sum->files_new,
                                   w->sum->quarantined, err) &&
           rn_store_run_end(w->store, w->run_id, RN_RUN_DONE, NULL, err);
}

/* ---- reports ------------------------------------------------------------ */

typedef struct ReportImport {
    sqlite3 *db;
    sqlite3_stmt *ins;
    int64_t source_id;
    uint64_t rows;
} ReportImport;

static bool report_sink(void *user, const RnReportRow *row, RnError **err)
{
    ReportImport *r = user;
    sqlite3_bind_int64(r->ins, 1, r->source_id);
    sqlite3_bind_int64(r->ins, 2, (int64_t)row->line);
    rn_sql_bind_text_or_null(r->ins, 3, row->accession);
    rn_sql_bind_text_or_null(r->ins, 4, row->study_uid);
    rn_sql_bind_text_or_null(r->ins, 5, row->exam_id);
    sqlite3_bind_text(r->ins, 6, row->text, -1, SQLITE_STATIC);
    r->rows++;
    return rn_sql_step_done(r->db, r->ins, "reports", err);
}

/* Runs sql with its parameters bound from v (integers) in order; a text
 * parameter, when given, is bound first. */
static bool exec_params(sqlite3 *db, const char *sql, const char *text, const int64_t *v,
                        int nv, RnError **err)
{
    sqlite3_stmt *st = rn_sql_prepare(db, sql, err);
    if (st == NULL)
        return false;
    int at = 1;
    if (text != NULL)
        sqlite3_bind_text(st, at++, text, -1, SQLITE_STATIC);
    for (int i = 0; i < nv; i++)
        sqlite3_bind_int64(st, at++, v[i]);
    bool ok = rn_sql_step_done(db, st, "report import", err);
    sqlite3_finalize(st);
    return ok;
}

/* Finds the stored version of a report file: 1 unchanged, 0 new/changed. */
static int report_source_state(sqlite3 *db, const char *path, const struct stat *st_file,
                               int64_t *old_id, RnError **err)
{
    sqlite3_stmt *st = rn_sql_prepare(db, "SELECT id, size, mtime_ns FROM report_sources "
                                          "WHERE path = ?", err);
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    int state = 0;
    *old_id = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *old_id = sqlite3_column_int64(st, 0);
        int64_t mtime = (int64_t)st_file->st_mtim.tv_sec * 1000000000 + st_file->st_mtim.tv_nsec;
        state = sqlite3_column_int64(st, 1) == (int64_t)st_file->st_size &&
                sqlite3_column_int64(st, 2) == mtime;
    }
    sqlite3_finalize(st);
    return state;
}

static bool import_reports_tx(sqlite3 *db, const char *path, const struct stat *sf,
                              int64_t old_id, RnIngestSummary *sum, RnError **err)
{
    int64_t mtime = (int64_t)sf->st_mtim.tv_sec * 1000000000 + sf->st_mtim.tv_nsec;
    ReportImport r = {db, NULL, 0, 0};
    uint64_t skipped = 0;
    const int64_t key[2] = {(int64_t)sf->st_size, mtime};
    bool ok = (old_id == 0 ||
               (exec_params(db, "DELETE FROM reports WHERE source_id = ?", NULL, &old_id, 1, err) &&
                exec_params(db, "DELETE FROM report_sources WHERE id = ?", NULL, &old_id, 1, err))) &&
              exec_params(db, "INSERT INTO report_sources(path, size, mtime_ns, rows, skipped) "
                              "VALUES(?, ?, ?, 0, 0)", path, key, 2, err);
    r.source_id = sqlite3_last_insert_rowid(db);
    ok = ok && (r.ins = rn_sql_prepare(db, "INSERT INTO reports(source_id, line, accession, "
                                           "study_uid, exam_id, text) VALUES(?, ?, ?, ?, ?, ?)",
                                       err)) != NULL &&
         rn_reports_read(path, report_sink, &r, &skipped, err) &&
         exec_params(db, "UPDATE report_sources SET rows = ?, skipped = ? WHERE id = ?", NULL,
                     (const int64_t[3]){(int64_t)r.rows, (int64_t)skipped, r.source_id}, 3, err);
    sqlite3_finalize(r.ins);
    sum->report_rows = r.rows;
    return ok;
}

/* A report file is imported whole in one transaction, once per version. */
static bool import_reports(sqlite3 *db, const char *given, RnIngestSummary *sum, RnError **err)
{
    char *path = realpath(given, NULL);
    struct stat sf;
    if (path == NULL || stat(path, &sf) != 0) {
        rn_error_set(err, RN_ERROR_IO, "%s: %s", given, strerror(errno));
        free(path);
        return false;
    }
    int64_t old_id;
    int state = report_source_state(db, path, &sf, &old_id, err);
    bool ok = state >= 0;
    if (state == 0) {
        ok = rn_sql_exec(db, "BEGIN IMMEDIATE", err);
        if (ok && import_reports_tx(db, path, &sf, old_id, sum, err))
            ok = rn_sql_exec(db, "COMMIT", err);
        else if (ok)
            ok = (sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), false);
    }
    free(path);
    return ok;
}

/* Joins unmatched report rows to studies: StudyInstanceUID, then
 * AccessionNumber, then ExamID (the study's ScheduledProcedureStepID, else
 * its AccessionNumber, else its StudyID). */
static bool match_reports(sqlite3 *db, RnError **err)
{
    return rn_sql_exec(
        db, "UPDATE reports SET study_id = coalesce("
            "(SELECT id FROM studies s WHERE s.study_uid = reports.study_uid),"
            "(SELECT min(id) FROM studies s WHERE s.accession = reports.accession),"
            "(SELECT min(id) FROM studies s WHERE s.exam_id = reports.exam_id),"
            "(SELECT min(id) FROM studies s WHERE s.accession = reports.exam_id),"
            "(SELECT min(id) FROM studies s WHERE s.study_id = reports.exam_id)) "
            "WHERE study_id IS NULL", err);
}

static bool query_int(sqlite3 *db, const char *sql, uint64_t *out, RnError **err)
{
    sqlite3_stmt *st = rn_sql_prepare(db, sql, err);
    if (st == NULL)
        return false;
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rn_sql_fail(db, sql, err);
}

/* ---- the run ------------------------------------------------------------ */

static void report_progress(const RnIngestOptions *o, Pipeline *p, uint64_t total)
{
    if (o->progress == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    RnIngestProgress pr = {p->unchanged + p->consumed, total, p->bytes};
    pthread_mutex_unlock(&p->mu);
    o->progress(o->progress_user, &pr);
}

/* Consumes every item in walk order; false on a catalogue failure. */
static bool write_all(Writer *w, Pipeline *p, uint64_t total, RnError **err)
{
    IngestItem it;
    bool timed_out;
    bool ok = rn_sql_exec(w->db, "BEGIN IMMEDIATE", err);
    clock_gettime(CLOCK_MONOTONIC, &w->batch_start);
    double last_progress = 0;
    while (ok && next_item(p, &it, &timed_out)) {
        if (!timed_out) {
            ok = write_item(w, &it, err);
            pthread_mutex_lock(&p->mu);
            p->bytes += it.size;
            pthread_mutex_unlock(&p->mu);
            rn_ingest_item_clear(&it);
        }
        ok = ok && writer_maybe_commit(w, err);
        if (now_seconds() - last_progress > 0.1) {
            last_progress = now_seconds();
            report_progress(p->opts, p, total);
        }
    }
    if (!ok) {
        sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
        return false;
    }
    report_progress(p->opts, p, total);
    return writer_commit(w, err) && rn_sql_exec(w->db, "COMMIT", err);
}

static bool pipeline_init(Pipeline *p, const RnIngestOptions *o, RnError **err)
{
    memset(p, 0, sizeof *p);
    p->opts = o;
    p->cap = SLOTS_PER_WORKER * (size_t)o->threads + 8;
    p->slots = rn_calloc(p->cap, sizeof *p->slots, err);
    if (p->slots == NULL)
        return false;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->job_cv, NULL);
    pthread_cond_init(&p->done_cv, NULL);
    pthread_cond_init(&p->space_cv, NULL);
    return true;
}

static void pipeline_free(Pipeline *p)
{
    if (p->slots == NULL)
        return;
    for (size_t i = 0; i < p->cap; i++)
        rn_ingest_item_clear(&p->slots[i].item);
    free(p->slots);
    rn_error_free(p->walk_err);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->job_cv);
    pthread_cond_destroy(&p->done_cv);
    pthread_cond_destroy(&p->space_cv);
}

/* Runs walker + workers + this writer; joins every thread before return. */
static bool run_pipeline(Writer *w, Pipeline *p, uint64_t total, RnError **err)
{
    int nthreads = p->opts->threads;
    pthread_t walker, *workers = rn_calloc((size_t)nthreads, sizeof *workers, err);
    if (workers == NULL)
        return false;
    bool walker_started = pthread_create(&walker, NULL, walker_main, p) == 0;
    bool ok = walker_started;
    int started = 0;
    for (; ok && started < nthreads; started++)
        ok = pthread_create(&workers[started], NULL, worker_main, p) == 0;
    if (!ok)
        rn_error_set(err, RN_ERROR_INTERNAL, "cannot start threads");
    ok = ok && write_all(w, p, total, err);
    pipeline_abort(p); /* no-op after a clean finish: everything is consumed */
    for (int i = 0; i < started; i++)
        pthread_join(workers[i], NULL);
    if (walker_started)
        pthread_join(walker, NULL);
    free(workers);
    if (p->walk_err != NULL) {
        rn_error_set(err, rn_error_code(p->walk_err), "%s", rn_error_message(p->walk_err));
        return false;
    }
    return ok;
}

static bool ingest_with_store(RnStore *s, const RnIngestOptions *o, RnIngestSummary *sum,
                              RnError **err)
{
    Writer w = {.store = s, .db = s->db, .sum = sum};
    w.batch_files = o->batch_files ? o->batch_files : DEFAULT_BATCH_FILES;
    w.batch_seconds = o->batch_seconds > 0 ? o->batch_seconds : DEFAULT_BATCH_SECONDS;
    RnRegionRules *rules = o->regions_path ? rn_region_rules_load(o->regions_path, err)
                                           : rn_region_rules_builtin(err);
    uint64_t total = 0;
    Pipeline p = {0};
    bool ok = rules != NULL && check_settings(s, o, &w.thumb_size, err) && open_thumbs(&w, err) &&
              begin_run(&w, o, err) &&
              (o->reports_path == NULL || import_reports(w.db, o->reports_path, sum, err)) &&
              (!o->count_first || rn_walk_count(o->sources, o->n_sources, &total, err)) &&
              writer_prepare(&w, err) && pipeline_init(&p, o, err);
    if (ok) {
        char *catalog = rn_store_file_path(s, RN_STORE_CATALOG, err);
        p.catalog_path = catalog;
        p.cfg = (ExtractConfig){rules, w.thumb_size, !o->no_pixels};
        ok = catalog != NULL && run_pipeline(&w, &p, total, err);
        sum->files_seen = p.files_seen;
        sum->files_unchanged = p.unchanged;
        sum->dirs_unreadable = p.dirs_unreadable;
        free(catalog);
    }
    writer_finalize(&w);
    pipeline_free(&p);
    ok = ok && match_reports(w.db, err) && end_run(&w, err) &&
         query_int(w.db, "SELECT count(DISTINCT file_id) FROM quarantine",
                   &sum->quarantined_total, err) &&
         query_int(w.db, "SELECT count(*) FROM reports WHERE study_id IS NOT NULL",
                   &sum->reports_matched, err) &&
         rn_sql_exec(w.db, "PRAGMA wal_checkpoint(TRUNCATE)", err);
    if (!rn_npy_writer_close(w.thumbs, ok ? err : NULL))
        ok = false;
    rn_region_rules_free(rules);
    return ok;
}

bool rn_ingest(const char *ws, const RnIngestOptions *opts, RnIngestSummary *summary,
               RnError **err)
{
    RnIngestSummary local;
    RnIngestOptions o = *opts;
    if (summary == NULL)
        summary = &local;
    memset(summary, 0, sizeof *summary);
    if (o.n_sources == 0 || o.sources == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "no source folder given");
        return false;
    }
    if (o.threads <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        o.threads = cores > 0 ? (int)cores : 1;
    }
    if (o.threads > 256)
        o.threads = 256;
    RnStore *s = rn_store_open_wait(ws, RN_STORE_CREATE, o.lock_wait, err);
    if (s == NULL)
        return false;
    bool ok = ingest_with_store(s, &o, summary, err);
    rn_store_close(s);
    return ok;
}
