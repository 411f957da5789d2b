/* Artifacts: files of the workspace (embeddings, models, rows.csv) that the
 * catalogue vouches for. Written to a temporary name, fsynced, hashed,
 * renamed, the folder fsynced, then recorded in one transaction. */
#include "store/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct RnArtifactWriter {
    char *name;
    char *final_path;
    char *tmp_path;
};

void rn_artifact_clear(RnArtifact *a)
{
    if (a == NULL)
        return;
    free(a->name);
    free(a->params);
    free(a->created);
    memset(a, 0, sizeof *a);
}

/* Relative, no "..", no empty component, not one of the store's own files. */
static bool valid_name(const char *name)
{
    if (name == NULL || name[0] == 0 || name[0] == '/' || strstr(name, RN_ARTIFACT_TMP) ||
        strcmp(name, RN_STORE_CATALOG) == 0 || strcmp(name, RN_STORE_THUMBS) == 0 ||
        strcmp(name, RN_STORE_KEY) == 0 || strcmp(name, RN_STORE_LOCK) == 0 ||
        strncmp(name, RN_STORE_CATALOG, strlen(RN_STORE_CATALOG)) == 0)
        return false;
    for (const char *p = name; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        p += n;
        if (*p == '/')
            p++;
        if (*p == 0 && p[-1] == '/')
            return false;
    }
    return true;
}

char *rn_store_artifact_path(const RnStore *s, const char *name, RnError **err)
{
    if (!valid_name(name)) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: bad artifact name '%s'", s->path,
                     name ? name : "");
        return NULL;
    }
    return rn_store_file_path(s, name, err);
}

/* mkdir -p of the folders above path's last component. */
static bool make_parents(char *path, size_t root_len, RnError **err)
{
    for (char *p = path + root_len + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = 0;
        bool ok = mkdir(path, 0755) == 0 || errno == EEXIST;
        if (!ok)
            rn_error_set(err, RN_ERROR_IO, "%s: cannot create folder: %s", path,
                         strerror(errno));
        *p = '/';
        if (!ok)
            return false;
    }
    return true;
}

void rn_store_artifact_abort(RnArtifactWriter *a)
{
    if (a == NULL)
        return;
    if (a->tmp_path != NULL)
        unlink(a->tmp_path);
    free(a->name);
    free(a->final_path);
    free(a->tmp_path);
    free(a);
}

RnArtifactWriter *rn_store_artifact_begin(RnStore *s, const char *name, RnError **err)
{
    if (!rn_store_require_writer(s, "an artifact commit", err))
        return NULL;
    RnArtifactWriter *a = rn_calloc(1, sizeof *a, err);
    if (a == NULL)
        return NULL;
    RnBuf tmp = RN_BUF_INIT;
    a->name = rn_strdup(name, err);
    a->final_path = a->name ? rn_store_artifact_path(s, name, err) : NULL;
    bool ok = a->final_path != NULL && make_parents(a->final_path, strlen(s->path), err) &&
              rn_buf_printf(&tmp, err, "%s" RN_ARTIFACT_TMP "XXXXXX", a->final_path) &&
              rn_buf_terminate(&tmp, err);
    int fd = ok ? mkstemp((char *)tmp.data) : -1;
    if (ok && fd < 0)
        rn_error_set(err, RN_ERROR_IO, "%s: cannot create: %s", (char *)tmp.data,
                     strerror(errno));
    if (fd < 0) {
        rn_buf_free(&tmp);
        rn_store_artifact_abort(a);
        return NULL;
    }
    fchmod(fd, 0644);
    close(fd);
    a->tmp_path = (char *)tmp.data;
    return a;
}

const char *rn_artifact_tmp_path(const RnArtifactWriter *a) { return a->tmp_path; }

/* fsync + content hash (SipHash-2-4, zero key) of a finished temp file. */
/* The content hash of a file, after making it durable when sync. */
static bool hash_file(const char *path, bool sync, uint64_t *size, char hash[17], RnError **err)
{
    static const uint8_t zero_key[16] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || (sync && fsync(fd) != 0)) {
        rn_error_set(err, RN_ERROR_IO, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return false;
    }
    *size = (uint64_t)st.st_size;
    void *map = st.st_size > 0 ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
                               : NULL;
    close(fd);
    if (map == MAP_FAILED) {
        rn_error_set(err, RN_ERROR_IO, "%s: cannot map: %s", path, strerror(errno));
        return false;
    }
    rn_siphash24_hex(zero_key, map ? map : "", (size_t)st.st_size, hash);
    if (map != NULL)
        munmap(map, (size_t)st.st_size);
    return true;
}

/* After a rename, the folder entry itself must reach the disk. */
static bool sync_parent(const char *path, RnError **err)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
    if (dir == NULL) {
        rn_error_set(err, RN_ERROR_NOMEM, "out of memory");
        return false;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    bool ok = fd >= 0 && fsync(fd) == 0;
    if (!ok)
        rn_error_set(err, RN_ERROR_IO, "%s: cannot sync folder: %s", dir, strerror(errno));
    if (fd >= 0)
        close(fd);
    free(dir);
    return ok;
}

