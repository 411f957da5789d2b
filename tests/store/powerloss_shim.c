/* LD_PRELOAD shim for the crash and power-loss tests (test_resume.c).
 *
 * It watches every file opened under $RN_PL_DIR (the workspace) and counts
 * the events that change them: write, pwrite, writev, ftruncate, fsync,
 * fdatasync, unlink. For each file it keeps a "durable image": the content
 * at its last fsync/fdatasync (or as it was when the process first opened
 * it, or absent if the process created it) - what survives a power loss.
 *
 *   RN_PL_DIR       absolute workspace path (required to do anything)
 *   RN_PL_OUT       directory for the results (required)
 *   RN_PL_CRASH_AT  crash just before event N (1-based); unset: never
 *
 * Without a crash, RN_PL_OUT/events gets one line per event at exit
 * ("<kind> <file>", kind w = write, s = sync, t = truncate, u = unlink).
 * At the crash it writes RN_PL_OUT/current/<file> (each watched file as
 * the page cache has it: what a kill -9 leaves) and RN_PL_OUT/durable/<file>
 * (its durable image; no file when absent), then kills the process with
 * SIGKILL. SQLite's -shm is not watched: it is rebuilt from the WAL when
 * the first connection opens after a crash.
 *
 * Only the test uses this; radnet itself is not changed. */
#undef _FILE_OFFSET_BITS /* pwrite and pwrite64 are both interposed */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_FD 4096
#define MAX_FILES 64

typedef struct Watched {
    char name[256];         /* path relative to the workspace */
    bool durable_present;
    unsigned char *durable; /* content at the last sync */
    size_t durable_len;
} Watched;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char dir[1024], out[1024];
static size_t dir_len;
static long crash_at, events;
static int fd_file[MAX_FD]; /* index + 1 into files, 0 = not watched */
static Watched files[MAX_FILES];
static int n_files;
static FILE *event_log;

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_unlink)(const char *);

__attribute__((constructor)) static void init(void)
{
    real_open = dlsym(RTLD_NEXT, "open");
    real_open64 = dlsym(RTLD_NEXT, "open64");
    real_openat = dlsym(RTLD_NEXT, "openat");
    real_openat64 = dlsym(RTLD_NEXT, "openat64");
    real_close = dlsym(RTLD_NEXT, "close");
    real_write = dlsym(RTLD_NEXT, "write");
    real_pwrite = dlsym(RTLD_NEXT, "pwrite");
    real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    real_writev = dlsym(RTLD_NEXT, "writev");
    real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
    real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    real_unlink = dlsym(RTLD_NEXT, "unlink");
    const char *d = getenv("RN_PL_DIR"), *o = getenv("RN_PL_OUT");
    const char *c = getenv("RN_PL_CRASH_AT");
    if (d == NULL || o == NULL || strlen(d) >= sizeof dir - 2 || strlen(o) >= sizeof out - 64)
        return;
    snprintf(dir, sizeof dir, "%s/", d);
    dir_len = strlen(dir);
    snprintf(out, sizeof out, "%s", o);
    crash_at = c ? atol(c) : 0;
}

/* ---- file contents through the real calls ---------------------------- */

static bool read_all(const char *path, unsigned char **data, size_t *len)
{
    int fd = real_open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    ssize_t k;
    while (b && (k = pread(fd, b + n, cap - n, (off_t)n)) > 0) {
        n += (size_t)k;
        if (n == cap)
            b = realloc(b, cap *= 2);
    }
    real_close(fd);
    *data = b;
    *len = n;
    return b != NULL;
}

static void write_all(const char *path, const unsigned char *data, size_t len)
{
    int fd = real_open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    size_t done = 0;
    ssize_t k;
    while (done < len && (k = real_write(fd, data + done, len - done)) > 0)
        done += (size_t)k;
    real_close(fd);
}

static void full_path(char *p, size_t n, const Watched *w)
{
    snprintf(p, n, "%.1023s%.255s", dir, w->name);
}

/* ---- watching ------------------------------------------------------------ */

static bool watched_path(const char *path)
{
    if (dir_len == 0 || strncmp(path, dir, dir_len) != 0)
        return false;
    size_t n = strlen(path);
    return !(n > 4 && strcmp(path + n - 4, "-shm") == 0) && !strchr(path + dir_len, '/');
}

static int file_index(const char *path, bool create)
{
    const char *name = path + dir_len;
    for (int i = 0; i < n_files; i++)
        if (strcmp(files[i].name, name) == 0)
            return i;
    if (!create || n_files == MAX_FILES || strlen(name) >= sizeof files[0].name)
        return -1;
    Watched *w = &files[n_files];
    snprintf(w->name, sizeof w->name, "%s", name);
    /* First sight: what is on disk now is durable (written by an earlier
     * process that has exited). */
    w->durable_present = read_all(path, &w->durable, &w->durable_len);
    return n_files++;
}

static void before_open(const char *path)
{
    if (!watched_path(path))
        return;
    pthread_mutex_lock(&lock);
    file_index(path, true);
    pthread_mutex_unlock(&lock);
}

static int after_open(const char *path, int fd)
{
    if (fd >= 0 && fd < MAX_FD && watched_path(path)) {
        pthread_mutex_lock(&lock);
        int i = file_index(path, true);
        fd_file[fd] = i + 1;
        pthread_mutex_unlock(&lock);
    }
    return fd;
}

