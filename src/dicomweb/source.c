/* The DICOMweb source: QIDO-RS listing (studies paged, then each study's
 * instances with their series), a window of up to `parallel` WADO-RS
 * fetches handed to the ingest in listing order, and rn_dicomweb_ingest.
 * Studies are visited page by page (each page sorted), a study's instances
 * sorted by (series, SOP) UID. */
#include "dicomweb/dicomweb_internal.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define TAG_STUDY_UID "0020000D"
#define TAG_SERIES_UID "0020000E"
#define TAG_SOP_UID "00080018"
#define QIDO_MAX_BODY (256u << 20) /* one page of JSON */
#define MAX_PARALLEL 64

/* Rows of width UIDs (study: 1; instance: series, SOP). */
typedef struct UidList {
    char **v;
    size_t n, next, width;
} UidList;

struct RnDicomweb {
    RnDicomwebOptions opts;
    Http *http;
    char *base;   /* http(s)://host/path, no trailing slash */
    char *source; /* dicomweb+ form: the prefix of every catalogue name */
    UidList studies, instances;
    uint64_t study_offset;
    bool studies_last_page, listing_done;
    char prev_study[256]; /* first UID of the last study page, server order */
    Request *window[MAX_PARALLEL]; /* in listing order */
    char *names[MAX_PARALLEL];
    size_t head, count;
    RnDicomwebStats stats;
};

bool rn_dicomweb_is_source(const char *source)
{
    return source != NULL && (strncmp(source, "dicomweb+http://", 16) == 0 ||
                              strncmp(source, "dicomweb+https://", 17) == 0);
}

void rn_dicomweb_options_init(RnDicomwebOptions *o)
{
    memset(o, 0, sizeof *o);
    o->retries = -1;
}

static void normalise(RnDicomwebOptions *o)
{
    if (o->parallel <= 0)
        o->parallel = 4;
    if (o->parallel > MAX_PARALLEL)
        o->parallel = MAX_PARALLEL;
    if (o->retries < 0)
        o->retries = 5;
    if (o->backoff_ms <= 0)
        o->backoff_ms = 500;
    if (o->timeout_s <= 0)
        o->timeout_s = 300;
    if (o->page == 0)
        o->page = 500;
    if (o->max_instance == 0)
        o->max_instance = (size_t)2 << 30;
}

static void uids_clear(UidList *l)
{
    size_t width = l->width;
    rn_dicomweb_strings_free(l->v, l->n * width);
    memset(l, 0, sizeof *l);
    l->width = width;
}

/* The URL must not carry credentials (they would be recorded as catalogue
 * names and in the run's command) nor a query or fragment. */
static bool check_url(const char *http_url, RnError **err)
{
    const char *auth = strstr(http_url, "://") + 3;
    size_t host_len = strcspn(auth, "/");
    if (memchr(auth, '@', host_len) != NULL) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "DICOMweb URL with user info: give credentials in RADNET_DICOMWEB_TOKEN, "
                     "RADNET_DICOMWEB_USER/_PASSWORD or netrc");
        return false;
    }
    if (host_len == 0 || strpbrk(http_url, "?# \t\r\n") != NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: not a DICOMweb base URL", http_url);
        return false;
    }
    return true;
}

/* Query terms are passed on as given; characters that would end or split
 * the request line are refused. */
static bool check_filter(const char *f, RnError **err)
{
    for (const char *c = f; c && *c; c++)
        if ((unsigned char)*c <= ' ' || *c == '#' || *c == 0x7f) {
            rn_error_set(err, RN_ERROR_INVALID,
                         "--study-filter: write spaces as %%20 (QIDO query terms, e.g. "
                         "ModalitiesInStudy=CT&StudyDate=20200101-)");
            return false;
        }
    return true;
}

