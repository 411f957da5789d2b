/* Aspect-preserving bilinear resize, bit-compatible with Pillow's
 * Image.resize(BILINEAR) on mode "L" images, which is what the RadiologyNET
 * authors used. Matching Pillow exactly (coefficients, rounding, pass order,
 * 8-bit intermediate) lets the differential test demand equality with the
 * numpy/PIL reference instead of a loose tolerance. */
#include "image/image_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Pillow: 32 bits minus 8 for the value minus 2 for overshoot. */
#define PRECISION_BITS 22
#define BILINEAR_SUPPORT 1.0

void rn_image_fit_size(uint32_t rows, uint32_t cols, uint32_t size,
                       uint32_t *out_rows, uint32_t *out_cols)
{
    /* Same expressions as the authors' save_image_slice(); rint() rounds
     * half to even like Python's round(). */
    double aspect = (double)rows / (double)cols;
    double r = size, c = size;
    if (rows > cols)
        c = rint((double)size / aspect);
    else
        r = rint((double)size * aspect);
    *out_rows = r < 1.0 ? 1u : (uint32_t)r;
    *out_cols = c < 1.0 ? 1u : (uint32_t)c;
}

static double triangle(double x)
{
    if (x < 0.0)
        x = -x;
    return x < 1.0 ? 1.0 - x : 0.0;
}

/* Filter taps for one axis: output i reads `count[i]` inputs from `first[i]`
 * with weights w[i * ksize ...] that sum to 1. */
typedef struct Taps {
    uint32_t out_size;
    int ksize;
    int *first, *count;
    double *w;
    int32_t *wi; /* fixed-point copy for the fast path */
} Taps;

static void taps_free(Taps *t)
{
    free(t->first);
    free(t->count);
    free(t->w);
    free(t->wi);
    memset(t, 0, sizeof *t);
}

/* One output position; mirrors Pillow's precompute_coeffs() expression by
 * expression so the doubles come out identical. */
static void taps_one(Taps *t, uint32_t in_size, double scale, double support,
                     double ss, uint32_t i)
{
    double center = 0.0 + ((double)i + 0.5) * scale;
    int xmin = (int)(center - support + 0.5);
    if (xmin < 0)
        xmin = 0;
    int xmax = (int)(center + support + 0.5);
    if (xmax > (int)in_size)
        xmax = (int)in_size;
    xmax -= xmin;
    double *k = &t->w[(size_t)i * (size_t)t->ksize];
    double ww = 0.0;
    for (int x = 0; x < xmax; x++) {
        k[x] = triangle(((double)(x + xmin) - center + 0.5) * ss);
        ww += k[x];
    }
    for (int x = 0; x < xmax; x++)
        if (ww != 0.0)
            k[x] /= ww;
    for (int x = xmax < 0 ? 0 : xmax; x < t->ksize; x++)
        k[x] = 0.0;
    t->first[i] = xmin;
    t->count[i] = xmax < 0 ? 0 : xmax;
}

static bool taps_compute(uint32_t in_size, uint32_t out_size, Taps *t,
                         RnError **err)
{
    memset(t, 0, sizeof *t);
    double scale = (double)(float)in_size / out_size;
    double filterscale = scale < 1.0 ? 1.0 : scale;
    double support = BILINEAR_SUPPORT * filterscale;
    t->out_size = out_size;
    t->ksize = (int)ceil(support) * 2 + 1;
    size_t nk;
    if (!rn_mul_size(out_size, (size_t)t->ksize, &nk)) {
        rn_error_set(err, RN_ERROR_LIMIT, "resize filter too large");
        return false;
    }
    t->first = rn_calloc(out_size, sizeof(int), err);
    t->count = rn_calloc(out_size, sizeof(int), err);
    t->w = rn_calloc(nk, sizeof(double), err);
    t->wi = rn_calloc(nk, sizeof(int32_t), err);
    if (!t->first || !t->count || !t->w || !t->wi) {
        taps_free(t);
        return false;
    }
    for (uint32_t i = 0; i < out_size; i++)
        taps_one(t, in_size, scale, support, 1.0 / filterscale, i);
    /* Pillow's normalize_coeffs_8bpc: round half away from zero. */
    for (size_t i = 0; i < nk; i++) {
        double v = t->w[i] * (double)(1 << PRECISION_BITS);
        t->wi[i] = (int32_t)(t->w[i] < 0 ? -0.5 + v : 0.5 + v);
    }
    return true;
}

