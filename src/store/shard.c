/* Ingest over MPI ranks. Every rank walks the same sources (the walk order
 * is fixed) and extracts the files it owns (rn_dist_owner of the path, so
 * the split does not depend on timing) into its shard, WS/shards/rank-R.bin,
 * each item with its place in the walk; then rank 0 writes the items of all
 * shards merged by that place (ingest.c) without walking the sources again.
 * The catalogue and the thumbnails are therefore written by the one writer
 * in walk order, exactly as by a single process, and a killed run resumes
 * as any ingest does (committed files are skipped; shards are rewritten by
 * the next run). A file changed after its owner read it is caught by the
 * next ingest, as one process catches a file changed after it was read.
 *
 * Shard file: magic "RNSHARD2", u32 thumbnail size, then one record per
 * item: u32 payload length, payload, u32 CRC-32 of the payload. Integers
 * little-endian; a string is u32 length (0xffffffff: none) and its bytes. */
#include "store/ingest_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHARD_MAGIC "RNSHARD2"
#define NO_STRING 0xffffffffu
/* Largest record read back: a 4096² thumbnail plus header text. */
#define MAX_RECORD (64u << 20)
/* Rank 0 frees the shard bytes it has merged in steps of this size. */
#define RELEASE_STEP ((off_t)1 << 20)

/* ---- encoding ------------------------------------------------------------ */

static bool put_bytes(RnBuf *b, const void *p, size_t n, RnError **err)
{
    if (p == NULL)
        return rn_buf_put_le32(b, NO_STRING, err);
    if (n >= NO_STRING) {
        rn_error_set(err, RN_ERROR_LIMIT, "shard: a value of %zu bytes", n);
        return false;
    }
    return rn_buf_put_le32(b, (uint32_t)n, err) && rn_buf_append(b, p, n, err);
}

static bool put_str(RnBuf *b, const char *s, RnError **err)
{
    return put_bytes(b, s, s ? strlen(s) : 0, err);
}

static bool encode_item(RnBuf *b, const IngestItem *it, uint32_t thumb_size, RnError **err)
{
    bool ok = put_str(b, it->path, err) && rn_buf_put_le64(b, it->size, err) &&
              rn_buf_put_le64(b, (uint64_t)it->mtime_ns, err) &&
              rn_buf_put_le64(b, it->walk_seq, err) &&
              rn_buf_put_le32(b, (uint32_t)it->kind, err) &&
              rn_buf_put_le32(b, it->quarantined, err) && put_str(b, it->q_stage, err) &&
              rn_buf_put_le32(b, (uint32_t)it->q_code, err) && put_str(b, it->q_reason, err) &&
              rn_buf_put_le64(b, (uint64_t)it->q_offset, err);
    for (int f = 0; ok && f < F_COUNT; f++)
        ok = put_str(b, it->field[f], err);
    return ok && put_str(b, it->region, err) && put_str(b, it->ts_uid, err) &&
           put_str(b, it->photometric, err) && rn_buf_put_le32(b, it->rows, err) &&
           rn_buf_put_le32(b, it->columns, err) && rn_buf_put_le32(b, it->frames, err) &&
           put_bytes(b, it->elements.data, it->elements.len, err) &&
           put_str(b, it->sr_text, err) &&
           put_bytes(b, it->thumb, it->thumb ? (size_t)thumb_size * thumb_size : 0, err) &&
           put_str(b, it->drop_reason, err) && put_str(b, it->window_source, err) &&
           rn_buf_put_le64(b, rn_f64_bits(it->window_center), err) &&
           rn_buf_put_le64(b, rn_f64_bits(it->window_width), err);
}

/* ---- decoding (every length checked against the bytes left) ------------- */

typedef struct Reader {
    const uint8_t *p;
    size_t left;
    bool bad;
} Reader;

static uint32_t get_u32(Reader *r)
{
    if (r->left < 4) {
        r->bad = true;
        return 0;
    }
    uint32_t v = rn_le32_load(r->p);
    r->p += 4;
    r->left -= 4;
    return v;
}