RnDicomweb *rn_dicomweb_open(const char *url, const RnDicomwebOptions *opts, RnError **err)
{
    if (!rn_dicomweb_is_source(url)) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: not a dicomweb+http(s):// source", url);
        return NULL;
    }
    const char *http_url = url + strlen(RN_DICOMWEB_SCHEME);
    if (!check_url(http_url, err) || !check_filter(opts->study_filter, err))
        return NULL;
    RnDicomweb *d = rn_calloc(1, sizeof *d, err);
    if (d == NULL)
        return NULL;
    d->opts = *opts;
    normalise(&d->opts);
    size_t n = strlen(http_url);
    while (n > 0 && http_url[n - 1] == '/')
        n--;
    bool ok = (d->base = rn_malloc(n + 1, err)) != NULL &&
              (d->source = rn_malloc(n + strlen(RN_DICOMWEB_SCHEME) + 1, err)) != NULL;
    if (ok) {
        memcpy(d->base, http_url, n);
        d->base[n] = 0;
        strcpy(d->source, RN_DICOMWEB_SCHEME);
        strcat(d->source, d->base);
    }
    ok = ok && (d->http = rn_http_open(&d->opts, err)) != NULL;
    if (!ok) {
        rn_dicomweb_close(d);
        return NULL;
    }
    return d;
}

void rn_dicomweb_close(RnDicomweb *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->count; i++) {
        size_t k = (d->head + i) % MAX_PARALLEL;
        rn_http_free(d->window[k]);
        free(d->names[k]);
    }
    rn_http_close(d->http);
    uids_clear(&d->studies);
    uids_clear(&d->instances);
    free(d->base);
    free(d->source);
    free(d);
}

void rn_dicomweb_stats(const RnDicomweb *d, RnDicomwebStats *out)
{
    *out = d->stats;
    rn_http_counts(d->http, &out->requests, &out->retries, &out->bytes);
}

/* ---- listing ------------------------------------------------------------ */

