/* radnet core: errors, I/O method table, growable buffers, NumPy .npy files.
 *
 * Conventions used by every radnet module:
 *  - fallible calls take `RnError **err` last and return bool / NULL;
 *    the first error set wins, later ones are dropped; err may be NULL;
 *  - the library never prints, aborts or exits;
 *  - `_get` borrows, `_clone` copies, `_steal` transfers ownership;
 *  - handles close symmetrically and `_close(NULL)` is a no-op.
 */
#ifndef RADNET_CORE_H
#define RADNET_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ---------------------------------------------------------- */

typedef enum RnErrorCode {
    RN_ERROR_NONE = 0,
    RN_ERROR_NOMEM,       /* allocation failed */
    RN_ERROR_IO,          /* the OS refused a read/write/open */
    RN_ERROR_PARSE,       /* malformed input: the file is broken */
    RN_ERROR_UNSUPPORTED, /* well-formed but not handled (e.g. unknown codec) */
    RN_ERROR_LIMIT,       /* input exceeds a documented limit */
    RN_ERROR_INVALID,     /* caller passed bad arguments */
    RN_ERROR_INTERNAL,    /* a bug in radnet */
} RnErrorCode;

typedef struct RnError RnError;

/* Sets *err unless err is NULL or already holds an error (first error wins). */
void rn_error_set(RnError **err, RnErrorCode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, recording the byte offset in the input where the problem was found. */
void rn_error_set_at(RnError **err, RnErrorCode code, uint64_t offset,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
RnErrorCode rn_error_code(const RnError *err);
const char *rn_error_message(const RnError *err);
/* Offset into the input, or -1 when unknown. */
int64_t rn_error_offset(const RnError *err);
const char *rn_error_code_name(RnErrorCode code);
void rn_error_free(RnError *err);

/* Allocation helpers that report RN_ERROR_NOMEM and refuse size overflow. */
void *rn_malloc(size_t n, RnError **err);
void *rn_calloc(size_t count, size_t size, RnError **err);
void *rn_realloc(void *p, size_t n, RnError **err);
/* a*b with overflow check; false on overflow. */
bool rn_mul_size(size_t a, size_t b, size_t *out);
char *rn_strdup(const char *s, RnError **err);

/* ---- growable byte buffer ------------------------------------------- */

typedef struct RnBuf {
    uint8_t *data;
    size_t len;
    size_t cap;
} RnBuf;

#define RN_BUF_INIT {NULL, 0, 0}
bool rn_buf_reserve(RnBuf *b, size_t extra, RnError **err);
bool rn_buf_append(RnBuf *b, const void *data, size_t n, RnError **err);
bool rn_buf_append_str(RnBuf *b, const char *s, RnError **err);
bool rn_buf_printf(RnBuf *b, RnError **err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends s as a JSON string literal (quotes included, everything escaped). */
bool rn_buf_append_json_string(RnBuf *b, const char *s, size_t n, RnError **err);
/* NUL-terminates without changing len. */
bool rn_buf_terminate(RnBuf *b, RnError **err);
void rn_buf_free(RnBuf *b);

/* ---- I/O method table ------------------------------------------------ */

/* One reader interface for files, memory and fuzz input. Reads are buffered
 * (RN_IO_BUFFER bytes) so parsers never issue a syscall per element. */
typedef struct RnIOMethods {
    /* Read up to n bytes; return count, 0 at end, -1 on error (set err). */
    int64_t (*read)(void *ctx, void *buf, size_t n, RnError **err);
    /* Absolute seek; false on error. */
    bool (*seek)(void *ctx, uint64_t offset, RnError **err);
    /* Total size in bytes, or -1 when unknown. */
    int64_t (*size)(void *ctx);
    void (*close)(void *ctx);
} RnIOMethods;

typedef struct RnIO RnIO;

#define RN_IO_BUFFER (256u * 1024u)

/* Takes ownership of ctx (methods->close is called by rn_io_close). */
RnIO *rn_io_open(const RnIOMethods *methods, void *ctx, RnError **err);
RnIO *rn_io_open_file(const char *path, RnError **err);
/* Borrows data: it must outlive the RnIO. */
RnIO *rn_io_open_memory(const void *data, size_t n, RnError **err);
void rn_io_close(RnIO *io);

/* Reads exactly n bytes or fails with RN_ERROR_PARSE ("truncated"). */
bool rn_io_read_exact(RnIO *io, void *buf, size_t n, RnError **err);
/* Reads up to n bytes; returns count (0 at end) or -1 on error. */
int64_t rn_io_read(RnIO *io, void *buf, size_t n, RnError **err);
/* Looks at the next n bytes without consuming them; returns bytes available
 * (< n near the end), -1 on error. n <= RN_IO_BUFFER. *out is borrowed until
 * the next call on io. */
int64_t rn_io_peek(RnIO *io, const uint8_t **out, size_t n, RnError **err);
bool rn_io_skip(RnIO *io, uint64_t n, RnError **err);
bool rn_io_seek(RnIO *io, uint64_t offset, RnError **err);
uint64_t rn_io_tell(const RnIO *io);
/* Total size, or -1 when unknown. */
int64_t rn_io_size(const RnIO *io);

/* Reads a whole file into memory (limit: max_bytes). Caller frees *out. */
bool rn_file_read_all(const char *path, size_t max_bytes, uint8_t **out,
                      size_t *n, RnError **err);
/* Writes atomically: temp file in the same folder, fsync, rename. */
bool rn_file_write_atomic(const char *path, const void *data, size_t n,
                          RnError **err);

/* ---- NumPy .npy ------------------------------------------------------ */

typedef enum RnDType {
    RN_DTYPE_F32 = 1,
    RN_DTYPE_F64,
    RN_DTYPE_U8,
    RN_DTYPE_I32,
    RN_DTYPE_I64,
} RnDType;

size_t rn_dtype_size(RnDType t);

#define RN_NPY_MAX_DIMS 4

/* A C-order array. Owns data. */
typedef struct RnArray {
    RnDType dtype;
    int ndim;
    size_t shape[RN_NPY_MAX_DIMS];
    void *data;
} RnArray;

size_t rn_array_count(const RnArray *a); /* product of shape */
/* Reads a .npy (v1/v2/v3; little or big endian; C order; dtypes above,
 * plus '<f2' is refused). Data is converted to native endianness. */
bool rn_npy_read(const char *path, RnArray *out, RnError **err);
bool rn_npy_read_memory(const uint8_t *data, size_t n, RnArray *out,
                        RnError **err);
/* Reads an array as an n×d float64 or float32 matrix (converting as needed);
 * trailing dimensions are flattened into d (an N×S×S stack gives N×S²). */
bool rn_npy_read_matrix_f64(const char *path, double **data, size_t *n,
                            size_t *d, RnError **err);
bool rn_npy_read_matrix_f32(const char *path, float **data, size_t *n,
                            size_t *d, RnError **err);
/* Reshapes to n×d (trailing dimensions flattened) and converts in place to
 * want (RN_DTYPE_F32 or RN_DTYPE_F64). */
bool rn_array_as_matrix(RnArray *a, RnDType want, RnError **err);
bool rn_npy_write(const char *path, const RnArray *a, RnError **err);
void rn_array_free(RnArray *a);

/* A read-only memory mapping of a little-endian, C-order .npy (any dtype
 * above), seen as an n×d matrix with trailing dimensions flattened: lets a
 * mini-batch pass over data larger than RAM. */
typedef struct RnNpyMap {
    RnDType dtype;
    size_t n, d;
    const void *data; /* first element; borrowed from the mapping */
    void *base;       /* the mapping itself */
    size_t len;
} RnNpyMap;
bool rn_npy_map(const char *path, RnNpyMap *out, RnError **err);
void rn_npy_unmap(RnNpyMap *m);

/* Appending writer: rows of a fixed row shape are appended; the header's
 * leading dimension is rewritten on sync/close. Reopening an existing file
 * continues after its last complete row (crash-safe resume: rows past the
 * count recorded in the header are discarded). */
typedef struct RnNpyWriter RnNpyWriter;
RnNpyWriter *rn_npy_writer_open(const char *path, RnDType dtype, int row_ndim,
                                const size_t *row_shape, RnError **err);
bool rn_npy_writer_append(RnNpyWriter *w, const void *rows, size_t nrows,
                          RnError **err);
size_t rn_npy_writer_rows(const RnNpyWriter *w);
/* Rewrites the header row count and fsyncs. */
bool rn_npy_writer_sync(RnNpyWriter *w, RnError **err);
/* Truncates back to nrows (for resuming to a committed state). */
bool rn_npy_writer_truncate(RnNpyWriter *w, size_t nrows, RnError **err);
bool rn_npy_writer_close(RnNpyWriter *w, RnError **err);

/* ---- BLAS (every BLAS call of radnet lives in src/core/blas.c) ------- */

/* Row-major C[m×n] = alpha · A[m×k] · B[n×k]ᵀ + beta · C, with leading
 * dimensions (row strides, in elements) lda, ldb, ldc. */
void rn_blas_gemm_nt_f32(size_t m, size_t n, size_t k, float alpha,
                         const float *A, size_t lda, const float *B, size_t ldb,
                         float beta, float *C, size_t ldc);
void rn_blas_gemm_nt_f64(size_t m, size_t n, size_t k, double alpha,
                         const double *A, size_t lda, const double *B, size_t ldb,
                         double beta, double *C, size_t ldc);
/* Row-major C[m×n] = alpha · A[m×k] · B[k×n] + beta · C. */
void rn_blas_gemm_nn_f32(size_t m, size_t n, size_t k, float alpha,
                         const float *A, size_t lda, const float *B, size_t ldb,
                         float beta, float *C, size_t ldc);
void rn_blas_gemm_nn_f64(size_t m, size_t n, size_t k, double alpha,
                         const double *A, size_t lda, const double *B, size_t ldb,
                         double beta, double *C, size_t ldc);
/* Row-major C[m×n] = alpha · A[k×m]ᵀ · B[k×n] + beta · C. */
void rn_blas_gemm_tn_f64(size_t m, size_t n, size_t k, double alpha,
                         const double *A, size_t lda, const double *B, size_t ldb,
                         double beta, double *C, size_t ldc);
/* Row-major C[m×n] = alpha · A[k×m]ᵀ · B[k×n] + beta · C (single
 * precision; the CAE's weight gradients). */
void rn_blas_gemm_tn_f32(size_t m, size_t n, size_t k, float alpha,
                         const float *A, size_t lda, const float *B, size_t ldb,
                         float beta, float *C, size_t ldc);
/* Threads BLAS may use inside one call (callers that run their own
 * threads set 1). */
void rn_blas_set_threads(int n);
int rn_blas_get_threads(void);

#ifdef __cplusplus
}
#endif
#endif
