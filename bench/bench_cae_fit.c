/* What the default `cae` fit costs: the method's fit on N synthetic 64×64
 * thumbnails (discs and bars of varying place, size and brightness, noise)
 * with the method's defaults (or OPTIONS), then its transform of the same
 * images.
 *
 *   bench_cae_fit N THREADS [OPTIONS]
 *
 * Prints fit seconds, epochs run (from the payload), seconds per 1000
 * images per epoch (validation included), and transform images/s. */
#include "embed/embed_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s N THREADS [OPTIONS]\n", argv[0]);
        return 2;
    }
    size_t n = (size_t)atol(argv[1]);
    enum { S = 64 };
    uint8_t *px = malloc(n * S * S);
    RnEmbedItem *items = calloc(n, sizeof *items);
    uint64_t s = 5;
    for (size_t i = 0; i < n; i++) {
        double cx = 10 + (double)(i * 7 % 44), cy = 10 + (double)(i * 5 % 44);
        double r2 = 30.0 + (double)(i % 11) * 25.0, v = 120 + (double)(i % 9) * 15;
        for (int y = 0; y < S; y++)
            for (int x = 0; x < S; x++) {
                s = s * 6364136223846793005ull + 1442695040888963407ull;
                double d = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                double p = (d < r2 ? v : 0) + (i % 4 == 0 && x > 50 ? 90 : 0) +
                           (double)(s >> 60);
                px[(i * S + y) * S + x] = (uint8_t)(p > 255 ? 255 : p);
            }
        items[i] = (RnEmbedItem){.thumb = px + i * S * S, .thumb_size = S};
    }
    RnEmbedParams p = {.seed = 1, .threads = atoi(argv[2]),
                       .options = argc > 3 ? argv[3] : NULL};
    const RnEmbedMethodOps *ops = rn_embed_method_find(RN_EMBED_IMAGE, "cae");
    RnError *err = NULL;
    size_t dim;
    double t0 = now();
    void *st = ops->fit(items, n, &p, &dim, &err);
    double t1 = now();
    if (!st) {
        fprintf(stderr, "%s\n", rn_error_message(err));
        return 1;
    }
    float *out = malloc(n * dim * sizeof *out);
    bool ok = ops->transform(st, items, n, out, NULL);
    double t2 = now();
    /* the training report: payload u32s 5 and 6 and the f32 after them,
     * little endian (cae.c) */
    RnBuf b = RN_BUF_INIT;
    uint32_t epochs = 0, best_epoch = 0;
    float best = 0.0f;
    if (ops->save(st, &b, NULL) && b.len >= 32) {
        memcpy(&epochs, b.data + 20, 4);
        memcpy(&best_epoch, b.data + 24, 4);
        memcpy(&best, b.data + 28, 4);
    }
    printf("fit %.2f s, %u epochs (best %u, validation MSE %.5f), %.2f s per "
           "1000 images per epoch, transform %.0f images/s%s\n", t1 - t0,
           epochs, best_epoch, best,
           epochs ? (t1 - t0) / epochs / ((double)n / 1000.0) : 0.0,
           (double)n / (t2 - t1), ok ? "" : " (failed)");
    rn_buf_free(&b);
    free(out);
    ops->free(st);
    free(items);
    free(px);
    return 0;
}
