/* The clustering set (SPEC §9): a streaming cursor in one snapshot, its
 * count, thumbnails, and WS/embeddings/rows.csv. */
#include "store/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SET_ORDER " ORDER BY i.sop_uid"

/* ---- thumbnails ------------------------------------------------------- */

typedef struct ThumbFile {
    int fd;
    uint64_t data_offset;
    uint32_t size;
} ThumbFile;

/* Opens thumbs.npy and finds its data (v1/v2 header, uint8, rows S×S). */
static bool thumbs_open(const RnStore *s, ThumbFile *t, RnError **err)
{
    t->fd = -1;
    t->size = s->thumb_size;
    char *path = rn_store_file_path(s, RN_STORE_THUMBS, err);
    if (path == NULL)
        return false;
    uint8_t head[12];
    t->fd = open(path, O_RDONLY | O_CLOEXEC);
    bool ok = t->fd >= 0 && pread(t->fd, head, sizeof head, 0) == (ssize_t)sizeof head &&
              memcmp(head, "\x93NUMPY", 6) == 0 && (head[6] == 1 || head[6] == 2);
    if (ok) {
        uint64_t hlen = head[6] == 1 ? (uint64_t)head[8] | (uint64_t)head[9] << 8
                                     : rn_le32_load(head + 8);
        t->data_offset = (head[6] == 1 ? 10 : 12) + hlen;
    } else {
        rn_error_set(err, RN_ERROR_IO, "%s: %s", path,
                     t->fd < 0 ? strerror(errno) : "not a thumbnail stack");
    }
    free(path);
    return ok;
}

static void thumbs_close(ThumbFile *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
}

static bool thumbs_read(const RnStore *s, const ThumbFile *t, int64_t index, uint8_t *out,
                        RnError **err)
{
    size_t row = (size_t)t->size * t->size;
    if (index < 0 || t->size == 0) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: no thumbnail row %lld", s->path,
                     (long long)index);
        return false;
    }
    off_t at = (off_t)(t->data_offset + (uint64_t)index * row);
    ssize_t got = pread(t->fd, out, row, at);
    if (got != (ssize_t)row) {
        rn_error_set(err, RN_ERROR_IO, "%s/%s: row %lld: %s", s->path, RN_STORE_THUMBS,
                     (long long)index, got < 0 ? strerror(errno) : "file shorter than the catalogue");
        return false;
    }
    return true;
}

bool rn_store_thumb_read(RnStore *s, int64_t thumb_index, uint8_t *out, RnError **err)
{
    ThumbFile t;
    bool ok = thumbs_open(s, &t, err) && thumbs_read(s, &t, thumb_index, out, err);
    thumbs_close(&t);
    return ok;
}

struct RnThumbReader {
    const RnStore *s;
    ThumbFile file;
};

RnThumbReader *rn_thumb_reader_open(RnStore *s, RnError **err)
{
    RnThumbReader *t = rn_calloc(1, sizeof *t, err);
    if (t == NULL)
        return NULL;
    t->s = s;
    if (!thumbs_open(s, &t->file, err)) {
        free(t);
        return NULL;
    }
    return t;
}

bool rn_thumb_reader_read(const RnThumbReader *t, int64_t thumb_index, uint8_t *out,
                          RnError **err)
{
    return thumbs_read(t->s, &t->file, thumb_index, out, err);
}

void rn_thumb_reader_close(RnThumbReader *t)
{
    if (t == NULL)
        return;
    thumbs_close(&t->file);
    free(t);
}

/* ---- the cursor --------------------------------------------------------- */

struct RnImageCursor {
    RnStore *store;
    sqlite3 *db;          /* its own read connection: one snapshot */
    sqlite3_stmt *rows;
    sqlite3_stmt *report; /* report rows of one study */
    unsigned fields;
    uint64_t count, next_row;
    ThumbFile thumbs;
    uint8_t *thumb;
    RnBuf report_text;
};

static const char cursor_sql[] =
    "SELECT i.id, i.sop_uid, coalesce(i.modality, ''), coalesce(i.region, ''), "
    "coalesce(i.thumb_index, -1), i.study_id, "
    "CASE WHEN ?1 THEN (SELECT json FROM elements e WHERE e.image_id = i.id) END "
    "FROM images i WHERE " RN_CLUSTERING_SET_WHERE SET_ORDER;

/* Same order as the study_reports view: file reports first, then SR. */
static const char report_sql[] =
    "SELECT text FROM reports WHERE study_id = ? "
    "ORDER BY file_id IS NOT NULL, source_id, line, id";

static bool count_set(RnStore *s, sqlite3 *db, uint64_t *n, RnError **err)
{
    sqlite3_stmt *st = rn_sql_prepare(db, "SELECT count(*) FROM images i WHERE "
                                          RN_CLUSTERING_SET_WHERE, err);
    if (st == NULL)
        return false;
    int rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    (void)s;
    return rc == SQLITE_ROW || rn_sql_fail(db, "clustering set", err);
}

bool rn_store_clustering_count(RnStore *s, uint64_t *n, RnError **err)
{
    return count_set(s, s->db, n, err);
}

