/* The ingest pipeline: a walker thread streams the sources (skipping files
 * whose (path, size, mtime) is committed) into a bounded ring of slots; the
 * core thread pool's threads extract the slots in parallel, each taking the
 * next one as soon as it is free (one long task per thread, so a slow file
 * holds up nobody); the writer (ingest.c) takes the items in walk order.
 * The ring bounds memory, whatever the archive's size. */
#include "store/ingest_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SLOTS_PER_THREAD 8u

typedef enum SlotState { SLOT_EMPTY = 0, SLOT_QUEUED, SLOT_WORKING, SLOT_DONE } SlotState;

typedef struct Slot {
    SlotState state;
    IngestItem item;
} Slot;

struct Pipeline {
    pthread_mutex_t mu;
    pthread_cond_t job_cv, done_cv, space_cv;
    Slot *slots;
    size_t cap;
    uint64_t issued, claimed, consumed; /* sequence numbers */
    bool walk_done, abort;
    RnError *walk_err;
    uint64_t files_seen, unchanged, dirs_unreadable, link_loops;
    pthread_t walker, runner;
    bool walker_started, runner_started;
    RnPool *pool;
    int threads;
    RnStore *store;
    const RnIngestOptions *opts;
    ExtractConfig cfg;
    PipelineShards shards;
};

static void pipeline_abort(Pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    p->abort = true;
    pthread_cond_broadcast(&p->job_cv);
    pthread_cond_broadcast(&p->space_cv);
    pthread_cond_broadcast(&p->done_cv);
    pthread_mutex_unlock(&p->mu);
}

/* ---- the walker ------------------------------------------------------- */

typedef enum FileState { FILE_NEW = 0, FILE_UNCHANGED, FILE_RETRY } FileState;

/* A committed file is skipped, unless its quarantine was transient (the OS
 * refused the read: an I/O error): such files are tried again. */
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

/* Hands one item (owned) to the extractors, waiting while the ring is
 * full. */
static bool issue_item(Pipeline *p, IngestItem item)
{
    pthread_mutex_lock(&p->mu);
    while (p->issued >= p->consumed + p->cap && !p->abort)
        pthread_cond_wait(&p->space_cv, &p->mu);
    bool ok = !p->abort;
    if (ok) {
        Slot *s = &p->slots[p->issued % p->cap];
        s->item = item;
        s->state = SLOT_QUEUED;
        p->issued++;
        pthread_cond_signal(&p->job_cv);
    } else {
        rn_ingest_item_clear(&item);
    }
    pthread_mutex_unlock(&p->mu);
    return ok;
}

/* One walked file, the walk_seq-th. */
static bool issue(Pipeline *p, const RnWalkEntry *e, uint64_t walk_seq, RnError **err)
{
    IngestItem item = {.size = e->size, .mtime_ns = e->mtime_ns, .walk_seq = walk_seq};
    item.path = rn_strdup(e->path, err);
    return item.path != NULL && issue_item(p, item);
}

/* Objects from a feed instead of a walk: the feed skips what the lookup
 * knows, every object it hands over is new. */
static bool feed_all(Pipeline *p, sqlite3 *db, RnError **err)
{
    RnInstanceLookup *lookup = rn_instance_lookup_open(db, err);
    if (lookup == NULL)
        return false;
    const RnIngestFeed *feed = p->opts->feed;
    RnIngestObject obj;
    bool ok = true;
    for (;;) {
        memset(&obj, 0, sizeof obj);
        if (!feed->next(feed->user, lookup, &obj, err))
            break;
        pthread_mutex_lock(&p->mu);
        p->files_seen++;
        pthread_mutex_unlock(&p->mu);
        IngestItem item = {.path = obj.name, .data = obj.data, .fetch_error = obj.error,
                           .size = obj.size};
        if (!issue_item(p, item)) {
            ok = false; /* aborted by the consumer: its error explains */
            break;
        }
    }
    ok = ok && !(err && *err);
    uint64_t known = rn_instance_lookup_hits(lookup);
    pthread_mutex_lock(&p->mu);
    p->files_seen += known;
    p->unchanged += known;
    pthread_mutex_unlock(&p->mu);
    rn_instance_lookup_close(lookup);
    return ok;
}

/* Over MPI ranks each rank extracts the files it owns (a hash of the
 * path) into its shard; rank 0 then writes them all (shard.c). */
static bool mine(const void *user, const char *path)
{
    const Pipeline *p = user;
    return p->shards.own == NULL ||
           rn_dist_owner(p->shards.own, path) == rn_dist_rank(p->shards.own);
}

/* Counts every walked file (its place in the walk); looks up and issues
 * those of this rank. Another rank's files are neither stat'ed nor looked
 * up: their owner counts the unchanged ones (shard.c sums the counts). */
static bool walk_all(Pipeline *p, sqlite3_stmt *lookup, RnError **err)
{
    RnWalk *w = rn_walk_open(p->opts->sources, p->opts->n_sources, err);
    if (w == NULL)
        return false;
    rn_walk_stat_only(w, mine, p);
    RnWalkEntry e;
    bool ok = true;
    for (uint64_t seq = 0; ok && rn_walk_next(w, &e, err); seq++) {
        bool own = mine(p, e.path);
        FileState state = own ? file_state(lookup, &e) : FILE_UNCHANGED;
        pthread_mutex_lock(&p->mu);
        p->files_seen++;
        p->unchanged += own && state == FILE_UNCHANGED;
        pthread_mutex_unlock(&p->mu);
        if (own && state != FILE_UNCHANGED)
            ok = issue(p, &e, seq, err);
    }
    ok = ok && !(err && *err);
    pthread_mutex_lock(&p->mu);
    p->dirs_unreadable = rn_walk_unreadable(w);
    p->link_loops = rn_walk_loops(w);
    pthread_mutex_unlock(&p->mu);
    rn_walk_close(w);
    return ok;
}

