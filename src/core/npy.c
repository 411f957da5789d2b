#include "radnet/core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Header limits: the format allows 4 GiB headers; nobody needs them. */
#define NPY_MAX_HEADER 65536u
/* Fixed header size used when writing, so appends can rewrite it in place. */
#define NPY_WRITE_HEADER 128u

static const uint8_t npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

size_t rn_dtype_size(RnDType t)
{
    switch (t) {
    case RN_DTYPE_F32: case RN_DTYPE_I32: return 4;
    case RN_DTYPE_F64: case RN_DTYPE_I64: return 8;
    case RN_DTYPE_U8: return 1;
    }
    return 0;
}

static const char *dtype_descr(RnDType t)
{
    switch (t) {
    case RN_DTYPE_F32: return "<f4";
    case RN_DTYPE_F64: return "<f8";
    case RN_DTYPE_U8: return "|u1";
    case RN_DTYPE_I32: return "<i4";
    case RN_DTYPE_I64: return "<i8";
    }
    return "?";
}

size_t rn_array_count(const RnArray *a)
{
    size_t n = 1;
    for (int i = 0; i < a->ndim; i++)
        n *= a->shape[i];
    return n;
}

void rn_array_free(RnArray *a)
{
    if (a == NULL)
        return;
    free(a->data);
    a->data = NULL;
}

/* ---- header parsing ---------------------------------------------------- */

typedef struct NpyHeader {
    RnDType dtype;
    bool big_endian;
    int ndim;
    size_t shape[RN_NPY_MAX_DIMS];
    size_t data_offset;
} NpyHeader;

static const char *dict_value(const char *h, const char *key)
{
    const char *p = strstr(h, key);
    if (p == NULL)
        return NULL;
    p = strchr(p + strlen(key), ':');
    if (p == NULL)
        return NULL;
    p++;
    while (*p == ' ')
        p++;
    return p;
}

static bool parse_descr(const char *v, NpyHeader *h, RnError **err)
{
    if (*v != '\'' && *v != '"')
        goto bad;
    char order = v[1];
    char kind = v[2];
    int bytes = atoi(v + 3);
    h->big_endian = order == '>';
    if (order != '<' && order != '>' && order != '|' && order != '=')
        goto bad;
    if (kind == 'f' && bytes == 4) h->dtype = RN_DTYPE_F32;
    else if (kind == 'f' && bytes == 8) h->dtype = RN_DTYPE_F64;
    else if (kind == 'u' && bytes == 1) h->dtype = RN_DTYPE_U8;
    else if (kind == 'i' && bytes == 4) h->dtype = RN_DTYPE_I32;
    else if (kind == 'i' && bytes == 8) h->dtype = RN_DTYPE_I64;
    else {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "npy dtype %.8s not supported", v);
        return false;
    }
    return true;
bad:
    rn_error_set(err, RN_ERROR_PARSE, "npy header: bad descr");
    return false;
}

static bool parse_shape(const char *v, NpyHeader *h, RnError **err)
{
    if (*v != '(') {
        rn_error_set(err, RN_ERROR_PARSE, "npy header: bad shape");
        return false;
    }
    v++;
    h->ndim = 0;
    for (;;) {
        while (*v == ' ' || *v == ',')
            v++;
        if (*v == ')')
            break;
        char *end;
        errno = 0;
        unsigned long long x = strtoull(v, &end, 10);
        if (end == v || errno || h->ndim == RN_NPY_MAX_DIMS) {
            rn_error_set(err, RN_ERROR_PARSE, "npy header: bad shape");
            return false;
        }
        h->shape[h->ndim++] = (size_t)x;
        v = end;
    }
    return true;
}

