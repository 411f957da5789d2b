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

struct RnStore {
    char *path;
    sqlite3 *db;
    uint8_t key[16];
};

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

/* "workspace/name" (caller frees). */
char *rn_store_file_path(const RnStore *s, const char *name, RnError **err);

#endif
