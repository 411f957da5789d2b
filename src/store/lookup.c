/* The typed lookup a feed (objects from a PACS) asks before fetching an
 * object: is it in the workspace already, by SOPInstanceUID or by its
 * catalogue name? One prepared statement on a reader connection. */
#include "store/ingest_internal.h"

#include <stdlib.h>

/* A name whose read failed transiently ('io' quarantine) is fetched again,
 * as the walk reads such a file again. */
static const char known_sql[] =
    "SELECT EXISTS (SELECT 1 FROM images WHERE sop_uid = ?1) OR "
    "EXISTS (SELECT 1 FROM files f WHERE f.path = ?2 AND NOT EXISTS "
    "(SELECT 1 FROM quarantine q WHERE q.file_id = f.id AND q.code = 'io'))";

struct RnInstanceLookup {
    sqlite3 *db;
    sqlite3_stmt *known;
    uint64_t hits;
};

RnInstanceLookup *rn_instance_lookup_open(sqlite3 *db, RnError **err)
{
    RnInstanceLookup *l = rn_calloc(1, sizeof *l, err);
    if (l == NULL)
        return NULL;
    l->db = db;
    l->known = rn_sql_prepare(db, known_sql, err);
    if (l->known == NULL) {
        free(l);
        return NULL;
    }
    return l;
}

void rn_instance_lookup_close(RnInstanceLookup *l)
{
    if (l == NULL)
        return;
    sqlite3_finalize(l->known);
    free(l);
}

uint64_t rn_instance_lookup_hits(const RnInstanceLookup *l)
{
    return l->hits;
}

bool rn_instance_lookup_known(RnInstanceLookup *l, const char *sop_uid, const char *name,
                              bool *known, RnError **err)
{
    *known = false;
    if (sop_uid != NULL)
        sqlite3_bind_text(l->known, 1, sop_uid, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(l->known, 1);
    if (name != NULL)
        sqlite3_bind_text(l->known, 2, name, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(l->known, 2);
    int rc = sqlite3_step(l->known);
    if (rc == SQLITE_ROW)
        *known = sqlite3_column_int(l->known, 0) != 0;
    sqlite3_reset(l->known);
    sqlite3_clear_bindings(l->known);
    if (rc != SQLITE_ROW)
        return rn_sql_fail(l->db, known_sql, err);
    l->hits += *known;
    return true;
}