static void *walker_main(void *arg)
{
    Pipeline *p = arg;
    RnError *err = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *lookup = NULL;
    /* Its own connection: in WAL mode it reads committed rows while the
     * writer keeps its transaction open. */
    bool ok = rn_store_connect_reader(p->store, &db, &err) &&
              (p->opts->feed != NULL
                   ? feed_all(p, db, &err)
                   : (lookup = rn_sql_prepare(db, lookup_sql, &err)) != NULL &&
                         walk_all(p, lookup, &err));
    sqlite3_finalize(lookup);
    sqlite3_close_v2(db);
    pthread_mutex_lock(&p->mu);
    p->walk_done = true;
    if (!ok && !p->abort) {
        if (err == NULL)
            rn_error_set(&err, RN_ERROR_INTERNAL, "walk stopped");
        p->walk_err = err;
        err = NULL;
        p->abort = true;
    }
    pthread_cond_broadcast(&p->job_cv);
    pthread_cond_broadcast(&p->done_cv);
    pthread_cond_broadcast(&p->space_cv);
    pthread_mutex_unlock(&p->mu);
    rn_error_free(err);
    return NULL;
}

/* ---- the extractors: one long task per pool thread --------------------- */

static bool extract_loop(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    (void)part, (void)begin, (void)end, (void)err;
    Pipeline *p = ctx;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->claimed == p->issued && !p->walk_done && !p->abort)
            pthread_cond_wait(&p->job_cv, &p->mu);
        if (p->abort || p->claimed == p->issued)
            break;
        Slot *s = &p->slots[p->claimed++ % p->cap];
        s->state = SLOT_WORKING;
        pthread_mutex_unlock(&p->mu);
        rn_extract_file(&p->cfg, &s->item);
        pthread_mutex_lock(&p->mu);
        s->state = SLOT_DONE;
        pthread_cond_broadcast(&p->done_cv);
    }
    pthread_mutex_unlock(&p->mu);
    return true;
}

/* Runs the extractors on the pool (its calling thread works too). */
static void *runner_main(void *arg)
{
    Pipeline *p = arg;
    RnError *err = NULL;
    rn_pool_for(p->pool, (size_t)p->threads, (size_t)p->threads, extract_loop, p, &err);
    rn_error_free(err); /* the loop never fails: file problems are items */
    return NULL;
}

/* ---- the consumer side ------------------------------------------------- */

Pipeline *rn_pipeline_start(RnStore *s, const RnIngestOptions *o, const ExtractConfig *cfg,
                            const PipelineShards *shards, RnError **err)
{
    Pipeline *p = rn_calloc(1, sizeof *p, err);
    if (p == NULL)
        return NULL;
    p->store = s;
    p->opts = o;
    p->cfg = *cfg;
    if (shards != NULL)
        p->shards = *shards;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->job_cv, NULL);
    pthread_cond_init(&p->done_cv, NULL);
    pthread_cond_init(&p->space_cv, NULL);
    p->pool = rn_pool_open(o->threads, err);
    bool ok = p->pool != NULL;
    if (ok) {
        p->threads = rn_pool_threads(p->pool);
        p->cap = SLOTS_PER_THREAD * (size_t)p->threads + 8;
        ok = (p->slots = rn_calloc(p->cap, sizeof *p->slots, err)) != NULL;
    }
    ok = ok && (p->walker_started = pthread_create(&p->walker, NULL, walker_main, p) == 0) &&
         (p->runner_started = pthread_create(&p->runner, NULL, runner_main, p) == 0);
    if (!ok) {
        if (p->pool != NULL && p->slots != NULL)
            rn_error_set(err, RN_ERROR_INTERNAL, "cannot start the ingest threads");
        rn_pipeline_finish(p, NULL, NULL);
        return NULL;
    }
    return p;
}

/* One item at a time, in walk order; wakes up at least every 200 ms so the
 * writer commits its batches on time. */
bool rn_pipeline_next(Pipeline *p, IngestItem **items, size_t *n)
{
    pthread_mutex_lock(&p->mu);
    *items = NULL;
    *n = 0;
    for (;;) {
        Slot *s = &p->slots[p->consumed % p->cap];
        if (p->abort || (p->walk_done && p->consumed == p->issued)) {
            pthread_mutex_unlock(&p->mu);
            return false;
        }
        if (p->consumed < p->issued && s->state == SLOT_DONE) {
            *items = &s->item;
            *n = 1;
            pthread_mutex_unlock(&p->mu);
            return true;
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 200 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (pthread_cond_timedwait(&p->done_cv, &p->mu, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&p->mu);
            return true;
        }
    }
}

void rn_pipeline_release(Pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    Slot *s = &p->slots[p->consumed % p->cap];
    rn_ingest_item_clear(&s->item);
    s->state = SLOT_EMPTY;
    p->consumed++;
    pthread_cond_broadcast(&p->space_cv);
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
    pipeline_abort(p); /* no-op after a clean finish: everything is consumed */
    if (p->runner_started)
        pthread_join(p->runner, NULL);
    if (p->walker_started)
        pthread_join(p->walker, NULL);
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
    for (size_t i = 0; p->slots != NULL && i < p->cap; i++)
        rn_ingest_item_clear(&p->slots[i].item);
    free(p->slots);
    rn_error_free(p->walk_err);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->job_cv);
    pthread_cond_destroy(&p->done_cv);
    pthread_cond_destroy(&p->space_cv);
    free(p);
    return ok;
}
