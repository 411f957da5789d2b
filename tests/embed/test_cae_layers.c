/* The CAE kernels: the oneDNN and the im2col+GEMM convolutions and the
 * dense layer against their plain loop references, finite-difference gradients of a small
 * network, training determinism. Tolerances: float32 GEMM sums of at most
 * a few thousand terms of magnitude <= 1 against double references
 * (relative error well under 1e-5 of the tensor's scale); central
 * differences with step 1e-3 on a float32 loss (truncation ~h², rounding
 * ~1e-6 absolute per gradient). */
#include "embed/cae.h"
#include "embed/nn.h"
#include "rn_test.h"

#include <float.h>

static uint64_t rng_state = 12345;

static float urand(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((rng_state >> 40) * (1.0 / 16777216.0)) * 2.0f - 1.0f;
}

static float *rand_array(size_t n)
{
    float *a = malloc(n * sizeof *a);
    for (size_t i = 0; i < n; i++)
        a[i] = urand();
    return a;
}

/* max |a - b| / max(max |b|, tiny) */
static double rel_err(const float *a, const float *b, size_t n)
{
    double diff = 0.0, scale = 1e-30;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d > diff) diff = d;
        if (fabs((double)b[i]) > scale) scale = fabs((double)b[i]);
    }
    return diff / scale;
}

static void test_conv_against_reference(size_t n, size_t h, size_t w,
                                        size_t cin, size_t cout)
{
    size_t xs = n * h * w * cin, ys = n * h * w * cout, ws = cout * 9 * cin;
    float *x = rand_array(xs), *wt = rand_array(ws), *bias = rand_array(cout);
    float *dy = rand_array(ys);
    float *y = malloc(ys * sizeof *y), *yr = malloc(ys * sizeof *yr);
    float *col = malloc(n * h * w * 9 * (cin > cout ? cin : cout) * sizeof *col);
    float *dw = malloc(ws * sizeof *dw), *dwr = malloc(ws * sizeof *dwr);
    float *db = malloc(cout * sizeof *db), *dbr = malloc(cout * sizeof *dbr);
    float *dx = malloc(xs * sizeof *dx), *dxr = malloc(xs * sizeof *dxr);
    float *wflip = malloc(ws * sizeof *wflip);
    nn_ref_conv3_forward(x, n, h, w, cin, cout, wt, bias, yr);
    nn_ref_conv3_backward(x, dy, n, h, w, cin, cout, wt, dwr, dbr, dxr);
    /* oneDNN, training and inference plans, twice (cached primitives) */
    NnConv *conv = nn_conv_new(h, w, cin, cout, false, NULL);
    CHECK(conv != NULL);
    for (int rep = 0; conv && rep < 2; rep++) {
        for (int training = 0; training < 2; training++) {
            memset(y, 0, ys * sizeof *y);
            CHECK(nn_conv_forward(conv, x, n, wt, bias, y, training, NULL));
            CHECK_MSG(rel_err(y, yr, ys) < 1e-5, "onednn forward %g",
                      rel_err(y, yr, ys));
        }
        memset(dx, 0, xs * sizeof *dx);
        CHECK(nn_conv_backward_data(conv, dy, n, wt, dx, NULL));
        CHECK_MSG(rel_err(dx, dxr, xs) < 1e-5, "onednn dx %g", rel_err(dx, dxr, xs));
        /* a different batch size: the first image alone */
        CHECK(nn_conv_backward_data(conv, dy, 1, wt, dx, NULL));
    }
    nn_conv_free(conv);
    /* im2col + GEMM, the measured alternative */
    /* whole batch in one im2col, and one image at a time */
    for (size_t chunk = n; chunk >= 1; chunk = chunk == 1 ? 0 : 1) {
        nn_conv3_forward(x, n, h, w, cin, cout, wt, bias, y, col, chunk);
        CHECK_MSG(rel_err(y, yr, ys) < 1e-5, "conv forward %g", rel_err(y, yr, ys));
        memset(dw, 0, ws * sizeof *dw);
        nn_conv3_weight_grad(x, dy, n, h, w, cin, cout, dw, db, col, chunk);
        CHECK_MSG(rel_err(dw, dwr, ws) < 1e-5, "weight grad %g", rel_err(dw, dwr, ws));
        nn_conv3_backward(x, dy, n, h, w, cin, cout, wt, dw, db, dx, col, chunk,
                          wflip);
        CHECK_MSG(rel_err(dw, dwr, ws) < 1e-5, "conv dweight %g", rel_err(dw, dwr, ws));
        CHECK_MSG(rel_err(db, dbr, cout) < 1e-5, "conv dbias %g", rel_err(db, dbr, cout));
        CHECK_MSG(rel_err(dx, dxr, xs) < 1e-5, "conv dx %g", rel_err(dx, dxr, xs));
    }
    free(x); free(wt); free(bias); free(dy); free(y); free(yr); free(col);
    free(dw); free(dwr); free(db); free(dbr); free(dx); free(dxr); free(wflip);
}