static uint64_t get_u64(Reader *r)
{
    uint64_t lo = get_u32(r);
    return lo | (uint64_t)get_u32(r) << 32;
}

/* A malloc'ed copy with a NUL after it (NULL for none); *n its length. */
static uint8_t *get_bytes(Reader *r, size_t *n, RnError **err)
{
    uint32_t len = get_u32(r);
    *n = 0;
    if (r->bad || len == NO_STRING)
        return NULL;
    if (len > r->left) {
        r->bad = true;
        return NULL;
    }
    uint8_t *out = rn_malloc((size_t)len + 1, err);
    if (out == NULL) {
        r->bad = true;
        return NULL;
    }
    memcpy(out, r->p, len);
    out[len] = 0;
    r->p += len;
    r->left -= len;
    *n = len;
    return out;
}

static char *get_str(Reader *r, RnError **err)
{
    size_t n;
    return (char *)get_bytes(r, &n, err);
}

struct Shards {
    RnIngestSummary walked; /* rank 0's walk: files seen, unchanged, ... */
    uint32_t thumb_size;
    int count;
    struct ShardFile {
        FILE *f;
        char *path;
        bool eof, has_next;
        off_t released; /* bytes at the start already given back to the disk */
        IngestItem next;
    } *files;
    char **strings; /* the item fields that extract.c points at constants */
    size_t n_strings;
};

/* A constant-like string (stage, drop reason, window source) kept once for
 * the life of the shards: items point at it and never free it. */
static const char *intern(Shards *sh, char *s, RnError **err)
{
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < sh->n_strings; i++)
        if (strcmp(sh->strings[i], s) == 0) {
            free(s);
            return sh->strings[i];
        }
    char **grown = realloc(sh->strings, (sh->n_strings + 1) * sizeof *grown);
    if (grown == NULL) {
        free(s);
        rn_error_set(err, RN_ERROR_NOMEM, "shard strings");
        return NULL;
    }
    sh->strings = grown;
    return sh->strings[sh->n_strings++] = s;
}

static bool decode_item(Shards *sh, Reader *r, IngestItem *it, RnError **err)
{
    size_t n;
    memset(it, 0, sizeof *it);
    it->path = get_str(r, err);
    it->size = get_u64(r);
    it->mtime_ns = (int64_t)get_u64(r);
    it->walk_seq = get_u64(r);
    uint32_t kind = get_u32(r);
    it->kind = kind <= ITEM_QUARANTINED ? (ItemKind)kind : ITEM_QUARANTINED;
    r->bad |= kind > ITEM_QUARANTINED;
    it->quarantined = get_u32(r) != 0;
    it->q_stage = intern(sh, get_str(r, err), err);
    it->q_code = (RnErrorCode)get_u32(r);
    it->q_reason = get_str(r, err);
    it->q_offset = (int64_t)get_u64(r);
    for (int f = 0; f < F_COUNT; f++)
        it->field[f] = get_str(r, err);
    it->region = get_str(r, err);
    it->ts_uid = get_str(r, err);
    it->photometric = get_str(r, err);
    it->rows = get_u32(r);
    it->columns = get_u32(r);
    it->frames = get_u32(r);
    uint8_t *elements = get_bytes(r, &n, err);
    if (elements != NULL) {
        it->elements = (RnBuf){.data = elements, .len = n, .cap = n + 1};
    }
    it->sr_text = get_str(r, err);
    it->thumb = get_bytes(r, &n, err);
    r->bad |= it->thumb != NULL && n != (size_t)sh->thumb_size * sh->thumb_size;
    it->drop_reason = intern(sh, get_str(r, err), err);
    it->window_source = intern(sh, get_str(r, err), err);
    it->window_center = rn_f64_from_bits(get_u64(r));
    it->window_width = rn_f64_from_bits(get_u64(r));
    if (r->bad || r->left != 0 || it->path == NULL || (err && *err)) {
        rn_ingest_item_clear(it);
        return false;
    }
    return true;
}

