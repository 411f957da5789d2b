/* CAE throughput: training steps (forward, backward, Adam) and bottleneck
 * inference on random batches, for bench/bench_cae.sh.
 *
 *   bench_cae MODE SIZE LEVELS CHANNELS DIM BATCH THREADS STEPS RUNS
 *
 * MODE is train or infer. Prints the median images/s over RUNS runs of
 * STEPS batches each (one untimed warm-up batch first). */
#include "embed/cae.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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

int main(int argc, char **argv)
{
    if (argc != 10) {
        fprintf(stderr, "usage: %s train|infer SIZE LEVELS CHANNELS DIM BATCH "
                        "THREADS STEPS RUNS\n", argv[0]);
        return 2;
    }
    bool train = argv[1][0] == 't';
    CaeConfig cfg = {.size = (uint32_t)atoi(argv[2]), .levels = (uint32_t)atoi(argv[3]),
                     .channels = (uint32_t)atoi(argv[4]), .dim = (uint32_t)atoi(argv[5])};
    size_t batch = (size_t)atoi(argv[6]);
    int threads = atoi(argv[7]), steps = atoi(argv[8]), runs = atoi(argv[9]);
    rn_blas_set_threads(threads);
    omp_set_num_threads(threads);
    CaeNet *net = cae_net_new(&cfg, NULL);
    CaeAdam *adam = net ? cae_adam_new(net, 1e-3f, NULL) : NULL;
    if (!adam)
        return 1;
    cae_net_init(net, 1);
    size_t ppi = (size_t)cfg.size * cfg.size;
    float *x = malloc(batch * ppi * sizeof *x), *z = malloc(batch * cfg.dim * sizeof *z);
    uint64_t s = 7;
    for (size_t i = 0; i < batch * ppi; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = (float)((s >> 40) * (1.0 / 16777216.0));
    }
    double *rate = malloc((size_t)runs * sizeof *rate), loss;
    for (int r = -1; r < runs; r++) {
        double t0 = now();
        for (int k = 0; k < (r < 0 ? 1 : steps); k++) {
            if (train) {
                cae_net_loss(net, x, batch, true, &loss, NULL);
                cae_adam_step(adam, net);
            } else {
                cae_net_encode(net, x, batch, z, NULL);
            }
        }
        if (r >= 0)
            rate[r] = (double)steps * (double)batch / (now() - t0);
    }
    qsort(rate, (size_t)runs, sizeof *rate, cmp_double);
    printf("%.1f\n", rate[runs / 2]);
    free(rate);
    free(x);
    free(z);
    cae_adam_free(adam);
    cae_net_free(net);
    return 0;
}
