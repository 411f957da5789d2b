/* `radnet fuse`: the workspace's embeddings in, WS/embeddings/fused.npy and
 * WS/models/fusion.model out (the stage contract: DEVELOPING.md). */
#include "fusion_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Fuse {
    RnStore *store;
    const RnFuseRunOptions *o;
    RnFuseSummary *sum;
    RnFusionScale scale;
    size_t reduce;
    size_t impute;
    double impute_map;
    char hashes[RN_FUSION_MAX_INPUTS][17];
    char rows_hash[17];
    RnMatrixFile files[RN_FUSION_MAX_INPUTS];
    bool reduce_is_default;     /* capped at the fused dimension */
} Fuse;

static bool npy_name(const char *input, char *out, size_t cap, RnError **err)
{
    if (!*input || strchr(input, '/') || strstr(input, "..") ||
        (size_t)snprintf(out, cap, "embeddings/%s.npy", input) >= cap) {
        rn_error_set(err, RN_ERROR_INVALID, "bad embedding name '%s'", input);
        return false;
    }
    return true;
}

static bool add_input(Fuse *f, const char *input, double weight, RnError **err)
{
    RnFuseSummary *sum = f->sum;
    if (sum->n_inputs >= RN_FUSION_MAX_INPUTS || strlen(input) >= sizeof sum->inputs[0]) {
        rn_error_set(err, RN_ERROR_INVALID, "too many inputs or name too long: %s", input);
        return false;
    }
    strcpy(sum->inputs[sum->n_inputs], input);
    sum->weights[sum->n_inputs++] = weight;
    return true;
}

/* Inputs and weights: the options', else the study's, else the defaults
 * that the workspace has. */
static bool choose_inputs(Fuse *f, RnError **err)
{
    const RnFuseRunOptions *o = f->o;
    f->scale = o->scale;
    f->reduce = o->reduce;
    f->impute = o->no_impute ? 0 : o->impute ? o->impute
                                 : o->inputs ? 0 : rn_fusion_default_impute();
    f->impute_map = f->impute && !o->no_impute_map ? rn_fusion_default_impute_map() : 0;
    if (o->inputs) {
        for (size_t i = 0; i < o->n_inputs; i++)
            if (!add_input(f, o->inputs[i], o->weights ? o->weights[i] : 1.0, err))
                return false;
        return true;
    }
    RnFusionChoice c;
    bool found = false;
    if (!rn_fusion_choice_get(f->store, &c, &found, err))
        return false;
    if (found) {
        for (size_t i = 0; i < c.n_inputs; i++)
            if (!add_input(f, c.inputs[i], o->weights ? o->weights[i] : c.weights[i], err))
                return false;
        f->scale = c.scale;
        f->reduce = o->reduce ? o->reduce : c.reduce;
        f->sum->from_study = true;
        return !o->weights || o->n_inputs == c.n_inputs ||
               (rn_error_set(err, RN_ERROR_INVALID, "%zu weights for %zu inputs",
                             o->n_inputs, c.n_inputs), false);
    }
    size_t n_defaults, k = 0;
    const RnFusionDefault *d = rn_fusion_defaults(&n_defaults);
    if (!f->reduce) {
        f->reduce = rn_fusion_default_reduce();
        f->reduce_is_default = true;
    }
    for (size_t i = 0; i < n_defaults; i++) {
        char name[96], hash[17];
        snprintf(name, sizeof name, "embeddings/%s.npy", d[i].input);
        if (!rn_store_artifact_hash(f->store, name, hash, &found, err))
            return false;
        double w = o->weights && k < o->n_inputs ? o->weights[k] : d[i].weight;
        if (found && !add_input(f, d[i].input, w, err))
            return false;
        k += found;
    }
    if (k == 0) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "%s: no embeddings to fuse (run radnet embed first)",
                     rn_store_path(f->store));
        return false;
    }
    if (o->weights && o->n_inputs != k) {
        rn_error_set(err, RN_ERROR_INVALID, "%zu weights for %zu inputs", o->n_inputs, k);
        return false;
    }
    return true;
}

