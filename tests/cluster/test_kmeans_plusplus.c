/* The k-means++ sampling distribution itself (Arthur & Vassilvitskii): the
 * first centre uniform, the second drawn with probability D(x)² / sum D².
 * With one local trial radnet's greedy seeding is exactly that, so the
 * joint frequencies of (first, second) over many seeds must fit
 * P(i, j) = (1/n) D²(i,j) / sum_l D²(i,l). A chi-square goodness-of-fit
 * test with fixed seeds; the critical value is the 1 - 1e-6 quantile for
 * the table's degrees of freedom, so a correct sampler fails with
 * probability 1e-6 for a random choice of seeds, while sampling by D (not
 * D²) gives a statistic in the thousands at this sample size. */
#include "radnet/cluster.h"
#include "rn_test.h"

#include <math.h>

#define N 6
#define SEEDS 30000

/* Every expected cell count is >= 26 at this size (the smallest is
 * SEEDS / 6 * 1 / 191, point 1 after point 0), above the usual 5. */
static const double points[N] = {0, 1, 2, 4, 7, 11};

/* Wilson-Hilferty approximation of the chi-square quantile for df degrees
 * of freedom at the standard normal quantile z (z = 4.753: 1 - 1e-6). */
static double chi2_quantile(double df, double z)
{
    double a = 2.0 / (9.0 * df);
    double t = 1.0 - a + z * sqrt(a);
    return df * t * t * t;
}

int main(void)
{
    RnMatrix X = {.data = points, .rows = N, .cols = 1, .dtype = RN_DTYPE_F64};
    static long count[N][N];
    double centers[2];
    size_t idx[2];
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        RnError *err = NULL;
        if (!rn_kmeans_plusplus(&X, 2, 1, seed, 1, centers, idx, &err)) {
            CHECK_MSG(false, "seed %llu: %s", (unsigned long long)seed, rn_error_message(err));
            rn_error_free(err);
            return 1;
        }
        CHECK_MSG(idx[0] < N && idx[1] < N, "indices %zu %zu", idx[0], idx[1]);
        if (idx[0] < N && idx[1] < N)
            count[idx[0]][idx[1]]++;
    }
    double chi2 = 0;
    int cells = 0;
    for (int i = 0; i < N; i++) {
        double sum = 0;
        for (int j = 0; j < N; j++)
            sum += (points[i] - points[j]) * (points[i] - points[j]);
        for (int j = 0; j < N; j++) {
            double d2 = (points[i] - points[j]) * (points[i] - points[j]);
            if (d2 == 0) {
                CHECK_MSG(count[i][j] == 0, "a centre chosen twice (%d) %ld times", i,
                          count[i][j]);
                continue;
            }
            double expected = (double)SEEDS / N * d2 / sum;
            chi2 += (count[i][j] - expected) * (count[i][j] - expected) / expected;
            cells++;
        }
    }
    double limit = chi2_quantile(cells - 1, 4.753);
    fprintf(stderr, "chi-square %.1f over %d cells, limit %.1f\n", chi2, cells, limit);
    CHECK_MSG(chi2 < limit, "first/second centre frequencies: chi-square %.1f >= %.1f", chi2,
              limit);
    TEST_DONE();
}
