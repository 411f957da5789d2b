/* The workspace: folder, SQLite catalogue (WAL), pseudonym key. */
#include "store/store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- SQLite helpers --------------------------------------------------- */

/* What the OS condition behind an SQLite code means to a user. */
static const char *sql_condition(int code)
{
    switch (code) {
    case SQLITE_FULL: return "disk full";
    case SQLITE_READONLY: return "read-only (no permission to write the workspace)";
    case SQLITE_CANTOPEN: return "cannot open";
    case SQLITE_BUSY: return "busy (locked by another process)";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return "damaged (not a valid catalogue)";
    case SQLITE_IOERR: return "I/O error";
    default: return NULL;
    }
}

bool rn_sql_fail(sqlite3 *db, const char *what, RnError **err)
{
    int code = sqlite3_errcode(db);
    const char *file = db ? sqlite3_db_filename(db, "main") : NULL;
    const char *cond = sql_condition(code);
    RnErrorCode rc = code == SQLITE_NOMEM ? RN_ERROR_NOMEM
                     : cond != NULL       ? RN_ERROR_IO
                                          : RN_ERROR_INTERNAL;
    if (file == NULL || file[0] == 0)
        file = "catalogue";
    /* A condition of the disk is named with the file; SQL text would only
     * confuse (the statement is kept for internal errors). */
    if (cond != NULL)
        rn_error_set(err, rc, "%s: %s", file, cond);
    else
        rn_error_set(err, rc, "%s: %s: %s", file, what, sqlite3_errmsg(db));
    return false;
}

bool rn_sql_exec(sqlite3 *db, const char *sql, RnError **err)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
        return true;
    /* Name the statement by its first words only (the schema is long). */
    char what[48];
    snprintf(what, sizeof what, "%.*s", (int)strcspn(sql, "\n"), sql);
    return rn_sql_fail(db, what, err);
}

sqlite3_stmt *rn_sql_prepare(sqlite3 *db, const char *sql, RnError **err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        rn_sql_fail(db, sql, err);
        return NULL;
    }
    return st;
}

int rn_sql_bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s == NULL || s[0] == 0)
        return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

bool rn_sql_step_done(sqlite3 *db, sqlite3_stmt *st, const char *what, RnError **err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return rn_sql_fail(db, what, err);
    return true;
}

bool rn_store_meta_get(RnStore *s, const char *key, int64_t *value, bool *found,
                       RnError **err)
{
    sqlite3_stmt *st = rn_sql_prepare(s->db, "SELECT value FROM meta WHERE key = ?", err);
    if (st == NULL)
        return false;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found)
        *value = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return rn_sql_fail(s->db, "meta", err);
    return true;
}

bool rn_store_meta_set(RnStore *s, const char *key, int64_t value, RnError **err)
{
    sqlite3_stmt *st = rn_sql_prepare(
        s->db, "INSERT INTO meta(key, value) VALUES(?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value", err);
    if (st == NULL)
        return false;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, value);
    bool ok = rn_sql_step_done(s->db, st, "meta", err);
    sqlite3_finalize(st);
    return ok;
}

