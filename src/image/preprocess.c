/* SPEC §3 preprocessing of one decoded frame, as the RadiologyNET authors
 * do it (radiologynet/tools/image_conversion in their code):
 *   value  = stored * slope + intercept                 (float64)
 *   window = piecewise(value; c, w) in [0, 255]          (float64)
 *   invert = 255 - window  (MONOCHROME1; CR/DX with INVERSE)
 *   pixel  = uint8(invert)  -- truncation, as numpy's np.uint8() cast
 *   drop rules on that 8-bit image at source resolution, then the Pillow
 *   bilinear resize into S x S with centred zero padding.
 * The drop rules see the same numbers as in the authors' code: they test the
 * float image, but floor() keeps max, bit count and histogram bins (width 1
 * from 0) unchanged, save values in (2^b - 1, 2^b) that numpy's histogram
 * leaves out and we count in the last bin.
 *
 * Integer data up to 16 bits goes through a lookup table over the stored
 * range and a counting histogram for the percentile window (no sort);
 * colour and 32-bit data through a float64 array and selection. */
#include "image/image_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *rn_drop_reason_name(RnDropReason r)
{
    switch (r) {
    case RN_DROP_NONE: return "none";
    case RN_DROP_ASPECT: return "aspect";
    case RN_DROP_BLACK: return "black";
    case RN_DROP_LOW_BITS: return "low_bits";
    case RN_DROP_SPARSE_HISTOGRAM: return "sparse_histogram";
    }
    return "unknown";
}

const char *rn_window_source_name(RnWindowSource s)
{
    switch (s) {
    case RN_WINDOW_HEADER: return "header";
    case RN_WINDOW_ROBUST: return "robust";
    case RN_WINDOW_VOI_LUT: return "voi_lut";
    }
    return "unknown";
}

/* malloc(count * size) refusing overflow, without calloc's zeroing. */
static void *alloc_array(size_t count, size_t size, RnError **err)
{
    size_t n;
    if (!rn_mul_size(count, size, &n)) {
        rn_error_set(err, RN_ERROR_LIMIT, "image of %zu pixels too large", count);
        return NULL;
    }
    return rn_malloc(n, err);
}

/* ---- frame layout ------------------------------------------------------ */

typedef enum Colour {
    COLOUR_MONO,
    COLOUR_RGB,      /* luminance = BT.601 weights */
    COLOUR_YBR_FULL, /* luminance = the Y sample */
    COLOUR_PALETTE,  /* luminance of the RGB the palette tables give */
} Colour;

typedef struct Frame {
    const uint8_t *data;
    uint32_t rows, cols;
    size_t npix;
    unsigned bits_alloc, bits_stored, shift;
    bool is_signed;
    unsigned spp;
    bool planar;
    Colour colour;
    bool packed422; /* YBR_FULL_422 as stored: Y1 Y2 Cb Cr per pixel pair */
    const RnPaletteLut *palette; /* [3] for COLOUR_PALETTE */
} Frame;

/* Tables the caller built by hand are checked like the file's. */
static bool palette_usable(const RnImageAttrs *a)
{
    if (!a->has_palette)
        return false;
    for (int c = 0; c < 3; c++) {
        const RnPaletteLut *l = &a->palette[c];
        if (l->data == NULL || l->entries == 0 || l->entries > 65536 ||
            (l->bits != 8 && l->bits != 16) ||
            l->n < (size_t)l->entries * (l->bits / 8u))
            return false;
    }
    return true;
}

