/* The workspace API the stages build on: writer lock beside readers, schema
 * version check and upgrade, run records, artifact commit (orphans, stale
 * files), and the clustering-set cursor held to the catalogue and
 * thumbs.npy read independently (SQLite + the npy reader). */
#include "radnet/store.h"
#include "rn_test.h"

#include <fcntl.h>

#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmp_root[256];

static void path_in(char *out, size_t n, const char *ws, const char *name)
{
    snprintf(out, n, "%s/%s", ws, name);
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void touch(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_lock(void)
{
    char ws[512];
    snprintf(ws, sizeof ws, "%s/lock", tmp_root);
    RnError *err = NULL;
    RnStore *w1 = rn_store_open(ws, RN_STORE_CREATE, &err);
    CHECK(w1 != NULL && rn_store_is_writer(w1));
    /* A second writer is refused at once, naming the workspace ... */
    RnStore *w2 = rn_store_open(ws, RN_STORE_WRITE, &err);
    CHECK(w2 == NULL);
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_IO);
    CHECK(err && strstr(rn_error_message(err), ws) && strstr(rn_error_message(err), "another"));
    rn_error_free(err);
    err = NULL;
    /* ... or after its wait. */
    CHECK(rn_store_open_wait(ws, RN_STORE_WRITE, 0.2, &err) == NULL);
    rn_error_free(err);
    err = NULL;
    /* Readers work beside the writer. */
    RnStore *r = rn_store_open(ws, RN_STORE_READ, &err);
    CHECK(r != NULL && !rn_store_is_writer(r));
    uint64_t n = 99;
    CHECK(r && rn_store_clustering_count(r, &n, &err) && n == 0);
    /* A reader cannot record runs or artifacts. */
    int64_t run = 0;
    CHECK(r && !rn_store_run_begin(r, "embed", "embed", NULL, &run, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_INVALID);
    rn_error_free(err);
    err = NULL;
    rn_store_close(r);
    rn_store_close(w1);
    /* Closing releases the lock. */
    w2 = rn_store_open(ws, RN_STORE_WRITE, &err);
    CHECK(w2 != NULL);
    rn_store_close(w2);
    rn_error_free(err);
}

static void exec_sql(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(db_path, &db) == SQLITE_OK);
    char *msg = NULL;
    CHECK_MSG(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s", msg ? msg : "");
    sqlite3_free(msg);
    sqlite3_close(db);
}

static int64_t query_int(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* A catalogue of the first schema (runs without stage/status) is refused by
 * readers and upgraded by a writer; a newer one is refused by both. */
static void test_schema(void)
{
    char ws[512], db[600];
    snprintf(ws, sizeof ws, "%s/schema", tmp_root);
    CHECK(mkdir(ws, 0755) == 0);
    path_in(db, sizeof db, ws, RN_STORE_CATALOG);
    exec_sql(db, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                 "INSERT INTO meta VALUES('schema_version', 1);"
                 "CREATE TABLE runs (id INTEGER PRIMARY KEY, started TEXT NOT NULL, finished TEXT,"
                 " command TEXT NOT NULL, files_seen INTEGER, files_new INTEGER,"
                 " quarantined INTEGER);"
                 "INSERT INTO runs(started, finished, command) VALUES('t0', 't1', 'ingest a');"
                 "INSERT INTO runs(started, command) VALUES('t2', 'ingest b');"
                 "CREATE TABLE report_sources (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE,"
                 " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, rows INTEGER NOT NULL,"
                 " skipped INTEGER NOT NULL);");
    char key[600];
    path_in(key, sizeof key, ws, RN_STORE_KEY);
    touch(key, "0123456789abcdef");
    RnError *err = NULL;
    CHECK(rn_store_open(ws, RN_STORE_READ, &err) == NULL);
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_UNSUPPORTED);
    CHECK(err && strstr(rn_error_message(err), "older"));
    rn_error_free(err);
    err = NULL;
    RnStore *s = rn_store_open(ws, RN_STORE_WRITE, &err);
    CHECK(s != NULL);
    RnRun run;
    bool found = false;
    CHECK(s && rn_store_run_latest(s, "ingest", -1, &run, &found, &err) && found);
    if (found) {
        CHECK_EQ_STR(run.command, "ingest b");
        CHECK_EQ_INT(run.status, RN_RUN_INTERRUPTED);
    }
    rn_run_clear(&run);
    CHECK(s && rn_store_run_latest(s, "ingest", RN_RUN_DONE, &run, &found, &err) && found);
    if (found)
        CHECK_EQ_STR(run.command, "ingest a");
    rn_run_clear(&run);
    rn_store_close(s);
    CHECK_EQ_INT(query_int(db, "SELECT value FROM meta WHERE key = 'schema_version'"),
                 RN_STORE_SCHEMA_VERSION);
    s = rn_store_open(ws, RN_STORE_READ, &err);
    CHECK(s != NULL);
    rn_store_close(s);
    exec_sql(db, "UPDATE meta SET value = 99 WHERE key = 'schema_version'");
    CHECK(rn_store_open(ws, RN_STORE_WRITE, &err) == NULL);
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_UNSUPPORTED);
    CHECK(err && strstr(rn_error_message(err), "newer"));
    rn_error_free(err);
}

/* A child begins an artifact and dies before committing it; tmp receives
 * the temporary file's path. */
static bool killed_mid_artifact(RnStore *s, const char *name, char *tmp, size_t n)
{
    int fds[2];
    if (pipe(fds) != 0)
        return false;
    pid_t pid = fork();
    if (pid == 0) {
        RnArtifactWriter *w = rn_store_artifact_begin(s, name, NULL);
        if (w != NULL && write(fds[1], rn_artifact_tmp_path(w), strlen(rn_artifact_tmp_path(w))) > 0)
            _exit(0);
        _exit(1);
    }
    close(fds[1]);
    ssize_t got = read(fds[0], tmp, n - 1);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    tmp[got > 0 ? got : 0] = 0;
    return got > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_runs_and_artifacts(void)
{
    char ws[512], path[700];
    snprintf(ws, sizeof ws, "%s/art", tmp_root);
    RnError *err = NULL;
    RnStore *s = rn_store_open(ws, RN_STORE_CREATE, &err);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    int64_t run = 0;
    CHECK(rn_store_run_begin(s, "embed", "embed --source image", "{\"dim\":8}", &run, &err));
    RnArtifact a;
    CHECK(rn_store_artifact_put(s, "embeddings/x.npy", "hello", 5, run, "dim=8", &a, &err));
    CHECK_EQ_STR(a.name, "embeddings/x.npy");
    CHECK_EQ_STR(a.params, "dim=8");
    CHECK_EQ_INT(a.size, 5);
    CHECK_EQ_INT(a.run_id, run);
    char hex[17];
    static const uint8_t zero[16] = {0};
    rn_siphash24_hex(zero, "hello", 5, hex);
    CHECK_EQ_STR(a.hash, hex);
    rn_artifact_clear(&a);
    /* current: committed with exactly these params, file unchanged */
    bool same = false;
    CHECK(rn_store_artifact_current(s, "embeddings/x.npy", "dim=8", &same, &err) && same);
    CHECK(rn_store_artifact_current(s, "embeddings/x.npy", "dim=9", &same, &err) && !same);
    CHECK(rn_store_artifact_current(s, "embeddings/none", "dim=8", &same, &err) && !same);
    char hash[17], *text = NULL;
    size_t len = 0;
    bool have = false;
    CHECK(rn_store_artifact_hash(s, "embeddings/x.npy", hash, &have, &err) && have);
    CHECK_EQ_STR(hash, hex);
    CHECK(rn_store_artifact_hash(s, "embeddings/none", hash, NULL, &err) && hash[0] == '\0');
    CHECK(rn_store_artifact_read(s, "embeddings/x.npy", 5, &text, &len, &have, &err) && have);
    CHECK(text && len == 5 && strcmp(text, "hello") == 0);
    free(text);
    CHECK(!rn_store_artifact_read(s, "embeddings/x.npy", 4, &text, &len, &have, &err));
    CHECK(rn_error_code(err) == RN_ERROR_LIMIT);
    rn_error_free(err);
    err = NULL;
    CHECK(rn_store_artifact_read(s, "embeddings/none", 5, &text, &len, &have, &err) && !have);
    CHECK(text == NULL && len == 0);
    CHECK(rn_store_run_end(s, run, RN_RUN_DONE, NULL, &err));
    RnRun r;
    bool found = false;
    CHECK(rn_store_run_get(s, run, &r, &found, &err) && found);
    if (found) {
        CHECK_EQ_STR(r.stage, "embed");
        CHECK_EQ_STR(r.params, "{\"dim\":8}");
        CHECK_EQ_INT(r.status, RN_RUN_DONE);
        CHECK(r.finished != NULL && r.seconds >= 0);
    }
    rn_run_clear(&r);
    /* Through a temporary file, replacing the first version. */
    RnArtifactWriter *w = rn_store_artifact_begin(s, "embeddings/x.npy", &err);
    CHECK(w != NULL);
    if (w) {
        CHECK(strstr(rn_artifact_tmp_path(w), "embeddings/x.npy") != NULL);
        touch(rn_artifact_tmp_path(w), "world!");
        CHECK(rn_store_artifact_commit(s, w, 0, NULL, NULL, &err));
    }
    CHECK(rn_store_artifact_latest(s, "embeddings/x.npy", &a, &found, &err) && found);
    CHECK_EQ_INT(a.size, 6);
    CHECK_EQ_STR(a.params, "");
    rn_artifact_clear(&a);
    /* A copy of the workspace keeps contents but not mtimes: the content
     * hash vouches for the file then; the same size with other bytes not. */
    path_in(path, sizeof path, ws, "embeddings/x.npy");
    const struct timespec copied[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
    CHECK(utimensat(AT_FDCWD, path, copied, 0) == 0);
    CHECK(rn_store_artifact_latest(s, "embeddings/x.npy", &a, &found, &err) && found);
    rn_artifact_clear(&a);
    touch(path, "WORLD!");
    CHECK(rn_store_artifact_latest(s, "embeddings/x.npy", &a, &found, &err) && !found);
    touch(path, "world!");
    CHECK(rn_store_artifact_latest(s, "embeddings/x.npy", &a, &found, &err) && found);
    rn_artifact_clear(&a);
    /* A file changed behind the catalogue's back is not vouched for. */
    touch(path, "tampered!");
    CHECK(rn_store_artifact_latest(s, "embeddings/x.npy", &a, &found, &err) && !found);
    CHECK(rn_store_artifact_current(s, "embeddings/x.npy", "", &same, &err) && !same);
    /* An append-only artifact: its recorded first bytes count, whatever follows. */
    char *params = NULL;
    CHECK(rn_store_artifact_read_appended(s, "embeddings/x.npy", 64, &text, &len, &params,
                                          &have, &err) && !have && !text && !params);
    touch(path, "world! and the next line");
    CHECK(rn_store_artifact_read_appended(s, "embeddings/x.npy", 64, &text, &len, &params,
                                          &have, &err) && have);
    CHECK(text && len == 6 && strcmp(text, "world!") == 0 && params && !*params);
    free(text);
    free(params);
    touch(path, "world");
    CHECK(rn_store_artifact_read_appended(s, "embeddings/x.npy", 64, &text, &len, &params,
                                          &have, &err) && !have);
    CHECK(rn_store_artifact_read_appended(s, "embeddings/none", 64, &text, &len, &params,
                                          &have, &err) && !have);
    CHECK(!rn_store_artifact_read_appended(s, "embeddings/x.npy", 5, &text, &len, &params,
                                           &have, &err) && rn_error_code(err) == RN_ERROR_LIMIT);
    rn_error_free(err);
    err = NULL;
    touch(path, "tampered!");
    CHECK(rn_store_artifact_latest(s, "models/none", &a, &found, &err) && !found);
    /* Names outside the workspace or onto its own files are refused. */
    static const char *const bad[] = {"../x", "/etc/x", "a//b", "a/./b", "a/../b",
                                      "catalog.sqlite", "thumbs.npy", "x/", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_MSG(rn_store_artifact_begin(s, bad[i], &err) == NULL, "%s", bad[i]);
        rn_error_free(err);
        err = NULL;
    }
    /* Orphans of a killed writer: a temporary artifact and a key temp. An
     * unfinished run becomes 'interrupted'. */
    int64_t open_run = 0;
    CHECK(rn_store_run_begin(s, "cluster", NULL, NULL, &open_run, &err));
    char tmp[800] = "";
    CHECK(killed_mid_artifact(s, "models/m.model", tmp, sizeof tmp));
    char key_tmp[700];
    path_in(key_tmp, sizeof key_tmp, ws, RN_STORE_KEY ".tmpAbC123");
    touch(key_tmp, "x");
    CHECK(file_exists(tmp) && file_exists(key_tmp));
    rn_store_close(s);
    s = rn_store_open(ws, RN_STORE_READ, &err);
    CHECK(file_exists(tmp)); /* readers never delete */
    rn_store_close(s);
    s = rn_store_open(ws, RN_STORE_WRITE, &err);
    CHECK(s != NULL);
    CHECK(!file_exists(tmp) && !file_exists(key_tmp));
    CHECK(s && rn_store_run_get(s, open_run, &r, &found, &err) && found &&
          r.status == RN_RUN_INTERRUPTED);
    rn_run_clear(&r);
    rn_store_close(s);
    rn_error_free(err);
}

/* ---- the clustering set ---------------------------------------------- */

typedef struct Expected {
    char sop[128];
    int64_t thumb_index;
    int64_t study;
} Expected;

/* The clustering set read independently: SQL over the documented columns. */
static size_t expected_rows(const char *db_path, Expected **out)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    size_t n = 0, cap = 0;
    *out = NULL;
    CHECK(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(db, "SELECT sop_uid, thumb_index, coalesce(study_id, 0) FROM images "
                                 "WHERE has_pixels = 1 AND drop_reason IS NULL AND "
                                 "thumb_index IS NOT NULL AND sop_uid IS NOT NULL",
                             -1, &st, NULL) == SQLITE_OK);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            *out = realloc(*out, cap * sizeof **out);
        }
        snprintf((*out)[n].sop, sizeof (*out)[n].sop, "%s", sqlite3_column_text(st, 0));
        (*out)[n].thumb_index = sqlite3_column_int64(st, 1);
        (*out)[n].study = sqlite3_column_int64(st, 2);
        n++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static const Expected *find_expected(const Expected *e, size_t n, const char *sop)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].sop, sop) == 0)
            return &e[i];
    return NULL;
}