char *rn_store_file_path(const RnStore *s, const char *name, RnError **err)
{
    RnBuf b = RN_BUF_INIT;
    if (!rn_buf_printf(&b, err, "%s/%s", s->path, name)) {
        rn_buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

/* ---- pseudonyms: SipHash-2-4 ----------------------------------------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                    \
    do {                                                            \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);   \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                      \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                      \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);   \
    } while (0)

static uint64_t siphash24(const uint8_t key[16], const uint8_t *in, size_t n)
{
    uint64_t k0 = rn_le64_load(key), k1 = rn_le64_load(key + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    size_t full = n - n % 8;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = rn_le64_load(in + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)n << 56;
    for (size_t i = 0; i < n % 8; i++)
        b |= (uint64_t)in[full + i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

void rn_siphash24_hex(const uint8_t key[16], const void *data, size_t n, char out[17])
{
    static const char hex[] = "0123456789abcdef";
    uint64_t h = siphash24(key, data, n);
    for (int i = 15; i >= 0; i--, h >>= 4)
        out[i] = hex[h & 15];
    out[16] = 0;
}

void rn_store_pseudonym(const RnStore *s, const char *id, char out[17])
{
    rn_siphash24_hex(s->key, id, strlen(id), out);
}

/* Reads the workspace key; a writer creates it (random) on first use. */
static bool load_key(RnStore *s, RnError **err)
{
    char *path = rn_store_file_path(s, RN_STORE_KEY, err);
    if (path == NULL)
        return false;
    uint8_t *data = NULL;
    size_t n = 0;
    RnError *local = NULL;
    bool ok = rn_file_read_all(path, 64, &data, &n, &local);
    rn_error_free(local);
    if (ok && n == sizeof s->key) {
        memcpy(s->key, data, n);
    } else if (ok) {
        rn_error_set(err, RN_ERROR_PARSE, "%s: key must be %zu bytes", path, sizeof s->key);
        ok = false;
    } else if (!s->writer) {
        rn_error_set(err, RN_ERROR_IO, "%s: missing (open the workspace with a writer first)",
                     path);
    } else if (getrandom(s->key, sizeof s->key, 0) != (ssize_t)sizeof s->key) {
        rn_error_set(err, RN_ERROR_IO, "no random bytes for the pseudonym key");
    } else {
        ok = rn_file_write_atomic(path, s->key, sizeof s->key, err);
    }
    free(data);
    free(path);
    return ok;
}

/* ---- the writer lock --------------------------------------------------- */

static double monotonic_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The pid the holder wrote into the lock file (0 when unknown). */
static long lock_holder(int fd)
{
    char buf[24] = {0};
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    return n > 0 ? strtol(buf, NULL, 10) : 0;
}

/* flock: one writer per workspace; the kernel drops it when the holder
 * dies, so a kill -9 never leaves a stale lock. */
static bool take_lock(RnStore *s, double wait, RnError **err)
{
    char *path = rn_store_file_path(s, RN_STORE_LOCK, err);
    if (path == NULL)
        return false;
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0) {
        bool ro = errno == EACCES || errno == EROFS || errno == EPERM;
        rn_error_set(err, RN_ERROR_IO, "%s: %s%s", path,
                     ro ? "workspace is read-only (readers such as stats still work): " : "",
                     strerror(errno));
        free(path);
        return false;
    }
    free(path);
    double until = monotonic_seconds() + (wait > 0 ? wait : 0);
    while (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if ((errno != EWOULDBLOCK && errno != EINTR) || monotonic_seconds() >= until) {
            long pid = lock_holder(s->lock_fd);
            rn_error_set(err, RN_ERROR_IO,
                         "%s: workspace is being written by another radnet process%s%.0ld%s "
                         "(one writer at a time; --wait SECONDS waits for it)",
                         s->path, pid > 0 ? " (pid " : "", pid, pid > 0 ? ")" : "");
            return false;
        }
        struct timespec nap = {0, 50 * 1000000L};
        nanosleep(&nap, NULL);
    }
    char pid[24];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(s->lock_fd, 0) != 0 || pwrite(s->lock_fd, pid, (size_t)n, 0) != n) {
        rn_error_set(err, RN_ERROR_IO, "%s/%s: cannot write: %s", s->path, RN_STORE_LOCK,
                     strerror(errno));
        return false;
    }
    return true;
}

/* ---- orphans of killed writers ---------------------------------------- */

/* Temporary names: rn_file_write_atomic's "<name>.tmpXXXXXX" (the key) and
 * the artifacts' "<name>" RN_ARTIFACT_TMP "XXXXXX". */
static bool is_orphan_name(const char *name)
{
    size_t n = strlen(name), k = strlen(RN_STORE_KEY);
    return strstr(name, RN_ARTIFACT_TMP) != NULL ||
           (n == k + 10 && strncmp(name, RN_STORE_KEY ".tmp", k + 4) == 0);
}

/* Removes orphans in dir and its subfolders (depth-limited: artifacts live
 * at most a few levels down; symlinks are not followed). */
static void remove_orphans(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(len);
        if (path == NULL)
            break;
        snprintf(path, len, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode) && depth > 0)
                remove_orphans(path, depth - 1);
            else if (S_ISREG(st.st_mode) && is_orphan_name(e->d_name))
                unlink(path);
        }
        free(path);
    }
    closedir(d);
}

/* ---- schema: version check and upgrades ------------------------------- */