static bool params_json(Fuse *f, RnBuf *out, RnError **err)
{
    RnJsonWriter *w = rn_json_open(out, 0, err);
    if (!w)
        return false;
    rn_json_begin_object(w);
    rn_json_kv_string(w, "rows", f->rows_hash);
    rn_json_kv_string(w, "scale", rn_fusion_scale_name(f->scale));
    rn_json_kv_uint(w, "reduce", f->reduce);
    rn_json_kv_uint(w, "impute", f->impute);
    rn_json_kv_double(w, "impute_map", f->impute_map);
    rn_json_key(w, "inputs");
    rn_json_begin_array(w);
    for (size_t i = 0; i < f->sum->n_inputs; i++) {
        rn_json_begin_object(w);
        rn_json_kv_string(w, "name", f->sum->inputs[i]);
        rn_json_kv_string(w, "hash", f->hashes[i]);
        rn_json_kv_double(w, "weight", f->sum->weights[i]);
        rn_json_end_object(w);
    }
    rn_json_end_array(w);
    rn_json_end_object(w);
    bool ok = rn_json_finish(w, err);
    rn_json_close(w);
    return ok && rn_buf_terminate(out, err);
}

/* Lines of rows.csv minus its header. */
static bool rows_csv_count(RnStore *s, uint64_t *rows, RnError **err)
{
    char *path = rn_store_artifact_path(s, RN_STORE_ROWS, err);
    FILE *fp = path ? fopen(path, "rb") : NULL;
    if (path && !fp)
        rn_error_set(err, RN_ERROR_IO, "%s: cannot open", path);
    free(path);
    if (!fp)
        return false;
    char buf[65536];
    uint64_t lines = 0;
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, fp)) > 0)
        for (size_t i = 0; i < got; i++)
            lines += buf[i] == '\n';
    fclose(fp);
    *rows = lines ? lines - 1 : 0;
    return true;
}

static bool open_inputs(Fuse *f, RnFusionInput *in, RnError **err)
{
    uint64_t rows = 0;
    if (!rows_csv_count(f->store, &rows, err))
        return false;
    for (size_t i = 0; i < f->sum->n_inputs; i++) {
        char name[96];
        npy_name(f->sum->inputs[i], name, sizeof name, err);
        char *path = rn_store_artifact_path(f->store, name, err);
        bool ok = path && rn_matrix_file_open(path, 0, true, &f->files[i], err);
        free(path);
        if (!ok)
            return false;
        in[i] = (RnFusionInput){.name = f->sum->inputs[i], .x = f->files[i].m,
                                .missing = rn_fusion_input_missing(f->sum->inputs[i])};
        if (in[i].x.rows != rows) {
            rn_error_set(err, RN_ERROR_INVALID,
                         "%s has %zu rows but %s has %llu: rerun radnet embed for it",
                         name, in[i].x.rows, RN_STORE_ROWS, (unsigned long long)rows);
            return false;
        }
    }
    return true;
}

static bool write_npy(const char *path, const float *x, size_t n, size_t d, RnError **err)
{
    RnArray a = {.dtype = RN_DTYPE_F32, .ndim = 2, .shape = {n, d}, .data = (void *)x};
    return rn_npy_write(path, &a, err);
}

static bool commit_file(RnStore *s, const char *name, int64_t run, const char *params,
                        const RnFusionModel *m, const float *x, size_t n, RnError **err)
{
    RnArtifactWriter *a = rn_store_artifact_begin(s, name, err);
    if (!a)
        return false;
    bool ok = x ? write_npy(rn_artifact_tmp_path(a), x, n, rn_fusion_dim(m), err)
                : rn_fusion_model_save(m, rn_artifact_tmp_path(a), err);
    if (!ok) {
        rn_store_artifact_abort(a);
        return false;
    }
    return rn_store_artifact_commit(s, a, run, params, NULL, err);
}

