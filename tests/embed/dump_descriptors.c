/* Test helper for golden_descriptors.py: runs radnet's HOG, uniform LBP and
 * randomized PCA on a stack of thumbnails (N×H×W uint8 .npy, read as
 * pixel / 255 in float32) and writes the results as .npy.
 *   dump_descriptors hog ORIENT CELL BLOCK IN.npy OUT.npy   (N × dim, f32)
 *   dump_descriptors lbp P R IN.npy OUT.npy                 (N×H×W, u8)
 *   dump_descriptors pca K POWER IN.npy COMPONENTS.npy VARIANCE.npy */
#include "embed/descriptors.h"
#include "embed/pca.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float *load_images(const char *path, size_t *n, uint32_t *rows,
                          uint32_t *cols)
{
    RnArray a;
    RnError *err = NULL;
    if (!rn_npy_read(path, &a, &err) || a.dtype != RN_DTYPE_U8 || a.ndim != 3) {
        fprintf(stderr, "%s: want an N×H×W uint8 array (%s)\n", path,
                err ? rn_error_message(err) : "wrong shape");
        exit(2);
    }
    *n = a.shape[0];
    *rows = (uint32_t)a.shape[1];
    *cols = (uint32_t)a.shape[2];
    size_t count = rn_array_count(&a);
    float *img = malloc(count * sizeof *img);
    for (size_t i = 0; i < count; i++)
        img[i] = ((const uint8_t *)a.data)[i] / 255.0f; /* as numpy: x / float32(255) */
    rn_array_free(&a);
    return img;
}

static void save(const char *path, RnDType dtype, int ndim, const size_t *shape,
                 void *data)
{
    RnArray a = {dtype, ndim, {0}, data};
    memcpy(a.shape, shape, (size_t)ndim * sizeof *shape);
    RnError *err = NULL;
    if (!rn_npy_write(path, &a, &err)) {
        fprintf(stderr, "%s: %s\n", path, rn_error_message(err));
        exit(2);
    }
}

int main(int argc, char **argv)
{
    size_t n;
    uint32_t rows, cols;
    if (argc == 7 && strcmp(argv[1], "hog") == 0) {
        EbHogParams p = {(uint32_t)atoi(argv[2]), (uint32_t)atoi(argv[3]),
                         (uint32_t)atoi(argv[4])};
        float *img = load_images(argv[5], &n, &rows, &cols);
        size_t d = eb_hog_dim(rows, cols, &p);
        float *out = malloc(n * d * sizeof *out);
        float *scratch = malloc(eb_hog_scratch(rows, cols, &p) * sizeof *scratch);
        EbHogPlan plan;
        eb_hog_plan_init(&plan, &p);
        for (size_t i = 0; i < n; i++)
            eb_hog(&plan, img + i * rows * cols, rows, cols, scratch, out + i * d);
        save(argv[6], RN_DTYPE_F32, 2, (size_t[]){n, d}, out);
        free(scratch);
        free(out);
        free(img);
        return 0;
    }
    if (argc == 6 && strcmp(argv[1], "lbp") == 0) {
        float *img = load_images(argv[4], &n, &rows, &cols);
        uint8_t *codes = malloc(n * rows * cols);
        uint32_t P = (uint32_t)atoi(argv[2]);
        double *scratch = malloc(eb_lbp_scratch(cols, P) * sizeof *scratch);
        for (size_t i = 0; i < n; i++)
            eb_lbp_codes(img + i * rows * cols, rows, cols, P, atof(argv[3]),
                         scratch, codes + i * rows * cols);
        free(scratch);
        save(argv[5], RN_DTYPE_U8, 3, (size_t[]){n, rows, cols}, codes);
        free(codes);
        free(img);
        return 0;
    }
    if (argc == 7 && strcmp(argv[1], "pca") == 0) {
        float *img = load_images(argv[4], &n, &rows, &cols);
        EbPcaOptions o = {(size_t)atoi(argv[2]), (unsigned)atoi(argv[3]), 10, 1, NULL};
        EbPca p;
        RnError *err = NULL;
        if (!eb_pca_fit(img, n, (size_t)rows * cols, &o, &p, &err)) {
            fprintf(stderr, "pca: %s\n", rn_error_message(err));
            rn_error_free(err);
            free(img);
            return 2;
        }
        save(argv[5], RN_DTYPE_F32, 2, (size_t[]){p.k, p.d}, p.components);
        save(argv[6], RN_DTYPE_F32, 1, (size_t[]){p.k}, p.variance);
        eb_pca_free(&p);
        free(img);
        return 0;
    }
    fprintf(stderr, "usage: see the comment at the top of dump_descriptors.c\n");
    return 1;
}
