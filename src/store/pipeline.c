/* The ingest pipeline: a producer thread walks the sources (skipping files
 * whose (path, size, mtime) is committed), gathers the others into windows
 * and extracts each window in parallel on the core thread pool; the writer
 * (ingest.c) takes the windows in walk order. Two windows are in flight, so
 * the writer stores one while the pool extracts the next, and memory is
 * bounded by the window size, not by the archive. */
#include "store/ingest_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FILES_PER_THREAD 16u  /* window = this × threads: evens out slow files */
#define WINDOWS 2u

typedef struct Window {
    IngestItem *items;
    size_t n;
} Window;

struct Pipeline {
    pthread_mutex_t mu;
    pthread_cond_t filled_cv, free_cv;
    Window win[WINDOWS];
    size_t cap;
    uint64_t produced, consumed; /* windows, in order */
    bool producer_done, abort;
    RnError *walk_err;
    uint64_t files_seen, unchanged, dirs_unreadable, link_loops;
    pthread_t producer;
    bool producer_started;
    RnPool *pool;
    RnStore *store;
    const RnIngestOptions *opts;
    ExtractConfig cfg;
};

/* ---- producer ----------------------------------------------------------- */

typedef enum FileState { FILE_NEW = 0, FILE_UNCHANGED, FILE_RETRY } FileState;

/* A committed file is skipped, unless its quarantine was transient (the OS
 * refused the read: I/O error, permission): such files are tried again. */
static const char lookup_sql[] =
    "SELECT size, mtime_ns, EXISTS (SELECT 1 FROM quarantine q "
    "WHERE q.file_id = files.id AND q.code = 'io') "
    "FROM files WHERE path = ?";

static FileState file_state(sqlite3_stmt *st, const RnWalkEntry *e)
{
    sqlite3_bind_text(st, 1, e->path, -1, SQLITE_STATIC);
    FileState s = FILE_NEW;
    if (sqlite3_step(st) == SQLITE_ROW && (uint64_t)sqlite3_column_int64(st, 0) == e->size &&
        sqlite3_column_int64(st, 1) == e->mtime_ns)
        s = sqlite3_column_int(st, 2) ? FILE_RETRY : FILE_UNCHANGED;
    sqlite3_reset(st);
    return s;
}

/* Waits for a free window (false on abort). */
static Window *claim_window(Pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->produced - p->consumed >= WINDOWS && !p->abort)
        pthread_cond_wait(&p->free_cv, &p->mu);
    Window *w = p->abort ? NULL : &p->win[p->produced % WINDOWS];
    pthread_mutex_unlock(&p->mu);
    return w;
}

static void publish_window(Pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    p->produced++;
    pthread_cond_broadcast(&p->filled_cv);
    pthread_mutex_unlock(&p->mu);
}

static bool add_entry(Window *w, const RnWalkEntry *e, RnError **err)
{
    IngestItem *it = &w->items[w->n];
    memset(it, 0, sizeof *it);
    it->path = rn_strdup(e->path, err);
    if (it->path == NULL)
        return false;
    it->size = e->size;
    it->mtime_ns = e->mtime_ns;
    w->n++;
    return true;
}

static bool extract_task(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    (void)part;
    (void)err;
    void **args = ctx;
    const ExtractConfig *cfg = args[0];
    Window *w = args[1];
    for (size_t i = begin; i < end; i++)
        rn_extract_file(cfg, &w->items[i]);
    return true;
}

/* Fills windows from the walk and extracts them until the walk ends. */
static bool produce(Pipeline *p, sqlite3_stmt *lookup, RnError **err)
{
    RnWalk *walk = rn_walk_open(p->opts->sources, p->opts->n_sources, err);
    if (walk == NULL)
        return false;
    bool ok = true, more = true;
    while (ok && more) {
        Window *w = claim_window(p);
        if (w == NULL)
            break;
        w->n = 0;
        RnWalkEntry e;
        while (ok && w->n < p->cap && (more = rn_walk_next(walk, &e, err))) {
            FileState state = file_state(lookup, &e);
            pthread_mutex_lock(&p->mu);
            p->files_seen++;
            p->unchanged += state == FILE_UNCHANGED;
            pthread_mutex_unlock(&p->mu);
            if (state != FILE_UNCHANGED)
                ok = add_entry(w, &e, err);
        }
        ok = ok && !(err && *err);
        void *args[2] = {&p->cfg, w};
        ok = ok && rn_pool_for(p->pool, w->n, w->n, extract_task, args, err);
        if (ok && w->n > 0)
            publish_window(p);
    }
    pthread_mutex_lock(&p->mu);
    p->dirs_unreadable = rn_walk_unreadable(walk);
    p->link_loops = rn_walk_loops(walk);
    pthread_mutex_unlock(&p->mu);
    rn_walk_close(walk);
    return ok;
}