static void snapshot_and_die(void)
{
    char p[2048], q[2048];
    snprintf(p, sizeof p, "%s/current", out);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/durable", out);
    mkdir(p, 0755);
    for (int i = 0; i < n_files; i++) {
        Watched *w = &files[i];
        unsigned char *data;
        size_t len;
        full_path(q, sizeof q, w);
        if (read_all(q, &data, &len)) {
            snprintf(p, sizeof p, "%.1023s/current/%.255s", out, w->name);
            write_all(p, data, len);
            free(data);
        }
        if (w->durable_present) {
            snprintf(p, sizeof p, "%.1023s/durable/%.255s", out, w->name);
            write_all(p, w->durable, w->durable_len);
        }
    }
    snprintf(p, sizeof p, "%s/crashed", out);
    write_all(p, (const unsigned char *)"", 0);
    kill(getpid(), SIGKILL);
}

/* Counts an event on a watched file; crashes before the chosen one. Called
 * with the lock held. */
static void event(char kind, int i)
{
    events++;
    if (crash_at > 0 && events == crash_at)
        snapshot_and_die();
    if (crash_at == 0) {
        if (event_log == NULL) {
            char p[2048];
            snprintf(p, sizeof p, "%s/events", out);
            event_log = fopen(p, "w");
        }
        if (event_log)
            fprintf(event_log, "%c %s\n", kind, files[i].name);
    }
}

static int watched_fd(int fd)
{
    return fd >= 0 && fd < MAX_FD ? fd_file[fd] - 1 : -1;
}

static void sync_done(int i)
{
    char p[2048];
    Watched *w = &files[i];
    full_path(p, sizeof p, w);
    free(w->durable);
    w->durable = NULL;
    w->durable_present = read_all(p, &w->durable, &w->durable_len);
}

__attribute__((destructor)) static void fini(void)
{
    if (event_log)
        fclose(event_log);
}

/* ---- the intercepted calls ----------------------------------------------- */

#define OPEN_MODE(flags)                                                      \
    mode_t mode = 0;                                                          \
    if ((flags) & (O_CREAT | O_TMPFILE)) {                                    \
        va_list ap;                                                           \
        va_start(ap, flags);                                                  \
        mode = va_arg(ap, mode_t);                                            \
        va_end(ap);                                                           \
    }

int open(const char *path, int flags, ...)
{
    OPEN_MODE(flags);
    before_open(path);
    return after_open(path, real_open(path, flags, mode));
}

int open64(const char *path, int flags, ...)
{
    OPEN_MODE(flags);
    before_open(path);
    return after_open(path, real_open64(path, flags, mode));
}

int openat(int dfd, const char *path, int flags, ...)
{
    OPEN_MODE(flags);
    before_open(path);
    return after_open(path, real_openat(dfd, path, flags, mode));
}

int openat64(int dfd, const char *path, int flags, ...)
{
    OPEN_MODE(flags);
    before_open(path);
    return after_open(path, real_openat64(dfd, path, flags, mode));
}

int close(int fd)
{
    if (fd >= 0 && fd < MAX_FD) {
        pthread_mutex_lock(&lock);
        fd_file[fd] = 0;
        pthread_mutex_unlock(&lock);
    }
    return real_close(fd);
}

/* Runs `call` under the lock after counting the event when fd is watched. */
#define WATCHED(kind, fd, call)                                               \
    do {                                                                      \
        pthread_mutex_lock(&lock);                                            \
        int i_ = watched_fd(fd);                                              \
        if (i_ >= 0)                                                          \
            event(kind, i_);                                                  \
        __typeof__(call) r_ = call;                                           \
        int e_ = errno;                                                       \
        if (i_ >= 0 && (kind) == 's' && r_ == 0)                              \
            sync_done(i_);                                                    \
        pthread_mutex_unlock(&lock);                                          \
        errno = e_;                                                           \
        return r_;                                                            \
    } while (0)

ssize_t write(int fd, const void *b, size_t n) { WATCHED('w', fd, real_write(fd, b, n)); }
ssize_t pwrite(int fd, const void *b, size_t n, off_t o)
{
    WATCHED('w', fd, real_pwrite(fd, b, n, o));
}
ssize_t pwrite64(int fd, const void *b, size_t n, off_t o)
{
    WATCHED('w', fd, real_pwrite64(fd, b, n, o));
}
ssize_t writev(int fd, const struct iovec *v, int n) { WATCHED('w', fd, real_writev(fd, v, n)); }
int ftruncate(int fd, off_t n) { WATCHED('t', fd, real_ftruncate(fd, n)); }
int ftruncate64(int fd, off_t n) { WATCHED('t', fd, real_ftruncate64(fd, n)); }
int fsync(int fd) { WATCHED('s', fd, real_fsync(fd)); }
int fdatasync(int fd) { WATCHED('s', fd, real_fdatasync(fd)); }

int unlink(const char *path)
{
    if (!watched_path(path))
        return real_unlink(path);
    pthread_mutex_lock(&lock);
    int i = file_index(path, true);
    if (i >= 0)
        event('u', i);
    int r = real_unlink(path);
    int e = errno;
    pthread_mutex_unlock(&lock);
    errno = e;
    return r;
}