static int64_t mtime_ns_of(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static bool record(RnStore *s, const RnArtifactWriter *a, int64_t run_id, const char *params,
                   const char hash[17], uint64_t size, int64_t mtime_ns, int64_t *id,
                   RnError **err)
{
    sqlite3_stmt *st = rn_sql_prepare(
        s->db, "INSERT INTO artifacts(name, run_id, params, hash, size, mtime_ns, created) "
               "VALUES(?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))", err);
    if (st == NULL)
        return false;
    sqlite3_bind_text(st, 1, a->name, -1, SQLITE_STATIC);
    if (run_id > 0)
        sqlite3_bind_int64(st, 2, run_id);
    sqlite3_bind_text(st, 3, params ? params : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (int64_t)size);
    sqlite3_bind_int64(st, 6, mtime_ns);
    bool ok = rn_sql_exec(s->db, "BEGIN IMMEDIATE", err) &&
              rn_sql_step_done(s->db, st, "artifacts", err);
    *id = sqlite3_last_insert_rowid(s->db);
    ok = ok && rn_sql_exec(s->db, "COMMIT", err);
    if (!ok && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(st);
    return ok;
}

bool rn_store_artifact_commit(RnStore *s, RnArtifactWriter *a, int64_t run_id,
                              const char *params, RnArtifact *out, RnError **err)
{
    if (a == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "no artifact to commit");
        return false;
    }
    uint64_t size = 0;
    char hash[17];
    struct stat st;
    int64_t id = 0;
    bool ok = rn_store_require_writer(s, "an artifact commit", err) &&
              hash_file(a->tmp_path, true, &size, hash, err);
    if (ok && rename(a->tmp_path, a->final_path) != 0) {
        rn_error_set(err, RN_ERROR_IO, "%s: cannot rename into place: %s", a->final_path,
                     strerror(errno));
        ok = false;
    }
    if (ok) {
        free(a->tmp_path); /* renamed: nothing left to remove */
        a->tmp_path = NULL;
    }
    ok = ok && sync_parent(a->final_path, err);
    if (ok && stat(a->final_path, &st) != 0) {
        rn_error_set(err, RN_ERROR_IO, "%s: %s", a->final_path, strerror(errno));
        ok = false;
    }
    ok = ok && record(s, a, run_id, params, hash, size, mtime_ns_of(&st), &id, err);
    if (ok && out != NULL) {
        bool found;
        ok = rn_store_artifact_latest(s, a->name, out, &found, err);
        if (ok && !found) {
            rn_error_set(err, RN_ERROR_IO, "%s: changed while being committed", a->final_path);
            ok = false;
        }
    }
    rn_store_artifact_abort(a);
    return ok;
}

bool rn_store_artifact_put(RnStore *s, const char *name, const void *data, size_t n,
                           int64_t run_id, const char *params, RnArtifact *out, RnError **err)
{
    RnArtifactWriter *a = rn_store_artifact_begin(s, name, err);
    if (a == NULL)
        return false;
    FILE *f = fopen(a->tmp_path, "wb");
    bool ok = f != NULL && (n == 0 || fwrite(data, 1, n, f) == n);
    if (f != NULL && fclose(f) != 0)
        ok = false;
    if (!ok) {
        rn_error_set(err, RN_ERROR_IO, "%s: cannot write: %s", a->tmp_path, strerror(errno));
        rn_store_artifact_abort(a);
        return false;
    }
    return rn_store_artifact_commit(s, a, run_id, params, out, err);
}

static char *column_dup(sqlite3_stmt *st, int i, RnError **err)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    return rn_strdup(v ? v : "", err);
}

/* The statement selecting name's newest record (sql: its columns, "WHERE
 * name = ?"), stepped once: *rc is SQLITE_ROW or SQLITE_DONE, and *path the
 * artifact's file (the caller frees both). NULL (nothing to free) on error. */
static sqlite3_stmt *newest_record(RnStore *s, const char *name, const char *sql, char **path,
                                   int *rc, RnError **err)
{
    *path = rn_store_artifact_path(s, name, err);
    sqlite3_stmt *st = *path ? rn_sql_prepare(s->db, sql, err) : NULL;
    if (st != NULL) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        *rc = sqlite3_step(st);
        if (*rc == SQLITE_ROW || *rc == SQLITE_DONE)
            return st;
        rn_sql_fail(s->db, "artifacts", err);
        sqlite3_finalize(st);
    }
    free(*path);
    *path = NULL;
    return NULL;
}

/* The file on disk is the one the catalogue row st recorded: same size
 * and mtime, or — after a copy of the workspace, which keeps contents but
 * not mtimes — same size and content hash. */
static bool file_is_recorded(const char *path, sqlite3_stmt *st)
{
    struct stat fs;
    if (stat(path, &fs) != 0 || !S_ISREG(fs.st_mode) ||
        (uint64_t)fs.st_size != (uint64_t)sqlite3_column_int64(st, 4))
        return false;
    if (mtime_ns_of(&fs) == sqlite3_column_int64(st, 5))
        return true;
    const char *recorded = (const char *)sqlite3_column_text(st, 3);
    uint64_t size;
    char hash[17];
    return recorded && hash_file(path, false, &size, hash, NULL) &&
           size == (uint64_t)fs.st_size && strcmp(hash, recorded) == 0;
}