/* path + "/" + escaped uid, for each (segment, uid) pair; NULL uid ends. */
static char *resource_url(const char *base, const char *const *parts, RnError **err)
{
    RnBuf b = RN_BUF_INIT;
    bool ok = rn_buf_append_str(&b, base, err);
    for (size_t i = 0; ok && parts[i] != NULL; i += 2) {
        ok = rn_buf_printf(&b, err, "/%s", parts[i]);
        if (ok && parts[i + 1] != NULL) {
            char *esc = curl_easy_escape(NULL, parts[i + 1], 0);
            ok = esc != NULL && rn_buf_printf(&b, err, "/%s", esc);
            if (esc == NULL)
                rn_error_set(err, RN_ERROR_NOMEM, "out of memory");
            curl_free(esc);
        }
    }
    ok = ok && rn_buf_terminate(&b, err);
    if (!ok) {
        rn_buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

static int compare_rows1(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int compare_rows2(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    int c = strcmp(x[0], y[0]);
    return c != 0 ? c : strcmp(x[1], y[1]);
}

/* Sorted, each row once: a server lists a study UID twice when two
 * patients share it (and then its instances twice). Returns the number of
 * distinct first values (series of a study's instances). */
static size_t sort_unique(UidList *l)
{
    if (l->n == 0)
        return 0;
    size_t w = l->width, row = w * sizeof *l->v, k = 1, firsts = 1;
    qsort(l->v, l->n, row, w == 1 ? compare_rows1 : compare_rows2);
    for (size_t i = 1; i < l->n; i++) {
        char **cur = l->v + i * w, **last = l->v + (k - 1) * w;
        if ((w == 1 ? compare_rows1 : compare_rows2)(cur, last) == 0) {
            for (size_t j = 0; j < w; j++)
                free(cur[j]);
            continue;
        }
        firsts += strcmp(cur[0], last[0]) != 0;
        memmove(l->v + k * w, cur, row);
        k++;
    }
    l->n = k;
    return firsts;
}

/* One QIDO page: rows of tags (l->width of them), the number of objects,
 * whether the server says there are more. */
static bool qido_page(RnDicomweb *d, const char *url, const char *const *tags, UidList *out,
                      size_t *objects, bool *more, RnError **err)
{
    uint8_t *body = NULL;
    size_t n = 0;
    bool ok = rn_http_get(d->http, url, QIDO_MAX_BODY, &body, &n, more, err);
    RnError *local = NULL;
    if (ok && !rn_qido_rows((const char *)body, n, tags, out->width, &out->v, &out->n, objects,
                            &local)) {
        rn_error_set(err, rn_error_code(local), "%s: %s", url, rn_error_message(local));
        rn_error_free(local);
        ok = false;
    }
    free(body);
    out->next = 0;
    return ok;
}

/* Whether a QIDO page was the last: empty, short without the server's
 * "more results" warning, or paging ignored (more objects than the limit,
 * or the same first row as the page before: offset not honoured). first
 * is the page's first row in server order; *prev keeps it. */
static bool last_page(const RnDicomweb *d, size_t objects, bool more, char *const *first,
                      size_t width, char prev[static 256])
{
    char now[256] = "";
    if (first != NULL)
        snprintf(now, sizeof now, "%s|%s", first[0], width > 1 ? first[1] : "");
    bool repeated = first != NULL && prev[0] != 0 && strcmp(now, prev) == 0;
    memcpy(prev, now, sizeof now);
    return objects == 0 || objects > d->opts.page || (objects < d->opts.page && !more) ||
           repeated;
}

/* Every row over all pages of resource, sorted and unique. */
static bool qido_all(RnDicomweb *d, const char *resource, const char *const *tags, UidList *out,
                     RnError **err)
{
    uids_clear(out);
    char prev[256] = "";
    for (uint64_t offset = 0;;) {
        RnBuf b = RN_BUF_INIT;
        bool ok = rn_buf_printf(&b, err, "%s?limit=%u&offset=%llu", resource, d->opts.page,
                                (unsigned long long)offset) &&
                  rn_buf_terminate(&b, err);
        UidList page = {.width = out->width};
        size_t objects = 0;
        bool more = false;
        ok = ok && qido_page(d, (const char *)b.data, tags, &page, &objects, &more, err);
        rn_buf_free(&b);
        bool last = ok && last_page(d, objects, more, page.n ? page.v : NULL, page.width, prev);
        size_t cells = page.n * page.width, have = out->n * out->width;
        if (ok && page.n > 0) {
            char **grown = rn_realloc(out->v, (have + cells) * sizeof *grown, err);
            ok = grown != NULL;
            if (ok) {
                out->v = grown;
                memcpy(out->v + have, page.v, cells * sizeof *page.v);
                out->n += page.n;
                free(page.v);
                page.v = NULL;
                page.n = 0;
            }
        }
        uids_clear(&page);
        if (!ok)
            return false;
        offset += objects;
        if (last)
            break;
    }
    return true;
}

static bool next_study_page(RnDicomweb *d, RnError **err)
{
    static const char *const tags[] = {TAG_STUDY_UID};
    RnBuf b = RN_BUF_INIT;
    const char *f = d->opts.study_filter;
    bool ok = rn_buf_printf(&b, err, "%s/studies?limit=%u&offset=%llu%s%s", d->base,
                            d->opts.page, (unsigned long long)d->study_offset,
                            f && f[0] ? "&" : "", f && f[0] ? f : "") &&
              rn_buf_terminate(&b, err);
    size_t objects = 0;
    bool more = false;
    uids_clear(&d->studies);
    d->studies.width = 1;
    ok = ok && qido_page(d, (const char *)b.data, tags, &d->studies, &objects, &more, err);
    rn_buf_free(&b);
    d->studies_last_page = !ok || last_page(d, objects, more, d->studies.n ? d->studies.v : NULL,
                                            1, d->prev_study);
    sort_unique(&d->studies);
    d->study_offset += objects;
    d->stats.studies += d->studies.n;
    return ok;
}

/* The instances of the next study: one paged query per study (not one per
 * series: the listing of an archive of small series costs half the
 * requests). false at the end (*err unset) or on error. */
static bool next_study(RnDicomweb *d, RnError **err)
{
    static const char *const tags[] = {TAG_SERIES_UID, TAG_SOP_UID};
    for (;;) {
        if (d->studies.next == d->studies.n) {
            if (d->studies_last_page || !next_study_page(d, err))
                return false;
            continue;
        }
        const char *study = d->studies.v[d->studies.next++];
        const char *parts[] = {"studies", study, "instances", NULL, NULL};
        char *res = resource_url(d->base, parts, err);
        d->instances.width = 2;
        bool ok = res != NULL && qido_all(d, res, tags, &d->instances, err);
        free(res);
        if (!ok)
            return false;
        d->stats.series += sort_unique(&d->instances);
        d->stats.instances += d->instances.n;
        d->instances.next = 0;
        if (d->instances.n > 0)
            return true;
    }
}

/* The next instance (study, series, SOP UIDs borrowed); false at the end
 * (*err unset) or on error. */
static bool list_next(RnDicomweb *d, const char **study, const char **series, const char **sop,
                      RnError **err)
{
    if (d->instances.next == d->instances.n && !next_study(d, err))
        return false;
    char **row = d->instances.v + 2 * d->instances.next++;
    *study = d->studies.v[d->studies.next - 1];
    *series = row[0];
    *sop = row[1];
    return true;
}

/* ---- the feed ------------------------------------------------------------ */

/* Starts fetches until the window is full or the listing ends. */
static bool fill_window(RnDicomweb *d, RnInstanceLookup *lookup, RnError **err)
{
    while (!d->listing_done && d->count < (size_t)d->opts.parallel) {
        const char *study, *series, *sop;
        if (!list_next(d, &study, &series, &sop, err)) {
            if (err && *err)
                return false;
            d->listing_done = true;
            break;
        }
        const char *parts[] = {"studies", study, "series", series, "instances", sop, NULL};
        char *url = resource_url(d->base, parts, err);
        char *name = url ? rn_malloc(strlen(url) + strlen(RN_DICOMWEB_SCHEME) + 1, err) : NULL;
        bool known = false, ok = name != NULL;
        if (ok) {
            strcpy(name, RN_DICOMWEB_SCHEME);
            strcat(name, url);
        }
        ok = ok && rn_instance_lookup_known(lookup, sop, name, &known, err);
        Request *r = ok && !known ? rn_http_start(d->http, REQ_WADO, url, d->opts.max_instance,
                                                  err)
                                  : NULL;
        free(url);
        if (!ok || (!known && r == NULL)) {
            free(name);
            return false;
        }
        if (known) {
            d->stats.skipped++;
            free(name);
            continue;
        }
        size_t k = (d->head + d->count) % MAX_PARALLEL;
        d->window[k] = r;
        d->names[k] = name;
        d->count++;
    }
    return true;
}

/* A listed instance the server cannot find (404, 410: deleted since the
 * listing, or its UIDs are ambiguous on the server) becomes a quarantined
 * object, tried again next run; any other failure stops the ingest. */
static bool take_object(RnDicomweb *d, Request *r, char *name, RnIngestObject *out,
                        RnError **err)
{
    RnError *local = NULL;
    if (!rn_http_take(r, &out->data, &out->size, NULL, &local)) {
        if (!rn_http_missing(r)) {
            rn_error_propagate(err, local);
            free(name);
            return false;
        }
        out->error = rn_strdup(rn_error_message(local), err);
        rn_error_free(local);
        if (out->error == NULL) {
            free(name);
            return false;
        }
        d->stats.missing++;
    } else {
        d->stats.fetched++;
    }
    out->name = name;
    return true;
}

static bool feed_next(void *user, RnInstanceLookup *lookup, RnIngestObject *out, RnError **err)
{
    RnDicomweb *d = user;
    for (;;) {
        if (!fill_window(d, lookup, err))
            return false;
        if (d->count == 0)
            return false; /* the end */
        Request *r = d->window[d->head];
        if (!rn_http_finished(r)) {
            if (!rn_http_pump(d->http, 100, err))
                return false;
            continue;
        }
        char *name = d->names[d->head];
        d->window[d->head] = NULL;
        d->names[d->head] = NULL;
        d->head = (d->head + 1) % MAX_PARALLEL;
        d->count--;
        bool ok = take_object(d, r, name, out, err);
        rn_http_free(r);
        return ok;
    }
}

RnIngestFeed rn_dicomweb_feed(RnDicomweb *d)
{
    RnIngestFeed f = {feed_next, d};
    return f;
}

bool rn_dicomweb_ingest(const char *ws, const char *url, const RnDicomwebOptions *dw,
                        const RnIngestOptions *opts, RnIngestSummary *summary,
                        RnDicomwebStats *stats, RnError **err)
{
    RnDicomweb *d = rn_dicomweb_open(url, dw, err);
    if (d == NULL)
        return false;
    RnIngestFeed feed = rn_dicomweb_feed(d);
    RnIngestOptions o = *opts;
    const char *sources[] = {d->source};
    o.sources = sources;
    o.n_sources = 1;
    o.feed = &feed;
    bool ok = rn_ingest(ws, &o, summary, err);
    if (stats != NULL)
        rn_dicomweb_stats(d, stats);
    rn_dicomweb_close(d);
    return ok;
}
