/* Preprocessing throughput: a synthetic 512 x 512 16-bit CT slice (body
 * ellipse, bone, noise, air) through rn_image_preprocess_frame to 128 x 128,
 * with the header window and with the robust (percentile) fallback, plus the
 * resize alone. Prints medians over repeated runs.
 *
 *   bench_image [--runs R] [--iters N] [--dump DIR] [--only header|robust|resize]
 *
 * --dump writes ct16.raw (int16 LE stored values) and windowed8.raw (the
 * 8-bit windowed image) so bench_image_peer.py can time numpy/PIL on the
 * same data. Under callgrind, --only CASE --runs 1 with two --iters values
 * gives instructions per image as the difference over the extra iterations. */
#include "image/image_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { ROWS = 512, COLS = 512, OUT = 128 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 16;
}

/* Stored values with intercept -1024: air 0, soft tissue ~1064, bone ~2000. */
static void synth_ct(uint8_t *buf)
{
    uint32_t seed = 7;
    for (int y = 0; y < ROWS; y++)
        for (int x = 0; x < COLS; x++) {
            double dx = (x - 256) / 200.0, dy = (y - 270) / 150.0;
            double bx = (x - 256) / 30.0, by = (y - 350) / 25.0;
            int v = 0;
            if (dx * dx + dy * dy < 1)
                v = 1064 + (int)(40 * sin(x / 9.0) * cos(y / 13.0));
            if (bx * bx + by * by < 1)
                v = 2000;
            v += (int)(lcg(&seed) % 41) - 20;
            if (v < 0)
                v = 0;
            buf[2 * (y * COLS + x)] = (uint8_t)(v & 0xFF);
            buf[2 * (y * COLS + x) + 1] = (uint8_t)(v >> 8);
        }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

typedef struct Case {
    const char *name;
    RnPixelDesc desc;
    RnImageAttrs attrs;
} Case;

/* Seconds per image for one preprocessing case, median of runs. */
static double time_preprocess(const Case *c, const uint8_t *buf, int runs, int iters)
{
    double t[64];
    RnPreprocessOptions o = {.size = OUT};
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        for (int i = 0; i < iters; i++) {
            RnPreprocessed p;
            if (!rn_image_preprocess_frame(&c->desc, buf, (size_t)ROWS * COLS * 2,
                                           &c->attrs, false, &o, &p, NULL))
                exit(1);
            rn_preprocessed_free(&p);
        }
        t[r] = (now() - t0) / iters;
    }
    return median(t, runs);
}

static double time_resize(const uint8_t *img, int runs, int iters)
{
    double t[64];
    uint8_t out[OUT * OUT];
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        for (int i = 0; i < iters; i++)
            if (!rn_image_resize_u8(img, ROWS, COLS, out, OUT, OUT, NULL))
                exit(1);
        t[r] = (now() - t0) / iters;
    }
    return median(t, runs);
}

/* The 8-bit windowed source image: preprocess at full size. */
static uint8_t *windowed(const Case *c, const uint8_t *buf)
{
    RnPreprocessOptions o = {.size = ROWS};
    RnPreprocessed p;
    if (!rn_image_preprocess_frame(&c->desc, buf, (size_t)ROWS * COLS * 2,
                                   &c->attrs, false, &o, &p, NULL))
        exit(1);
    return p.pixels;
}

static void dump(const char *dir, const char *name, const void *data, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, n, f) != n) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    fclose(f);
}

int main(int argc, char **argv)
{
    int runs = 15, iters = 200;
    const char *dump_dir = NULL, *only = "";
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--iters") == 0)
            iters = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--dump") == 0)
            dump_dir = argv[i + 1];
        else if (strcmp(argv[i], "--only") == 0)
            only = argv[i + 1];
    }
    if (runs < 1 || runs > 64 || iters < 1) {
        fprintf(stderr, "usage: bench_image [--runs 1..64] [--iters N] [--dump DIR]\n");
        return 1;
    }
    static uint8_t buf[ROWS * COLS * 2];
    synth_ct(buf);
    Case c;
    memset(&c, 0, sizeof c);
    c.name = "header window";
    c.desc.rows = ROWS;
    c.desc.columns = COLS;
    c.desc.frames = 1;
    c.desc.samples_per_pixel = 1;
    c.desc.bits_allocated = c.desc.bits_stored = 16;
    c.desc.high_bit = 15;
    c.desc.pixel_representation = 1;
    strcpy(c.desc.photometric, "MONOCHROME2");
    c.attrs.rescale_slope = 1;
    c.attrs.rescale_intercept = -1024;
    c.attrs.has_window = true;
    c.attrs.window_center = 40;
    c.attrs.window_width = 400;
    strcpy(c.attrs.modality, "CT");
    Case robust = c;
    robust.name = "robust window";
    robust.attrs.has_window = false;

    bool all = only[0] == '\0';
    double th = 0, tr = 0, tz = 0;
    if (all || strcmp(only, "header") == 0)
        th = time_preprocess(&c, buf, runs, iters);
    if (all || strcmp(only, "robust") == 0)
        tr = time_preprocess(&robust, buf, runs, iters);
    uint8_t *img = windowed(&c, buf);
    if (all || strcmp(only, "resize") == 0)
        tz = time_resize(img, runs, iters);
    printf("{\"runs\":%d,\"iters\":%d,"
           "\"preprocess_header_ms\":%.4f,\"preprocess_robust_ms\":%.4f,"
           "\"resize_512_to_128_ms\":%.4f,"
           "\"images_per_s_header\":%.0f,\"images_per_s_robust\":%.0f}\n",
           runs, iters, th * 1e3, tr * 1e3, tz * 1e3, th > 0 ? 1 / th : 0,
           tr > 0 ? 1 / tr : 0);
    if (dump_dir) {
        dump(dump_dir, "ct16.raw", buf, sizeof buf);
        dump(dump_dir, "windowed8.raw", img, (size_t)ROWS * COLS);
    }
    free(img);
    return 0;
}