/* A convolution with its ReLU fused (oneDNN post-op) gives max(z, 0) of
 * the reference, training and inference plans alike; zero where z < 0. */
static void test_conv_relu_fused(size_t n, size_t h, size_t w, size_t cin,
                                 size_t cout)
{
    size_t xs = n * h * w * cin, ys = n * h * w * cout, ws = cout * 9 * cin;
    float *x = rand_array(xs), *wt = rand_array(ws), *bias = rand_array(cout);
    float *y = malloc(ys * sizeof *y), *yr = malloc(ys * sizeof *yr);
    nn_ref_conv3_forward(x, n, h, w, cin, cout, wt, bias, yr);
    size_t negative = 0;
    for (size_t i = 0; i < ys; i++) {
        negative += yr[i] < 0;
        yr[i] = yr[i] > 0 ? yr[i] : 0;
    }
    CHECK(negative > 0 && negative < ys); /* the ReLU has work to do */
    NnConv *conv = nn_conv_new(h, w, cin, cout, true, NULL);
    CHECK(conv != NULL);
    for (int training = 0; conv && training < 2; training++) {
        memset(y, 0xff, ys * sizeof *y); /* NaN unless written */
        CHECK(nn_conv_forward(conv, x, n, wt, bias, y, training, NULL));
        CHECK_MSG(rel_err(y, yr, ys) < 1e-5, "fused relu %g", rel_err(y, yr, ys));
        size_t wrong_zero = 0;
        for (size_t i = 0; i < ys; i++)
            wrong_zero += (yr[i] == 0) != (y[i] <= 0) && fabsf(y[i] - yr[i]) > 1e-5f;
        CHECK(wrong_zero == 0);
    }
    nn_conv_free(conv);
    free(x); free(wt); free(bias); free(y); free(yr);
}

static void test_dense_against_reference(size_t n, size_t in, size_t out)
{
    float *x = rand_array(n * in), *wt = rand_array(out * in);
    float *bias = rand_array(out), *dy = rand_array(n * out);
    float *y = malloc(n * out * sizeof *y), *yr = malloc(n * out * sizeof *yr);
    float *dw = malloc(out * in * sizeof *dw), *dwr = malloc(out * in * sizeof *dwr);
    float *db = malloc(out * sizeof *db), *dbr = malloc(out * sizeof *dbr);
    float *dx = malloc(n * in * sizeof *dx), *dxr = malloc(n * in * sizeof *dxr);
    nn_dense_forward(x, n, in, out, wt, bias, y);
    nn_ref_dense_forward(x, n, in, out, wt, bias, yr);
    CHECK_MSG(rel_err(y, yr, n * out) < 1e-5, "dense forward");
    nn_dense_backward(x, dy, n, in, out, wt, dw, db, dx);
    nn_ref_dense_backward(x, dy, n, in, out, wt, dwr, dbr, dxr);
    CHECK_MSG(rel_err(dw, dwr, out * in) < 1e-5, "dense dweight");
    CHECK_MSG(rel_err(db, dbr, out) < 1e-5, "dense dbias");
    CHECK_MSG(rel_err(dx, dxr, n * in) < 1e-5, "dense dx");
    free(x); free(wt); free(bias); free(dy); free(y); free(yr);
    free(dw); free(dwr); free(db); free(dbr); free(dx); free(dxr);
}

