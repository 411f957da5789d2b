#include "radnet/core.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct RnIO {
    const RnIOMethods *m;
    void *ctx;
    uint8_t *buf;      /* read-ahead window */
    size_t buf_len;    /* valid bytes in buf */
    size_t buf_pos;    /* next unread byte in buf */
    uint64_t buf_base; /* stream offset of buf[0] */
    /* Memory sources are read in place: no copy, no window. */
    const uint8_t *mem;
    size_t mem_len;
};

RnIO *rn_io_open(const RnIOMethods *methods, void *ctx, RnError **err)
{
    RnIO *io = rn_calloc(1, sizeof *io, err);
    if (io == NULL) {
        if (methods->close)
            methods->close(ctx);
        return NULL;
    }
    io->m = methods;
    io->ctx = ctx;
    io->buf = rn_malloc(RN_IO_BUFFER, err);
    if (io->buf == NULL) {
        rn_io_close(io);
        return NULL;
    }
    return io;
}

void rn_io_close(RnIO *io)
{
    if (io == NULL)
        return;
    if (io->m && io->m->close)
        io->m->close(io->ctx);
    free(io->buf);
    free(io);
}

/* ---- file source ------------------------------------------------------ */

typedef struct FileCtx {
    int fd;
    int64_t size;
} FileCtx;

static int64_t file_read(void *ctx, void *buf, size_t n, RnError **err)
{
    FileCtx *f = ctx;
    for (;;) {
        ssize_t r = read(f->fd, buf, n);
        if (r >= 0)
            return r;
        if (errno != EINTR) {
            rn_error_set(err, RN_ERROR_IO, "read failed: %s", strerror(errno));
            return -1;
        }
    }
}

static bool file_seek(void *ctx, uint64_t offset, RnError **err)
{
    FileCtx *f = ctx;
    if (lseek(f->fd, (off_t)offset, SEEK_SET) < 0) {
        rn_error_set(err, RN_ERROR_IO, "seek failed: %s", strerror(errno));
        return false;
    }
    return true;
}

static int64_t file_size(void *ctx) { return ((FileCtx *)ctx)->size; }

static void file_close(void *ctx)
{
    FileCtx *f = ctx;
    close(f->fd);
    free(f);
}

static const RnIOMethods file_methods = {file_read, file_seek, file_size, file_close};

RnIO *rn_io_open_file(const char *path, RnError **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rn_error_set(err, RN_ERROR_IO, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rn_error_set(err, RN_ERROR_IO, "not a regular file");
        close(fd);
        return NULL;
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    FileCtx *f = rn_malloc(sizeof *f, err);
    if (f == NULL) {
        close(fd);
        return NULL;
    }
    f->fd = fd;
    f->size = st.st_size;
    return rn_io_open(&file_methods, f, err);
}

/* ---- memory source ---------------------------------------------------- */

RnIO *rn_io_open_memory(const void *data, size_t n, RnError **err)
{
    RnIO *io = rn_calloc(1, sizeof *io, err);
    if (io == NULL)
        return NULL;
    io->mem = data ? data : (const uint8_t *)"";
    io->mem_len = n;
    return io;
}

/* ---- buffered reading ------------------------------------------------- */

static size_t buffered(const RnIO *io) { return io->buf_len - io->buf_pos; }

/* Moves unread bytes to the front and reads until `want` are buffered or
 * the source ends. */
static bool fill(RnIO *io, size_t want, RnError **err)
{
    if (io->buf_pos > 0) {
        size_t left = buffered(io);
        memmove(io->buf, io->buf + io->buf_pos, left);
        io->buf_base += io->buf_pos;
        io->buf_len = left;
        io->buf_pos = 0;
    }
    while (io->buf_len < want) {
        int64_t r = io->m->read(io->ctx, io->buf + io->buf_len,
                                RN_IO_BUFFER - io->buf_len, err);
        if (r < 0)
            return false;
        if (r == 0)
            break;
        io->buf_len += (size_t)r;
    }
    return true;
}

int64_t rn_io_peek(RnIO *io, const uint8_t **out, size_t n, RnError **err)
{
    if (io->mem) {
        size_t left = io->mem_len - io->buf_pos;
        *out = io->mem + io->buf_pos;
        return (int64_t)(left < n ? left : n);
    }
    if (n > RN_IO_BUFFER) {
        rn_error_set(err, RN_ERROR_INVALID, "peek larger than the I/O buffer");
        return -1;
    }
    if (buffered(io) < n && !fill(io, n, err))
        return -1;
    *out = io->buf + io->buf_pos;
    size_t have = buffered(io);
    return (int64_t)(have < n ? have : n);
}

int64_t rn_io_read(RnIO *io, void *buf, size_t n, RnError **err)
{
    if (io->mem) {
        size_t left = io->mem_len - io->buf_pos;
        size_t k = left < n ? left : n;
        memcpy(buf, io->mem + io->buf_pos, k);
        io->buf_pos += k;
        return (int64_t)k;
    }
    uint8_t *dst = buf;
    size_t done = 0;
    size_t have = buffered(io);
    if (have > 0) {
        size_t k = have < n ? have : n;
        memcpy(dst, io->buf + io->buf_pos, k);
        io->buf_pos += k;
        done = k;
    }
    /* Big reads bypass the window. */
    while (done < n && n - done >= RN_IO_BUFFER) {
        io->buf_base += io->buf_len;
        io->buf_len = io->buf_pos = 0;
        int64_t r = io->m->read(io->ctx, dst + done, n - done, err);
        if (r < 0)
            return -1;
        if (r == 0)
            return (int64_t)done;
        io->buf_base += (uint64_t)r;
        done += (size_t)r;
    }
    if (done < n) {
        if (!fill(io, n - done, err))
            return -1;
        size_t k = buffered(io) < n - done ? buffered(io) : n - done;
        memcpy(dst + done, io->buf + io->buf_pos, k);
        io->buf_pos += k;
        done += k;
    }
    return (int64_t)done;
}

bool rn_io_read_exact(RnIO *io, void *buf, size_t n, RnError **err)
{
    uint64_t at = rn_io_tell(io);
    int64_t r = rn_io_read(io, buf, n, err);
    if (r < 0)
        return false;
    if ((size_t)r < n) {
        rn_error_set_at(err, RN_ERROR_PARSE, at,
                        "truncated: wanted %zu bytes, %lld left", n, (long long)r);
        return false;
    }
    return true;
}

uint64_t rn_io_tell(const RnIO *io)
{
    return io->mem ? io->buf_pos : io->buf_base + io->buf_pos;
}

int64_t rn_io_size(const RnIO *io)
{
    if (io->mem)
        return (int64_t)io->mem_len;
    return io->m->size ? io->m->size(io->ctx) : -1;
}

bool rn_io_seek(RnIO *io, uint64_t offset, RnError **err)
{
    if (io->mem) {
        if (offset > io->mem_len) {
            rn_error_set_at(err, RN_ERROR_PARSE, offset, "seek past the end");
            return false;
        }
        io->buf_pos = (size_t)offset;
        return true;
    }
    if (offset >= io->buf_base && offset <= io->buf_base + io->buf_len) {
        io->buf_pos = (size_t)(offset - io->buf_base);
        return true;
    }
    if (io->m->seek == NULL) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "source cannot seek");
        return false;
    }
    if (!io->m->seek(io->ctx, offset, err))
        return false;
    io->buf_base = offset;
    io->buf_len = io->buf_pos = 0;
    return true;
}

