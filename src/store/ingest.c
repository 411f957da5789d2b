/* Ingest: workspace settings, the run record, and the loop that hands the
 * pipeline's windows (pipeline.c) to the single writer (writer.c) in walk
 * order; reports are imported first and joined last (report_import.c). */
#include "store/ingest_internal.h"

#include "radnet/image.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_BATCH_FILES 500u
#define DEFAULT_BATCH_SECONDS 1.0

void rn_ingest_options_init(RnIngestOptions *o)
{
    memset(o, 0, sizeof *o);
    o->threads = 0;
    o->count_first = true;
}

/* ---- workspace settings and the run record ----------------------------- */

bool rn_ingest_settings(RnStore *s, const RnIngestOptions *o, uint32_t *thumb_size,
                        RnError **err)
{
    int64_t size = 0, pixels = 0;
    bool has_size, has_pixels;
    if (!rn_store_meta_get(s, "thumb_size", &size, &has_size, err) ||
        !rn_store_meta_get(s, "pixels", &pixels, &has_pixels, err))
        return false;
    if (has_pixels && (pixels != 0) != !o->no_pixels) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: workspace was created %s --no-pixels",
                     rn_store_path(s), pixels ? "without" : "with");
        return false;
    }
    uint32_t want = o->thumb_size ? o->thumb_size : has_size && size > 0 ? (uint32_t)size
                                                                         : RN_IMAGE_DEFAULT_SIZE;
    if (want > RN_IMAGE_MAX_SIZE || (has_size && size > 0 && (uint32_t)size != want)) {
        rn_error_set(err, RN_ERROR_INVALID, "thumbnail size %u: workspace uses %lld (max %u)",
                     want, (long long)size, RN_IMAGE_MAX_SIZE);
        return false;
    }
    *thumb_size = o->no_pixels ? 0 : want;
    s->thumb_size = *thumb_size;
    return rn_store_meta_set(s, "pixels", !o->no_pixels, err) &&
           rn_store_meta_set(s, "thumb_size", *thumb_size, err);
}

static bool begin_run(RnStore *s, const RnIngestOptions *o, int64_t *run_id, RnError **err)
{
    RnBuf cmd = RN_BUF_INIT;
    bool ok = rn_buf_append_str(&cmd, "ingest", err);
    for (size_t i = 0; ok && i < o->n_sources; i++)
        ok = rn_buf_printf(&cmd, err, " %s", o->sources[i]);
    if (o->threads > 0)
        ok = ok && rn_buf_printf(&cmd, err, " -j %d", o->threads);
    ok = ok && rn_buf_append_str(&cmd, o->no_pixels ? " --no-pixels" : "", err) &&
         rn_buf_terminate(&cmd, err) &&
         rn_store_run_begin(s, "ingest", (const char *)cmd.data, NULL, run_id, err);
    rn_buf_free(&cmd);
    return ok;
}

static bool query_int(sqlite3 *db, const char *sql, uint64_t *out, RnError **err)
{
    sqlite3_stmt *st = rn_sql_prepare(db, sql, err);
    if (st == NULL)
        return false;
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rn_sql_fail(db, sql, err);
}

/* ---- the run ------------------------------------------------------------ */

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct Progress {
    const RnIngestOptions *opts;
    uint64_t total, written, bytes;
    double last;
} Progress;

/* unchanged: the files skipped so far (committed before). */
static void report_progress(Progress *pr, uint64_t unchanged, bool force)
{
    if (pr->opts->progress == NULL || (!force && now_seconds() - pr->last < 0.1))
        return;
    pr->last = now_seconds();
    RnIngestProgress out = {unchanged + pr->written, pr->total, pr->bytes};
    pr->opts->progress(pr->opts->progress_user, &out);
}

static bool write_one(Writer *w, const IngestItem *it, Progress *pr, RnError **err)
{
    pr->written++;
    pr->bytes += it->size;
    return rn_writer_item(w, it, err) && rn_writer_maybe_commit(w, err);
}

/* Writes every window in walk order; false on a catalogue failure. */
static bool write_all(Writer *w, Pipeline *p, Progress *pr, RnError **err)
{
    IngestItem *items;
    size_t n;
    bool ok = true;
    while (ok && rn_pipeline_next(p, &items, &n)) {
        for (size_t i = 0; ok && i < n; i++) {
            ok = write_one(w, &items[i], pr, err);
            report_progress(pr, rn_pipeline_unchanged(p), false);
        }
        if (n > 0)
            rn_pipeline_release(p);
        ok = ok && rn_writer_maybe_commit(w, err);
        report_progress(pr, rn_pipeline_unchanged(p), false);
    }
    report_progress(pr, rn_pipeline_unchanged(p), true);
    return ok && rn_writer_finish(w, err);
}

