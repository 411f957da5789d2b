/* Timing driver for the eval stage (run by bench/bench_eval.sh).
 *
 *   bench_eval silhouette X.npy labels.npy THREADS REPS
 *   bench_eval labels T.npy P.npy REPS
 *
 * Labels are int64 .npy vectors. Prints one line per measurement:
 * `name median_wall_s median_cpu_s value` (medians over REPS runs; CPU time
 * is summed over threads, so it does not depend on the machine's load; the
 * value is printed so the peer's can be compared). */
#include "radnet/eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct Stamp {
    double wall, cpu;
} Stamp;

static Stamp now(void)
{
    return (Stamp){clock_s(CLOCK_MONOTONIC), clock_s(CLOCK_PROCESS_CPUTIME_ID)};
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, compare_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int32_t *load_labels(const char *path, size_t *n)
{
    RnArray a;
    RnError *err = NULL;
    if (!rn_npy_read(path, &a, &err) || a.ndim != 1 || a.dtype != RN_DTYPE_I64) {
        fprintf(stderr, "%s: %s\n", path, err ? rn_error_message(err) : "need 1-D int64");
        exit(2);
    }
    *n = a.shape[0];
    int32_t *out = malloc(*n * sizeof *out);
    for (size_t i = 0; i < *n; i++)
        out[i] = (int32_t)((int64_t *)a.data)[i];
    rn_array_free(&a);
    return out;
}

static int bench_silhouette(const char *xp, const char *lp, int threads, int reps)
{
    RnArray a;
    RnError *err = NULL;
    if (!rn_npy_read(xp, &a, &err) || a.ndim != 2) {
        fprintf(stderr, "%s: %s\n", xp, err ? rn_error_message(err) : "need 2-D");
        return 2;
    }
    size_t n;
    int32_t *lab = load_labels(lp, &n);
    RnMatrix X = {a.data, a.shape[0], a.shape[1], 0, a.dtype};
    RnPool *pool = rn_pool_open(threads, &err);
    if (pool == NULL) {
        fprintf(stderr, "pool: %s\n", rn_error_message(err));
        return 4;
    }
    double *wall = malloc((size_t)reps * sizeof *wall), score = 0;
    double *cpu = malloc((size_t)reps * sizeof *cpu);
    for (int r = 0; r < reps; r++) {
        Stamp t0 = now();
        if (!rn_silhouette_score(&X, lab, RN_DISTANCE_EUCLIDEAN, pool, &score, &err)) {
            fprintf(stderr, "silhouette: %s\n", rn_error_message(err));
            return 4;
        }
        Stamp t1 = now();
        wall[r] = t1.wall - t0.wall;
        cpu[r] = t1.cpu - t0.cpu;
    }
    printf("silhouette_score %.6f %.6f %.17g\n", median(wall, reps), median(cpu, reps), score);
    free(wall);
    free(cpu);
    free(lab);
    rn_pool_close(pool);
    rn_array_free(&a);
    return 0;
}

static int bench_labels(const char *tp, const char *pp, int reps)
{
    size_t n, n2;
    int32_t *t = load_labels(tp, &n), *p = load_labels(pp, &n2);
    if (n != n2)
        return 2;
    /* wall and CPU seconds of AMI and NMI per repetition */
    double *w[2], *c[2], v[2] = {0, 0};
    for (int m = 0; m < 2; m++) {
        w[m] = malloc((size_t)reps * sizeof *w[m]);
        c[m] = malloc((size_t)reps * sizeof *c[m]);
    }
    for (int r = 0; r < reps; r++) {
        Stamp t0 = now();
        bool ok = rn_adjusted_mutual_info(t, p, n, RN_AVERAGE_ARITHMETIC, &v[0], NULL);
        Stamp t1 = now();
        ok = ok && rn_normalized_mutual_info(t, p, n, RN_AVERAGE_ARITHMETIC, &v[1], NULL);
        Stamp t2 = now();
        if (!ok)
            return 4;
        w[0][r] = t1.wall - t0.wall;
        c[0][r] = t1.cpu - t0.cpu;
        w[1][r] = t2.wall - t1.wall;
        c[1][r] = t2.cpu - t1.cpu;
    }
    const char *names[2] = {"adjusted_mutual_info_score", "normalized_mutual_info_score"};
    for (int m = 0; m < 2; m++) {
        printf("%s %.6f %.6f %.17g\n", names[m], median(w[m], reps), median(c[m], reps), v[m]);
        free(w[m]);
        free(c[m]);
    }
    free(t);
    free(p);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "silhouette") == 0)
        return bench_silhouette(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
    if (argc == 5 && strcmp(argv[1], "labels") == 0)
        return bench_labels(argv[2], argv[3], atoi(argv[4]));
    fprintf(stderr, "usage: bench_eval silhouette X.npy L.npy THREADS REPS | "
                    "labels T.npy P.npy REPS\n");
    return 1;
}