/* upgrades[v] takes a catalogue from version v to v + 1. */
static const char *const schema_upgrades[RN_STORE_SCHEMA_VERSION] = {
    [1] = "ALTER TABLE runs ADD COLUMN stage TEXT NOT NULL DEFAULT 'ingest';"
          "ALTER TABLE runs ADD COLUMN params TEXT;"
          "ALTER TABLE runs ADD COLUMN status TEXT NOT NULL DEFAULT 'done';"
          "ALTER TABLE runs ADD COLUMN message TEXT;"
          "ALTER TABLE runs ADD COLUMN seconds REAL;"
          "UPDATE runs SET status = 'interrupted' WHERE finished IS NULL;"
          "ALTER TABLE report_sources ADD COLUMN content_hash TEXT;"
          "ALTER TABLE report_sources ADD COLUMN same_as INTEGER;",
};

static bool query_one_int(sqlite3 *db, const char *sql, int64_t *v, bool *found,
                          RnError **err)
{
    sqlite3_stmt *st = rn_sql_prepare(db, sql, err);
    if (st == NULL)
        return false;
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    if (*found)
        *v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE || rn_sql_fail(db, "schema version", err);
}

/* The catalogue's schema version: 0 for an empty file; 1 for catalogues of
 * the first radnet, which recorded it only after an ingest. */
static bool schema_version(sqlite3 *db, int64_t *version, RnError **err)
{
    int64_t tables = 0, v = 0;
    bool found;
    if (!query_one_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", &tables,
                       &found, err))
        return false;
    *version = 0;
    if (tables == 0)
        return true;
    if (!query_one_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'meta'", &v, &found,
                       err))
        return false;
    *version = 1;
    if (v == 0)
        return true;
    if (!query_one_int(db, "SELECT value FROM meta WHERE key = 'schema_version'", &v, &found,
                       err))
        return false;
    if (found)
        *version = v;
    return true;
}

static bool set_schema_version(sqlite3 *db, RnError **err)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "INSERT INTO meta(key, value) VALUES('schema_version', %d) "
             "ON CONFLICT(key) DO UPDATE SET value = excluded.value", RN_STORE_SCHEMA_VERSION);
    return rn_sql_exec(db, sql, err);
}

/* Upgrades (writer) or checks (reader) the schema, in one transaction. */
static bool check_schema(RnStore *s, RnError **err)
{
    int64_t version;
    if (!schema_version(s->db, &version, err))
        return false;
    if (version > RN_STORE_SCHEMA_VERSION) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED,
                     "%s: catalogue schema %lld is newer than this radnet's (%d); "
                     "use a newer radnet", s->path, (long long)version, RN_STORE_SCHEMA_VERSION);
        return false;
    }
    if (!s->writer) {
        if (version == RN_STORE_SCHEMA_VERSION)
            return true;
        rn_error_set(err, version == 0 ? RN_ERROR_IO : RN_ERROR_UNSUPPORTED,
                     version == 0 ? "%s: empty catalogue (nothing ingested yet)"
                                  : "%s: catalogue schema %lld is older than this radnet's (%d); "
                                    "a writer (radnet ingest) upgrades it",
                     s->path, (long long)version, RN_STORE_SCHEMA_VERSION);
        return false;
    }
    if (!rn_sql_exec(s->db, "BEGIN IMMEDIATE", err))
        return false;
    bool ok = true;
    for (int64_t v = version == 0 ? RN_STORE_SCHEMA_VERSION : version;
         ok && v < RN_STORE_SCHEMA_VERSION; v++)
        ok = rn_sql_exec(s->db, schema_upgrades[v], err);
    ok = ok &&
         (sqlite3_exec(s->db, (const char *)rn_store_schema_sql, NULL, NULL, NULL) == SQLITE_OK ||
          rn_sql_fail(s->db, "schema", err)) &&
         set_schema_version(s->db, err) &&
         rn_sql_exec(s->db, "UPDATE runs SET status = 'interrupted' WHERE status = 'running'",
                     err) &&
         rn_sql_exec(s->db, "COMMIT", err);
    if (!ok)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return ok;
}

/* ---- open / close ------------------------------------------------------ */

