/* The workspace: folder, SQLite catalogue (WAL), pseudonym key. */
#include "store/store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

/* ---- SQLite helpers --------------------------------------------------- */

bool rn_sql_fail(sqlite3 *db, const char *what, RnError **err)
{
    int code = sqlite3_errcode(db);
    RnErrorCode rc = code == SQLITE_NOMEM ? RN_ERROR_NOMEM
                     : (code == SQLITE_IOERR || code == SQLITE_FULL ||
                        code == SQLITE_CANTOPEN || code == SQLITE_READONLY ||
                        code == SQLITE_BUSY || code == SQLITE_CORRUPT ||
                        code == SQLITE_NOTADB)
                         ? RN_ERROR_IO
                         : RN_ERROR_INTERNAL;
    rn_error_set(err, rc, "catalogue: %s: %s", what, sqlite3_errmsg(db));
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

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t siphash24(const uint8_t key[16], const uint8_t *in, size_t n)
{
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    size_t full = n - n % 8;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load_le64(in + i);
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

/* Reads the workspace key, creating it (random) on first use. */
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
    } else if (getrandom(s->key, sizeof s->key, 0) != (ssize_t)sizeof s->key) {
        rn_error_set(err, RN_ERROR_IO, "no random bytes for the pseudonym key");
    } else {
        ok = rn_file_write_atomic(path, s->key, sizeof s->key, err);
    }
    free(data);
    free(path);
    return ok;
}

/* ---- open / close ------------------------------------------------------ */

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
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    free(path);
    if (rc != SQLITE_OK)
        return rn_sql_fail(s->db, "open", err);
    sqlite3_busy_timeout(s->db, 30000);
    /* WAL + NORMAL: a killed process loses nothing committed; a power cut
     * may lose the last batches, which the thumbnail count follows. */
    return rn_sql_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", err) &&
           (sqlite3_exec(s->db, (const char *)rn_store_schema_sql, NULL, NULL, NULL) == SQLITE_OK ||
            rn_sql_fail(s->db, "schema (workspace of another radnet version?)", err));
}

RnStore *rn_store_open(const char *ws, bool create, RnError **err)
{
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
    s->path = rn_strdup(ws, err);
    if (s->path == NULL || !open_db(s, create, err) || !load_key(s, err)) {
        rn_store_close(s);
        return NULL;
    }
    return s;
}

void rn_store_close(RnStore *s)
{
    if (s == NULL)
        return;
    sqlite3_close_v2(s->db);
    free(s->path);
    free(s);
}

struct sqlite3 *rn_store_db(RnStore *s) { return s->db; }
const char *rn_store_path(const RnStore *s) { return s->path; }