static bool parse_header(const uint8_t *p, size_t n, NpyHeader *h, RnError **err)
{
    if (n < 10 || memcmp(p, npy_magic, 6) != 0) {
        rn_error_set(err, RN_ERROR_PARSE, "not a .npy file");
        return false;
    }
    size_t hlen, pre;
    if (p[6] == 1) {
        hlen = (size_t)p[8] | (size_t)p[9] << 8;
        pre = 10;
    } else if ((p[6] == 2 || p[6] == 3) && n >= 12) {
        hlen = rn_le32_load(p + 8);
        pre = 12;
    } else {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "npy version %u not supported", p[6]);
        return false;
    }
    if (hlen > NPY_MAX_HEADER || pre + hlen > n) {
        rn_error_set(err, RN_ERROR_PARSE, "npy header truncated or too large");
        return false;
    }
    char text[NPY_MAX_HEADER + 1];
    memcpy(text, p + pre, hlen);
    text[hlen] = 0;
    const char *descr = dict_value(text, "'descr'");
    const char *order = dict_value(text, "'fortran_order'");
    const char *shape = dict_value(text, "'shape'");
    if (!descr || !order || !shape) {
        rn_error_set(err, RN_ERROR_PARSE, "npy header: missing keys");
        return false;
    }
    if (strncmp(order, "False", 5) != 0) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "Fortran-order .npy not supported");
        return false;
    }
    h->data_offset = pre + hlen;
    return parse_descr(descr, h, err) && parse_shape(shape, h, err);
}

static void swap_bytes(uint8_t *p, size_t count, size_t width)
{
    for (size_t i = 0; i < count; i++, p += width)
        for (size_t a = 0, b = width - 1; a < b; a++, b--) {
            uint8_t t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
}

bool rn_npy_read_memory(const uint8_t *data, size_t n, RnArray *out, RnError **err)
{
    NpyHeader h;
    memset(out, 0, sizeof *out);
    if (!parse_header(data, n, &h, err))
        return false;
    size_t count = 1, bytes;
    for (int i = 0; i < h.ndim; i++)
        if (!rn_mul_size(count, h.shape[i], &count)) {
            rn_error_set(err, RN_ERROR_LIMIT, "npy shape overflows");
            return false;
        }
    size_t width = rn_dtype_size(h.dtype);
    if (!rn_mul_size(count, width, &bytes) || bytes > n - h.data_offset) {
        rn_error_set(err, RN_ERROR_PARSE, "npy data truncated");
        return false;
    }
    out->data = rn_malloc(bytes, err);
    if (out->data == NULL)
        return false;
    memcpy(out->data, data + h.data_offset, bytes);
    if (h.big_endian && width > 1)
        swap_bytes(out->data, count, width);
    out->dtype = h.dtype;
    out->ndim = h.ndim;
    memcpy(out->shape, h.shape, sizeof h.shape);
    return true;
}

bool rn_npy_read(const char *path, RnArray *out, RnError **err)
{
    uint8_t *data;
    size_t n;
    if (!rn_file_read_all(path, SIZE_MAX / 2, &data, &n, err))
        return false;
    bool ok = rn_npy_read_memory(data, n, out, err);
    free(data);
    return ok;
}

static double element_as_f64(const RnArray *a, size_t i)
{
    switch (a->dtype) {
    case RN_DTYPE_F32: return ((const float *)a->data)[i];
    case RN_DTYPE_F64: return ((const double *)a->data)[i];
    case RN_DTYPE_U8: return ((const uint8_t *)a->data)[i];
    case RN_DTYPE_I32: return ((const int32_t *)a->data)[i];
    case RN_DTYPE_I64: return (double)((const int64_t *)a->data)[i];
    }
    return 0;
}

bool rn_array_as_matrix(RnArray *a, RnDType want, RnError **err)
{
    if (a->ndim < 1) {
        rn_error_set(err, RN_ERROR_INVALID, "expected a matrix, got a scalar");
        return false;
    }
    if (want != RN_DTYPE_F32 && want != RN_DTYPE_F64) {
        rn_error_set(err, RN_ERROR_INVALID, "matrices are float32 or float64");
        return false;
    }
    /* Trailing dimensions flatten into rows (N×S×S thumbnails → N×S²). */
    size_t count = rn_array_count(a), d = 1;
    for (int i = 1; i < a->ndim; i++)
        d *= a->shape[i];
    if (a->dtype != want) {
        void *conv = rn_calloc(count, rn_dtype_size(want), err);
        if (conv == NULL)
            return false;
        for (size_t i = 0; i < count; i++) {
            if (want == RN_DTYPE_F64)
                ((double *)conv)[i] = element_as_f64(a, i);
            else
                ((float *)conv)[i] = (float)element_as_f64(a, i);
        }
        free(a->data);
        a->data = conv;
        a->dtype = want;
    }
    a->shape[1] = d;
    a->ndim = 2;
    return true;
}

static bool read_matrix(const char *path, RnDType want, void **data, size_t *n,
                        size_t *d, RnError **err)
{
    RnArray a;
    if (!rn_npy_read(path, &a, err))
        return false;
    if (!rn_array_as_matrix(&a, want, err)) {
        rn_array_free(&a);
        return false;
    }
    *data = a.data;
    *n = a.shape[0];
    *d = a.shape[1];
    return true;
}

bool rn_npy_read_matrix_f64(const char *path, double **data, size_t *n, size_t *d,
                            RnError **err)
{
    return read_matrix(path, RN_DTYPE_F64, (void **)data, n, d, err);
}

bool rn_npy_read_matrix_f32(const char *path, float **data, size_t *n, size_t *d,
                            RnError **err)
{
    return read_matrix(path, RN_DTYPE_F32, (void **)data, n, d, err);
}

/* ---- mapping ------------------------------------------------------------ */

static bool map_layout(const char *path, const NpyHeader *h, uint64_t file_size,
                       RnNpyMap *out, RnError **err)
{
    size_t width = rn_dtype_size(h->dtype), count = 1, bytes;
    for (int i = 0; i < h->ndim; i++)
        if (!rn_mul_size(count, h->shape[i], &count)) {
            rn_error_set(err, RN_ERROR_LIMIT, "%s: npy shape overflows", path);
            return false;
        }
    if (h->big_endian && width > 1) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "%s: big-endian .npy cannot be mapped", path);
        return false;
    }
    if (h->ndim < 1 || !rn_mul_size(count, width, &bytes) ||
        h->data_offset > file_size || bytes > file_size - h->data_offset) {
        rn_error_set(err, RN_ERROR_PARSE, "%s: npy data truncated", path);
        return false;
    }
    out->dtype = h->dtype;
    out->n = h->shape[0];
    out->d = 1;
    for (int i = 1; i < h->ndim; i++)
        out->d *= h->shape[i];
    out->len = h->data_offset + bytes;
    return true;
}

