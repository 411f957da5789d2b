/* The metadata autoencoder: back-propagated gradients against central
 * finite differences, training lowers the reconstruction error, and fits
 * are deterministic. */
#include "embed/meta_ae.h"
#include "rn_test.h"

#include <stdlib.h>

static uint64_t state = 12345;
static double urand(void)
{
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(state >> 11) / 9007199254740992.0;
}

static void test_gradient(void)
{
    RnAeOptions o = rn_ae_options_default();
    o.dropout = 0; /* a deterministic function of the parameters */
    o.seed = 7;
    size_t d = 6, b = 8;
    RnAe *ae = rn_ae_new(d, &o, NULL);
    CHECK(ae != NULL);
    if (!ae)
        return;
    double X[8 * 6];
    for (size_t i = 0; i < b * d; i++)
        X[i] = urand();
    size_t P = rn_ae_param_count(ae);
    double *g = calloc(P, sizeof *g), *tmp = calloc(P, sizeof *tmp);
    double *p = rn_ae_params(ae);
    double loss = rn_ae_batch_grad(ae, X, b, g, NULL);
    CHECK(isfinite(loss) && loss > 0);
    /* central differences: truncation O(h²·f''') and rounding
     * O(1e-16·loss/h) are both far below 1e-7 at h = 1e-5 */
    const double h = 1e-5;
    double worst = 0;
    for (size_t i = 0; i < P; i++) {
        double keep = p[i];
        p[i] = keep + h;
        double up = rn_ae_batch_grad(ae, X, b, tmp, NULL);
        p[i] = keep - h;
        double down = rn_ae_batch_grad(ae, X, b, tmp, NULL);
        p[i] = keep;
        double num = (up - down) / (2 * h);
        double diff = fabs(num - g[i]);
        worst = diff > worst ? diff : worst;
        CHECK_MSG(diff <= 1e-7 + 1e-5 * fabs(num), "parameter %zu: %.10g vs %.10g", i, g[i],
                  num);
    }
    fprintf(stderr, "%zu parameters, worst gradient difference %.3g\n", P, worst);
    free(g);
    free(tmp);
    rn_ae_free(ae);
}

/* Rows on a 2-D plane in 8 dimensions: an autoencoder with a bottleneck of
 * 4 must reconstruct them far better than the column means do. */
static void test_training(void)
{
    size_t n = 400, d = 8;
    double *X = calloc(n * d, sizeof *X);
    for (size_t i = 0; i < n; i++) {
        double s = urand(), t = urand();
        for (size_t j = 0; j < d; j++)
            X[i * d + j] = 0.5 + 0.2 * cos((double)j) * (2 * s - 1) + 0.2 * sin((double)j) * (2 * t - 1);
    }
    RnAeOptions o = rn_ae_options_default();
    o.seed = 3;
    unsigned epochs = 0;
    RnError *err = NULL;
    RnAe *ae = rn_ae_fit(X, n, d, &o, &epochs, &err);
    CHECK_MSG(ae != NULL, "%s", err ? rn_error_message(err) : "");
    if (!ae)
        return;
    CHECK_EQ_INT(rn_ae_dim(ae), 4);
    CHECK(epochs >= 1 && epochs <= o.max_epochs);
    float *z = calloc(n * 4, sizeof *z), *z2 = calloc(n * 4, sizeof *z2);
    CHECK(rn_ae_encode(ae, X, n, z, &err));
    /* a refit with the same seed is identical */
    RnAe *ae2 = rn_ae_fit(X, n, d, &o, NULL, &err);
    CHECK(ae2 && rn_ae_encode(ae2, X, n, z2, &err));
    CHECK(memcmp(z, z2, n * 4 * sizeof *z) == 0);
    /* the bottleneck codes vary (not a collapsed constant) */
    double var = 0;
    for (size_t j = 0; j < 4; j++) {
        double mu = 0, v = 0;
        for (size_t i = 0; i < n; i++)
            mu += z[i * 4 + j] / (double)n;
        for (size_t i = 0; i < n; i++)
            v += (z[i * 4 + j] - mu) * (z[i * 4 + j] - mu) / (double)n;
        var += v;
    }
    CHECK(var > 1e-3);
    /* reconstruction error (evaluation mode) below the error of
     * predicting each column's mean */
    double mean_err = 0;
    for (size_t j = 0; j < d; j++) {
        double mu = 0;
        for (size_t i = 0; i < n; i++)
            mu += X[i * d + j] / (double)n;
        for (size_t i = 0; i < n; i++)
            mean_err += (X[i * d + j] - mu) * (X[i * d + j] - mu) / (double)(n * d);
    }
    double loss = rn_ae_reconstruction_mse(ae, X, n, &err);
    fprintf(stderr, "AE: %u epochs, batch MSE %.5f vs column-mean MSE %.5f\n", epochs, loss,
            mean_err);
    CHECK(loss < 0.25 * mean_err);
    free(z);
    free(z2);
    free(X);
    rn_ae_free(ae);
    rn_ae_free(ae2);
}

int main(void)
{
    test_gradient();
    test_training();
    TEST_DONE();
}