static void test_pool_and_upsample(void)
{
    /* one 4×4 single-channel map with a tie in the first window */
    const float x[16] = {1, 1, 0, 2, 0, 0, 3, 1, 5, 4, 0, 0, 4, 5, 0, 7};
    float y[4], dx[16];
    const float dy[4] = {10, 20, 30, 40};
    nn_maxpool2_forward(x, 1, 4, 4, 1, y);
    CHECK(y[0] == 1 && y[1] == 3 && y[2] == 5 && y[3] == 7);
    nn_maxpool2_backward(x, dy, 1, 4, 4, 1, dx);
    const float want[16] = {10, 0, 0, 0, 0, 0, 20, 0, 30, 0, 0, 0, 0, 0, 0, 40};
    CHECK(memcmp(dx, want, sizeof want) == 0);
    float up[64], back[4];
    nn_upsample2_forward(y, 1, 2, 2, 1, up);
    CHECK(up[0] == 1 && up[1] == 1 && up[2] == 3 && up[4] == 1 && up[8] == 5 && up[10] == 7);
    nn_upsample2_backward(up, 1, 2, 2, 1, back);
    CHECK(back[0] == 4 && back[1] == 12 && back[2] == 20 && back[3] == 28);
}

/* Central differences of the loss for a spread of parameters of every
 * layer, against the analytic gradient. ReLU and max-pool make the loss
 * piecewise smooth: a parameter whose ±h step crosses a kink has one-sided
 * slopes that disagree by far more than curvature and float32 rounding
 * explain, and its central difference means nothing, so it is skipped. */
static void test_finite_differences(void)
{
    rng_state = 4242; /* its own inputs, whichever tests ran before */
    CaeConfig cfg = {.size = 8, .levels = 2, .channels = 3, .dim = 5};
    CaeNet *net = cae_net_new(&cfg, NULL);
    CHECK(net != NULL);
    if (!net)
        return;
    cae_net_init(net, 7);
    size_t n = 3, np = cae_net_param_count(net);
    float *x = malloc(n * 64 * sizeof *x);
    for (size_t i = 0; i < n * 64; i++)
        x[i] = 0.5f + 0.5f * urand();
    double loss;
    CHECK(cae_net_loss(net, x, n, true, &loss, NULL));
    float *grad = malloc(np * sizeof *grad);
    memcpy(grad, cae_net_grads(net), np * sizeof *grad);
    float *p = cae_net_params(net);
    double num = 0.0, den = 0.0;
    size_t checked = 0;
    const float h = 1e-3f;
    double l0;
    CHECK(cae_net_loss(net, x, n, false, &l0, NULL));
    /* Where the loss is smooth, the one-sided slopes over h = 1e-3 agree
     * to well under 1 % (curvature and float32 rounding); a jump of more
     * than 5 % is a kink. The floor keeps near-zero slopes, whose rounding
     * is relatively large, from counting as kinks. */
    double grad_sq = 0.0;
    for (size_t i = 0; i < np; i++)
        grad_sq += (double)grad[i] * grad[i];
    const double slope_floor = 1e-3 * sqrt(grad_sq / (double)np);
    for (size_t i = 0; i < np; i += 7) {
        float keep = p[i];
        double lp, lm;
        p[i] = keep + h;
        cae_net_loss(net, x, n, false, &lp, NULL);
        p[i] = keep - h;
        cae_net_loss(net, x, n, false, &lm, NULL);
        p[i] = keep;
        double fwd = (lp - l0) / h, bwd = (l0 - lm) / h;
        if (fabs(fwd - bwd) > 0.05 * (fabs(fwd) + fabs(bwd)) + slope_floor)
            continue; /* a kink within ±h */
        checked++;
        double fd = (lp - lm) / (2.0 * h);
        num += (fd - grad[i]) * (fd - grad[i]);
        den += (double)grad[i] * grad[i];
    }
    CHECK(checked > 50);
    CHECK(den > 0.0);
    CHECK_MSG(sqrt(num / den) < 1e-2, "finite differences: relative error %g",
              sqrt(num / den));
    free(x);
    free(grad);
    cae_net_free(net);
}

