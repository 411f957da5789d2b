/* Run records: one row per run of a stage (parameters, status, timing). */
#include "store/store_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const run_status_names[] = {
    [RN_RUN_RUNNING] = "running",
    [RN_RUN_DONE] = "done",
    [RN_RUN_FAILED] = "failed",
    [RN_RUN_INTERRUPTED] = "interrupted",
};

const char *rn_run_status_name(RnRunStatus s)
{
    return (unsigned)s < sizeof run_status_names / sizeof run_status_names[0]
               ? run_status_names[s]
               : "unknown";
}

static RnRunStatus run_status_parse(const char *name)
{
    for (size_t i = 0; i < sizeof run_status_names / sizeof run_status_names[0]; i++)
        if (name != NULL && strcmp(name, run_status_names[i]) == 0)
            return (RnRunStatus)i;
    return RN_RUN_INTERRUPTED;
}

void rn_run_clear(RnRun *r)
{
    if (r == NULL)
        return;
    free(r->stage);
    free(r->command);
    free(r->params);
    free(r->message);
    free(r->started);
    free(r->finished);
    memset(r, 0, sizeof *r);
}

bool rn_store_run_begin(RnStore *s, const char *stage, const char *command,
                        const char *params, int64_t *run_id, RnError **err)
{
    if (!rn_store_require_writer(s, "a run record", err))
        return false;
    sqlite3_stmt *st = rn_sql_prepare(
        s->db, "INSERT INTO runs(started, command, stage, params, status) VALUES("
               "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?, ?, 'running')", err);
    if (st == NULL)
        return false;
    sqlite3_bind_text(st, 1, command ? command : stage, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, stage, -1, SQLITE_STATIC);
    rn_sql_bind_text_or_null(st, 3, params);
    bool ok = rn_sql_step_done(s->db, st, "runs", err);
    *run_id = sqlite3_last_insert_rowid(s->db);
    sqlite3_finalize(st);
    return ok;
}

bool rn_store_run_end(RnStore *s, int64_t run_id, RnRunStatus status, const char *message,
                      RnError **err)
{
    if (!rn_store_require_writer(s, "a run record", err))
        return false;
    sqlite3_stmt *st = rn_sql_prepare(
        s->db, "UPDATE runs SET finished = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), "
               "status = ?, message = ?, "
               "seconds = (julianday('now') - julianday(started)) * 86400.0 WHERE id = ?", err);
    if (st == NULL)
        return false;
    sqlite3_bind_text(st, 1, rn_run_status_name(status), -1, SQLITE_STATIC);
    rn_sql_bind_text_or_null(st, 2, message);
    sqlite3_bind_int64(st, 3, run_id);
    bool ok = rn_sql_step_done(s->db, st, "runs", err);
    sqlite3_finalize(st);
    if (ok && sqlite3_changes(s->db) != 1) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: no run %lld", s->path, (long long)run_id);
        ok = false;
    }
    return ok;
}

bool rn_store_run_set_counts(RnStore *s, int64_t run_id, uint64_t files_seen, uint64_t files_new,
                             uint64_t quarantined, RnError **err)
{
    sqlite3_stmt *st = rn_sql_prepare(
        s->db, "UPDATE runs SET files_seen = ?, files_new = ?, quarantined = ? WHERE id = ?", err);
    if (st == NULL)
        return false;
    sqlite3_bind_int64(st, 1, (int64_t)files_seen);
    sqlite3_bind_int64(st, 2, (int64_t)files_new);
    sqlite3_bind_int64(st, 3, (int64_t)quarantined);
    sqlite3_bind_int64(st, 4, run_id);
    bool ok = rn_sql_step_done(s->db, st, "runs", err);
    sqlite3_finalize(st);
    return ok;
}

static char *column_dup_or_null(sqlite3_stmt *st, int i, bool *ok, RnError **err)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    if (v == NULL)
        return NULL;
    char *copy = rn_strdup(v, err);
    *ok = *ok && copy != NULL;
    return copy;
}

#define RUN_COLUMNS                                                                    \
    "SELECT id, stage, command, params, status, message, started, finished, "          \
    "coalesce(seconds, 0) FROM runs "

static bool read_run(RnStore *s, sqlite3_stmt *st, RnRun *out, bool *found, RnError **err)
{
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE || rn_sql_fail(s->db, "runs", err);
    if (*found) {
        out->id = sqlite3_column_int64(st, 0);
        out->stage = column_dup_or_null(st, 1, &ok, err);
        out->command = column_dup_or_null(st, 2, &ok, err);
        out->params = column_dup_or_null(st, 3, &ok, err);
        out->status = run_status_parse((const char *)sqlite3_column_text(st, 4));
        out->message = column_dup_or_null(st, 5, &ok, err);
        out->started = column_dup_or_null(st, 6, &ok, err);
        out->finished = column_dup_or_null(st, 7, &ok, err);
        out->seconds = sqlite3_column_double(st, 8);
        if (!ok) {
            rn_run_clear(out);
            *found = false;
        }
    }
    sqlite3_finalize(st);
    return ok;
}

bool rn_store_run_get(RnStore *s, int64_t run_id, RnRun *out, bool *found, RnError **err)
{
    sqlite3_stmt *st = rn_sql_prepare(s->db, RUN_COLUMNS "WHERE id = ?", err);
    if (st == NULL)
        return false;
    sqlite3_bind_int64(st, 1, run_id);
    return read_run(s, st, out, found, err);
}

bool rn_store_run_latest(RnStore *s, const char *stage, int status, RnRun *out, bool *found,
                         RnError **err)
{
    sqlite3_stmt *st = rn_sql_prepare(
        s->db, RUN_COLUMNS "WHERE stage = ?1 AND (?2 IS NULL OR status = ?2) "
                           "ORDER BY id DESC LIMIT 1", err);
    if (st == NULL)
        return false;
    sqlite3_bind_text(st, 1, stage, -1, SQLITE_STATIC);
    if (status >= 0)
        sqlite3_bind_text(st, 2, rn_run_status_name((RnRunStatus)status), -1, SQLITE_STATIC);
    return read_run(s, st, out, found, err);
}
