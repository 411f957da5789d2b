/* Report files into the catalogue, and the join of reports to studies. */
#include "store/ingest_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* One integer (or *found false) from sql with a text and integer params. */
static bool query_id(sqlite3 *db, const char *sql, const char *text, int64_t v, int64_t *out,
                     bool *found, RnError **err)
{
    sqlite3_stmt *st = rn_sql_prepare(db, sql, err);
    if (st == NULL)
        return false;
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, v);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE || rn_sql_fail(db, "report sources", err);
}

typedef struct ReportFile {
    char *path;        /* real path */
    struct stat st;
    int64_t mtime_ns;
    const uint8_t *data;
    size_t n;
    char hash[17];     /* content: the same file under another name is seen */
} ReportFile;

static bool report_file_open(const char *given, ReportFile *f, RnError **err)
{
    static const uint8_t zero_key[16] = {0};
    memset(f, 0, sizeof *f);
    f->path = realpath(given, NULL);
    int fd = f->path ? open(f->path, O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0 || fstat(fd, &f->st) != 0) {
        rn_error_set(err, RN_ERROR_IO, "%s: %s", given, strerror(errno));
        if (fd >= 0)
            close(fd);
        return false;
    }
    if (!S_ISREG(f->st.st_mode) || f->st.st_size == 0) {
        rn_error_set(err, f->st.st_size == 0 ? RN_ERROR_PARSE : RN_ERROR_IO, "%s: %s", given,
                     f->st.st_size == 0 ? "empty report file" : "not a regular file");
        close(fd);
        return false;
    }
    f->n = (size_t)f->st.st_size;
    f->mtime_ns = (int64_t)f->st.st_mtim.tv_sec * 1000000000 + f->st.st_mtim.tv_nsec;
    /* mmap: report files can be large, and only the OS needs to hold them. */
    void *map = mmap(NULL, f->n, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        rn_error_set(err, RN_ERROR_IO, "%s: cannot map: %s", given, strerror(errno));
        return false;
    }
    f->data = map;
    rn_siphash24_hex(zero_key, f->data, f->n, f->hash);
    return true;
}

static void report_file_close(ReportFile *f)
{
    if (f->data != NULL)
        munmap((void *)f->data, f->n);
    free(f->path);
}

/* Forgets the stored version of the file at f->path (and the names that
 * only pointed at it, which a later import reads again). */
static bool forget_source(sqlite3 *db, int64_t old_id, RnError **err)
{
    return old_id == 0 ||
           (exec_params(db, "DELETE FROM reports WHERE source_id = ?", NULL, &old_id, 1, err) &&
            exec_params(db, "DELETE FROM report_sources WHERE id = ?1 OR same_as = ?1", NULL,
                        &old_id, 1, err));
}