static uint8_t *blob_images(size_t n, uint32_t s)
{
    uint8_t *px = malloc(n * s * s);
    for (size_t i = 0; i < n; i++)
        for (uint32_t y = 0; y < s; y++)
            for (uint32_t x = 0; x < s; x++) {
                double cx = s * (0.3 + 0.05 * (double)(i % 5));
                double r = (x - cx) * (x - cx) + (y - s / 2.0) * (y - s / 2.0);
                px[(i * s + y) * s + x] = (uint8_t)(255.0 * exp(-r / (2.0 + i % 7)));
            }
    return px;
}

/* Same seed → same bytes; training lowers the loss. */
static void test_training_determinism(void)
{
    CaeConfig cfg = {.size = 16, .levels = 2, .channels = 4, .dim = 6};
    size_t n = 40;
    uint8_t *px = blob_images(n, cfg.size);
    CaeTrainOptions opt = {.batch = 8, .max_epochs = 6, .patience = 2,
                           .lr = 1e-2f, .val_fraction = 0.2, .seed = 3};
    float *params[2];
    CaeTrainReport rep[2];
    double initial = 0.0;
    for (int run = 0; run < 2; run++) {
        CaeNet *net = cae_net_new(&cfg, NULL);
        cae_net_init(net, 3);
        if (run == 0) {
            float *x = malloc(n * cfg.size * cfg.size * sizeof *x);
            for (size_t i = 0; i < n * cfg.size * cfg.size; i++)
                x[i] = px[i] / 255.0f;
            CHECK(cae_net_loss(net, x, n, false, &initial, NULL));
            free(x);
        }
        CHECK(cae_train(net, px, n, &opt, &rep[run], NULL));
        size_t np = cae_net_param_count(net);
        params[run] = malloc(np * sizeof(float));
        memcpy(params[run], cae_net_params(net), np * sizeof(float));
        if (run == 1)
            CHECK(memcmp(params[0], params[1], np * sizeof(float)) == 0);
        cae_net_free(net);
    }
    CHECK(rep[0].epochs >= 1 && rep[0].best_epoch >= 1);
    CHECK(rep[0].best_val_loss == rep[1].best_val_loss);
    CHECK_MSG(rep[0].best_val_loss < 0.5 * initial, "%g vs %g", rep[0].best_val_loss,
              initial);
    free(params[0]);
    free(params[1]);
    free(px);
}

static void test_bad_config(void)
{
    RnError *err = NULL;
    CaeConfig cfg = {.size = 12, .levels = 3, .channels = 4, .dim = 6};
    CHECK(cae_net_new(&cfg, &err) == NULL);
    CHECK(rn_error_code(err) == RN_ERROR_INVALID);
    rn_error_free(err);
}

int main(void)
{
    test_conv_against_reference(2, 5, 6, 1, 3);
    test_conv_against_reference(3, 8, 4, 5, 7);
    test_conv_against_reference(2, 6, 7, 9, 4); /* cout < cin: flipped dx */
    test_conv_against_reference(3, 1, 1, 3, 2);
    test_conv_against_reference(1, 2, 9, 2, 1);
    test_dense_against_reference(4, 37, 9);
    test_pool_and_upsample();
    test_finite_differences();
    test_training_determinism();
    test_bad_config();
    /* last: the random inputs of the tests above stay what they were */
    test_conv_relu_fused(3, 8, 4, 5, 7);
    test_conv_relu_fused(2, 16, 16, 16, 32);
    TEST_DONE();
}