bool rn_npy_map(const char *path, RnNpyMap *out, RnError **err)
{
    memset(out, 0, sizeof *out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rn_error_set(err, RN_ERROR_IO, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    uint8_t head[NPY_MAX_HEADER + 12];
    ssize_t got = fstat(fd, &st) == 0 ? pread(fd, head, sizeof head, 0) : -1;
    NpyHeader h;
    bool ok = got >= 0 && parse_header(head, (size_t)got, &h, err) &&
              map_layout(path, &h, (uint64_t)st.st_size, out, err);
    if (ok) {
        out->base = mmap(NULL, out->len ? out->len : 1, PROT_READ, MAP_PRIVATE, fd, 0);
        if (out->base == MAP_FAILED) {
            rn_error_set(err, RN_ERROR_IO, "%s: mmap failed: %s", path, strerror(errno));
            out->base = NULL;
            ok = false;
        } else {
            out->data = (const uint8_t *)out->base + h.data_offset;
        }
    } else if (got < 0) {
        rn_error_set(err, RN_ERROR_IO, "%s: read failed", path);
    }
    close(fd);
    return ok;
}

void rn_npy_unmap(RnNpyMap *m)
{
    if (m == NULL || m->base == NULL)
        return;
    munmap(m->base, m->len ? m->len : 1);
    m->base = NULL;
    m->data = NULL;
}

/* ---- writing ------------------------------------------------------------ */

/* Writes a v1 header padded to NPY_WRITE_HEADER bytes. */
static bool format_header(uint8_t out[NPY_WRITE_HEADER], RnDType dtype, int ndim,
                          const size_t *shape, RnError **err)
{
    char dict[NPY_WRITE_HEADER];
    int k = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     dtype_descr(dtype));
    for (int i = 0; i < ndim && k > 0 && (size_t)k < sizeof dict; i++)
        k += snprintf(dict + k, sizeof dict - (size_t)k, "%zu,%s", shape[i],
                      i + 1 < ndim ? " " : "");
    if (k > 0 && (size_t)k < sizeof dict)
        k += snprintf(dict + k, sizeof dict - (size_t)k, "), }");
    size_t body = NPY_WRITE_HEADER - 10;
    if (k < 0 || (size_t)k >= body) {
        rn_error_set(err, RN_ERROR_LIMIT, "npy header too long");
        return false;
    }
    memcpy(out, npy_magic, 6);
    out[6] = 1;
    out[7] = 0;
    out[8] = (uint8_t)(body & 0xff);
    out[9] = (uint8_t)(body >> 8);
    memset(out + 10, ' ', body);
    memcpy(out + 10, dict, (size_t)k);
    out[NPY_WRITE_HEADER - 1] = '\n';
    return true;
}

bool rn_npy_write(const char *path, const RnArray *a, RnError **err)
{
    uint8_t header[NPY_WRITE_HEADER];
    size_t bytes;
    if (!format_header(header, a->dtype, a->ndim, a->shape, err))
        return false;
    if (!rn_mul_size(rn_array_count(a), rn_dtype_size(a->dtype), &bytes))
        return false;
    RnBuf b = RN_BUF_INIT;
    bool ok = rn_buf_append(&b, header, sizeof header, err) &&
              rn_buf_append(&b, a->data, bytes, err) &&
              rn_file_write_atomic(path, b.data, b.len, err);
    rn_buf_free(&b);
    return ok;
}

/* ---- appending writer --------------------------------------------------- */

struct RnNpyWriter {
    int fd;
    RnDType dtype;
    int ndim;                       /* including the leading row dimension */
    size_t shape[RN_NPY_MAX_DIMS];  /* shape[0] = rows */
    size_t row_bytes;
    char *path;
};

static bool pwrite_fully(int fd, const void *p, size_t n, off_t at, RnError **err)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = pwrite(fd, b, n, at);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            rn_error_set(err, RN_ERROR_IO, "write failed: %s", strerror(errno));
            return false;
        }
        b += w;
        n -= (size_t)w;
        at += w;
    }
    return true;
}

