/* One 3×3 convolution layer of the CAE, forward + backward (weights, bias
 * and input gradient), with radnet's im2col + OpenBLAS kernels (nn.c)
 * against oneDNN's C API (Debian libdnnl-dev 2.6), NHWC activations, on the
 * same random data. oneDNN chooses its weight layout ("any"); the reorders
 * from and to the OHWI weights radnet keeps are timed, as a training step
 * would need them.
 *
 *   bench_cae_onednn N H W CIN COUT THREADS ITERS RUNS
 *
 * Prints the medians in ms per iteration of im2col+OpenBLAS forward,
 * input gradient, weight+bias gradient, then oneDNN's same three, then the
 * largest relative difference between the two's results. */
#include "embed/nn.h"
#include "radnet/core.h"

#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define DN(call)                                                          \
    do {                                                                  \
        dnnl_status_t st_ = (call);                                       \
        if (st_ != dnnl_success) {                                        \
            fprintf(stderr, "%s:%d: %s = %d\n", __FILE__, __LINE__, #call, \
                    (int)st_);                                            \
            exit(1);                                                      \
        }                                                                 \
    } while (0)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static float *rnd(size_t n, uint64_t seed)
{
    float *a = malloc(n * sizeof *a);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        a[i] = (float)((seed >> 40) * (1.0 / 16777216.0)) - 0.5f;
    }
    return a;
}

static dnnl_memory_t mem(const dnnl_memory_desc_t *md, dnnl_engine_t e, void *p)
{
    dnnl_memory_t m;
    DN(dnnl_memory_create(&m, md, e, p ? p : DNNL_MEMORY_ALLOCATE));
    return m;
}

static dnnl_primitive_t prim(dnnl_primitive_desc_t pd)
{
    dnnl_primitive_t p;
    DN(dnnl_primitive_create(&p, pd));
    return p;
}

/* A reorder between two memories (NULL when their layouts agree). */
static dnnl_primitive_t reorder(dnnl_memory_t from, dnnl_memory_t to, dnnl_engine_t e)
{
    const dnnl_memory_desc_t *a, *b;
    DN(dnnl_memory_get_memory_desc(from, &a));
    DN(dnnl_memory_get_memory_desc(to, &b));
    if (dnnl_memory_desc_equal(a, b))
        return NULL;
    dnnl_primitive_desc_t pd;
    DN(dnnl_reorder_primitive_desc_create(&pd, a, e, b, e, NULL));
    return prim(pd);
}

static void run_reorder(dnnl_primitive_t r, dnnl_memory_t from, dnnl_memory_t to,
                        dnnl_stream_t s)
{
    if (!r)
        return;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    DN(dnnl_primitive_execute(r, s, 2, args));
}