static void *producer_main(void *arg)
{
    Pipeline *p = arg;
    RnError *err = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *lookup = NULL;
    /* Its own connection: in WAL mode it reads committed rows while the
     * writer keeps its transaction open. */
    bool ok = rn_store_connect_reader(p->store, &db, &err) &&
              (lookup = rn_sql_prepare(db, lookup_sql, &err)) != NULL && produce(p, lookup, &err);
    sqlite3_finalize(lookup);
    sqlite3_close_v2(db);
    pthread_mutex_lock(&p->mu);
    p->producer_done = true;
    if (!ok && !p->abort) {
        if (err == NULL)
            rn_error_set(&err, RN_ERROR_INTERNAL, "walk stopped");
        p->walk_err = err;
        err = NULL;
        p->abort = true;
    }
    pthread_cond_broadcast(&p->filled_cv);
    pthread_cond_broadcast(&p->free_cv);
    pthread_mutex_unlock(&p->mu);
    rn_error_free(err);
    return NULL;
}

/* ---- consumer side ------------------------------------------------------ */

Pipeline *rn_pipeline_start(RnStore *s, const RnIngestOptions *o, const ExtractConfig *cfg,
                            RnError **err)
{
    Pipeline *p = rn_calloc(1, sizeof *p, err);
    if (p == NULL)
        return NULL;
    p->store = s;
    p->opts = o;
    p->cfg = *cfg;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->filled_cv, NULL);
    pthread_cond_init(&p->free_cv, NULL);
    p->pool = rn_pool_open(o->threads, err);
    bool ok = p->pool != NULL;
    if (ok) {
        p->cap = FILES_PER_THREAD * (size_t)rn_pool_threads(p->pool);
        for (size_t i = 0; ok && i < WINDOWS; i++)
            ok = (p->win[i].items = rn_calloc(p->cap, sizeof *p->win[i].items, err)) != NULL;
    }
    if (ok && pthread_create(&p->producer, NULL, producer_main, p) != 0) {
        rn_error_set(err, RN_ERROR_INTERNAL, "cannot start the walk thread");
        ok = false;
    }
    p->producer_started = ok;
    if (!ok) {
        rn_pipeline_finish(p, NULL, NULL);
        return NULL;
    }
    return p;
}

bool rn_pipeline_next(Pipeline *p, IngestItem **items, size_t *n)
{
    pthread_mutex_lock(&p->mu);
    *items = NULL;
    *n = 0;
    for (;;) {
        if (p->abort || (p->producer_done && p->consumed == p->produced)) {
            pthread_mutex_unlock(&p->mu);
            return false;
        }
        if (p->consumed < p->produced) {
            Window *w = &p->win[p->consumed % WINDOWS];
            *items = w->items;
            *n = w->n;
            pthread_mutex_unlock(&p->mu);
            return true;
        }
        /* Wake up at least every 200 ms so batches commit on time. */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 200 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&p->filled_cv, &p->mu, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&p->mu);
            return true;
        }
    }
}

void rn_pipeline_release(Pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    Window *w = &p->win[p->consumed % WINDOWS];
    for (size_t i = 0; i < w->n; i++)
        rn_ingest_item_clear(&w->items[i]);
    w->n = 0;
    p->consumed++;
    pthread_cond_broadcast(&p->free_cv);
    pthread_mutex_unlock(&p->mu);
}

uint64_t rn_pipeline_unchanged(Pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    uint64_t n = p->unchanged;
    pthread_mutex_unlock(&p->mu);
    return n;
}

bool rn_pipeline_finish(Pipeline *p, RnIngestSummary *sum, RnError **err)
{
    if (p == NULL)
        return true;
    pthread_mutex_lock(&p->mu);
    p->abort = true; /* no-op after a clean finish: everything is consumed */
    pthread_cond_broadcast(&p->free_cv);
    pthread_mutex_unlock(&p->mu);
    if (p->producer_started)
        pthread_join(p->producer, NULL);
    rn_pool_close(p->pool);
    if (sum != NULL) {
        sum->files_seen = p->files_seen;
        sum->files_unchanged = p->unchanged;
        sum->dirs_unreadable = p->dirs_unreadable;
        sum->link_loops = p->link_loops;
    }
    bool ok = p->walk_err == NULL;
    if (!ok)
        rn_error_set(err, rn_error_code(p->walk_err), "%s", rn_error_message(p->walk_err));
    for (size_t i = 0; i < WINDOWS; i++) {
        for (size_t j = 0; p->win[i].items && j < p->cap; j++)
            rn_ingest_item_clear(&p->win[i].items[j]);
        free(p->win[i].items);
    }
    rn_error_free(p->walk_err);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->filled_cv);
    pthread_cond_destroy(&p->free_cv);
    free(p);
    return ok;
}
