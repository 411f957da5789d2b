/* Cluster model options set by name (command lines, configuration). */
#include "cluster_internal.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A whole decimal number in [lo, hi]. */
static bool parse_count(const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    if (*v < '0' || *v > '9')
        return false;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || *end || x < lo || x > hi)
        return false;
    *out = x;
    return true;
}

static bool set_method(RnClusterModelOptions *o, const char *v)
{
    return o->algo == RN_ALGO_KMEDOIDS ? rn_kmedoids_method_parse(v, &o->kmedoids.method)
                                       : rn_kmeans_algorithm_parse(v, &o->kmeans.algorithm);
}

/* Given centres come through init_centers / init_medoids, not by name. */
static bool set_init(RnClusterModelOptions *o, const char *v)
{
    if (o->algo == RN_ALGO_KMEDOIDS)
        return rn_kmedoids_init_parse(v, &o->kmedoids.init) &&
               o->kmedoids.init != RN_KMEDOIDS_INIT_GIVEN;
    return rn_kmeans_init_parse(v, &o->kmeans.init) && o->kmeans.init != RN_KMEANS_INIT_GIVEN;
}

static bool set_metric(RnClusterModelOptions *o, const char *v)
{
    RnDistance d;
    if (!rn_distance_parse(v, &d) || (o->algo == RN_ALGO_KMEANS && d != RN_DISTANCE_EUCLIDEAN))
        return false;
    o->kmedoids.metric = d;
    return true;
}

static bool set_number(RnClusterModelOptions *o, const char *name, const char *v)
{
    uint64_t x;
    if (strcmp(name, "tol") == 0) {
        char *end;
        double t = strtod(v, &end);
        if (*end != '\0' || !(t >= 0) || !isfinite(t))
            return false;
        o->kmeans.tol = o->minibatch_options.tol = t;
        return true;
    }
    bool positive = strcmp(name, "seed") != 0 && strcmp(name, "batch") != 0 &&
                    strcmp(name, "max_exact") != 0 && strcmp(name, "sample_size") != 0;
    if (!parse_count(v, positive ? 1 : 0, strcmp(name, "seed") == 0 ? UINT64_MAX : 1000000000u,
                     &x))
        return false;
    if (strcmp(name, "k") == 0) o->k = (size_t)x;
    else if (strcmp(name, "seed") == 0) o->seed = x;
    else if (strcmp(name, "n_init") == 0) o->kmeans.n_init = (int)x;
    else if (strcmp(name, "max_iter") == 0)
        o->kmeans.max_iter = o->kmedoids.max_iter = o->minibatch_options.max_epochs = (int)x;
    else if (strcmp(name, "batch") == 0) {
        o->minibatch = x > 0;
        o->minibatch_options.batch_size = x ? (size_t)x : o->minibatch_options.batch_size;
    } else if (strcmp(name, "max_exact") == 0) o->kmedoids.max_exact_n = (size_t)x;
    else if (strcmp(name, "sample_size") == 0) o->kmedoids.sample_size = (size_t)x;
    else if (strcmp(name, "samples") == 0) o->kmedoids.n_samples = (int)x;
    else return false;
    return true;
}

bool rn_cluster_model_options_set(RnClusterModelOptions *o, const char *spelled,
                                  const char *value, RnError **err)
{
    char name[32];
    size_t len = 0;
    for (; spelled[len] && len + 1 < sizeof name; len++)
        name[len] = spelled[len] == '-' ? '_' : spelled[len];
    name[len] = '\0';
    if (strcmp(name, "init_method") == 0) /* the command line's spelling */
        strcpy(name, "init");
    static const char *const numbers[] = {"k", "seed", "n_init", "max_iter", "tol", "batch",
                                          "max_exact", "sample_size", "samples"};
    bool known = false, ok = false;
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0] && !known; i++)
        if (strcmp(name, numbers[i]) == 0)
            known = true, ok = set_number(o, name, value);
    if (strcmp(name, "algo") == 0)
        known = true, ok = rn_cluster_algo_parse(value, &o->algo);
    else if (strcmp(name, "method") == 0)
        known = true, ok = set_method(o, value);
    else if (strcmp(name, "init") == 0)
        known = true, ok = set_init(o, value);
    else if (strcmp(name, "metric") == 0)
        known = true, ok = set_metric(o, value);
    else if (strcmp(name, "group_share") == 0)
        known = true, ok = rn_group_share_parse(value, &o->group_share);
    if (!known)
        rn_error_set(err, RN_ERROR_INVALID, "%s: unknown option", spelled);
    else if (!ok)
        rn_error_set(err, RN_ERROR_INVALID, "%s: bad value '%s'%s", spelled, value,
                     strcmp(name, "metric") == 0 && o->algo == RN_ALGO_KMEANS
                         ? " (k-means is Euclidean; use algo kmedoids)" : "");
    return known && ok;
}

bool rn_cluster_model_options_set_all(RnClusterModelOptions *o, const char *const *names,
                                      const char *const *values, size_t n, RnError **err)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++)
            if ((strcmp(names[i], "algo") == 0) == (pass == 0) &&
                !rn_cluster_model_options_set(o, names[i], values[i], err))
                return false;
    o->kmeans.seed = o->kmedoids.seed = o->seed;
    return true;
}

bool rn_k_range_parse(const char *s, RnKRange *out)
{
    uint64_t v[3] = {0, 0, 1};
    size_t parts = 0;
    for (const char *p = s;; ) {
        size_t len = strcspn(p, ":");
        char text[24];
        if (parts == 3 || len == 0 || len >= sizeof text)
            return false;
        memcpy(text, p, len);
        text[len] = '\0';
        if (!parse_count(text, 1, SIZE_MAX, &v[parts++]))
            return false;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    if (parts > 1 && v[1] < v[0])
        return false;
    *out = (RnKRange){(size_t)v[0], parts > 1 ? (size_t)v[1] : (size_t)v[0], (size_t)v[2],
                      parts > 1};
    return true;
}

void rn_ksweep_options_from_model(RnKSweepOptions *so, const RnClusterModelOptions *o,
                                  const RnKRange *k)
{
    rn_ksweep_options_default(so);
    so->k_min = k->min;
    so->k_max = k->max;
    so->k_step = k->step;
    so->algo = o->algo;
    so->kmeans = o->kmeans;
    so->kmedoids = o->kmedoids;
    so->pool = o->pool;
}