bool rn_store_artifact_latest(RnStore *s, const char *name, RnArtifact *out, bool *found,
                              RnError **err)
{
    memset(out, 0, sizeof *out);
    *found = false;
    char *path;
    int rc;
    sqlite3_stmt *st = newest_record(s, name,
                                     "SELECT id, coalesce(run_id, 0), params, hash, size, "
                                     "mtime_ns, created FROM artifacts WHERE name = ? "
                                     "ORDER BY id DESC LIMIT 1", &path, &rc, err);
    if (st == NULL)
        return false;
    bool ok = true;
    if (rc == SQLITE_ROW && file_is_recorded(path, st)) {
        out->id = sqlite3_column_int64(st, 0);
        out->run_id = sqlite3_column_int64(st, 1);
        const char *h = (const char *)sqlite3_column_text(st, 3);
        snprintf(out->hash, sizeof out->hash, "%s", h ? h : "");
        out->size = (uint64_t)sqlite3_column_int64(st, 4);
        ok = (out->name = rn_strdup(name, err)) != NULL &&
             (out->params = column_dup(st, 2, err)) != NULL &&
             (out->created = column_dup(st, 6, err)) != NULL;
        *found = ok;
        if (!ok)
            rn_artifact_clear(out);
    }
    sqlite3_finalize(st);
    free(path);
    return ok;
}

bool rn_store_artifact_current(RnStore *s, const char *name, const char *params, bool *same,
                               RnError **err)
{
    RnArtifact a = {0};
    bool found = false;
    *same = false;
    if (!rn_store_artifact_latest(s, name, &a, &found, err))
        return false;
    *same = found && a.params && strcmp(a.params, params) == 0;
    rn_artifact_clear(&a);
    return true;
}

bool rn_store_artifact_hash(RnStore *s, const char *name, char hash[17], bool *found,
                            RnError **err)
{
    RnArtifact a = {0};
    bool have = false;
    hash[0] = '\0';
    if (!rn_store_artifact_latest(s, name, &a, &have, err))
        return false;
    if (have)
        memcpy(hash, a.hash, 17);
    if (found)
        *found = have;
    rn_artifact_clear(&a);
    return true;
}

bool rn_store_artifact_read(RnStore *s, const char *name, size_t max_bytes, char **data,
                            size_t *n, bool *found, RnError **err)
{
    *data = NULL;
    *n = 0;
    RnArtifact a = {0};
    if (!rn_store_artifact_latest(s, name, &a, found, err))
        return false;
    rn_artifact_clear(&a);
    if (!*found)
        return true;
    char *path = rn_store_artifact_path(s, name, err);
    uint8_t *bytes = NULL;
    bool ok = path && rn_file_read_all(path, max_bytes, &bytes, n, err);
    free(path);
    *data = (char *)bytes;
    return ok;
}

/* The first n bytes of path into a NUL-terminated buffer; NULL (no error)
 * when the file is missing or shorter. */
static char *read_prefix(const char *path, size_t n, RnError **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *buf = rn_malloc(n + 1, err);
    size_t got = 0;
    while (buf && got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (buf && got < n) {
        free(buf);
        return NULL;
    }
    if (buf)
        buf[n] = 0;
    return buf;
}

bool rn_store_artifact_read_appended(RnStore *s, const char *name, size_t max_bytes,
                                     char **data, size_t *n, char **params, bool *found,
                                     RnError **err)
{
    static const uint8_t zero_key[16] = {0};
    *data = *params = NULL;
    *n = 0;
    *found = false;
    char *path;
    int rc;
    sqlite3_stmt *st = newest_record(s, name,
                                     "SELECT params, hash, size FROM artifacts "
                                     "WHERE name = ? ORDER BY id DESC LIMIT 1", &path, &rc, err);
    if (st == NULL)
        return false;
    bool ok = true;
    int64_t size = rc == SQLITE_ROW ? sqlite3_column_int64(st, 2) : 0;
    const char *recorded = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 1) : NULL;
    if (ok && recorded && (size < 0 || (uint64_t)size > max_bytes)) {
        rn_error_set(err, RN_ERROR_LIMIT, "%s: recorded size %lld exceeds %zu bytes", name,
                     (long long)size, max_bytes);
        ok = false;
    }
    char *bytes = ok && recorded ? read_prefix(path, (size_t)size, err) : NULL;
    char hash[17];
    if (bytes)
        rn_siphash24_hex(zero_key, bytes, (size_t)size, hash);
    if (bytes && strcmp(hash, recorded) == 0) {
        *params = column_dup(st, 0, err);
        ok = *params != NULL;
        *found = ok;
    }
    if (*found) {
        *data = bytes;
        *n = (size_t)size;
    } else {
        free(bytes);
    }
    sqlite3_finalize(st);
    free(path);
    return ok;
}
