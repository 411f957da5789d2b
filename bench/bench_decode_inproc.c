/* In-process decode throughput of radnet's codecs, without process start
 * or file writing: bench_decode_inproc REPEATS FILE...
 * Codec threads: one per CPU (as `radnet decode` and gdcm use).
 * For each file: open it once, then decode every frame REPEATS times;
 * prints one line per file: median seconds per full decode, decoded MB/s.
 * The peer for the same measurement is bench_decode_gdcm.cxx (gdcm's
 * ImageReader + GetBuffer). */
#include "radnet/codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Decodes every frame once; returns decoded bytes, 0 on error. */
static size_t decode_all(RnDicomFile *f, uint32_t frames)
{
    size_t total = 0;
    for (uint32_t i = 0; i < frames; i++) {
        uint8_t *buf;
        size_t n;
        RnError *err = NULL;
        if (!rn_dicom_decode_frame(f, i, &buf, &n, &err)) {
            fprintf(stderr, "bench: %s\n", rn_error_message(err));
            rn_error_free(err);
            return 0;
        }
        total += n;
        free(buf);
    }
    return total;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_decode_inproc REPEATS FILE...\n");
        return 1;
    }
    int repeats = atoi(argv[1]);
    if (repeats < 1 || repeats > 100000)
        return 1;
    rn_codec_set_threads(0);
    double *t = malloc(sizeof *t * (size_t)repeats);
    for (int a = 2; a < argc; a++) {
        RnError *err = NULL;
        RnDicomFile *f = rn_dicom_open(argv[a], NULL, &err);
        RnPixelDesc d;
        if (f == NULL || !rn_dicom_pixel_desc(f, &d, &err)) {
            fprintf(stderr, "bench: %s: %s\n", argv[a], rn_error_message(err));
            rn_error_free(err);
            rn_dicom_close(f);
            continue;
        }
        size_t bytes = 0;
        for (int r = 0; r < repeats; r++) {
            double t0 = now();
            bytes = decode_all(f, d.frames);
            t[r] = now() - t0;
        }
        qsort(t, (size_t)repeats, sizeof *t, cmp_double);
        double med = t[repeats / 2];
        printf("%s\t%.6f\t%.1f\n", argv[a], med, bytes ? (double)bytes / med / 1e6 : 0.0);
        rn_dicom_close(f);
    }
    free(t);
    return 0;
}
