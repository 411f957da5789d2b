/* Streaming folder walk in a fixed order (sorted names, depth first), so
 * that ingest commits a prefix of the same sequence on every run. */
#include "store/store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WALK_MAX_DEPTH 256

typedef struct DirFrame {
    char **names;      /* sorted entry names */
    unsigned char *types;
    size_t n, next;
    size_t path_len;   /* length of the folder's path in the path buffer */
    dev_t dev;         /* identity of the folder, for loop detection */
    ino_t ino;
} DirFrame;

struct RnWalk {
    char **sources;
    size_t n_sources, next_source;
    DirFrame stack[WALK_MAX_DEPTH];
    size_t depth;
    RnBuf path;
    bool stat_files;   /* false when only counting */
    bool (*want)(const void *user, const char *path); /* files to stat (NULL: all) */
    const void *want_user;
    uint64_t unreadable;
    uint64_t loops;    /* linked folders that lead back to an ancestor */
};

typedef struct NameEntry {
    char *name;
    unsigned char type;
} NameEntry;

static int compare_names(const void *a, const void *b)
{
    return strcmp(((const NameEntry *)a)->name, ((const NameEntry *)b)->name);
}

static void frame_free(DirFrame *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->names[i]);
    free(f->names);
    free(f->types);
    memset(f, 0, sizeof *f);
}

/* Reads and sorts one directory listing. */
static bool list_dir(const char *path, DirFrame *f, RnError **err)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return false;
    NameEntry *e = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    struct dirent *de;
    while (ok && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            NameEntry *ne = rn_realloc(e, cap * sizeof *e, err);
            ok = ne != NULL;
            e = ne ? ne : e;
        }
        if (ok && (e[n].name = rn_strdup(de->d_name, err)) != NULL)
            e[n++].type = de->d_type;
        else
            ok = false;
    }
    closedir(d);
    if (ok && n > 0)
        qsort(e, n, sizeof *e, compare_names);
    if (ok) {
        f->names = rn_calloc(n ? n : 1, sizeof *f->names, err);
        f->types = rn_calloc(n ? n : 1, 1, err);
        ok = f->names != NULL && f->types != NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (ok) {
            f->names[i] = e[i].name;
            f->types[i] = e[i].type;
        } else {
            free(e[i].name);
        }
    }
    f->n = ok ? n : 0;
    free(e);
    if (!ok)
        frame_free(f);
    return ok;
}

RnWalk *rn_walk_open(const char *const *sources, size_t n_sources, RnError **err)
{
    RnWalk *w = rn_calloc(1, sizeof *w, err);
    if (w == NULL)
        return NULL;
    w->stat_files = true;
    w->sources = rn_calloc(n_sources ? n_sources : 1, sizeof *w->sources, err);
    if (w->sources == NULL) {
        free(w);
        return NULL;
    }
    /* Absolute paths: the catalogue key must not depend on the cwd. */
    for (size_t i = 0; i < n_sources; i++) {
        w->sources[i] = realpath(sources[i], NULL);
        if (w->sources[i] == NULL)
            rn_error_set(err, errno == ENOMEM ? RN_ERROR_NOMEM : RN_ERROR_IO, "%s: %s",
                         sources[i], strerror(errno));
        if (w->sources[i] == NULL) {
            w->n_sources = i;
            rn_walk_close(w);
            return NULL;
        }
    }
    w->n_sources = n_sources;
    return w;
}

void rn_walk_close(RnWalk *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->depth; i++)
        frame_free(&w->stack[i]);
    for (size_t i = 0; i < w->n_sources; i++)
        free(w->sources[i]);
    free(w->sources);
    rn_buf_free(&w->path);
    free(w);
}

uint64_t rn_walk_unreadable(const RnWalk *w) { return w->unreadable; }
uint64_t rn_walk_loops(const RnWalk *w) { return w->loops; }

/* True when the folder (dev, ino) is already open on the walk's stack: a
 * link back to an ancestor would recurse forever. */
static bool on_stack(const RnWalk *w, dev_t dev, ino_t ino)
{
    for (size_t i = 0; i < w->depth; i++)
        if (w->stack[i].dev == dev && w->stack[i].ino == ino)
            return true;
    return false;
}

