/* Workspace statistics (no identifiers) and the canonical dump used to
 * compare workspaces (resume tests). */
#include "store/store_internal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- statistics ------------------------------------------------------- */

typedef struct StatCount {
    const char *name;
    const char *sql; /* one integer */
} StatCount;

typedef struct StatGroup {
    const char *name;
    const char *sql; /* (key, count) rows */
} StatGroup;

static const StatCount stat_counts[] = {
    {"files_seen", "SELECT count(*) FROM files"},
    {"images", "SELECT count(*) FROM images WHERE has_pixels"},
    {"objects", "SELECT count(*) FROM images"},
    {"quarantined", "SELECT count(DISTINCT file_id) FROM quarantine"},
    {"duplicates", "SELECT count(*) FROM files WHERE status = 'duplicate'"},
    {"non_dicom", "SELECT count(*) FROM files WHERE status = 'notdicom'"},
    {"dicomdir", "SELECT count(*) FROM files WHERE status = 'dicomdir'"},
    {"sr_documents", "SELECT count(*) FROM files WHERE status = 'sr'"},
    {"thumbnails", "SELECT count(*) FROM images WHERE thumb_index IS NOT NULL"},
    {"thumb_size", "SELECT coalesce((SELECT value FROM meta WHERE key = 'thumb_size'), 0)"},
    {"studies", "SELECT count(*) FROM studies"},
    {"series", "SELECT count(*) FROM series"},
    {"reports_total", "SELECT count(*) FROM reports"},
    {"reports_matched", "SELECT count(*) FROM reports WHERE study_id IS NOT NULL"},
    {"reports_unmatched", "SELECT count(*) FROM reports WHERE study_id IS NULL"},
    {"studies_with_report", "SELECT count(DISTINCT study_id) FROM reports"},
    {"report_rows_skipped", "SELECT coalesce(sum(skipped), 0) FROM report_sources"},
    {"images_without_report",
     "SELECT count(*) FROM images WHERE has_pixels AND (study_id IS NULL OR study_id NOT IN "
     "(SELECT study_id FROM reports WHERE study_id IS NOT NULL))"},
};

static const StatGroup stat_groups[] = {
    {"by_modality", "SELECT coalesce(modality, ''), count(*) FROM images WHERE has_pixels "
                    "GROUP BY 1 ORDER BY 2 DESC, 1"},
    {"by_region", "SELECT coalesce(region, ''), count(*) FROM images WHERE has_pixels "
                  "GROUP BY 1 ORDER BY 2 DESC, 1"},
    {"by_transfer_syntax", "SELECT coalesce(transfer_syntax, ''), count(*) FROM images "
                           "WHERE has_pixels GROUP BY 1 ORDER BY 2 DESC, 1"},
    {"by_drop_reason", "SELECT coalesce(drop_reason, 'none'), count(*) FROM images "
                       "WHERE thumb_index IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1"},
    {"by_window_source", "SELECT window_source, count(*) FROM images "
                         "WHERE window_source IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1"},
    {"by_status", "SELECT status, count(*) FROM files GROUP BY 1 ORDER BY 2 DESC, 1"},
    {"quarantine_reasons", "SELECT stage || ': ' || reason, count(*) FROM quarantine "
                           "GROUP BY 1 ORDER BY 2 DESC, 1"},
};

#define N_COUNTS (sizeof stat_counts / sizeof stat_counts[0])
#define N_GROUPS (sizeof stat_groups / sizeof stat_groups[0])

static bool query_count(RnStore *s, const char *sql, int64_t *out, RnError **err)
{
    sqlite3_stmt *st = rn_sql_prepare(s->db, sql, err);
    if (st == NULL)
        return false;
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rn_sql_fail(s->db, sql, err);
}

/* Statistics go out as JSON (through the writer) or as text lines. */
typedef struct StatOut {
    RnJsonWriter *json; /* NULL: text */
    RnBuf *text;
    RnError **err;
} StatOut;

static bool out_count(StatOut *o, const char *name, int64_t v)
{
    if (o->json)
        return rn_json_kv_int(o->json, name, v);
    return rn_buf_printf(o->text, o->err, "%-24s %lld\n", name, (long long)v);
}

static bool out_group_begin(StatOut *o, const char *name)
{
    if (o->json)
        return rn_json_key(o->json, name) && rn_json_begin_object_flat(o->json);
    return rn_buf_printf(o->text, o->err, "%s:\n", name);
}