bool rn_io_skip(RnIO *io, uint64_t n, RnError **err)
{
    uint64_t at = rn_io_tell(io);
    int64_t size = rn_io_size(io);
    if (size >= 0 && (n > (uint64_t)size || at > (uint64_t)size - n)) {
        rn_error_set_at(err, RN_ERROR_PARSE, at,
                        "truncated: skip of %llu bytes past the end",
                        (unsigned long long)n);
        return false;
    }
    if (size >= 0 || io->m->seek)
        return rn_io_seek(io, at + n, err);
    uint8_t scratch[4096];
    while (n > 0) {
        size_t k = n < sizeof scratch ? (size_t)n : sizeof scratch;
        if (!rn_io_read_exact(io, scratch, k, err))
            return false;
        n -= k;
    }
    return true;
}

/* ---- whole files ------------------------------------------------------ */

bool rn_file_read_all(const char *path, size_t max_bytes, uint8_t **out,
                      size_t *n, RnError **err)
{
    RnIO *io = rn_io_open_file(path, err);
    if (io == NULL)
        return false;
    int64_t size = rn_io_size(io);
    bool ok = false;
    uint8_t *data = NULL;
    if (size < 0 || (uint64_t)size > max_bytes) {
        rn_error_set(err, RN_ERROR_LIMIT, "file larger than %zu bytes", max_bytes);
    } else if ((data = rn_malloc((size_t)size + 1, err)) != NULL &&
               rn_io_read_exact(io, data, (size_t)size, err)) {
        data[size] = 0;
        *out = data;
        *n = (size_t)size;
        data = NULL;
        ok = true;
    }
    free(data);
    rn_io_close(io);
    return ok;
}

static bool write_fully(int fd, const uint8_t *p, size_t n, RnError **err)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            rn_error_set(err, RN_ERROR_IO, "write failed: %s", strerror(errno));
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Devices and pipes (/dev/null, /dev/stdout, a FIFO) are written in place:
 * renaming over them would replace the device with a regular file. */
static bool write_in_place(const char *path, const void *data, size_t n,
                           RnError **err)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        rn_error_set(err, RN_ERROR_IO, "cannot open %s: %s", path, strerror(errno));
        return false;
    }
    bool ok = write_fully(fd, data, n, err);
    close(fd);
    return ok;
}

bool rn_file_write_atomic(const char *path, const void *data, size_t n,
                          RnError **err)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return write_in_place(path, data, n, err);
    size_t len = strlen(path);
    char *tmp = rn_malloc(len + 16, err);
    if (tmp == NULL)
        return false;
    snprintf(tmp, len + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rn_error_set(err, RN_ERROR_IO, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return false;
    }
    fchmod(fd, 0644);
    bool ok = write_fully(fd, data, n, err);
    if (ok && fsync(fd) != 0) {
        rn_error_set(err, RN_ERROR_IO, "fsync failed: %s", strerror(errno));
        ok = false;
    }
    close(fd);
    if (ok && rename(tmp, path) != 0) {
        rn_error_set(err, RN_ERROR_IO, "rename failed: %s", strerror(errno));
        ok = false;
    }
    if (!ok)
        unlink(tmp);
    free(tmp);
    return ok;
}