static bool run_files(RnStore *s, const RnIngestOptions *o, const WriterConfig *wc,
                      const PipelineShards *sh, RnIngestSummary *sum, uint64_t total,
                      RnError **err)
{
    Progress pr = {o, total, 0, 0, 0};
    Writer *w = rn_writer_open(s, wc, sum, err);
    Pipeline *p = w ? rn_pipeline_start(s, o, wc->extract, sh, err) : NULL;
    bool ok = p != NULL && write_all(w, p, &pr, err);
    /* The pipeline's own failure (the walk) comes first: it explains why
     * the writer saw the end early. */
    if (!rn_pipeline_finish(p, sum, ok ? err : NULL))
        ok = false;
    if (!rn_writer_close(w, ok ? err : NULL))
        ok = false;
    return ok;
}

/* Over ranks: the items the ranks extracted, in walk order, by this thread
 * alone (the walk is done: no walker, no extractors to hand items to). */
static bool run_shards(RnStore *s, const RnIngestOptions *o, const WriterConfig *wc,
                       Shards *sh, RnIngestSummary *sum, RnError **err)
{
    rn_shards_walk_counts(sh, sum);
    Progress pr = {o, sum->files_seen, 0, 0, 0};
    Writer *w = rn_writer_open(s, wc, sum, err);
    IngestItem it;
    bool more = true, ok = w != NULL;
    while (ok && (ok = rn_shards_next(sh, &it, &more, err)) && more) {
        ok = write_one(w, &it, &pr, err);
        rn_ingest_item_clear(&it);
        report_progress(&pr, sum->files_unchanged, false);
    }
    report_progress(&pr, sum->files_unchanged, true);
    ok = ok && rn_writer_finish(w, err);
    if (!rn_writer_close(w, ok ? err : NULL))
        ok = false;
    return ok;
}

static bool ingest_with_store(RnStore *s, const RnIngestOptions *o, const PipelineShards *sh,
                              RnIngestSummary *sum, RnError **err)
{
    RnRegionRules *rules = o->regions_path ? rn_region_rules_load(o->regions_path, err)
                                           : rn_region_rules_builtin(err);
    uint64_t total = 0;
    uint32_t thumb_size = 0;
    int64_t run_id = 0;
    bool ok = rules != NULL && rn_ingest_settings(s, o, &thumb_size, err) &&
              begin_run(s, o, &run_id, err) &&
              (o->reports_path == NULL || rn_import_reports(s, o->reports_path, sum, err)) &&
              (!o->count_first || o->feed != NULL || (sh && sh->from) ||
               rn_walk_count(o->sources, o->n_sources, &total, err));
    ExtractConfig ec = {rules, thumb_size, !o->no_pixels};
    WriterConfig wc = {thumb_size, run_id,
                       o->batch_files ? o->batch_files : DEFAULT_BATCH_FILES,
                       o->batch_seconds > 0 ? o->batch_seconds : DEFAULT_BATCH_SECONDS, &ec};
    ok = ok &&
         (sh && sh->from ? run_shards(s, o, &wc, sh->from, sum, err)
                         : run_files(s, o, &wc, sh, sum, total, err)) &&
         rn_match_reports(s, err) &&
         rn_store_run_set_counts(s, run_id, sum->files_seen, sum->files_new, sum->quarantined,
                                 err) &&
         query_int(s->db, "SELECT count(DISTINCT file_id) FROM quarantine",
                   &sum->quarantined_total, err) &&
         query_int(s->db, "SELECT count(*) FROM reports WHERE study_id IS NOT NULL",
                   &sum->reports_matched, err) &&
         rn_store_run_end(s, run_id, RN_RUN_DONE, NULL, err) &&
         rn_sql_exec(s->db, "PRAGMA wal_checkpoint(TRUNCATE)", err);
    if (!ok && run_id > 0)
        rn_store_run_end(s, run_id, RN_RUN_FAILED, err && *err ? rn_error_message(*err) : NULL,
                         NULL);
    rn_region_rules_free(rules);
    return ok;
}

bool rn_ingest(const char *ws, const RnIngestOptions *opts, RnIngestSummary *summary,
               RnError **err)
{
    return rn_ingest_with(ws, opts, NULL, summary, err);
}

bool rn_ingest_with(const char *ws, const RnIngestOptions *opts, const PipelineShards *sh,
                    RnIngestSummary *summary, RnError **err)
{
    RnIngestSummary local;
    RnIngestOptions o = *opts;
    if (summary == NULL)
        summary = &local;
    memset(summary, 0, sizeof *summary);
    if (o.n_sources == 0 || o.sources == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "no source folder given");
        return false;
    }
    if (o.threads <= 0 || o.threads > RN_POOL_MAX_THREADS)
        o.threads = o.threads <= 0 ? 0 : RN_POOL_MAX_THREADS; /* 0: one per core */
    RnStore *s = rn_store_open_wait(ws, RN_STORE_CREATE, o.lock_wait, err);
    if (s == NULL)
        return false;
    bool ok = ingest_with_store(s, &o, sh, summary, err);
    rn_store_close(s);
    return ok;
}