/* "file:" URI of path with %, ?, # escaped (for immutable=1). */
static char *file_uri(const char *path, const char *query, RnError **err)
{
    RnBuf b = RN_BUF_INIT;
    bool ok = rn_buf_append_str(&b, "file:", err);
    for (const char *p = path; ok && *p; p++)
        ok = (*p == '%' || *p == '?' || *p == '#')
                 ? rn_buf_printf(&b, err, "%%%02X", (unsigned char)*p)
                 : rn_buf_append(&b, p, 1, err);
    ok = ok && rn_buf_printf(&b, err, "?%s", query) && rn_buf_terminate(&b, err);
    if (!ok) {
        rn_buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

/* Readers on read-only media: SQLite cannot make the WAL index there, so
 * the file is opened immutable (nobody can be writing it). */
static int open_reader(const char *ws, const char *path, sqlite3 **db)
{
    if (access(ws, W_OK) == 0)
        return sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    RnError *local = NULL;
    char *uri = file_uri(path, "immutable=1", &local);
    rn_error_free(local);
    if (uri == NULL)
        return SQLITE_NOMEM;
    int rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                             NULL);
    free(uri);
    return rc;
}

bool rn_store_connect_reader(const RnStore *s, sqlite3 **db, RnError **err)
{
    *db = NULL;
    char *path = rn_store_file_path(s, RN_STORE_CATALOG, err);
    if (path == NULL)
        return false;
    int rc = open_reader(s->path, path, db);
    free(path);
    if (rc != SQLITE_OK) {
        rn_sql_fail(*db, "open for reading", err);
        sqlite3_close_v2(*db);
        *db = NULL;
        return false;
    }
    sqlite3_busy_timeout(*db, 30000);
    return true;
}

static bool open_db(RnStore *s, bool create, RnError **err)
{
    char *path = rn_store_file_path(s, RN_STORE_CATALOG, err);
    if (path == NULL)
        return false;
    struct stat st;
    if (!create && stat(path, &st) != 0) {
        rn_error_set(err, RN_ERROR_IO, "%s: not a radnet workspace (no %s)", s->path,
                     RN_STORE_CATALOG);
        free(path);
        return false;
    }
    int rc = s->writer ? sqlite3_open_v2(path, &s->db,
                                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                             SQLITE_OPEN_NOMUTEX, NULL)
                       : open_reader(s->path, path, &s->db);
    free(path);
    if (rc != SQLITE_OK)
        return rn_sql_fail(s->db, "open", err);
    sqlite3_busy_timeout(s->db, 30000);
    if (!s->writer)
        return check_schema(s, err);
    /* WAL + NORMAL: a killed process loses nothing committed; a power cut
     * may lose the last batches, which the thumbnail count follows. */
    return rn_sql_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", err) &&
           check_schema(s, err);
}

static bool load_thumb_size(RnStore *s, RnError **err)
{
    int64_t v = 0;
    bool found;
    if (!rn_store_meta_get(s, "thumb_size", &v, &found, err))
        return false;
    s->thumb_size = found && v > 0 && v <= 65535 ? (uint32_t)v : 0;
    return true;
}

RnStore *rn_store_open_wait(const char *ws, RnStoreMode mode, double lock_wait, RnError **err)
{
    bool create = mode == RN_STORE_CREATE;
    if (create && mkdir(ws, 0755) != 0 && errno != EEXIST) {
        rn_error_set(err, RN_ERROR_IO, "%s: cannot create workspace: %s", ws, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (stat(ws, &st) != 0 || !S_ISDIR(st.st_mode)) {
        rn_error_set(err, RN_ERROR_IO, "%s: no such workspace folder", ws);
        return NULL;
    }
    RnStore *s = rn_calloc(1, sizeof *s, err);
    if (s == NULL)
        return NULL;
    s->lock_fd = -1;
    s->writer = mode != RN_STORE_READ;
    s->path = rn_strdup(ws, err);
    bool ok = s->path != NULL;
    if (ok && s->writer) {
        ok = take_lock(s, lock_wait, err);
        if (ok)
            remove_orphans(s->path, 3);
    }
    if (!ok || !open_db(s, create, err) || !load_key(s, err) || !load_thumb_size(s, err)) {
        rn_store_close(s);
        return NULL;
    }
    return s;
}

RnStore *rn_store_open(const char *ws, RnStoreMode mode, RnError **err)
{
    return rn_store_open_wait(ws, mode, 0, err);
}

void rn_store_close(RnStore *s)
{
    if (s == NULL)
        return;
    sqlite3_close_v2(s->db);
    if (s->lock_fd >= 0)
        close(s->lock_fd); /* releases the writer lock */
    free(s->path);
    free(s);
}

const char *rn_store_path(const RnStore *s) { return s->path; }
bool rn_store_is_writer(const RnStore *s) { return s->writer; }
uint32_t rn_store_thumb_size(const RnStore *s) { return s->thumb_size; }

bool rn_store_require_writer(const RnStore *s, const char *what, RnError **err)
{
    if (s->writer)
        return true;
    rn_error_set(err, RN_ERROR_INVALID, "%s: %s needs the workspace opened for writing",
                 s->path, what);
    return false;
}