static bool classify_photometric(const RnPixelDesc *d, const RnImageAttrs *a,
                                 Frame *f, RnError **err)
{
    const char *p = d->photometric;
    if (strcmp(p, "MONOCHROME1") == 0 || strcmp(p, "MONOCHROME2") == 0)
        f->colour = COLOUR_MONO;
    /* JPEG 2000 decoders undo the RCT/ICT component transform, so those
     * frames hold RGB samples while the header keeps the YBR_* name. */
    else if (strcmp(p, "RGB") == 0 || strcmp(p, "YBR_RCT") == 0 ||
             strcmp(p, "YBR_ICT") == 0)
        f->colour = COLOUR_RGB;
    else if (strcmp(p, "YBR_FULL") == 0 || strcmp(p, "YBR_FULL_422") == 0)
        f->colour = COLOUR_YBR_FULL;
    else if (strcmp(p, "PALETTE COLOR") == 0 && palette_usable(a) &&
             (d->bits_allocated == 8 || d->bits_allocated == 16))
        f->colour = COLOUR_PALETTE;
    else {
        rn_error_set(err, RN_ERROR_UNSUPPORTED,
                     "photometric interpretation '%s' not supported%s", p,
                     strcmp(p, "PALETTE COLOR") == 0
                         ? " (no usable non-segmented lookup tables)" : "");
        return false;
    }
    f->palette = a->palette;
    unsigned want = f->colour == COLOUR_MONO || f->colour == COLOUR_PALETTE ? 1 : 3;
    if (d->samples_per_pixel != want) {
        rn_error_set(err, RN_ERROR_PARSE, "%s with %u samples per pixel", p,
                     (unsigned)d->samples_per_pixel);
        return false;
    }
    return true;
}

static bool check_bits(const RnPixelDesc *d, Frame *f, RnError **err)
{
    unsigned ba = d->bits_allocated, bs = d->bits_stored, hb = d->high_bit;
    bool ok_alloc = ba == 8 || ba == 16 || ba == 32 || (ba == 1 && f->spp == 1);
    if (!ok_alloc || bs == 0 || bs > ba) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED,
                     "bits allocated %u / stored %u not supported", ba, bs);
        return false;
    }
    f->bits_alloc = ba;
    f->bits_stored = bs;
    /* Stored bits sit at high_bit; the usual high_bit = stored - 1 means no
     * shift. An impossible high bit is read as the usual one. */
    f->shift = (hb + 1u >= bs && hb < ba) ? hb + 1u - bs : 0u;
    f->is_signed = d->pixel_representation == 1;
    return true;
}

/* Bytes the frame must hold; false on overflow. */
static bool frame_bytes(const Frame *f, size_t *out)
{
    if (f->bits_alloc == 1) {
        *out = f->npix / 8 + (f->npix % 8 != 0);
        return true;
    }
    size_t per_pixel = f->packed422 ? 2 : (size_t)f->spp * (f->bits_alloc / 8);
    return rn_mul_size(f->npix, per_pixel, out);
}

static bool frame_init(const RnPixelDesc *d, const RnImageAttrs *a,
                       const uint8_t *data, size_t n, Frame *f, RnError **err)
{
    memset(f, 0, sizeof *f);
    f->data = data;
    f->rows = d->rows;
    f->cols = d->columns;
    f->spp = d->samples_per_pixel;
    f->planar = d->planar_configuration == 1;
    if (f->rows == 0 || f->cols == 0 || !rn_mul_size(f->rows, f->cols, &f->npix)) {
        rn_error_set(err, RN_ERROR_PARSE, "bad image size %ux%u", d->rows, d->columns);
        return false;
    }
    if (!classify_photometric(d, a, f, err) || !check_bits(d, f, err))
        return false;
    /* YBR_FULL_422 left as stored is two bytes per pixel; a decoder that
     * upsampled it leaves three samples. The buffer length tells which. */
    f->packed422 = strcmp(d->photometric, "YBR_FULL_422") == 0 &&
                   f->bits_alloc == 8 && !f->planar && n < f->npix * 3 &&
                   n >= f->npix * 2;
    size_t need;
    if (!frame_bytes(f, &need) || n < need) {
        rn_error_set(err, RN_ERROR_PARSE,
                     "frame holds %zu bytes, %ux%u image needs more", n,
                     f->rows, f->cols);
        return false;
    }
    return true;
}

/* ---- stored values ------------------------------------------------------ */

/* Masks to bits stored and sign-extends from its top bit: (v ^ s) - s. */
static inline int64_t stored_value(uint64_t raw, const Frame *f)
{
    uint64_t v = (raw >> f->shift) & ((UINT64_C(1) << f->bits_stored) - 1);
    if (!f->is_signed)
        return (int64_t)v;
    int64_t s = INT64_C(1) << (f->bits_stored - 1);
    return ((int64_t)v ^ s) - s;
}