static bool writer_write_header(RnNpyWriter *w, RnError **err)
{
    uint8_t header[NPY_WRITE_HEADER];
    return format_header(header, w->dtype, w->ndim, w->shape, err) &&
           pwrite_fully(w->fd, header, sizeof header, 0, err);
}

/* Reopening: trust the header's row count, drop any partial tail. */
static bool writer_resume(RnNpyWriter *w, RnError **err)
{
    uint8_t header[NPY_WRITE_HEADER];
    ssize_t r = pread(w->fd, header, sizeof header, 0);
    NpyHeader h;
    if (r != (ssize_t)sizeof header || !parse_header(header, sizeof header, &h, err))
        return false;
    if (h.dtype != w->dtype || h.ndim != w->ndim || h.data_offset != NPY_WRITE_HEADER ||
        memcmp(h.shape + 1, w->shape + 1, sizeof(size_t) * (size_t)(w->ndim - 1)) != 0) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: existing .npy has another layout", w->path);
        return false;
    }
    w->shape[0] = h.shape[0];
    return rn_npy_writer_truncate(w, h.shape[0], err);
}

RnNpyWriter *rn_npy_writer_open(const char *path, RnDType dtype, int row_ndim,
                                const size_t *row_shape, RnError **err)
{
    if (row_ndim < 0 || row_ndim >= RN_NPY_MAX_DIMS || rn_dtype_size(dtype) == 0) {
        rn_error_set(err, RN_ERROR_INVALID, "bad npy writer layout");
        return NULL;
    }
    RnNpyWriter *w = rn_calloc(1, sizeof *w, err);
    if (w == NULL)
        return NULL;
    w->fd = -1;
    w->dtype = dtype;
    w->ndim = row_ndim + 1;
    w->row_bytes = rn_dtype_size(dtype);
    for (int i = 0; i < row_ndim; i++) {
        w->shape[i + 1] = row_shape[i];
        w->row_bytes *= row_shape[i];
    }
    w->path = rn_strdup(path, err);
    if (w->path == NULL)
        goto fail;
    w->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        rn_error_set(err, RN_ERROR_IO, "%s: cannot open: %s", path, strerror(errno));
        goto fail;
    }
    struct stat st;
    if (fstat(w->fd, &st) != 0) {
        rn_error_set(err, RN_ERROR_IO, "%s: stat failed", path);
        goto fail;
    }
    bool ok = st.st_size == 0 ? writer_write_header(w, err) : writer_resume(w, err);
    if (ok)
        return w;