static bool out_group_row(StatOut *o, const char *key, int64_t count)
{
    if (o->json)
        return rn_json_kv_int(o->json, key, count);
    return rn_buf_printf(o->text, o->err, "  %10lld  %s\n", (long long)count,
                         key[0] ? key : "(empty)");
}

static bool out_group_end(StatOut *o)
{
    return o->json == NULL || rn_json_end_object(o->json);
}

/* Emits one group: its (key, count) rows. */
static bool emit_group(RnStore *s, const StatGroup *g, StatOut *o)
{
    sqlite3_stmt *st = rn_sql_prepare(s->db, g->sql, o->err);
    if (st == NULL)
        return false;
    bool ok = out_group_begin(o, g->name);
    int rc;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        ok = out_group_row(o, key ? key : "", sqlite3_column_int64(st, 1));
    }
    sqlite3_finalize(st);
    if (ok && rc != SQLITE_DONE)
        return rn_sql_fail(s->db, g->sql, o->err);
    return ok && out_group_end(o);
}

static bool emit_counts(RnStore *s, StatOut *o)
{
    bool ok = o->json == NULL || rn_json_begin_object(o->json);
    for (size_t i = 0; ok && i < N_COUNTS; i++) {
        int64_t v = 0;
        ok = query_count(s, stat_counts[i].sql, &v, o->err) &&
             out_count(o, stat_counts[i].name, v);
    }
    for (size_t i = 0; ok && i < N_GROUPS; i++)
        ok = emit_group(s, &stat_groups[i], o);
    return ok && (o->json == NULL || rn_json_end_object(o->json));
}

static bool emit_stats(RnStore *s, StatOut *o)
{
    /* One read transaction: every count from the same committed state,
     * while a writer may be committing beside us. */
    if (!rn_sql_exec(s->db, "BEGIN", o->err))
        return false;
    bool ok = emit_counts(s, o);
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    return ok;
}

bool rn_store_stats_json(RnStore *s, RnBuf *out, RnError **err)
{
    RnError *query_error = NULL;
    StatOut o = {rn_json_open(out, 2, err), NULL, &query_error};
    if (o.json == NULL)
        return false;
    /* The writer reports the first error, a query's or its own. */
    if (!emit_stats(s, &o) && query_error)
        rn_json_fail(o.json, query_error);
    bool ok = rn_json_finish(o.json, err);
    rn_json_close(o.json);
    return ok;
}

bool rn_store_stats_text(RnStore *s, RnBuf *out, RnError **err)
{
    StatOut o = {NULL, out, err};
    return emit_stats(s, &o);
}

/* ---- canonical dump --------------------------------------------------- */

/* Thumbnail rows are read straight from thumbs.npy for thumb_hash(). */
typedef struct ThumbReader {
    int fd;
    uint64_t data_offset;
    size_t row_bytes;
    uint8_t *row;
} ThumbReader;

static bool thumb_reader_open(RnStore *s, ThumbReader *r, RnError **err)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    int64_t size = 0;
    bool found = false;
    if (!rn_store_meta_get(s, "thumb_size", &size, &found, err))
        return false;
    if (!found || size <= 0)
        return true; /* no thumbnails in this workspace */
    char *path = rn_store_file_path(s, RN_STORE_THUMBS, err);
    if (path == NULL)
        return false;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    uint8_t head[12];
    if (r->fd < 0 || pread(r->fd, head, sizeof head, 0) != (ssize_t)sizeof head ||
        memcmp(head, "\x93NUMPY", 6) != 0) {
        rn_error_set(err, RN_ERROR_IO, "%s: thumbs.npy missing or not a .npy", s->path);
        return false;
    }
    r->data_offset = head[6] == 1 ? 10u + (head[8] | (head[9] << 8))
                                  : 12u + rn_le32_load(head + 8);
    r->row_bytes = (size_t)size * (size_t)size;
    r->row = rn_malloc(r->row_bytes, err);
    return r->row != NULL;
}

static void thumb_reader_close(ThumbReader *r)
{
    if (r->fd >= 0)
        close(r->fd);
    free(r->row);
}