static inline uint64_t read_le(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* stored_value() in 32-bit arithmetic, for containers up to 16 bits. */
static inline int32_t small_value(uint32_t raw, unsigned shift, uint32_t mask,
                                  uint32_t flip)
{
    return (int32_t)(((raw >> shift) & mask) ^ flip) - (int32_t)flip;
}

/* A plain 16-bit load on little-endian hosts, so the loop vectorises. */
static inline uint32_t load_le16(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
#else
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
#endif
}

/* Integer path (one sample, <= 16 bits): stored values and their range.
 * One loop per container size so each is branch-free and vectorises. */
RN_IMAGE_SIMD_CLONES
static void extract_small(const Frame *f, int32_t *out, int32_t *vmin, int32_t *vmax)
{
    const uint8_t *p = f->data;
    const size_t n = f->npix;
    const unsigned shift = f->shift;
    const uint32_t mask = (1u << f->bits_stored) - 1;
    const uint32_t flip = f->is_signed ? 1u << (f->bits_stored - 1) : 0;
    if (f->bits_alloc == 16)
        for (size_t i = 0; i < n; i++)
            out[i] = small_value(load_le16(p + 2 * i), shift, mask, flip);
    else if (f->bits_alloc == 8)
        for (size_t i = 0; i < n; i++)
            out[i] = small_value(p[i], shift, mask, flip);
    else
        for (size_t i = 0; i < n; i++)
            out[i] = small_value((uint32_t)(p[i >> 3] >> (i & 7)) & 1u, 0, mask, flip);
    int32_t lo = out[0], hi = out[0];
    for (size_t i = 1; i < n; i++) {
        lo = out[i] < lo ? out[i] : lo;
        hi = out[i] > hi ? out[i] : hi;
    }
    *vmin = lo;
    *vmax = hi;
}

/* Luminance of pixel i before rescale. */
static double luminance(const Frame *f, size_t i)
{
    unsigned b = f->bits_alloc / 8;
    if (f->packed422)
        return (double)f->data[(i / 2) * 4 + (i % 2)];
    double s[3];
    for (unsigned c = 0; c < 3; c++) {
        size_t at = f->planar ? (size_t)c * f->npix + i : i * 3 + c;
        s[c] = (double)stored_value(read_le(f->data + at * b, b), f);
        if (f->colour == COLOUR_YBR_FULL)
            return s[0];
    }
    return 0.299 * s[0] + 0.587 * s[1] + 0.114 * s[2];
}

/* Palette entry for a stored value: below the first mapped value reads
 * entry 0, beyond the table its last entry (as pydicom's apply_color_lut). */
static double palette_value(const RnPaletteLut *lut, int64_t stored)
{
    int64_t i = stored - lut->first_mapped;
    i = i < 0 ? 0 : i >= (int64_t)lut->entries ? (int64_t)lut->entries - 1 : i;
    if (lut->bits == 8)
        return lut->data[i];
    uint16_t v;
    memcpy(&v, lut->data + 2 * i, 2);
    return v;
}

/* ---- Modality and VOI LUTs ---------------------------------------------- */

/* Entry for input value v: below first_mapped reads entry 0, beyond the
 * table its last entry; a fractional input is truncated (pydicom casts
 * v - first_mapped to an unsigned integer). */
static uint32_t lut_lookup(const RnLut *lut, double v)
{
    double i = v - (double)lut->first_mapped;
    size_t k = !(i > 0) ? 0 : i >= (double)lut->entries ? lut->entries - 1 : (size_t)i;
    if (lut->stride == 1)
        return lut->data[k];
    uint16_t e;
    memcpy(&e, lut->data + 2 * k, 2);
    return e;
}

/* The modality value of a grayscale stored value: the Modality LUT when
 * there is one, else the rescale. */
static inline double modality_value(const RnImageAttrs *a, int64_t stored)
{
    if (a->has_modality_lut)
        return (double)lut_lookup(&a->modality_lut, (double)stored);
    return (double)stored * a->rescale_slope + a->rescale_intercept;
}

/* Float path (colour, palette, 32-bit): rescaled values. */
static void extract_rescaled(const Frame *f, const RnImageAttrs *a, double *out)
{
    unsigned b = f->bits_alloc / 8;
    for (size_t i = 0; i < f->npix; i++) {
        double v;
        if (f->colour == COLOUR_MONO) {
            out[i] = modality_value(a, stored_value(read_le(f->data + i * b, b), f));
            continue;
        } else if (f->colour == COLOUR_PALETTE) {
            int64_t s = stored_value(read_le(f->data + i * b, b), f);
            v = 0.299 * palette_value(&f->palette[0], s) +
                0.587 * palette_value(&f->palette[1], s) +
                0.114 * palette_value(&f->palette[2], s);
        } else {
            v = luminance(f, i);
        }
        out[i] = v * a->rescale_slope + a->rescale_intercept;
    }
}

/* ---- percentiles (numpy 'linear') -------------------------------------- */

double rn_image_lerp(double prev, double next, double gamma)
{
    /* numpy's _lerp: the form that is exact at the nearer end. */
    double diff = next - prev;
    if (gamma >= 0.5)
        return next - diff * (1.0 - gamma);
    return prev + diff * gamma;
}

typedef double (*RankFn)(void *ctx, size_t k); /* k-th smallest value */

static double percentile_by_rank(size_t n, double q, RankFn rank, void *ctx)
{
    double vi = (double)(n - 1) * (q / 100.0);
    if (vi >= (double)(n - 1))
        return rank(ctx, n - 1);
    size_t prev = (size_t)floor(vi);
    return rn_image_lerp(rank(ctx, prev), rank(ctx, prev + 1), vi - (double)prev);
}

static void swap_d(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Moves the k-th smallest of v[0, n) to v[k], smaller ones before it and
 * larger ones after it. Quickselect with median-of-three; after 2 log2 n
 * rounds without convergence it sorts the rest (introselect's guarantee). */
static void nth_element(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1, budget = 2;
    for (size_t m = n; m > 1; m >>= 1)
        budget += 2;
    while (hi > lo) {
        if (budget-- == 0) {
            qsort(v + lo, hi - lo + 1, sizeof *v, cmp_double);
            return;
        }
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < v[lo]) swap_d(&v[mid], &v[lo]);
        if (v[hi] < v[lo]) swap_d(&v[hi], &v[lo]);
        if (v[hi] < v[mid]) swap_d(&v[hi], &v[mid]);
        double pivot = v[mid];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                swap_d(&v[i], &v[j]);
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return; /* j < k < i: v[k] == pivot, in place */
    }
}

typedef struct SelectCtx {
    double *v;
    size_t n;
} SelectCtx;

static double rank_select(void *ctx, size_t k)
{
    SelectCtx *s = ctx;
    nth_element(s->v, s->n, k);
    return s->v[k];
}

double rn_image_percentile(double *values, size_t n, double q)
{
    SelectCtx s = {values, n};
    return percentile_by_rank(n, q, rank_select, &s);
}

/* Order statistics of the rescaled values from a histogram of stored
 * values; a negative slope reverses the order. */
typedef struct HistCtx {
    const size_t *counts;
    size_t range, n;
    int32_t vmin;
    double slope, intercept;
} HistCtx;

static double rank_hist(void *ctx, size_t k)
{
    HistCtx *h = ctx;
    size_t want = h->slope < 0 ? h->n - 1 - k : k, seen = 0, s = 0;
    for (; s + 1 < h->range; s++) {
        seen += h->counts[s];
        if (seen > want)
            break;
    }
    return (double)((int32_t)s + h->vmin) * h->slope + h->intercept;
}

#define ROBUST_LOW 0.5
#define ROBUST_HIGH 99.5

static void robust_window_from(double lo, double hi, double *c, double *w)
{
    *c = (lo + hi) / 2.0;
    *w = hi - lo;
}

/* A histogram of stored values (counts over vmin .. vmin + range - 1)
 * turned into one of their Modality LUT outputs (0 .. 65535): the order
 * statistics of a table lookup, which need not be monotonic. Frees the
 * input histogram. */
static bool lut_histogram(const RnLut *lut, size_t **counts, size_t *range,
                          int32_t *vmin, RnError **err)
{
    size_t *out = rn_calloc(65536, sizeof *out, err);
    if (out == NULL) {
        free(*counts);
        return false;
    }
    for (size_t s = 0; s < *range; s++)
        if ((*counts)[s])
            out[lut_lookup(lut, (double)((int32_t)s + *vmin))] += (*counts)[s];
    free(*counts);
    *counts = out;
    *range = 65536;
    *vmin = 0;
    return true;
}

static bool robust_window_small(const int32_t *stored, size_t n, int32_t vmin,
                                int32_t vmax, const RnImageAttrs *a, double *c,
                                double *w, RnError **err)
{
    size_t range = (size_t)((int64_t)vmax - vmin) + 1;
    size_t *counts = rn_calloc(range, sizeof *counts, err);
    if (counts == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        counts[stored[i] - vmin]++;
    if (a->has_modality_lut && !lut_histogram(&a->modality_lut, &counts, &range, &vmin, err))
        return false;
    double slope = a->has_modality_lut ? 1.0 : a->rescale_slope;
    double intercept = a->has_modality_lut ? 0.0 : a->rescale_intercept;
    HistCtx h = {counts, range, n, vmin, slope, intercept};
    double lo = percentile_by_rank(n, ROBUST_LOW, rank_hist, &h);
    double hi = percentile_by_rank(n, ROBUST_HIGH, rank_hist, &h);
    free(counts);
    robust_window_from(lo, hi, c, w);
    return true;
}

static bool robust_window_float(const double *values, size_t n, double *c,
                                double *w, RnError **err)
{
    double *copy = alloc_array(n, sizeof *copy, err);
    if (copy == NULL)
        return false;
    memcpy(copy, values, n * sizeof *copy);
    double lo = rn_image_percentile(copy, n, ROBUST_LOW);
    double hi = rn_image_percentile(copy, n, ROBUST_HIGH);
    free(copy);
    robust_window_from(lo, hi, c, w);
    return true;
}

/* ---- window, inversion, 8 bits ----------------------------------------- */

typedef struct Mapping {
    double c, w;
    bool invert;
    const RnLut *voi;   /* replaces the window when set */
    double voi_max;     /* 2^bits - 1 of the VOI LUT */
} Mapping;

static inline uint8_t map_value(double x, const Mapping *m)
{
    double y = m->voi ? (double)lut_lookup(m->voi, x) / m->voi_max * 255.0
                      : rn_image_window(x, m->c, m->w);
    if (m->invert)
        y = 255.0 - y;
    /* np.uint8() truncates; the clamp only guards the ends (and NaN). */
    return !(y > 0.0) ? 0 : y >= 255.0 ? 255 : (uint8_t)y;
}

static bool map_small(const int32_t *stored, size_t n, int32_t vmin, int32_t vmax,
                      const RnImageAttrs *a, const Mapping *m, uint8_t *out,
                      RnError **err)
{
    size_t range = (size_t)((int64_t)vmax - vmin) + 1;
    if (range > n) { /* a table would cost more than it saves */
        for (size_t i = 0; i < n; i++)
            out[i] = map_value(modality_value(a, stored[i]), m);
        return true;
    }
    uint8_t *lut = rn_malloc(range, err);
    if (lut == NULL)
        return false;
    for (size_t s = 0; s < range; s++)
        lut[s] = map_value(modality_value(a, (int32_t)s + vmin), m);
    for (size_t i = 0; i < n; i++)
        out[i] = lut[stored[i] - vmin];
    free(lut);
    return true;
}

/* ---- drop rules -------------------------------------------------------- */

RnDropReason rn_image_drop_reason(const uint8_t *img, uint32_t rows,
                                  uint32_t cols, double sparse_threshold)
{
    double lo = rows < cols ? rows : cols, hi = rows < cols ? cols : rows;
    if (lo / hi < 0.1)
        return RN_DROP_ASPECT;
    size_t n = (size_t)rows * cols, seen[256] = {0};
    for (size_t i = 0; i < n; i++)
        seen[img[i]]++;
    unsigned max = 255;
    while (max > 0 && seen[max] == 0)
        max--;
    if (max < 1)
        return RN_DROP_BLACK;
    unsigned bits = 0;
    for (unsigned v = max; v; v >>= 1)
        bits++; /* floor(log2(max)) + 1 */
    if (bits < 7)
        return RN_DROP_LOW_BITS;
    /* np.histogram(bins=linspace(0, 2^b - 1, 2^b)): 2^b - 1 unit bins, the
     * last one closed, so values 2^b - 2 and 2^b - 1 share it. */
    unsigned nbins = (1u << bits) - 1, filled = 0;
    for (unsigned v = 0; v + 1 < nbins; v++)
        filled += seen[v] != 0;
    filled += (seen[nbins - 1] != 0 || seen[nbins] != 0);
    if ((double)filled / (double)nbins <= sparse_threshold)
        return RN_DROP_SPARSE_HISTOGRAM;
    return RN_DROP_NONE;
}

/* ---- resize and pad ----------------------------------------------------- */

static bool fit_and_pad(const uint8_t *img, uint32_t rows, uint32_t cols,
                        uint32_t size, uint8_t *out, RnError **err)
{
    uint32_t nr, nc;
    rn_image_fit_size(rows, cols, size, &nr, &nc);
    uint8_t *scaled = rn_malloc((size_t)nr * nc, err);
    if (scaled == NULL)
        return false;
    if (!rn_image_resize_u8(img, rows, cols, scaled, nr, nc, err)) {
        free(scaled);
        return false;
    }
    /* nr, nc <= size by construction; offsets floor((S - n) / 2) as the
     * authors' paste position. */
    uint32_t top = (size - nr) / 2, left = (size - nc) / 2;
    memset(out, 0, (size_t)size * size);
    for (uint32_t y = 0; y < nr; y++)
        memcpy(out + (size_t)(top + y) * size + left, scaled + (size_t)y * nc, nc);
    free(scaled);
    return true;
}

/* ---- driver ------------------------------------------------------------- */

static bool window_usable(double c, double w)
{
    return isfinite(c) && isfinite(w) && w > 0;
}

/* Sets up the VOI transform `index` (see rn_image_voi_count): a window
 * pair, a VOI LUT, or the robust window when there is none or the pair is
 * not usable. */
static bool choose_voi(const RnImageAttrs *a, uint32_t index, Mapping *m,
                       RnWindowSource *src, RnError **err)
{
    uint32_t count = rn_image_voi_count(a);
    if (index >= count && !(index == 0 && count == 0)) {
        rn_error_set(err, RN_ERROR_INVALID, "VOI index %u: the header offers %u", index, count);
        return false;
    }
    uint32_t windows = a->has_window ? 1u + a->more_window_count : 0u;
    *src = RN_WINDOW_ROBUST;
    if (index < windows) {
        RnWindow w = index == 0 ? (RnWindow){a->window_center, a->window_width}
                                : a->more_windows[index - 1];
        if (window_usable(w.center, w.width)) {
            m->c = w.center;
            m->w = w.width;
            *src = RN_WINDOW_HEADER;
        }
    } else if (index < count) {
        m->voi = &a->voi_luts[index - windows];
        m->voi_max = (double)((1u << m->voi->bits) - 1u);
        m->c = (double)m->voi->first_mapped + m->voi->entries / 2.0;
        m->w = m->voi->entries;
        *src = RN_WINDOW_VOI_LUT;
    }
    return true;
}

static bool should_invert(const RnPixelDesc *d, const RnImageAttrs *a)
{
    if (strcmp(d->photometric, "MONOCHROME1") == 0)
        return true;
    bool projection = strcmp(a->modality, "CR") == 0 || strcmp(a->modality, "DX") == 0;
    return projection && a->presentation_lut_inverse;
}

/* The 8-bit windowed image on the integer path (the robust window, when
 * asked for, is computed into m first). */
static bool window_small(const Frame *f, const RnImageAttrs *a, Mapping *m,
                         RnWindowSource src, uint8_t *img, RnError **err)
{
    int32_t *stored = alloc_array(f->npix, sizeof *stored, err), vmin, vmax;
    if (stored == NULL)
        return false;
    extract_small(f, stored, &vmin, &vmax);
    bool ok = true;
    if (src == RN_WINDOW_ROBUST)
        ok = robust_window_small(stored, f->npix, vmin, vmax, a, &m->c, &m->w, err);
    ok = ok && map_small(stored, f->npix, vmin, vmax, a, m, img, err);
    free(stored);
    return ok;
}

/* The same on the float path. */
static bool window_float(const Frame *f, const RnImageAttrs *a, Mapping *m,
                         RnWindowSource src, uint8_t *img, RnError **err)
{
    double *v = alloc_array(f->npix, sizeof *v, err);
    if (v == NULL)
        return false;
    extract_rescaled(f, a, v);
    bool ok = true;
    if (src == RN_WINDOW_ROBUST)
        ok = robust_window_float(v, f->npix, &m->c, &m->w, err);
    if (ok)
        for (size_t i = 0; i < f->npix; i++)
            img[i] = map_value(v[i], m);
    free(v);
    return ok;
}

/* Tables the caller built by hand are checked like the file's. */
static bool lut_usable(const RnLut *l)
{
    return l->data != NULL && l->entries >= 1 && l->entries <= 65536 &&
           (l->stride == 1 || l->stride == 2) && l->bits >= 1 && l->bits <= 16 &&
           l->n >= (size_t)l->entries * l->stride;
}

static bool luts_usable(const RnImageAttrs *a)
{
    if (a->has_modality_lut && !lut_usable(&a->modality_lut))
        return false;
    if (a->voi_lut_count > RN_IMAGE_MAX_VOI_LUTS ||
        a->more_window_count > RN_IMAGE_MAX_WINDOWS - 1)
        return false;
    for (uint32_t i = 0; i < a->voi_lut_count; i++)
        if (!lut_usable(&a->voi_luts[i]))
            return false;
    return true;
}

static bool check_args(const RnPixelDesc *d, const uint8_t *frame,
                       const RnImageAttrs *a, const RnPreprocessOptions *opts,
                       RnPreprocessed *out, uint32_t *size, RnError **err)
{
    if (d == NULL || frame == NULL || a == NULL || out == NULL) {
        rn_error_set(err, RN_ERROR_INVALID, "preprocess: NULL argument");
        return false;
    }
    if (!isfinite(a->rescale_slope) || !isfinite(a->rescale_intercept)) {
        /* NaN would poison the window, the percentiles and the selection */
        rn_error_set(err, RN_ERROR_INVALID, "preprocess: non-finite rescale");
        return false;
    }
    if (!luts_usable(a)) {
        rn_error_set(err, RN_ERROR_INVALID, "preprocess: inconsistent lookup table");
        return false;
    }
    *size = (opts && opts->size) ? opts->size : RN_IMAGE_DEFAULT_SIZE;
    if (*size > RN_IMAGE_MAX_SIZE) {
        rn_error_set(err, RN_ERROR_INVALID, "size %u exceeds %u", *size,
                     RN_IMAGE_MAX_SIZE);
        return false;
    }
    return true;
}

bool rn_image_preprocess_frame(const RnPixelDesc *decoded, const uint8_t *frame,
                               size_t n, const RnImageAttrs *attrs,
                               bool multi_frame, const RnPreprocessOptions *opts,
                               RnPreprocessed *out, RnError **err)
{
    uint32_t size;
    Frame f;
    if (!check_args(decoded, frame, attrs, opts, out, &size, err) ||
        !frame_init(decoded, attrs, frame, n, &f, err))
        return false;
    memset(out, 0, sizeof *out);
    Mapping m = {0, 0, should_invert(decoded, attrs), NULL, 0};
    RnWindowSource src;
    uint32_t voi_index = opts ? opts->voi_index : 0;
    if (!choose_voi(attrs, voi_index, &m, &src, err))
        return false;
    uint8_t *img = rn_malloc(f.npix, err);
    uint8_t *pixels = rn_malloc((size_t)size * size, err);
    bool small = f.colour == COLOUR_MONO && f.bits_alloc <= 16;
    bool ok = img && pixels &&
              (small ? window_small(&f, attrs, &m, src, img, err)
                     : window_float(&f, attrs, &m, src, img, err)) &&
              fit_and_pad(img, f.rows, f.cols, size, pixels, err);
    if (ok) {
        bool xa_cine = multi_frame && strcmp(attrs->modality, "XA") == 0;
        out->drop = rn_image_drop_reason(img, f.rows, f.cols, xa_cine ? 0.2 : 0.1);
        out->pixels = pixels;
        out->size = size;
        out->source_rows = f.rows;
        out->source_columns = f.cols;
        out->window_source = src;
        out->window_center = m.c;
        out->window_width = m.w;
        out->voi_index = voi_index;
        out->voi_count = rn_image_voi_count(attrs);
        out->modality_lut = attrs->has_modality_lut && f.colour == COLOUR_MONO;
        out->inverted = m.invert;
    } else {
        free(pixels);
    }
    free(img);
    return ok;
}

void rn_preprocessed_free(RnPreprocessed *p)
{
    if (p == NULL)
        return;
    free(p->pixels);
    p->pixels = NULL;
}