/* Two report rows for the study of the first image: joined in file order. */
static void write_reports(const char *ws, const char *csv)
{
    char db[600];
    path_in(db, sizeof db, ws, RN_STORE_CATALOG);
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    char uid[128] = "";
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, "SELECT s.study_uid FROM images i JOIN studies s ON s.id = i.study_id "
                              "WHERE i.thumb_index IS NOT NULL AND i.drop_reason IS NULL "
                              "ORDER BY i.sop_uid LIMIT 1", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        snprintf(uid, sizeof uid, "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
    CHECK(uid[0] != 0);
    FILE *f = fopen(csv, "w");
    CHECK(f != NULL);
    if (f) {
        fprintf(f, "StudyInstanceUID,Report\n%s,first row\n%s,second row\n", uid, uid);
        fclose(f);
    }
}

static bool ingest_opts(const char *ws, const char *src, const char *reports, bool no_pixels)
{
    RnIngestOptions o;
    rn_ingest_options_init(&o);
    o.no_pixels = no_pixels;
    o.sources = &src;
    o.n_sources = 1;
    o.reports_path = reports;
    o.threads = 2;
    o.count_first = false;
    RnError *err = NULL;
    bool ok = rn_ingest(ws, &o, NULL, &err);
    CHECK_MSG(ok, "%s", rn_error_message(err));
    rn_error_free(err);
    return ok;
}

static bool ingest(const char *ws, const char *src, const char *reports)
{
    return ingest_opts(ws, src, reports, false);
}

/* Metadata-only workspaces: the set is every object with pixel data (no
 * drop policy can run), without thumbnails. */
static void test_cursor_no_pixels(const char *src)
{
    char ws[512], db[600];
    snprintf(ws, sizeof ws, "%s/nopix", tmp_root);
    path_in(db, sizeof db, ws, RN_STORE_CATALOG);
    if (!ingest_opts(ws, src, NULL, true))
        return;
    int64_t want = query_int(db, "SELECT count(*) FROM images WHERE has_pixels = 1 AND "
                                 "sop_uid IS NOT NULL AND drop_reason IS NULL");
    RnError *err = NULL;
    RnStore *s = rn_store_open(ws, RN_STORE_READ, &err);
    RnImageCursor *c = s ? rn_image_cursor_open(s, RN_CURSOR_ALL, &err) : NULL;
    CHECK(c != NULL && want > 20);
    CHECK_EQ_INT(c ? rn_image_cursor_count(c) : 0, want);
    RnImageRow r;
    int64_t n = 0;
    while (c && rn_image_cursor_next(c, &r, &err)) {
        CHECK(r.thumb == NULL && r.thumb_index == -1 && r.thumb_size == 0);
        n++;
    }
    CHECK(err == NULL);
    CHECK_EQ_INT(n, want);
    rn_image_cursor_close(c);
    rn_store_close(s);
    rn_error_free(err);
}

static void test_cursor(void)
{
    const char *data = getenv("RADNET_TESTDATA");
    char src[1024], ws[512], csv[600], db[600], thumbs[600];
    snprintf(src, sizeof src, "%s/pydicom/test_files", data ? data : "tests/data");
    snprintf(ws, sizeof ws, "%s/cursor", tmp_root);
    snprintf(csv, sizeof csv, "%s/reports.csv", tmp_root);
    path_in(db, sizeof db, ws, RN_STORE_CATALOG);
    path_in(thumbs, sizeof thumbs, ws, RN_STORE_THUMBS);
    test_cursor_no_pixels(src);
    if (!ingest(ws, src, NULL))
        return;
    write_reports(ws, csv);
    if (!ingest(ws, src, csv))
        return;
    Expected *exp = NULL;
    size_t n_exp = expected_rows(db, &exp);
    CHECK(n_exp > 20);
    RnArray stack = {0};
    RnError *err = NULL;
    CHECK(rn_npy_read(thumbs, &stack, &err) && stack.ndim == 3);
    RnStore *s = rn_store_open(ws, RN_STORE_READ, &err);
    CHECK(s != NULL);
    if (s == NULL || stack.ndim != 3) {
        free(exp);
        rn_array_free(&stack);
        return;
    }
    uint32_t S = rn_store_thumb_size(s);
    CHECK_EQ_INT(S, stack.shape[1]);
    uint64_t count = 0;
    CHECK(rn_store_clustering_count(s, &count, &err));
    CHECK_EQ_INT(count, n_exp);
    RnImageCursor *c = rn_image_cursor_open(s, RN_CURSOR_ALL, &err);
    CHECK(c != NULL && rn_image_cursor_count(c) == n_exp);
    RnImageRow r;
    char prev[128] = "";
    size_t rows = 0, with_report = 0;
    uint8_t *thumb = malloc((size_t)S * S), *thumb2 = malloc((size_t)S * S);
    RnThumbReader *reader = rn_thumb_reader_open(s, &err);
    CHECK(reader != NULL);
    while (c && rn_image_cursor_next(c, &r, &err)) {
        const Expected *e = find_expected(exp, n_exp, r.sop_uid);
        CHECK_MSG(e != NULL, "%s", r.sop_uid);
        CHECK_EQ_INT(r.row, rows);
        CHECK_MSG(strcmp(prev, r.sop_uid) < 0, "%s after %s", r.sop_uid, prev);
        snprintf(prev, sizeof prev, "%s", r.sop_uid);
        CHECK(r.thumb != NULL && r.thumb_size == S && r.elements_json[0] == '{');
        if (e != NULL && r.thumb != NULL) {
            CHECK_EQ_INT(r.thumb_index, e->thumb_index);
            const uint8_t *want = (const uint8_t *)stack.data + (size_t)e->thumb_index * S * S;
            CHECK(memcmp(r.thumb, want, (size_t)S * S) == 0);
            CHECK(rn_store_thumb_read(s, r.thumb_index, thumb, &err) &&
                  memcmp(thumb, want, (size_t)S * S) == 0);
            CHECK(reader && rn_thumb_reader_read(reader, r.thumb_index, thumb2, &err) &&
                  memcmp(thumb2, want, (size_t)S * S) == 0);
        }
        if (r.report != NULL) {
            CHECK_EQ_STR(r.report, "first row\nsecond row");
            with_report++;
        }
        rows++;
    }
    CHECK(err == NULL);
    CHECK_EQ_INT(rows, n_exp);
    CHECK(with_report >= 1);
    /* a row past the end is an error, not a read out of bounds */
    CHECK(reader && !rn_thumb_reader_read(reader, (int64_t)n_exp + 1000, thumb2, &err));
    rn_error_free(err);
    err = NULL;
    rn_thumb_reader_close(reader);
    rn_thumb_reader_close(NULL);
    free(thumb2);
    rn_image_cursor_close(c);
    /* rows.csv is the writer's. */
    CHECK(!rn_store_write_rows_csv(s, 0, NULL, NULL, &err));
    rn_error_free(err);
    err = NULL;
    rn_store_close(s);
    s = rn_store_open(ws, RN_STORE_WRITE, &err);
    uint64_t n_rows = 0;
    char hash[17] = "";
    CHECK(s && rn_store_write_rows_csv(s, 0, &n_rows, hash, &err));
    CHECK_EQ_INT(n_rows, n_exp);
    RnArtifact a;
    bool found = false;
    CHECK(s && rn_store_artifact_latest(s, RN_STORE_ROWS, &a, &found, &err) && found);
    if (found)
        CHECK_EQ_STR(a.hash, hash);
    rn_artifact_clear(&a);
    char rows_csv[700];
    path_in(rows_csv, sizeof rows_csv, ws, RN_STORE_ROWS);
    FILE *f = fopen(rows_csv, "r");
    char line[256];
    size_t lines = 0;
    CHECK(f && fgets(line, sizeof line, f) && strcmp(line, "row,sop_instance_uid\n") == 0);
    while (f && fgets(line, sizeof line, f)) {
        char want[200];
        snprintf(want, sizeof want, "%zu,", lines);
        CHECK(strncmp(line, want, strlen(want)) == 0);
        lines++;
    }
    if (f)
        fclose(f);
    CHECK_EQ_INT(lines, n_exp);
    rn_store_close(s);
    free(thumb);
    free(exp);
    rn_array_free(&stack);
    rn_error_free(err);
}

int main(void)
{
    snprintf(tmp_root, sizeof tmp_root, "/tmp/rn_store_api_XXXXXX");
    CHECK(mkdtemp(tmp_root) != NULL);
    test_lock();
    test_schema();
    test_runs_and_artifacts();
    test_cursor();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
    CHECK(system(cmd) == 0);
    TEST_DONE();
}