fail:
    if (w->fd >= 0)
        close(w->fd);
    free(w->path);
    free(w);
    return NULL;
}

bool rn_npy_writer_append(RnNpyWriter *w, const void *rows, size_t nrows, RnError **err)
{
    size_t bytes, at;
    if (!rn_mul_size(nrows, w->row_bytes, &bytes) ||
        !rn_mul_size(w->shape[0], w->row_bytes, &at)) {
        rn_error_set(err, RN_ERROR_LIMIT, "npy append overflows");
        return false;
    }
    if (!pwrite_fully(w->fd, rows, bytes, (off_t)(NPY_WRITE_HEADER + at), err))
        return false;
    w->shape[0] += nrows;
    return true;
}

size_t rn_npy_writer_rows(const RnNpyWriter *w) { return w->shape[0]; }

bool rn_npy_writer_sync(RnNpyWriter *w, RnError **err)
{
    /* Data first, then the header that makes it visible. */
    if (fdatasync(w->fd) != 0 || !writer_write_header(w, err) || fdatasync(w->fd) != 0) {
        rn_error_set(err, RN_ERROR_IO, "%s: sync failed", w->path);
        return false;
    }
    return true;
}

bool rn_npy_writer_truncate(RnNpyWriter *w, size_t nrows, RnError **err)
{
    size_t at;
    if (nrows > w->shape[0] || !rn_mul_size(nrows, w->row_bytes, &at)) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: cannot truncate to %zu rows", w->path, nrows);
        return false;
    }
    if (ftruncate(w->fd, (off_t)(NPY_WRITE_HEADER + at)) != 0) {
        rn_error_set(err, RN_ERROR_IO, "%s: truncate failed: %s", w->path, strerror(errno));
        return false;
    }
    w->shape[0] = nrows;
    return writer_write_header(w, err);
}

bool rn_npy_writer_close(RnNpyWriter *w, RnError **err)
{
    if (w == NULL)
        return true;
    bool ok = rn_npy_writer_sync(w, err);
    close(w->fd);
    free(w->path);
    free(w);
    return ok;
}

bool rn_matrix_file_open(const char *path, RnDType want, bool map, RnMatrixFile *out,
                         RnError **err)
{
    memset(out, 0, sizeof *out);
    if (map && rn_npy_map(path, &out->map, NULL) &&
        (out->map.dtype == RN_DTYPE_F32 || out->map.dtype == RN_DTYPE_F64) &&
        (want == 0 || want == out->map.dtype)) {
        out->m = (RnMatrix){out->map.data, out->map.n, out->map.d, out->map.d, out->map.dtype};
        return true;
    }
    rn_npy_unmap(&out->map);
    if (!rn_npy_read(path, &out->array, err))
        return false;
    RnDType as = want ? want : out->array.dtype == RN_DTYPE_F32 ? RN_DTYPE_F32 : RN_DTYPE_F64;
    if (!rn_array_as_matrix(&out->array, as, err) ||
        !rn_matrix_from_array(&out->array, &out->m, err)) {
        rn_matrix_file_close(out);
        return false;
    }
    return true;
}

void rn_matrix_file_close(RnMatrixFile *f)
{
    rn_array_free(&f->array);
    rn_npy_unmap(&f->map);
    memset(f, 0, sizeof *f);
}