/* SQL thumb_hash(index): SipHash (zero key) of the thumbnail row. */
static void sql_thumb_hash(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    ThumbReader *r = sqlite3_user_data(ctx);
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || r->fd < 0) {
        sqlite3_result_null(ctx);
        return;
    }
    uint64_t at = r->data_offset + (uint64_t)sqlite3_value_int64(argv[0]) * r->row_bytes;
    if (pread(r->fd, r->row, r->row_bytes, (off_t)at) != (ssize_t)r->row_bytes) {
        sqlite3_result_error(ctx, "thumbnail row missing", -1);
        return;
    }
    static const uint8_t zero_key[16];
    char hex[17];
    rn_siphash24_hex(zero_key, r->row, r->row_bytes, hex);
    sqlite3_result_text(ctx, hex, -1, SQLITE_TRANSIENT);
}

/* Every ingest-written table by natural keys; ids, run ids, times left out. */
static const char *const dump_queries[] = {
    "SELECT 'meta', key, value FROM meta WHERE key NOT LIKE '%time%' ORDER BY key",
    "SELECT 'file', f.path, f.size, f.mtime_ns, f.status, i.sop_uid, "
    "(SELECT p.path FROM files p WHERE p.id = i.file_id) "
    "FROM files f LEFT JOIN images i ON i.id = f.image_id ORDER BY f.path",
    "SELECT 'study', study_uid, accession, study_id, study_date, study_description, "
    "patient_id, exam_id FROM studies ORDER BY study_uid",
    "SELECT 'series', s.series_uid, t.study_uid, s.modality, s.series_number, "
    "s.series_description FROM series s LEFT JOIN studies t ON t.id = s.study_id "
    "ORDER BY s.series_uid",
    "SELECT 'image', f.path, i.sop_uid, i.sop_class_uid, t.study_uid, s.series_uid, "
    "i.modality, i.body_part_raw, i.region, i.transfer_syntax, i.rows, i.columns, i.frames, "
    "i.photometric, i.has_pixels, i.drop_reason, i.window_source, i.window_center, "
    "i.window_width, thumb_hash(i.thumb_index), e.json FROM images i "
    "JOIN files f ON f.id = i.file_id LEFT JOIN studies t ON t.id = i.study_id "
    "LEFT JOIN series s ON s.id = i.series_id LEFT JOIN elements e ON e.image_id = i.id "
    "ORDER BY f.path",
    "SELECT 'report', coalesce(rs.path, f.path), r.line, r.accession, r.study_uid, "
    "r.exam_id, r.text, t.study_uid FROM reports r "
    "LEFT JOIN report_sources rs ON rs.id = r.source_id LEFT JOIN files f ON f.id = r.file_id "
    "LEFT JOIN studies t ON t.id = r.study_id ORDER BY 2, 3, 7",
    "SELECT 'quarantine', path, offset, stage, code, reason FROM quarantine "
    "ORDER BY path, stage, reason",
    "SELECT 'thumbs', count(*) FROM images WHERE thumb_index IS NOT NULL",
};

static bool dump_query(RnStore *s, const char *sql, RnBuf *out, RnError **err)
{
    sqlite3_stmt *st = rn_sql_prepare(s->db, sql, err);
    if (st == NULL)
        return false;
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int n = sqlite3_column_count(st);
        for (int c = 0; ok && c < n; c++) {
            const char *v = (const char *)sqlite3_column_text(st, c);
            ok = rn_buf_append_str(out, c ? "\t" : "", err) &&
                 (v ? rn_buf_append_json_string(out, v, strlen(v), err)
                    : rn_buf_append_str(out, "null", err));
        }
        ok = ok && rn_buf_append_str(out, "\n", err);
    }
    sqlite3_finalize(st);
    if (ok && rc != SQLITE_DONE)
        return rn_sql_fail(s->db, sql, err);
    return ok;
}

bool rn_store_dump_canonical(RnStore *s, RnBuf *out, RnError **err)
{
    ThumbReader r;
    bool ok = thumb_reader_open(s, &r, err);
    ok = ok && (sqlite3_create_function(s->db, "thumb_hash", 1, SQLITE_UTF8, &r,
                                        sql_thumb_hash, NULL, NULL) == SQLITE_OK ||
                rn_sql_fail(s->db, "thumb_hash", err));
    ok = ok && rn_sql_exec(s->db, "BEGIN", err); /* one snapshot */
    for (size_t i = 0; ok && i < sizeof dump_queries / sizeof dump_queries[0]; i++)
        ok = dump_query(s, dump_queries[i], out, err);
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    sqlite3_create_function(s->db, "thumb_hash", 1, SQLITE_UTF8, NULL, NULL, NULL, NULL);
    thumb_reader_close(&r);
    return ok;
}
