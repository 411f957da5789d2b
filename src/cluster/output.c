/* Cluster results as JSON (through RnJsonWriter) and text tables. */
#include "cluster_internal.h"

#include <math.h>

static const char *objective_name(RnClusterAlgo algo)
{
    return algo == RN_ALGO_KMEDOIDS ? "cost" : "inertia";
}

bool rn_cluster_model_json_fields(const RnClusterModel *m, RnJsonWriter *w)
{
    const RnClusterModelInfo *i = &m->info;
    rn_json_kv_string(w, "algo", rn_cluster_algo_name(i->algo));
    rn_json_kv_string(w, "method", rn_cluster_model_method(m));
    rn_json_kv_string(w, "metric", rn_distance_name(i->metric));
    rn_json_kv_uint(w, "k", i->k);
    rn_json_kv_uint(w, "d", i->d);
    rn_json_kv_uint(w, "n_train", i->n_train);
    rn_json_kv_uint(w, "seed", i->seed);
    rn_json_kv_double(w, objective_name(i->algo), i->objective);
    rn_json_kv_int(w, "n_iter", i->n_iter);
    rn_json_kv_bool(w, "converged", i->converged);
    if (i->algo != RN_ALGO_KMEDOIDS || m->medoids == NULL)
        return rn_json_kv_bool(w, "sampled", i->sampled);
    rn_json_kv_bool(w, "sampled", i->sampled);
    rn_json_key(w, "medoids");
    rn_json_begin_array(w);
    for (size_t c = 0; c < i->k; c++)
        rn_json_uint(w, m->medoids[c]);
    return rn_json_end_array(w);
}

static bool json_row(RnJsonWriter *w, const RnKSweepRow *r, RnClusterAlgo algo)
{
    rn_json_begin_object(w);
    rn_json_kv_uint(w, "k", r->k);
    rn_json_kv_double(w, objective_name(algo), r->inertia);
    rn_json_kv_double(w, "silhouette", r->silhouette);
    rn_json_key(w, "silhouette_ci");
    rn_json_begin_array(w);
    rn_json_double(w, r->silhouette_low);
    rn_json_double(w, r->silhouette_high);
    rn_json_end_array(w);
    rn_json_kv_double(w, "davies_bouldin", r->davies_bouldin);
    rn_json_kv_double(w, "calinski_harabasz", r->calinski_harabasz);
    return rn_json_end_object(w);
}

bool rn_ksweep_json(const RnKSweep *s, RnClusterAlgo algo, RnJsonWriter *w)
{
    const struct {
        const char *key;
        size_t row;
    } best[] = {{"best_k_silhouette", s->best_silhouette},
                {"best_k_davies_bouldin", s->best_davies_bouldin},
                {"best_k_calinski_harabasz", s->best_calinski_harabasz},
                {"elbow_k", s->elbow}};
    rn_json_begin_object(w);
    rn_json_kv_string(w, "algo", rn_cluster_algo_name(algo));
    rn_json_key(w, "rows");
    rn_json_begin_array(w);
    for (size_t i = 0; i < s->n_rows; i++)
        json_row(w, &s->rows[i], algo);
    rn_json_end_array(w);
    for (size_t b = 0; b < sizeof best / sizeof best[0]; b++) {
        rn_json_key(w, best[b].key);
        if (best[b].row < s->n_rows)
            rn_json_uint(w, s->rows[best[b].row].k);
        else
            rn_json_null(w);
    }
    return rn_json_end_object(w);
}

bool rn_ksweep_text(const RnKSweep *s, RnClusterAlgo algo, RnBuf *out, RnError **err)
{
    const char *obj = objective_name(algo);
    bool ok = rn_buf_printf(out, err, "%6s %16s %12s %21s %14s %18s\n", "k", obj,
                            "silhouette", "95% CI", "davies_bouldin", "calinski_harabasz");
    for (size_t i = 0; ok && i < s->n_rows; i++) {
        const RnKSweepRow *r = &s->rows[i];
        ok = rn_buf_printf(out, err, "%6zu %16.8g %12.6f [%9.6f,%9.6f] %14.6f %18.6g\n",
                           r->k, r->inertia, r->silhouette, r->silhouette_low,
                           r->silhouette_high, r->davies_bouldin, r->calinski_harabasz);
    }
    const struct {
        const char *what;
        size_t row;
    } best[] = {{"best k by silhouette", s->best_silhouette},
                {"best k by Davies-Bouldin", s->best_davies_bouldin},
                {"best k by Calinski-Harabasz", s->best_calinski_harabasz}};
    for (size_t b = 0; ok && b < sizeof best / sizeof best[0]; b++)
        if (best[b].row < s->n_rows)
            ok = rn_buf_printf(out, err, "%s: %zu\n", best[b].what, s->rows[best[b].row].k);
    if (ok && s->elbow < s->n_rows)
        return rn_buf_printf(out, err, "elbow (kneedle on %s): %zu\n", obj,
                             s->rows[s->elbow].k);
    return ok && rn_buf_printf(out, err, "elbow (kneedle on %s): none\n", obj);
}
