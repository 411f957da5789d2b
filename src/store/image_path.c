/* The file an image was read from (for `radnet export --with-paths`). */
#include "store_internal.h"

#include <sqlite3.h>
#include <stdlib.h>

bool rn_store_image_path(RnStore *s, int64_t image_id, char **path, RnError **err)
{
    *path = NULL;
    sqlite3_stmt *st = rn_sql_prepare(
        s->db, "SELECT f.path FROM images i JOIN files f ON f.id = i.file_id WHERE i.id = ?",
        err);
    if (st == NULL)
        return false;
    sqlite3_bind_int64(st, 1, image_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *path = rn_strdup((const char *)sqlite3_column_text(st, 0), err);
    else if (rc == SQLITE_DONE)
        rn_error_set(err, RN_ERROR_INVALID, "no image with id %lld", (long long)image_id);
    else
        rn_sql_fail(s->db, "image path", err);
    sqlite3_finalize(st);
    return *path != NULL;
}
