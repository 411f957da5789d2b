/* Private helpers shared by the store sources. */
#ifndef RADNET_STORE_INTERNAL_H
#define RADNET_STORE_INTERNAL_H

#include "radnet/store.h"

/* data/regions.tsv, compiled in by embed_text.py. */
extern const unsigned char rn_region_rules_tsv[];
extern const size_t rn_region_rules_tsv_len;

/* Lowercases ASCII and the Latin-1 / Latin Extended-A letters of UTF-8 text
 * (enough for Croatian and German descriptions); other bytes are copied.
 * Returns a new string or NULL on allocation failure. */
char *rn_utf8_lower(const char *s, RnError **err);

/* Copy of s without leading/trailing spaces (NULL -> ""). */
char *rn_str_trim_dup(const char *s, RnError **err);


#include <sqlite3.h>

/* schema.sql, compiled in by embed_text.py. */
extern const unsigned char rn_store_schema_sql[];
extern const size_t rn_store_schema_sql_len;

/* Marks temporary files of artifacts ("<name>" RN_ARTIFACT_TMP "XXXXXX"):
 * a writer's open removes them. */
#define RN_ARTIFACT_TMP ".rn-tmp-"

struct RnStore {
    char *path;
    sqlite3 *db;
    uint8_t key[16];
    bool writer;         /* holds the workspace lock */
    int lock_fd;         /* flock of WS/writer.lock, -1 for readers */
    uint32_t thumb_size; /* meta thumb_size at open (0: none) */
};

/* A second, read-only connection to the catalogue (immutable on read-only
 * media): cursors and the ingest walker read committed rows with it while
 * the store's own connection writes. */
bool rn_store_connect_reader(const RnStore *s, sqlite3 **db, RnError **err);

/* Fails with RN_ERROR_INVALID unless s is the writer. */
bool rn_store_require_writer(const RnStore *s, const char *what, RnError **err);

/* Sets err from the connection's last error. Always returns false. */
bool rn_sql_fail(sqlite3 *db, const char *what, RnError **err);
bool rn_sql_exec(sqlite3 *db, const char *sql, RnError **err);
sqlite3_stmt *rn_sql_prepare(sqlite3 *db, const char *sql, RnError **err);
/* Binds text, or NULL when s is NULL or empty. */
int rn_sql_bind_text_or_null(sqlite3_stmt *st, int i, const char *s);
/* Steps a statement that returns no rows (SQLITE_DONE) and resets it. */
bool rn_sql_step_done(sqlite3 *db, sqlite3_stmt *st, const char *what, RnError **err);

/* meta table (integers). */
bool rn_store_meta_get(RnStore *s, const char *key, int64_t *value, bool *found,
                       RnError **err);
bool rn_store_meta_set(RnStore *s, const char *key, int64_t value, RnError **err);

/* The clustering set's WHERE clause over `images i` (SPEC §9). */
#define RN_CLUSTERING_SET_WHERE                                                    \
    "i.sop_uid IS NOT NULL AND i.has_pixels AND i.drop_reason IS NULL AND "        \
    "(i.thumb_index IS NOT NULL OR "                                               \
    "CAST(coalesce((SELECT value FROM meta WHERE key = 'pixels'), 1) AS INTEGER) = 0)"

/* The ingest's file counts of a run. */
bool rn_store_run_set_counts(RnStore *s, int64_t run_id, uint64_t files_seen, uint64_t files_new,
                             uint64_t quarantined, RnError **err);

/* "workspace/name" (caller frees). */
char *rn_store_file_path(const RnStore *s, const char *name, RnError **err);

#endif
