/* Shared page machinery: the page head (local style only), files, value
 * lists. */
#include "pages.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char STYLE[] =
    "body{font:14px/1.4 sans-serif;margin:1.5em;color:#222;max-width:1100px}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
    "padding:2px 8px;text-align:left}th{background:#eef}td.n{text-align:right}"
    ".plot{margin:.5em 1em .5em 0;vertical-align:top}.swatch{display:inline-block;"
    "width:10px;height:10px;margin-right:4px}img.montage{image-rendering:pixelated;"
    "border:1px solid #999}h2{margin-top:1.5em}.terms span{display:inline-block;"
    "background:#eef;margin:2px;padding:1px 6px;border-radius:3px}";

bool rp_page_begin(RnBuf *b, const char *title, RnError **err)
{
    return rn_buf_append_str(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                                "<meta name=\"referrer\" content=\"no-referrer\"><title>", err) &&
           rp_esc(b, title, err) &&
           rn_buf_printf(b, err, "</title><style>%s</style></head><body>\n", STYLE);
}

bool rp_write_file(const char *dir, const char *name, const RnBuf *b, RnError **err)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = rn_malloc(n, err);
    if (!path)
        return false;
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(b->data, 1, b->len, f) == b->len;
    ok = (f && fclose(f) == 0) && ok;
    if (!ok)
        rn_error_set(err, RN_ERROR_IO, "cannot write %s: %s", path, strerror(errno));
    free(path);
    return ok;
}

static int by_count(const void *a, const void *b)
{
    const RpValue *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->value, y->value);
}

RpValue *rp_values(const RpGather *g, char code, const char *cluster, size_t *n, RnError **err)
{
    char prefix[40];
    int pn = snprintf(prefix, sizeof prefix, "%c\x1f%s\x1f", code, cluster ? cluster : "*");
    RpValue *v = rn_malloc((g->tags.used + 1) * sizeof *v, err);
    if (!v)
        return NULL;
    *n = 0;
    for (size_t i = 0; i < g->tags.cap; i++) {
        const RpCount *e = &g->tags.e[i];
        if (e->key && e->len >= (size_t)pn && memcmp(e->key, prefix, (size_t)pn) == 0)
            v[(*n)++] = (RpValue){e->key + pn, e->count};
    }
    qsort(v, *n, sizeof *v, by_count);
    return v;
}