static bool import_rows(sqlite3 *db, const ReportFile *f, RnIngestSummary *sum, RnError **err)
{
    ReportImport r = {db, NULL, 0, 0};
    uint64_t skipped = 0;
    sqlite3_stmt *src = rn_sql_prepare(db, "INSERT INTO report_sources(path, size, mtime_ns, "
                                           "rows, skipped, content_hash) "
                                           "VALUES(?, ?, ?, 0, 0, ?)", err);
    if (src == NULL)
        return false;
    sqlite3_bind_text(src, 1, f->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(src, 2, (int64_t)f->st.st_size);
    sqlite3_bind_int64(src, 3, f->mtime_ns);
    sqlite3_bind_text(src, 4, f->hash, -1, SQLITE_STATIC);
    bool ok = rn_sql_step_done(db, src, "report sources", err);
    sqlite3_finalize(src);
    r.source_id = sqlite3_last_insert_rowid(db);
    ok = ok && (r.ins = rn_sql_prepare(db, "INSERT INTO reports(source_id, line, accession, "
                                           "study_uid, exam_id, text) VALUES(?, ?, ?, ?, ?, ?)",
                                       err)) != NULL;
    RnError *local = NULL;
    if (ok && !rn_reports_read_memory(f->data, f->n, report_sink, &r, &skipped, &local)) {
        /* Name the file: the reader only knows lines. */
        rn_error_set(err, rn_error_code(local), "%s: %s", f->path, rn_error_message(local));
        ok = false;
    }
    rn_error_free(local);
    ok = ok && exec_params(db, "UPDATE report_sources SET rows = ?, skipped = ? WHERE id = ?",
                           NULL, (const int64_t[3]){(int64_t)r.rows, (int64_t)skipped,
                                                    r.source_id}, 3, err);
    sqlite3_finalize(r.ins);
    sum->report_rows = r.rows;
    return ok;
}

/* The same content already imported under another name adds no rows. */
static bool record_alias(sqlite3 *db, const ReportFile *f, int64_t original, RnError **err)
{
    const int64_t v[3] = {(int64_t)f->st.st_size, f->mtime_ns, original};
    return exec_params(db, "INSERT INTO report_sources(path, size, mtime_ns, rows, skipped, "
                           "same_as) VALUES(?, ?, ?, 0, 0, ?)", f->path, v, 3, err);
}

static bool import_tx(sqlite3 *db, const ReportFile *f, int64_t old_id, RnIngestSummary *sum,
                      RnError **err)
{
    int64_t original = 0;
    bool same_content = false;
    bool ok = forget_source(db, old_id, err) &&
              query_id(db, "SELECT id FROM report_sources WHERE content_hash = ? AND "
                           "same_as IS NULL AND id != ? ORDER BY id LIMIT 1",
                       f->hash, old_id, &original, &same_content, err);
    if (ok && same_content) {
        sum->report_same_content = true;
        return record_alias(db, f, original, err);
    }
    return ok && import_rows(db, f, sum, err);
}

/* Finds the stored version of a report file: true when it is unchanged. */
static bool source_unchanged(sqlite3 *db, const ReportFile *f, int64_t *old_id, RnError **err)
{
    sqlite3_stmt *st = rn_sql_prepare(db, "SELECT id, size, mtime_ns FROM report_sources "
                                          "WHERE path = ?", err);
    *old_id = 0;
    if (st == NULL)
        return false;
    sqlite3_bind_text(st, 1, f->path, -1, SQLITE_STATIC);
    bool same = false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *old_id = sqlite3_column_int64(st, 0);
        same = sqlite3_column_int64(st, 1) == (int64_t)f->st.st_size &&
               sqlite3_column_int64(st, 2) == f->mtime_ns;
    }
    sqlite3_finalize(st);
    return same;
}

/* A report file is imported whole in one transaction, once per version. */
bool rn_import_reports(RnStore *s, const char *given, RnIngestSummary *sum, RnError **err)
{
    ReportFile f;
    if (!report_file_open(given, &f, err)) {
        report_file_close(&f);
        return false;
    }
    int64_t old_id = 0;
    bool ok = true;
    if (!source_unchanged(s->db, &f, &old_id, err) && !(err && *err)) {
        ok = rn_sql_exec(s->db, "BEGIN IMMEDIATE", err);
        if (ok && import_tx(s->db, &f, old_id, sum, err))
            ok = rn_sql_exec(s->db, "COMMIT", err);
        else if (ok)
            ok = (sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL), false);
    }
    ok = ok && !(err && *err);
    report_file_close(&f);
    return ok;
}

/* Joins every report row to a study, from scratch each time, so the join
 * depends on what the workspace holds and not on the order things arrived:
 * a row naming a StudyInstanceUID joins that study only (UIDs are unique
 * the world over); otherwise AccessionNumber, then ExamID (the study's
 * ScheduledProcedureStepID, else its AccessionNumber, else its StudyID).
 * These repeat across sources: a key that names several studies is
 * ambiguous and joins none (-1 stops the fall-through). Only rows whose
 * study changes are written. */
#define WEAK_KEY(column, key)                                                        \
    "(SELECT CASE count(*) WHEN 0 THEN NULL WHEN 1 THEN min(id) ELSE -1 END "        \
    "FROM studies s WHERE s." column " = r." key ")"

bool rn_match_reports(RnStore *s, RnError **err)
{
    return rn_sql_exec(
        s->db,
        "UPDATE reports SET study_id = m.sid FROM (SELECT r.id AS rid, CASE "
        "WHEN r.study_uid IS NOT NULL THEN "
        "(SELECT id FROM studies s WHERE s.study_uid = r.study_uid) ELSE nullif(coalesce("
        WEAK_KEY("accession", "accession") ", " WEAK_KEY("exam_id", "exam_id") ", "
        WEAK_KEY("accession", "exam_id") ", " WEAK_KEY("study_id", "exam_id") "), -1) "
        "END AS sid FROM reports r) AS m "
        "WHERE m.rid = reports.id AND reports.study_id IS NOT m.sid", err);
}