/* ---- shard files ---------------------------------------------------------- */

static char *shard_path(const char *ws, int rank, RnError **err)
{
    RnBuf b = RN_BUF_INIT;
    if (!rn_buf_printf(&b, err, "%s/shards/rank-%d.bin", ws, rank) || !rn_buf_terminate(&b, err)) {
        rn_buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

static bool write_record(FILE *f, const RnBuf *rec, const char *path, RnError **err)
{
    uint8_t head[4], tail[4];
    uint32_t len = (uint32_t)rec->len, crc = rn_crc32(0, rec->data, rec->len);
    rn_le32_store(head, len);
    rn_le32_store(tail, crc);
    if (rec->len > MAX_RECORD) {
        rn_error_set(err, RN_ERROR_LIMIT, "%s: record of %zu bytes", path, rec->len);
        return false;
    }
    if (fwrite(head, 1, 4, f) != 4 || fwrite(rec->data, 1, rec->len, f) != rec->len ||
        fwrite(tail, 1, 4, f) != 4) {
        rn_error_set(err, RN_ERROR_IO, "%s: %s", path, strerror(errno));
        return false;
    }
    return true;
}

/* Gives the disk back the bytes of f before what has been read, in
 * RELEASE_STEP steps. Why: every rank's shard holds a copy of the
 * thumbnails and headers the workspace is about to hold, so without this an
 * ingest over ranks needs twice the workspace's size on disk at its peak
 * (about 40 GB for 10^6 images); punched, the shards shrink as the
 * catalogue grows. Only bytes already read are punched and the reader never
 * seeks back; a file system that cannot punch holes keeps them (the shards
 * are removed after the merge all the same). */
static void release_read(struct ShardFile *f)
{
    off_t at = ftello(f->f);
    if (at < 0 || at - f->released < RELEASE_STEP)
        return;
    off_t upto = at - at % RELEASE_STEP;
    if (fallocate(fileno(f->f), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, f->released,
                  upto - f->released) == 0)
        f->released = upto;
    else
        f->released = at; /* not supported here: stop trying until the next step */
}

/* Reads the file's next item into f->next (f->eof at the end). */
static bool read_next(Shards *sh, struct ShardFile *f, RnError **err)
{
    release_read(f);
    uint8_t head[4];
    size_t got = fread(head, 1, 4, f->f);
    if (got == 0 && feof(f->f)) {
        f->eof = true;
        return true;
    }
    uint32_t len = got == 4 ? rn_le32_load(head) : 0;
    uint8_t *rec = got == 4 && len <= MAX_RECORD ? rn_malloc((size_t)len + 4, err) : NULL;
    bool ok = rec != NULL && fread(rec, 1, (size_t)len + 4, f->f) == (size_t)len + 4;
    if (ok) {
        Reader r = {rec, len, false};
        ok = rn_le32_load(rec + len) == rn_crc32(0, rec, len) &&
             decode_item(sh, &r, &f->next, err);
    }
    free(rec);
    if (!ok) {
        if (err && *err == NULL)
            rn_error_set(err, RN_ERROR_PARSE, "%s: broken shard record", f->path);
        return false;
    }
    f->has_next = true;
    return true;
}

static void shards_close(Shards *sh)
{
    if (sh == NULL)
        return;
    for (int r = 0; sh->files && r < sh->count; r++) {
        if (sh->files[r].f)
            fclose(sh->files[r].f);
        rn_ingest_item_clear(&sh->files[r].next);
        free(sh->files[r].path);
    }
    for (size_t i = 0; i < sh->n_strings; i++)
        free(sh->strings[i]);
    free(sh->strings);
    free(sh->files);
    free(sh);
}

static Shards *shards_open(const char *ws, const RnDist *d, uint32_t thumb_size,
                           const RnIngestSummary *walked, RnError **err)
{
    Shards *sh = rn_calloc(1, sizeof *sh, err);
    if (sh == NULL)
        return NULL;
    sh->walked = *walked;
    sh->thumb_size = thumb_size;
    sh->count = rn_dist_size(d);
    bool ok = (sh->files = rn_calloc((size_t)sh->count, sizeof *sh->files, err)) != NULL;
    for (int r = 0; ok && r < sh->count; r++) {
        struct ShardFile *f = &sh->files[r];
        char magic[8];
        uint8_t ts[4];
        ok = (f->path = shard_path(ws, r, err)) != NULL;
        /* r+: the merge punches out what it has read (release_read). */
        if (ok && ((f->f = fopen(f->path, "r+b")) == NULL || fread(magic, 1, 8, f->f) != 8 ||
                   fread(ts, 1, 4, f->f) != 4 || memcmp(magic, SHARD_MAGIC, 8) != 0 ||
                   rn_le32_load(ts) != thumb_size)) {
            rn_error_set(err, RN_ERROR_PARSE, "%s: not a shard of this ingest", f->path);
            ok = false;
        }
    }
    if (!ok) {
        shards_close(sh);
        return NULL;
    }
    return sh;
}

bool rn_shards_next(Shards *sh, IngestItem *it, bool *more, RnError **err)
{
    struct ShardFile *first = NULL;
    for (int r = 0; r < sh->count; r++) {
        struct ShardFile *f = &sh->files[r];
        if (!f->has_next && !f->eof && !read_next(sh, f, err))
            return false;
        /* Ties (a tree changed between the ranks' walks) go to the lower rank. */
        if (f->has_next && (first == NULL || f->next.walk_seq < first->next.walk_seq))
            first = f;
    }
    *more = first != NULL;
    if (first != NULL) {
        *it = first->next;
        memset(&first->next, 0, sizeof first->next);
        first->has_next = false;
    }
    return true;
}

void rn_shards_walk_counts(const Shards *sh, RnIngestSummary *sum)
{
    sum->files_seen = sh->walked.files_seen;
    sum->files_unchanged = sh->walked.files_unchanged;
    sum->dirs_unreadable = sh->walked.dirs_unreadable;
    sum->link_loops = sh->walked.link_loops;
}

/* ---- the ranks' parts ------------------------------------------------------ */

/* Extracts this rank's files of the sources into its shard; walked: the
 * walk's counts. */
static bool extract_shard(const char *ws, const RnIngestOptions *o, const RnDist *d,
                          RnIngestSummary *walked, RnError **err)
{
    RnStore *s = rn_store_open(ws, RN_STORE_READ, err);
    RnRegionRules *rules = s == NULL         ? NULL
                           : o->regions_path ? rn_region_rules_load(o->regions_path, err)
                                             : rn_region_rules_builtin(err);
    char *path = rules ? shard_path(ws, rn_dist_rank(d), err) : NULL;
    FILE *f = path ? fopen(path, "wb") : NULL;
    if (path && f == NULL)
        rn_error_set(err, RN_ERROR_IO, "%s: %s", path, strerror(errno));
    uint32_t ts = s ? s->thumb_size : 0;
    uint8_t head[12] = SHARD_MAGIC;
    rn_le32_store(head + 8, ts);
    bool ok = f != NULL && fwrite(head, 1, sizeof head, f) == sizeof head;
    ExtractConfig ec = {rules, ts, !o->no_pixels};
    PipelineShards split = {d, NULL};
    Pipeline *p = ok ? rn_pipeline_start(s, o, &ec, &split, err) : NULL;
    IngestItem *items;
    size_t n;
    RnBuf rec = RN_BUF_INIT;
    ok = p != NULL;
    while (ok && rn_pipeline_next(p, &items, &n)) {
        for (size_t i = 0; ok && i < n; i++) {
            rec.len = 0;
            ok = encode_item(&rec, &items[i], ts, err) && write_record(f, &rec, path, err);
        }
        if (n > 0)
            rn_pipeline_release(p);
    }
    if (!rn_pipeline_finish(p, walked, ok ? err : NULL))
        ok = false;
    if (f != NULL && (fflush(f) != 0 || fsync(fileno(f)) != 0) && ok) {
        rn_error_set(err, RN_ERROR_IO, "%s: %s", path, strerror(errno));
        ok = false;
    }
    if (f != NULL)
        fclose(f);
    rn_buf_free(&rec);
    free(path);
    rn_region_rules_free(rules);
    rn_store_close(s);
    return ok;
}

/* Rank 0: creates or checks the workspace and its settings; the shard folder. */
static bool prepare(const char *ws, const RnIngestOptions *o, RnError **err)
{
    RnStore *s = rn_store_open_wait(ws, RN_STORE_CREATE, o->lock_wait, err);
    uint32_t ts;
    bool ok = s != NULL && rn_ingest_settings(s, o, &ts, err);
    rn_store_close(s);
    RnBuf dir = RN_BUF_INIT;
    ok = ok && rn_buf_printf(&dir, err, "%s/shards", ws) && rn_buf_terminate(&dir, err);
    if (ok && mkdir((const char *)dir.data, 0777) != 0 && errno != EEXIST) {
        rn_error_set(err, RN_ERROR_IO, "%s: %s", (const char *)dir.data, strerror(errno));
        ok = false;
    }
    rn_buf_free(&dir);
    return ok;
}

/* Rank 0: the catalogue from the shards, then the shards removed. */
static bool merge(const char *ws, const RnIngestOptions *o, const RnDist *d,
                  const RnIngestSummary *walked, RnIngestSummary *sum, RnError **err)
{
    RnStore *s = rn_store_open(ws, RN_STORE_READ, err);
    bool opened = s != NULL;
    uint32_t ts = opened ? s->thumb_size : 0;
    rn_store_close(s);
    Shards *sh = opened ? shards_open(ws, d, ts, walked, err) : NULL;
    PipelineShards from = {NULL, sh};
    bool ok = sh != NULL && rn_ingest_with(ws, o, &from, sum, err);
    shards_close(sh);
    for (int r = 0; ok && r < rn_dist_size(d); r++) {
        char *path = shard_path(ws, r, err);
        ok = path != NULL;
        if (ok)
            unlink(path);
        free(path);
    }
    return ok;
}

/* Every rank learns whether all succeeded; a rank that did not already
 * has its own error. */
static bool all_ok(RnDist *d, bool ok, const char *step, RnError **err)
{
    uint64_t v = ok;
    if (!rn_dist_allreduce_u64(d, &v, 1, RN_DIST_MIN, ok ? err : NULL))
        return false;
    if (ok && v == 0)
        rn_error_set(err, RN_ERROR_IO, "ingest: another rank failed while %s", step);
    return ok && v != 0;
}

bool rn_ingest_dist(const char *ws, const RnIngestOptions *opts, RnDist *d,
                    RnIngestSummary *summary, RnError **err)
{
    if (rn_dist_size(d) == 1)
        return rn_ingest(ws, opts, summary, err);
    RnIngestSummary local;
    if (summary == NULL)
        summary = &local;
    memset(summary, 0, sizeof *summary);
    if (opts->n_sources == 0 || opts->sources == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "no source folder given");
        return false;
    }
    bool root = rn_dist_rank(d) == 0;
    RnIngestSummary walked = {0};
    bool ok = all_ok(d, !root || prepare(ws, opts, err), "preparing the workspace", err);
    ok = ok && all_ok(d, extract_shard(ws, opts, d, &walked, err), "extracting its files", err) &&
         /* each rank counted the unchanged files it owns */
         rn_dist_allreduce_u64(d, &walked.files_unchanged, 1, RN_DIST_SUM, err);
    return ok && all_ok(d, !root || merge(ws, opts, d, &walked, summary, err),
                        "merging the shards", err);
}
