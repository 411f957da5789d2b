/* Image-extractor speed (bench/bench_embed.sh): radnet's HOG and uniform LBP
 * per 64×64 image (one thread) and randomized PCA fit + transform of the
 * 32×32 thumbnails, on a stack of thumbnails (N×S×S uint8 .npy, e.g. a
 * workspace's thumbs.npy). Prints one JSON object of medians: HOG and LBP
 * in CPU time per image, PCA in wall and CPU seconds.
 *   bench_embed THUMBS.npy [--runs R] [--pca-rows N] [--threads T] */
#include "embed/descriptors.h"
#include "embed/image_common.h"
#include "embed/pca.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Wall time, and CPU time of the process (all threads): on the shared
 * machine CPU time is the steadier measure. */
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
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

/* All thumbnails area-resampled to side×side floats in [0, 1]. */
static float *resampled(const RnArray *a, uint32_t side)
{
    size_t n = a->shape[0];
    uint32_t S = (uint32_t)a->shape[1];
    float *out = malloc(n * side * side * sizeof *out), *tmp = malloc((size_t)side * S * sizeof *tmp);
    EbResample rs;
    eb_resample_init(&rs, S, side, NULL);
    for (size_t i = 0; i < n; i++)
        eb_resample(&rs, (const uint8_t *)a->data + i * S * S, tmp, out + i * side * side);
    eb_resample_free(&rs);
    free(tmp);
    return out;
}

int main(int argc, char **argv)
{
    int runs = 7, threads = 2;
    size_t pca_rows = 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--pca-rows") == 0)
            pca_rows = (size_t)atol(argv[i + 1]);
        else if (strcmp(argv[i], "--threads") == 0)
            threads = atoi(argv[i + 1]);
    }
    RnArray a;
    RnError *err = NULL;
    if (argc < 2 || !rn_npy_read(argv[1], &a, &err) || a.dtype != RN_DTYPE_U8 || a.ndim != 3) {
        fprintf(stderr, "usage: bench_embed THUMBS.npy [--runs R] [--pca-rows N] [--threads T]\n");
        return 1;
    }
    size_t n = a.shape[0];
    if (pca_rows == 0 || pca_rows > n)
        pca_rows = n;
    float *img64 = resampled(&a, 64), *img32 = resampled(&a, 32);
    size_t hog_n = n < 2000 ? n : 2000;
    EbHogParams hp = {9, 8, 2};
    EbHogPlan plan;
    eb_hog_plan_init(&plan, &hp);
    size_t hd = eb_hog_dim(64, 64, &hp);
    float *scratch = malloc(eb_hog_scratch(64, 64, &hp) * sizeof *scratch);
    float *hout = malloc(hd * sizeof *hout);
    uint8_t *codes = malloc(64 * 64);
    double *lbp_scratch = malloc(eb_lbp_scratch(64, 24) * sizeof *lbp_scratch);
    double *t = malloc((size_t)runs * sizeof *t);

    for (int r = 0; r < runs; r++) {
        double t0 = cpu();
        for (size_t i = 0; i < hog_n; i++)
            eb_hog(&plan, img64 + i * 4096, 64, 64, scratch, hout);
        t[r] = (cpu() - t0) / (double)hog_n;
    }
    double hog_ms = median(t, runs) * 1e3;
    for (int r = 0; r < runs; r++) {
        double t0 = cpu();
        for (size_t i = 0; i < hog_n / 4; i++) {
            eb_lbp_codes(img64 + i * 4096, 64, 64, 8, 1, lbp_scratch, codes);
            eb_lbp_codes(img64 + i * 4096, 64, 64, 16, 2, lbp_scratch, codes);
            eb_lbp_codes(img64 + i * 4096, 64, 64, 24, 3, lbp_scratch, codes);
        }
        t[r] = (cpu() - t0) / (double)(hog_n / 4);
    }
    double lbp_ms = median(t, runs) * 1e3;

    const size_t d = 1024, k = 64;
    float *X = malloc(pca_rows * d * sizeof *X), *out = malloc(pca_rows * k * sizeof *out);
    RnPool *pool = rn_pool_open(threads, NULL);
    double fit[64], proj[64], fit_cpu[64];
    int pruns = runs < 64 ? runs : 64;
    for (int r = 0; r < pruns; r++) {
        memcpy(X, img32, pca_rows * d * sizeof *X);
        EbPca p;
        EbPcaOptions o = {k, EB_PCA_POWER_ITERS, EB_PCA_OVERSAMPLE, 1, pool};
        double t0 = now(), c0 = cpu();
        if (!eb_pca_fit(X, pca_rows, d, &o, &p, &err)) {
            fprintf(stderr, "pca: %s\n", rn_error_message(err));
            return 1;
        }
        double t1 = now();
        fit_cpu[r] = cpu() - c0;
        memcpy(X, img32, pca_rows * d * sizeof *X);
        eb_pca_project(&p, X, pca_rows, d, out, k); /* one thread: the floor */
        double t2 = now();
        fit[r] = t1 - t0;
        proj[r] = t2 - t1;
        eb_pca_free(&p);
    }
    printf("{\"images\": %zu, \"hog_64_ms\": %.5f, \"lbp3_64_ms\": %.5f, "
           "\"pca_rows\": %zu, \"pca_d\": %zu, \"pca_k\": %zu, \"pca_threads\": %d, "
           "\"pca_fit_s\": %.4f, \"pca_fit_cpu_s\": %.4f, \"pca_transform_s\": %.4f}\n",
           n, hog_ms, lbp_ms, pca_rows, d, k, threads, median(fit, pruns),
           median(fit_cpu, pruns), median(proj, pruns));
    rn_pool_close(pool);
    return 0;
}