int main(int argc, char **argv)
{
    if (argc != 9) {
        fprintf(stderr, "usage: %s N H W CIN COUT THREADS ITERS RUNS\n", argv[0]);
        return 2;
    }
    int64_t n = atoll(argv[1]), h = atoll(argv[2]), w = atoll(argv[3]);
    int64_t cin = atoll(argv[4]), cout = atoll(argv[5]);
    int threads = atoi(argv[6]), iters = atoi(argv[7]), runs = atoi(argv[8]);
    rn_blas_set_threads(threads);
    size_t xs = (size_t)(n * h * w * cin), ys = (size_t)(n * h * w * cout);
    size_t ws = (size_t)(cout * 9 * cin);
    float *x = rnd(xs, 1), *wt = rnd(ws, 2), *b = rnd((size_t)cout, 3);
    float *dy = rnd(ys, 4);
    float *y = malloc(ys * 4), *dx = malloc(xs * 4), *dw = malloc(ws * 4);
    float *db = malloc((size_t)cout * 4), *wflip = malloc(ws * 4);
    float *y2 = malloc(ys * 4), *dx2 = malloc(xs * 4), *dw2 = malloc(ws * 4);
    float *db2 = malloc((size_t)cout * 4);
    size_t col_images = (size_t)n;
    float *col = malloc((size_t)(n * h * w * 9 * (cin > cout ? cin : cout)) * 4);

    /* oneDNN set-up (not timed) */
    dnnl_engine_t eng;
    dnnl_stream_t str;
    DN(dnnl_engine_create(&eng, dnnl_cpu, 0));
    DN(dnnl_stream_create(&str, eng, dnnl_stream_default_flags));
    dnnl_dims_t xd = {n, cin, h, w}, yd = {n, cout, h, w}, wd = {cout, cin, 3, 3};
    dnnl_dims_t bd = {cout}, strides = {1, 1}, pad = {1, 1};
    dnnl_memory_desc_t x_md, y_md, w_user, w_any, b_md;
    DN(dnnl_memory_desc_init_by_tag(&x_md, 4, xd, dnnl_f32, dnnl_nhwc));
    DN(dnnl_memory_desc_init_by_tag(&y_md, 4, yd, dnnl_f32, dnnl_nhwc));
    DN(dnnl_memory_desc_init_by_tag(&w_user, 4, wd, dnnl_f32, dnnl_ohwi));
    DN(dnnl_memory_desc_init_by_tag(&w_any, 4, wd, dnnl_f32, dnnl_format_tag_any));
    DN(dnnl_memory_desc_init_by_tag(&b_md, 1, bd, dnnl_f32, dnnl_x));
    dnnl_convolution_desc_t fd, bdd, bwd;
    DN(dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training,
        dnnl_convolution_direct, &x_md, &w_any, &b_md, &y_md, strides, pad, pad));
    DN(dnnl_convolution_backward_data_desc_init(&bdd, dnnl_convolution_direct,
        &x_md, &w_any, &y_md, strides, pad, pad));
    DN(dnnl_convolution_backward_weights_desc_init(&bwd, dnnl_convolution_direct,
        &x_md, &w_any, &b_md, &y_md, strides, pad, pad));
    dnnl_primitive_desc_t fpd, bdpd, bwpd;
    DN(dnnl_primitive_desc_create(&fpd, &fd, NULL, eng, NULL));
    DN(dnnl_primitive_desc_create(&bdpd, &bdd, NULL, eng, fpd));
    DN(dnnl_primitive_desc_create(&bwpd, &bwd, NULL, eng, fpd));
    dnnl_primitive_t fwd_p = prim(fpd), bd_p = prim(bdpd), bw_p = prim(bwpd);
    dnnl_memory_t mx = mem(&x_md, eng, x), my = mem(&y_md, eng, y2);
    dnnl_memory_t mdy = mem(&y_md, eng, dy), mdx = mem(&x_md, eng, dx2);
    dnnl_memory_t mb = mem(&b_md, eng, b), mdb = mem(&b_md, eng, db2);
    dnnl_memory_t mw_user = mem(&w_user, eng, wt), mdw_user = mem(&w_user, eng, dw2);
    dnnl_memory_t mw_f = mem(dnnl_primitive_desc_query_md(fpd, dnnl_query_weights_md, 0), eng, NULL);
    dnnl_memory_t mw_bd = mem(dnnl_primitive_desc_query_md(bdpd, dnnl_query_weights_md, 0), eng, NULL);
    dnnl_memory_t mdw = mem(dnnl_primitive_desc_query_md(bwpd, dnnl_query_diff_weights_md, 0), eng, NULL);
    dnnl_primitive_t r_wf = reorder(mw_user, mw_f, eng), r_wbd = reorder(mw_user, mw_bd, eng);
    dnnl_primitive_t r_dw = reorder(mdw, mdw_user, eng);
    dnnl_memory_t wf = r_wf ? mw_f : mw_user, wbd = r_wbd ? mw_bd : mw_user;
    dnnl_memory_t dwm = r_dw ? mdw : mdw_user;

    /* medians per part: [method][part], part = forward, input gradient,
     * weight and bias gradient */
    enum { PARTS = 3 };
    double *t[2][PARTS];
    for (int m = 0; m < 2; m++)
        for (int q = 0; q < PARTS; q++)
            t[m][q] = malloc((size_t)runs * sizeof(double));
    dnnl_exec_arg_t fa[] = {{DNNL_ARG_SRC, mx}, {DNNL_ARG_WEIGHTS, wf},
                            {DNNL_ARG_BIAS, mb}, {DNNL_ARG_DST, my}};
    dnnl_exec_arg_t da[] = {{DNNL_ARG_DIFF_DST, mdy}, {DNNL_ARG_WEIGHTS, wbd},
                            {DNNL_ARG_DIFF_SRC, mdx}};
    dnnl_exec_arg_t wa[] = {{DNNL_ARG_SRC, mx}, {DNNL_ARG_DIFF_DST, mdy},
                            {DNNL_ARG_DIFF_WEIGHTS, dwm}, {DNNL_ARG_DIFF_BIAS, mdb}};
    for (int r = -1; r < runs; r++) {
        double c[2][PARTS + 1];
        c[0][0] = now();
        for (int i = 0; i < iters; i++)
            nn_conv3_forward(x, (size_t)n, (size_t)h, (size_t)w, (size_t)cin,
                             (size_t)cout, wt, b, y, col, col_images);
        c[0][1] = now();
        for (int i = 0; i < iters; i++)
            nn_conv3_backward(x, dy, (size_t)n, (size_t)h, (size_t)w, (size_t)cin,
                              (size_t)cout, wt, dw, db, dx, col, col_images, wflip);
        c[0][2] = now();
        for (int i = 0; i < iters; i++)
            nn_conv3_weight_grad(x, dy, (size_t)n, (size_t)h, (size_t)w, (size_t)cin,
                                 (size_t)cout, dw, db, col, col_images);
        c[0][3] = now();
        c[1][0] = now();
        for (int i = 0; i < iters; i++) {
            run_reorder(r_wf, mw_user, mw_f, str);
            DN(dnnl_primitive_execute(fwd_p, str, 4, fa));
            DN(dnnl_stream_wait(str));
        }
        c[1][1] = now();
        for (int i = 0; i < iters; i++) {
            run_reorder(r_wbd, mw_user, mw_bd, str);
            DN(dnnl_primitive_execute(bd_p, str, 3, da));
            DN(dnnl_stream_wait(str));
        }
        c[1][2] = now();
        for (int i = 0; i < iters; i++) {
            DN(dnnl_primitive_execute(bw_p, str, 4, wa));
            run_reorder(r_dw, mdw, mdw_user, str);
            DN(dnnl_stream_wait(str));
        }
        c[1][3] = now();
        if (r < 0)
            continue;
        for (int m = 0; m < 2; m++)
            for (int q = 0; q < PARTS; q++)
                t[m][q][r] = (c[m][q + 1] - c[m][q]) / iters * 1e3;
        /* radnet's middle interval ran the weight gradient too */
        t[0][1][r] -= t[0][2][r];
    }
    /* the two must compute the same thing */
    double diff = 0.0;
    struct { const float *a, *b; size_t n; } pairs[] = {
        {y, y2, ys}, {dx, dx2, xs}, {dw, dw2, ws}, {db, db2, (size_t)cout}};
    for (size_t p = 0; p < 4; p++) {
        double m = 1e-30, d = 0.0;
        for (size_t i = 0; i < pairs[p].n; i++) {
            m = fmax(m, fabs(pairs[p].b[i]));
            d = fmax(d, fabs((double)pairs[p].a[i] - pairs[p].b[i]));
        }
        diff = fmax(diff, d / m);
    }
    double med[2][PARTS];
    for (int m = 0; m < 2; m++)
        for (int q = 0; q < PARTS; q++) {
            qsort(t[m][q], (size_t)runs, sizeof(double), cmp_double);
            med[m][q] = t[m][q][runs / 2];
        }
    printf("%.3f %.3f %.3f %.3f %.3f %.3f %.2g\n", med[0][0], med[0][1],
           med[0][2], med[1][0], med[1][1], med[1][2], diff);
    return 0;
}