static bool set_path(RnWalk *w, size_t keep, const char *name, RnError **err)
{
    w->path.len = keep;
    if (keep > 0 && w->path.data[keep - 1] != '/' && !rn_buf_append(&w->path, "/", 1, err))
        return false;
    return rn_buf_append_str(&w->path, name, err) && rn_buf_terminate(&w->path, err);
}

/* Enters the folder whose path is in w->path (unreadable ones are counted). */
static bool push_dir(RnWalk *w, RnError **err)
{
    if (w->depth == WALK_MAX_DEPTH) {
        w->unreadable++;
        return true;
    }
    struct stat st;
    if (stat((const char *)w->path.data, &st) != 0) {
        w->unreadable++;
        return true;
    }
    if (on_stack(w, st.st_dev, st.st_ino)) {
        w->loops++;
        return true;
    }
    DirFrame *f = &w->stack[w->depth];
    memset(f, 0, sizeof *f);
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    if (!list_dir((const char *)w->path.data, f, err)) {
        if (rn_error_code(err ? *err : NULL) == RN_ERROR_NOMEM)
            return false;
        w->unreadable++;
        return true;
    }
    f->path_len = w->path.len;
    w->depth++;
    return true;
}

/* Classifies the path in w->path: 1 regular file (filled), 2 folder, 0 other. */
static int classify(RnWalk *w, unsigned char d_type, RnWalkEntry *out)
{
    const char *path = (const char *)w->path.data;
    if (d_type == DT_REG && (!w->stat_files || (w->want && !w->want(w->want_user, path))))
        return 1;
    if (d_type == DT_DIR)
        return 2;
    struct stat st;
    /* Symlinks are followed: regular targets are files, linked folders are
     * entered (push_dir refuses links back to an ancestor). */
    if (stat(path, &st) != 0)
        return 0;
    if (S_ISDIR(st.st_mode))
        return 2;
    if (!S_ISREG(st.st_mode))
        return 0;
    out->size = (uint64_t)st.st_size;
    out->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    return 1;
}

static int next_source(RnWalk *w, RnWalkEntry *out, RnError **err)
{
    const char *src = w->sources[w->next_source++];
    w->path.len = 0;
    if (!rn_buf_append_str(&w->path, src, err) || !rn_buf_terminate(&w->path, err))
        return -1;
    struct stat st;
    if (stat(src, &st) != 0) {
        rn_error_set(err, RN_ERROR_IO, "%s: %s", src, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return push_dir(w, err) ? 0 : -1;
    return classify(w, DT_UNKNOWN, out) == 1 ? 1 : 0;
}

bool rn_walk_next(RnWalk *w, RnWalkEntry *out, RnError **err)
{
    memset(out, 0, sizeof *out);
    for (;;) {
        if (w->depth == 0) {
            if (w->next_source == w->n_sources)
                return false;
            int r = next_source(w, out, err);
            if (r < 0)
                return false;
            if (r == 1) {
                out->path = (const char *)w->path.data;
                return true;
            }
            continue;
        }
        DirFrame *f = &w->stack[w->depth - 1];
        if (f->next == f->n) {
            frame_free(f);
            w->depth--;
            continue;
        }
        size_t i = f->next++;
        if (!set_path(w, f->path_len, f->names[i], err))
            return false;
        int kind = classify(w, f->types[i], out);
        if (kind == 2 && !push_dir(w, err))
            return false;
        if (kind == 1) {
            out->path = (const char *)w->path.data;
            return true;
        }
    }
}

void rn_walk_stat_only(RnWalk *w, bool (*want)(const void *user, const char *path),
                       const void *user)
{
    w->want = want;
    w->want_user = user;
}

bool rn_walk_count(const char *const *sources, size_t n_sources, uint64_t *count,
                   RnError **err)
{
    *count = 0;
    RnWalk *w = rn_walk_open(sources, n_sources, err);
    if (w == NULL)
        return false;
    w->stat_files = false;
    RnWalkEntry e;
    RnError *local = NULL;
    while (rn_walk_next(w, &e, &local))
        (*count)++;
    rn_walk_close(w);
    if (local != NULL) {
        rn_error_set(err, rn_error_code(local), "%s", rn_error_message(local));
        rn_error_free(local);
        return false;
    }
    return true;
}