void rn_image_cursor_close(RnImageCursor *c)
{
    if (c == NULL)
        return;
    sqlite3_finalize(c->rows);
    sqlite3_finalize(c->report);
    if (c->db != NULL && !sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close_v2(c->db);
    thumbs_close(&c->thumbs);
    free(c->thumb);
    rn_buf_free(&c->report_text);
    free(c);
}

RnImageCursor *rn_image_cursor_open(RnStore *s, unsigned fields, RnError **err)
{
    RnImageCursor *c = rn_calloc(1, sizeof *c, err);
    if (c == NULL)
        return NULL;
    c->store = s;
    c->fields = fields;
    c->thumbs.fd = -1;
    /* BEGIN + a first read pins the snapshot for count and rows alike. */
    bool ok = rn_store_connect_reader(s, &c->db, err) && rn_sql_exec(c->db, "BEGIN", err) &&
              count_set(s, c->db, &c->count, err) &&
              (c->rows = rn_sql_prepare(c->db, cursor_sql, err)) != NULL &&
              (c->report = rn_sql_prepare(c->db, report_sql, err)) != NULL;
    if (ok) {
        sqlite3_bind_int(c->rows, 1, (fields & RN_CURSOR_ELEMENTS) != 0);
        if ((fields & RN_CURSOR_THUMBS) && s->thumb_size > 0 && c->count > 0)
            ok = thumbs_open(s, &c->thumbs, err) &&
                 (c->thumb = rn_malloc((size_t)s->thumb_size * s->thumb_size, err)) != NULL;
    }
    if (!ok) {
        rn_image_cursor_close(c);
        return NULL;
    }
    return c;
}

uint64_t rn_image_cursor_count(const RnImageCursor *c) { return c->count; }

/* The exam's report text: its rows joined by newlines; NULL when none. */
static bool load_report(RnImageCursor *c, int64_t study_id, const char **out, RnError **err)
{
    *out = NULL;
    c->report_text.len = 0;
    if (study_id <= 0)
        return true;
    sqlite3_bind_int64(c->report, 1, study_id);
    int rc;
    bool ok = true;
    size_t n = 0;
    while (ok && (rc = sqlite3_step(c->report)) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(c->report, 0);
        ok = (n == 0 || rn_buf_append(&c->report_text, "\n", 1, err)) &&
             rn_buf_append_str(&c->report_text, t ? t : "", err);
        n++;
    }
    sqlite3_reset(c->report);
    if (ok && rc != SQLITE_DONE)
        ok = rn_sql_fail(c->db, "reports", err);
    if (ok && n > 0 && (ok = rn_buf_terminate(&c->report_text, err)))
        *out = (const char *)c->report_text.data;
    return ok;
}

static const char *column_text(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    return v ? v : "";
}

bool rn_image_cursor_next(RnImageCursor *c, RnImageRow *out, RnError **err)
{
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(c->rows);
    if (rc == SQLITE_DONE)
        return false;
    if (rc != SQLITE_ROW)
        return rn_sql_fail(c->db, "clustering set", err);
    out->row = c->next_row++;
    out->image_id = sqlite3_column_int64(c->rows, 0);
    out->sop_uid = column_text(c->rows, 1);
    out->modality = column_text(c->rows, 2);
    out->region = column_text(c->rows, 3);
    out->thumb_index = sqlite3_column_int64(c->rows, 4);
    out->thumb_size = c->store->thumb_size;
    out->elements_json = sqlite3_column_type(c->rows, 6) == SQLITE_NULL
                             ? "{}"
                             : column_text(c->rows, 6);
    if (c->thumb != NULL && out->thumb_index >= 0) {
        if (!thumbs_read(c->store, &c->thumbs, out->thumb_index, c->thumb, err))
            return false;
        out->thumb = c->thumb;
    }
    if (c->fields & RN_CURSOR_REPORTS)
        return load_report(c, sqlite3_column_int64(c->rows, 5), &out->report, err);
    return true;
}

/* ---- rows.csv ----------------------------------------------------------- */

/* SOP UIDs are digits and dots when well-formed; anything else is quoted. */
static bool csv_field(FILE *f, const char *v)
{
    if (strpbrk(v, ",\"\r\n") == NULL)
        return fputs(v, f) >= 0;
    bool ok = fputc('"', f) != EOF;
    for (const char *p = v; ok && *p; p++)
        ok = (*p != '"' || fputc('"', f) != EOF) && fputc(*p, f) != EOF;
    return ok && fputc('"', f) != EOF;
}

static bool write_rows(RnStore *s, const char *path, uint64_t *n_rows, RnError **err)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        rn_error_set(err, RN_ERROR_IO, "%s: %s", path, strerror(errno));
        return false;
    }
    RnImageCursor *c = rn_image_cursor_open(s, 0, err);
    bool ok = c != NULL && fputs("row,sop_instance_uid\n", f) >= 0;
    RnImageRow r;
    while (ok && rn_image_cursor_next(c, &r, err))
        ok = fprintf(f, "%llu,", (unsigned long long)r.row) > 0 && csv_field(f, r.sop_uid) &&
             fputc('\n', f) != EOF;
    bool io_ok = !ferror(f);
    ok = ok && !(err && *err);
    *n_rows = c ? c->next_row : 0;
    rn_image_cursor_close(c);
    if (fclose(f) != 0 || !io_ok) {
        if (ok)
            rn_error_set(err, RN_ERROR_IO, "%s: cannot write: %s", path, strerror(errno));
        ok = false;
    }
    return ok;
}

bool rn_store_write_rows_csv(RnStore *s, int64_t run_id, uint64_t *n_rows, char hash[17],
                             RnError **err)
{
    uint64_t n = 0;
    RnArtifact art;
    RnArtifactWriter *a = rn_store_artifact_begin(s, RN_STORE_ROWS, err);
    if (a == NULL)
        return false;
    if (!write_rows(s, rn_artifact_tmp_path(a), &n, err)) {
        rn_store_artifact_abort(a);
        return false;
    }
    char params[48];
    snprintf(params, sizeof params, "rows=%llu", (unsigned long long)n);
    if (!rn_store_artifact_commit(s, a, run_id, params, &art, err))
        return false;
    if (n_rows != NULL)
        *n_rows = n;
    if (hash != NULL)
        memcpy(hash, art.hash, 17);
    rn_artifact_clear(&art);
    return true;
}
