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

/* Moves a task's own error into *err: first error wins, so src is freed
 * when *err is already set or err is NULL. */
void rn_error_propagate(RnError **err, RnError *src);

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

/* CRC-32 (IEEE 802.3, as zlib's crc32): start with crc = 0, feed pieces. */
uint32_t rn_crc32(uint32_t crc, const void *data, size_t n);

/* ---- little-endian integers (every radnet file format) ------------------
 * Byte-at-a-time, so they hold on any host and any alignment; the compiler
 * turns each into one load or store on a little-endian machine. */
static inline uint32_t rn_le32_load(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t rn_le64_load(const uint8_t *p)
{
    return (uint64_t)rn_le32_load(p) | (uint64_t)rn_le32_load(p + 4) << 32;
}
static inline void rn_le32_store(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void rn_le64_store(uint8_t *p, uint64_t v)
{
    rn_le32_store(p, (uint32_t)v);
    rn_le32_store(p + 4, (uint32_t)(v >> 32));
}
/* IEEE-754 bit patterns, for writing floats through the integer helpers. */
uint32_t rn_f32_bits(float v);
float rn_f32_from_bits(uint32_t u);
uint64_t rn_f64_bits(double v);
double rn_f64_from_bits(uint64_t u);
/* Appends v as 4 / 8 little-endian bytes. */
bool rn_buf_put_le32(RnBuf *b, uint32_t v, RnError **err);
bool rn_buf_put_le64(RnBuf *b, uint64_t v, RnError **err);

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

/* Reads a whole file into memory (limit: max_bytes), NUL-terminated after
 * its *n bytes. Caller frees *out. */
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

/* ---- thread pool ----------------------------------------------------- */

/* Persistent worker threads for every parallel stage. Work is split into
 * fixed partitions whose boundaries depend only on n and the partition
 * count — never on the thread count — so a reduction over partitions in
 * partition order gives the same bits whatever the number of threads (and
 * later of MPI ranks). */
typedef struct RnPool RnPool;

#define RN_POOL_MAX_THREADS 256

/* threads <= 0: one per online CPU; clamped to [1, RN_POOL_MAX_THREADS].
 * The calling thread of rn_pool_for works too, so threads - 1 are started. */
RnPool *rn_pool_open(int threads, RnError **err);
void rn_pool_close(RnPool *pool);
/* Threads that run tasks (the caller included); 1 for a NULL pool. */
int rn_pool_threads(const RnPool *pool);

/* One partition [begin, end) of [0, n); part in [0, parts). Returns false
 * with *err set on failure (err is the task's own, never NULL). */
typedef bool (*RnPoolTask)(void *ctx, size_t part, size_t begin, size_t end,
                           RnError **err);

/* Runs task on every partition p of [0, n) into `parts` chunks,
 * [rn_part_begin(n, parts, p), rn_part_begin(n, parts, p + 1)), on the
 * pool's threads (pool NULL: on the caller's thread, in order). Tasks must
 * write disjoint memory. After a failure no further partition starts; the
 * error of the lowest failing partition is returned. A call from inside a
 * task of the same pool runs inline (no deadlock); calls from unrelated
 * threads are serialised. */
bool rn_pool_for(RnPool *pool, size_t n, size_t parts, RnPoolTask task,
                 void *ctx, RnError **err);
/* First index of partition p (p == parts gives n). */
static inline size_t rn_part_begin(size_t n, size_t parts, size_t p)
{
    return parts ? (size_t)(((unsigned __int128)n * p) / parts) : 0;
}
/* Index of the calling thread in the pool running its task: 0 for the
 * thread that called rn_pool_for (and outside any pool), 1..threads-1 for
 * workers. For per-thread scratch buffers only: results must not depend
 * on it. */
int rn_pool_worker(void);
/* ceil(n / grain) clamped to [1, max_parts]: a partition count that
 * depends only on n. */
size_t rn_part_count(size_t n, size_t grain, size_t max_parts);

/* ---- random numbers -------------------------------------------------- */

/* xoshiro256** seeded through splitmix64. Independent streams come from
 * (seed, stream id) — e.g. one per restart, per row block or per MPI
 * rank — so no result depends on which thread drew what. Plain value
 * type: copy it to fork, keep it on the stack. */
typedef struct RnRng {
    uint64_t s[4];
} RnRng;

RnRng rn_rng_new(uint64_t seed);
/* The generator of stream `stream` of seed (= rn_rng_new of
 * rn_rng_stream_seed(seed, stream)). */
RnRng rn_rng_split(uint64_t seed, uint64_t stream);
uint64_t rn_rng_stream_seed(uint64_t seed, uint64_t stream);
uint64_t rn_rng_u64(RnRng *r);
/* Uniform in [0, 1) with 53 random bits. */
double rn_rng_double(RnRng *r);
/* Standard normal (Box–Muller; two draws, one value per call). */
double rn_rng_normal(RnRng *r);
/* Uniform integer in [0, n), n > 0, without modulo bias (Lemire). */
uint64_t rn_rng_below(RnRng *r, uint64_t n);
/* k distinct indices of [0, n) in draw order; O(k) memory when k << n. */
bool rn_rng_sample(RnRng *r, size_t n, size_t k, size_t *out, RnError **err);

/* ---- matrix view ----------------------------------------------------- */

/* A borrowed row-major matrix: rows × cols elements of dtype (RN_DTYPE_F32
 * or RN_DTYPE_F64), stride = elements between rows (0 means cols). */
typedef struct RnMatrix {
    const void *data;
    size_t rows, cols;
    size_t stride;
    RnDType dtype;
} RnMatrix;

/* Checks dtype, sizes, stride >= cols and data; the checked stride (0
 * resolved) goes to *stride when not NULL. */
bool rn_matrix_check(const RnMatrix *m, size_t *stride, RnError **err);
static inline size_t rn_matrix_stride(const RnMatrix *m)
{
    return m->stride ? m->stride : m->cols;
}
static inline const void *rn_matrix_row(const RnMatrix *m, size_t i)
{
    return (const char *)m->data + i * rn_matrix_stride(m) * rn_dtype_size(m->dtype);
}
/* False (RN_ERROR_PARSE naming the row) when an element is NaN or ±Inf. */
bool rn_matrix_check_finite(const RnMatrix *m, RnError **err);
/* Element (i, j) as double. */
double rn_matrix_at(const RnMatrix *m, size_t i, size_t j);
/* A view of a 2-D float32/float64 array (false otherwise). */
bool rn_matrix_from_array(const RnArray *a, RnMatrix *out, RnError **err);

/* A float matrix from a .npy as an RnMatrix: memory-mapped when `map` and
 * the file already holds little-endian float32/float64 of the wanted type
 * (want 0: either), else read and converted (want 0: float32 stays,
 * anything else becomes float64). Trailing dimensions are flattened. */
typedef struct RnMatrixFile {
    RnMatrix m;
    RnArray array;    /* when read */
    RnNpyMap map;     /* when mapped */
} RnMatrixFile;
bool rn_matrix_file_open(const char *path, RnDType want, bool map, RnMatrixFile *out,
                         RnError **err);
void rn_matrix_file_close(RnMatrixFile *f);

/* ---- distances and enum names -------------------------------------- */

/* Dissimilarities shared by cluster and eval. */
typedef enum RnDistance {
    RN_DISTANCE_EUCLIDEAN = 0,
    RN_DISTANCE_MANHATTAN,
    RN_DISTANCE_COSINE, /* 1 - cos, in [0, 2]; a zero row has cos 0 */
} RnDistance;

/* "euclidean" (also "l2"), "manhattan" ("l1", "cityblock"), "cosine";
 * case-insensitive. */
bool rn_distance_parse(const char *name, RnDistance *out);
const char *rn_distance_name(RnDistance d);

/* Name tables for enums: the first entry of a value is its canonical
 * name, later ones are accepted spellings. */
typedef struct RnEnumName {
    const char *name;
    int value;
} RnEnumName;

/* Case-insensitive lookup; false when name is NULL or unknown. */
bool rn_enum_parse(const RnEnumName *table, size_t n, const char *name, int *out);
/* The canonical name, or "unknown". */
const char *rn_enum_name(const RnEnumName *table, size_t n, int value);
/* "a|b|c": the canonical names, for usage messages (static storage is
 * not used: writes into buf of size cap, truncating). */
const char *rn_enum_list(const RnEnumName *table, size_t n, char *buf, size_t cap);

/* ---- JSON writer ----------------------------------------------------- */

/* Appends one JSON value to an RnBuf with checked nesting: keys only in
 * objects, a value after every key, no trailing commas. Strings are
 * escaped and invalid UTF-8 replaced by U+FFFD; doubles are written with
 * the fewest digits that read back to the same bits (NaN and ±Inf, which
 * JSON lacks, become null). Errors are sticky, like a stream's: each call
 * returns false once the writer has failed, and rn_json_finish reports the
 * first error — so emitters check once at the end. */
typedef struct RnJsonWriter RnJsonWriter;

#define RN_JSON_MAX_DEPTH 64

/* indent 0: compact; otherwise pretty-printed with that many spaces. */
RnJsonWriter *rn_json_open(RnBuf *out, int indent, RnError **err);
/* True when a complete value was written and nothing failed; appends a
 * final newline when pretty-printing. */
bool rn_json_finish(RnJsonWriter *w, RnError **err);
void rn_json_close(RnJsonWriter *w);

bool rn_json_begin_object(RnJsonWriter *w);
bool rn_json_end_object(RnJsonWriter *w);
bool rn_json_begin_array(RnJsonWriter *w);
bool rn_json_end_array(RnJsonWriter *w);
/* Flat containers keep their members on one line without spaces
 * ({"vr":"CS","Value":["A","B"]}) inside a pretty-printed document; a
 * container opened inside one is pretty-printed again, indented as if the
 * flat levels were not there (dcm2json's layout). Same as the plain ones
 * when indent is 0. */
bool rn_json_begin_object_flat(RnJsonWriter *w);
bool rn_json_begin_array_flat(RnJsonWriter *w);
bool rn_json_key(RnJsonWriter *w, const char *key);
bool rn_json_string(RnJsonWriter *w, const char *s);
bool rn_json_string_n(RnJsonWriter *w, const char *s, size_t n);
bool rn_json_int(RnJsonWriter *w, int64_t v);
/* A number the caller formatted (e.g. a DICOM DS kept as stored); text that
 * is not a JSON number makes the writer fail. */
bool rn_json_number_text(RnJsonWriter *w, const char *text, size_t n);
bool rn_json_uint(RnJsonWriter *w, uint64_t v);
/* Bytes as a base64 string (RFC 4648, padded): DICOM JSON's InlineBinary. */
bool rn_json_base64(RnJsonWriter *w, const uint8_t *p, size_t n);
bool rn_json_double(RnJsonWriter *w, double v);
bool rn_json_bool(RnJsonWriter *w, bool v);
bool rn_json_null(RnJsonWriter *w);
/* key + value in one call. */
bool rn_json_kv_string(RnJsonWriter *w, const char *key, const char *s);
bool rn_json_kv_int(RnJsonWriter *w, const char *key, int64_t v);
bool rn_json_kv_uint(RnJsonWriter *w, const char *key, uint64_t v);
bool rn_json_kv_double(RnJsonWriter *w, const char *key, double v);
bool rn_json_kv_bool(RnJsonWriter *w, const char *key, bool v);
/* Makes the writer fail with e (an error met while producing the values,
 * e.g. an allocation); takes ownership. The first error stays. */
void rn_json_fail(RnJsonWriter *w, RnError *e);
/* Shortest "%.{15,16,17}g" text of v that parses back to v (buf >= 32). */
void rn_format_double(double v, char buf[32]);

/* ---- JSON reader (src/core/json_read.c) ----------------------------- */

/* A strict RFC 8259 parse of a whole document. Values are addressed by
 * RnJsonRef handles valid while the document lives; 0 means "no value" and
 * every accessor accepts it. Strings are UTF-8, NUL-terminated (and may hold
 * NULs: use the length). Object members keep their order; duplicate keys
 * are kept and rn_json_get returns the first. Nesting deeper than
 * RN_JSON_MAX_DEPTH is refused. */
typedef enum RnJsonType {
    RN_JSON_NONE = 0,
    RN_JSON_NULL,
    RN_JSON_BOOL,
    RN_JSON_NUMBER,
    RN_JSON_STRING,
    RN_JSON_ARRAY,
    RN_JSON_OBJECT,
} RnJsonType;

typedef struct RnJson RnJson;
typedef size_t RnJsonRef;

RnJson *rn_json_parse(const char *text, size_t n, RnError **err);
void rn_json_free(RnJson *doc);
RnJsonRef rn_json_root(const RnJson *doc);
RnJsonType rn_json_type(const RnJson *doc, RnJsonRef v);
/* Elements of an array or members of an object (0 for other types). */
size_t rn_json_count(const RnJson *doc, RnJsonRef v);
RnJsonRef rn_json_at(const RnJson *doc, RnJsonRef v, size_t i);
/* The key of an object member (from rn_json_at on an object), else NULL. */
const char *rn_json_member_key(const RnJson *doc, RnJsonRef member, size_t *len);
RnJsonRef rn_json_get(const RnJson *doc, RnJsonRef object, const char *key);
/* NULL unless v is a string. */
const char *rn_json_str(const RnJson *doc, RnJsonRef v, size_t *len);
/* Numbers (and booleans as 0/1); 0 otherwise. */
double rn_json_number(const RnJson *doc, RnJsonRef v);

/* ---- text ------------------------------------------------------------ */

/* Character sets of plain text files (reports, CSV). DICOM's Specific
 * Character Set with ISO 2022 escapes is the dicom stage's business. */
typedef enum RnTextCharset {
    /* Valid UTF-8 as is; otherwise Windows-1250 when a byte 0x80..0x9F
     * occurs (C1 controls in ISO-8859-2, but š ž Š Ž in Windows-1250),
     * else ISO-8859-2. */
    RN_TEXT_AUTO = 0,
    RN_TEXT_UTF8,      /* invalid sequences become U+FFFD */
    RN_TEXT_LATIN1,    /* ISO-8859-1 */
    RN_TEXT_LATIN2,    /* ISO-8859-2 (Central European) */
    RN_TEXT_CP1250,    /* Windows-1250 (Central European) */
} RnTextCharset;

/* Accepts the usual spellings ("utf-8", "latin2", "iso-8859-2", "cp1250",
 * "windows-1250", "auto", ...), case-insensitively. */
bool rn_text_charset_parse(const char *name, RnTextCharset *out);
const char *rn_text_charset_name(RnTextCharset c);
/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
bool rn_text_utf8_valid(const uint8_t *s, size_t n);
/* Appends s decoded from charset as UTF-8 to out (a leading UTF-8 BOM is
 * dropped). Never fails on content: undecodable bytes become U+FFFD. */
bool rn_text_append_utf8(RnBuf *out, const uint8_t *s, size_t n,
                         RnTextCharset charset, RnError **err);
/* Same for bytes that are a value, not a file: a leading BOM is text
 * (U+FEFF in UTF-8, "ï»¿" in Latin-1) and is kept. */
bool rn_text_append_exact(RnBuf *out, const uint8_t *s, size_t n,
                          RnTextCharset charset, RnError **err);
/* Same into a new NUL-terminated string (length to *len when not NULL). */
char *rn_text_to_utf8(const uint8_t *s, size_t n, RnTextCharset charset,
                      size_t *len, RnError **err);
/* Appends code point cp as UTF-8 (invalid ones as U+FFFD). */
bool rn_buf_append_utf8(RnBuf *b, uint32_t cp, RnError **err);

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
/* Threads BLAS may use inside one call (callers that run their own
 * threads set 1). */
void rn_blas_set_threads(int n);
int rn_blas_get_threads(void);

/* -- embed stage (randomized PCA): float Aᵀ·B, QR and SVD ------------- */

/* Row-major C[m×n] = alpha · A[k×m]ᵀ · B[k×n] + beta · C. */
void rn_blas_gemm_tn_f32(size_t m, size_t n, size_t k, float alpha,
                         const float *A, size_t lda, const float *B, size_t ldb,
                         float beta, float *C, size_t ldc);
/* Replaces the row-major m×n matrix A (m >= n, row stride lda) by the Q
 * factor of its QR decomposition (orthonormal columns). false when LAPACK
 * reports an error. */
bool rn_lapack_orthonormalize_f32(size_t m, size_t n, float *A, size_t lda);
/* Replaces the row-major m×n matrix A (m >= n) by P·L of its partial-
 * pivoting LU factorisation A = P·L·U: the same column space as A, at a
 * fraction of a QR's cost (the power iterations of randomized SVD).
 * false when LAPACK reports an error (e.g. an exactly singular A). */
bool rn_lapack_lu_normalize_f32(size_t m, size_t n, float *A, size_t lda);
/* Thin SVD of the row-major m×n matrix A (destroyed): s[min(m,n)]
 * descending, U[m×min] and Vt[min×n] row-major (either may be NULL only
 * if both are). false when LAPACK reports an error or no convergence. */
bool rn_lapack_svd_f64(size_t m, size_t n, double *A, size_t lda, double *s,
                       double *U, double *Vt);

/* -- LAPACK for the metadata and text extractors (embtxt) ------------- */

/* Thin QR of a row-major m×n matrix (m >= n):
 * A is replaced by Q. False when LAPACK fails or memory runs out. */
bool rn_lapack_qr_thin_f64(size_t m, size_t n, double *A, size_t lda);
/* Symmetric eigendecomposition of the row-major n×n A: eigenvalues in w
 * ascending, A's columns become the eigenvectors. */
bool rn_lapack_syev_f64(size_t n, double *A, size_t lda, double *w);
/* Cholesky QR: A (m×n, full column rank) := A·R⁻¹ with RᵀR = AᵀA, three
 * BLAS-3 steps, cheaper than Householder but less orthogonal when A is ill
 * conditioned. false (A untouched) when AᵀA is not positive definite. */
bool rn_lapack_cholesky_qr_f64(size_t m, size_t n, double *A, size_t lda);

#ifdef __cplusplus
}
#endif
#endif