static bool fuse_and_commit(Fuse *f, int64_t run, const char *params, RnError **err)
{
    RnFusionInput in[RN_FUSION_MAX_INPUTS];
    double w[RN_FUSION_MAX_INPUTS];
    memcpy(w, f->sum->weights, sizeof w);
    bool ok = open_inputs(f, in, err);
    size_t dim = 0;
    for (size_t i = 0; ok && i < f->sum->n_inputs; i++)
        dim += in[i].x.cols;
    if (ok && f->reduce_is_default && f->reduce > dim)
        f->reduce = dim;
    RnPool *pool = ok ? rn_pool_open(f->o->threads, err) : NULL;
    RnFusionOptions fo = {.scale = f->scale, .weights = w, .reduce = f->reduce,
                          .impute = f->impute, .impute_map = f->impute_map,
                          .pool = pool};
    RnFusionModel *m = pool ? rn_fusion_fit(in, f->sum->n_inputs, &fo, err) : NULL;
    size_t n = ok ? in[0].x.rows : 0, count = 0;
    float *x = m && rn_mul_size(n, rn_fusion_dim(m), &count)
                   ? rn_malloc(count * sizeof *x + 1, err)
                   : NULL;
    ok = x &&
         rn_fusion_transform_pool(m, in, f->sum->n_inputs, pool, x, &f->sum->missing, err);
    rn_pool_close(pool);
    ok = ok &&
         commit_file(f->store, RN_FUSION_MODEL, run, params, m, NULL, 0, err) &&
         commit_file(f->store, RN_FUSION_NPY, run, params, m, x, n, err);
    if (ok) {
        f->sum->rows = n;
        f->sum->dim = rn_fusion_dim(m);
    }
    free(x);
    rn_fusion_model_free(m);
    return ok;
}

static bool fuse_store(Fuse *f, RnError **err)
{
    bool found = false;
    if (!choose_inputs(f, err) ||
        !rn_store_artifact_hash(f->store, RN_STORE_ROWS, f->rows_hash, &found, err))
        return false;
    if (!found) {
        rn_error_set(err, RN_ERROR_INVALID, "%s: no %s (run radnet embed first)",
                     rn_store_path(f->store), RN_STORE_ROWS);
        return false;
    }
    for (size_t i = 0; i < f->sum->n_inputs; i++) {
        char name[96];
        if (!npy_name(f->sum->inputs[i], name, sizeof name, err) ||
            !rn_store_artifact_hash(f->store, name, f->hashes[i], &found, err))
            return false;
        if (!found) {
            rn_error_set(err, RN_ERROR_INVALID, "%s: no %s (run radnet embed for it)",
                         rn_store_path(f->store), name);
            return false;
        }
    }
    RnBuf params = RN_BUF_INIT;
    bool same_npy = false, same_model = false;
    bool ok = params_json(f, &params, err) &&
              rn_store_artifact_current(f->store, RN_FUSION_NPY, (char *)params.data, &same_npy,
                                        err) &&
              rn_store_artifact_current(f->store, RN_FUSION_MODEL, (char *)params.data,
                                        &same_model, err);
    if (ok && same_npy && same_model && !f->o->force) {
        f->sum->up_to_date = true;
        rn_buf_free(&params);
        return true;
    }
    int64_t run = 0;
    ok = ok && rn_store_run_begin(f->store, "fuse", f->o->command, (char *)params.data,
                                  &run, err);
    if (ok) {
        RnError *e = NULL;
        bool done = fuse_and_commit(f, run, (char *)params.data, &e);
        rn_store_run_end(f->store, run, done ? RN_RUN_DONE : RN_RUN_FAILED,
                         done ? NULL : rn_error_message(e), NULL);
        if (!done)
            rn_error_propagate(err, e);
        ok = done;
    }
    rn_buf_free(&params);
    return ok;
}

bool rn_fuse_workspace(const char *ws, const RnFuseRunOptions *o, RnFuseSummary *summary,
                       RnError **err)
{
    memset(summary, 0, sizeof *summary);
    RnStore *s = rn_store_open_wait(ws, RN_STORE_WRITE, o->lock_wait, err);
    if (!s)
        return false;
    Fuse f = {.store = s, .o = o, .sum = summary};
    bool ok = fuse_store(&f, err);
    for (size_t i = 0; i < RN_FUSION_MAX_INPUTS; i++)
        rn_matrix_file_close(&f.files[i]);
    rn_store_close(s);
    return ok;
}