static inline uint8_t clip8(int32_t v)
{
    int32_t s = v >> PRECISION_BITS;
    return s < 0 ? 0 : s > 255 ? 255 : (uint8_t)s;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TRANSPOSE_SWAR 1
/* Exchanges the bytes (i, j + s) and (i + s, j) of an 8 x 8 byte block held
 * as eight little-endian words, for the j picked by mask. */
static inline void swap_blocks(uint64_t *a, uint64_t *b, unsigned s, uint64_t mask)
{
    uint64_t t = ((*a >> (8 * s)) ^ *b) & mask;
    *b ^= t;
    *a ^= t << (8 * s);
}

/* One 8 x 8 block in registers: three rounds of block swaps. */
static void transpose8x8(const uint8_t *src, size_t src_stride, uint8_t *dst,
                         size_t dst_stride)
{
    uint64_t r[8];
    for (int i = 0; i < 8; i++)
        memcpy(&r[i], src + (size_t)i * src_stride, 8);
    for (int i = 0; i < 8; i += 2)
        swap_blocks(&r[i], &r[i + 1], 1, UINT64_C(0x00FF00FF00FF00FF));
    for (int i = 0; i < 8; i += (i & 1) ? 3 : 1)
        swap_blocks(&r[i], &r[i + 2], 2, UINT64_C(0x0000FFFF0000FFFF));
    for (int i = 0; i < 4; i++)
        swap_blocks(&r[i], &r[i + 4], 4, UINT64_C(0x00000000FFFFFFFF));
    for (int i = 0; i < 8; i++)
        memcpy(dst + (size_t)i * dst_stride, &r[i], 8);
}
#else
#define TRANSPOSE_SWAR 0
#endif

/* Transposes rows x cols into cols x rows: 8 x 8 blocks in registers where
 * the host is little endian, single bytes at the edges. */
static void transpose_u8(const uint8_t *src, uint32_t rows, uint32_t cols,
                         uint8_t *dst)
{
    uint32_t rows8 = TRANSPOSE_SWAR ? rows & ~7u : 0;
    uint32_t cols8 = TRANSPOSE_SWAR ? cols & ~7u : 0;
#if TRANSPOSE_SWAR
    for (uint32_t y = 0; y < rows8; y += 8)
        for (uint32_t x = 0; x < cols8; x += 8)
            transpose8x8(src + (size_t)y * cols + x, cols,
                         dst + (size_t)x * rows + y, rows);
#endif
    for (uint32_t y = 0; y < rows; y++)
        for (uint32_t x = (y < rows8 ? cols8 : 0); x < cols; x++)
            dst[(size_t)x * rows + y] = src[(size_t)y * cols + x];
}

/* Vertical pass: each output row accumulates whole input rows, so the inner
 * loop runs along contiguous memory and vectorises. Integer sums, so the
 * changed summation order gives Pillow's exact result. */
RN_IMAGE_SIMD_CLONES
static void pass_vertical(const uint8_t *in, uint32_t width, const Taps *v,
                          int32_t *acc, uint8_t *dst)
{
    for (uint32_t yy = 0; yy < v->out_size; yy++) {
        const int32_t *k = v->wi + (size_t)yy * (size_t)v->ksize;
        for (uint32_t x = 0; x < width; x++)
            acc[x] = 1 << (PRECISION_BITS - 1);
        for (int y = 0; y < v->count[yy]; y++) {
            const uint8_t *row = in + (size_t)(v->first[yy] + y) * width;
            const int32_t w = k[y];
            for (uint32_t x = 0; x < width; x++)
                acc[x] += (int32_t)row[x] * w;
        }
        uint8_t *o = dst + (size_t)yy * width;
        for (uint32_t x = 0; x < width; x++)
            o[x] = clip8(acc[x]);
    }
}

static bool check_sizes(uint32_t rows, uint32_t cols, uint32_t out_rows,
                        uint32_t out_cols, RnError **err)
{
    if (!rows || !cols || !out_rows || !out_cols || rows > INT32_MAX / 2 ||
        cols > INT32_MAX / 2 || out_rows > INT32_MAX / 2 ||
        out_cols > INT32_MAX / 2) {
        rn_error_set(err, RN_ERROR_INVALID, "resize: bad size %ux%u -> %ux%u",
                     rows, cols, out_rows, out_cols);
        return false;
    }
    return true;
}

/* Pillow's horizontal pass over rows [y0, y1) into tmp (out_cols wide),
 * done as transpose, vertical pass, transpose: the vertical form runs along
 * contiguous memory in SIMD lanes, and the integer sums are the same. */
static bool pass_horizontal(const uint8_t *src, uint32_t cols, uint32_t y0,
                            uint32_t y1, const Taps *h, uint8_t *tmp,
                            RnError **err)
{
    uint32_t height = y1 - y0;
    size_t n_in, n_out;
    if (!rn_mul_size(cols, height, &n_in) || !rn_mul_size(h->out_size, height, &n_out)) {
        rn_error_set(err, RN_ERROR_LIMIT, "resize buffer too large");
        return false;
    }
    uint8_t *t_in = rn_malloc(n_in, err), *t_out = rn_malloc(n_out, err);
    int32_t *acc = rn_malloc((size_t)height * sizeof(int32_t), err);
    bool ok = t_in && t_out && acc;
    if (ok) {
        transpose_u8(src + (size_t)y0 * cols, height, cols, t_in);
        pass_vertical(t_in, height, h, acc, t_out);
        transpose_u8(t_out, h->out_size, height, tmp);
    }
    free(t_in);
    free(t_out);
    free(acc);
    return ok;
}

/* Resamples the rows the vertical filter reads, [y0, y1), horizontally, then
 * vertically; a pass whose size does not change is skipped, as in Pillow. */
static bool resize_passes(const uint8_t *src, uint32_t rows, uint32_t cols,
                          uint8_t *dst, uint32_t out_rows, uint32_t out_cols,
                          const Taps *h, Taps *v, RnError **err)
{
    bool need_h = out_cols != cols, need_v = out_rows != rows;
    uint32_t y0 = (uint32_t)v->first[0];
    uint32_t y1 = (uint32_t)(v->first[out_rows - 1] + v->count[out_rows - 1]);
    const uint8_t *mid = src;
    uint8_t *tmp = NULL;
    if (need_h) {
        size_t n;
        if (!rn_mul_size(y1 - y0, out_cols, &n)) {
            rn_error_set(err, RN_ERROR_LIMIT, "resize buffer too large");
            return false;
        }
        tmp = rn_malloc(n, err);
        if (tmp == NULL || !pass_horizontal(src, cols, y0, y1, h, tmp, err)) {
            free(tmp);
            return false;
        }
        for (uint32_t i = 0; i < out_rows; i++)
            v->first[i] -= (int)y0;
        mid = tmp;
    }
    if (need_v) {
        int32_t *acc = rn_malloc((size_t)out_cols * sizeof(int32_t), err);
        if (acc == NULL) {
            free(tmp);
            return false;
        }
        pass_vertical(mid, out_cols, v, acc, dst);
        free(acc);
    } else {
        memcpy(dst, mid, (size_t)out_rows * out_cols);
    }
    free(tmp);
    return true;
}

/* Checks the sizes and computes both passes' taps (freed by the caller
 * with taps_free on success). */
static bool taps_for(uint32_t rows, uint32_t cols, uint32_t out_rows,
                     uint32_t out_cols, Taps *h, Taps *v, RnError **err)
{
    if (!check_sizes(rows, cols, out_rows, out_cols, err) ||
        !taps_compute(cols, out_cols, h, err))
        return false;
    if (!taps_compute(rows, out_rows, v, err)) {
        taps_free(h);
        return false;
    }
    return true;
}

bool rn_image_resize_u8(const uint8_t *src, uint32_t rows, uint32_t cols,
                        uint8_t *dst, uint32_t out_rows, uint32_t out_cols,
                        RnError **err)
{
    Taps h, v;
    if (!taps_for(rows, cols, out_rows, out_cols, &h, &v, err))
        return false;
    bool ok = resize_passes(src, rows, cols, dst, out_rows, out_cols, &h, &v, err);
    taps_free(&h);
    taps_free(&v);
    return ok;
}

/* One output pixel of the reference: the full 2-D weighted sum. */
static uint8_t ref_pixel(const uint8_t *src, uint32_t cols, const Taps *h,
                         const Taps *v, uint32_t yy, uint32_t xx)
{
    const double *kv = v->w + (size_t)yy * (size_t)v->ksize;
    const double *kh = h->w + (size_t)xx * (size_t)h->ksize;
    double s = 0.0;
    for (int y = 0; y < v->count[yy]; y++) {
        const uint8_t *row = src + (size_t)(v->first[yy] + y) * cols + h->first[xx];
        double r = 0.0;
        for (int x = 0; x < h->count[xx]; x++)
            r += kh[x] * row[x];
        s += kv[y] * r;
    }
    double o = floor(s + 0.5);
    return o < 0 ? 0 : o > 255 ? 255 : (uint8_t)o;
}

bool rn_image_resize_u8_ref(const uint8_t *src, uint32_t rows, uint32_t cols,
                            uint8_t *dst, uint32_t out_rows, uint32_t out_cols,
                            RnError **err)
{
    Taps h, v;
    if (!taps_for(rows, cols, out_rows, out_cols, &h, &v, err))
        return false;
    for (uint32_t yy = 0; yy < out_rows; yy++)
        for (uint32_t xx = 0; xx < out_cols; xx++)
            dst[(size_t)yy * out_cols + xx] = ref_pixel(src, cols, &h, &v, yy, xx);
    taps_free(&h);
    taps_free(&v);
    return true;
}
