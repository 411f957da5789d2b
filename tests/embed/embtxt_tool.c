/* Test tool for the text and metadata extractors: dumps intermediate
 * results for the Python oracles (scikit-learn, numpy, pandas).
 *   embtxt_tool norm IN.txt OUT.txt [fold stem neg]   normalised lines
 *   embtxt_tool tfidf IN.txt OUTDIR wmin wmax cmin cmax min_df max_feat sublinear k
 *           [oversamples iters]
 *       OUTDIR/norm.txt, vocab.txt, idf.npy, X.npy (dense), comps.npy, sigma.npy
 *       (randomized SVD with oversamples (default: every row) and iters power
 *       iterations (default 7))
 *   embtxt_tool meta IN.txt OUTDIR        IN.txt: one elements object per line
 *       OUTDIR/names.txt (feature names), raw.npy (encoded, NaN = missing),
 *       scaled.npy (imputed and MinMax-scaled), emb.npy (the `authors` rows)
 *   embtxt_tool d2v IN.txt OUTDIR dim epochs negative min_count sample threads
 *           [train_threads]
 *       OUTDIR/norm.txt, train.npy (trained document vectors), infer.npy
 *       (inferred; threads 0: inference skipped, zeros), loss.npy (mean loss
 *       per epoch); training uses train_threads (default threads, at least 1)
 *   embtxt_tool embed SOURCE METHOD ITEMS.jsonl OUT.npy [DIM [OPTIONS [SAMPLE [THREADS]]]]
 *       fits on the first SAMPLE items (default all) with THREADS workers
 *       (default one per CPU), writes every row (float32); ITEMS.jsonl:
 *       {"e": elements object text, "r": report|null}
 * IN.txt: one UTF-8 document per line. */
#include "embed/doc2vec.h"
#include "embed/meta_pipeline.h"
#include "embed/text_norm.h"
#include "radnet/embed.h"
#include "embed/tfidf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int die(RnError *err)
{
    fprintf(stderr, "embtxt_tool: %s\n", err ? rn_error_message(err) : "usage");
    return 1;
}

static char **read_lines(const char *path, size_t *n)
{
    uint8_t *data;
    size_t len;
    if (!rn_file_read_all(path, 1u << 30, &data, &len, NULL))
        return NULL;
    char **lines = calloc(len + 2, sizeof *lines);
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || data[i] == '\n') {
            if (i == len && i == start)
                break;
            lines[k] = malloc(i - start + 1);
            memcpy(lines[k], data + start, i - start);
            lines[k++][i - start] = 0;
            start = i + 1;
        }
    free(data);
    *n = k;
    return lines;
}

static void free_lines(char **lines, size_t n)
{
    for (size_t i = 0; lines && i < n; i++)
        free(lines[i]);
    free(lines);
}

static char **normalize_all(char **lines, size_t n, const RnTextOptions *o, RnError **err)
{
    RnTextNorm *tn = rn_text_norm_new(o, err);
    if (!tn)
        return NULL;
    char **out = calloc(n + 1, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        RnBuf b = RN_BUF_INIT;
        if (!rn_text_normalize(tn, lines[i], strlen(lines[i]), &b, NULL, err))
            return NULL;
        out[i] = b.data ? (char *)b.data : strdup("");
    }
    rn_text_norm_free(tn);
    return out;
}

static bool write_f64(const char *dir, const char *name, const double *x, size_t r, size_t c)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    RnArray a = {.dtype = RN_DTYPE_F64, .ndim = 2, .shape = {r, c}, .data = (void *)x};
    return rn_npy_write(path, &a, NULL);
}

static int cmd_tfidf(int argc, char **argv)
{
    if (argc != 12 && argc != 14)
        return die(NULL);
    size_t n;
    char **lines = read_lines(argv[2], &n);
    RnError *err = NULL;
    RnTextOptions to = rn_text_options_default();
    char **docs = lines ? normalize_all(lines, n, &to, &err) : NULL;
    if (!docs)
        return die(err);
    const char *dir = argv[3];
    RnTfidfOptions o = {atoi(argv[4]), atoi(argv[5]), atoi(argv[6]), atoi(argv[7]),
                        (uint32_t)atoi(argv[8]), (uint32_t)atoi(argv[9]), atoi(argv[10]) != 0};
    size_t k = (size_t)atoi(argv[11]);
    RnTfidf *t = rn_tfidf_fit((const char *const *)docs, n, &o, &err);
    RnCsr X;
    if (!t || !rn_tfidf_transform(t, (const char *const *)docs, n, &X, &err))
        return die(err);
    char path[4096];
    snprintf(path, sizeof path, "%s/norm.txt", dir);
    FILE *f = fopen(path, "w");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\n", docs[i]);
    fclose(f);
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    f = fopen(path, "w");
    size_t V = rn_tfidf_features(t);
    double *idf = calloc(V + 1, sizeof *idf);
    for (size_t j = 0; j < V; j++)
        fprintf(f, "%s\n", rn_tfidf_term(t, j, &idf[j]));
    fclose(f);
    double *dense = calloc(n * V + 1, sizeof *dense);
    for (size_t i = 0; i < n; i++)
        for (size_t p = X.row_ptr[i]; p < X.row_ptr[i + 1]; p++)
            dense[i * V + X.col[p]] = X.val[p];
    bool ok = write_f64(dir, "idf.npy", idf, 1, V) && write_f64(dir, "X.npy", dense, n, V);
    if (ok && k) {
        double *comps = calloc(k * V, sizeof *comps), *sigma = calloc(k, sizeof *sigma);
        size_t over = argc == 14 ? (size_t)atol(argv[12]) : n;
        int iters = argc == 14 ? atoi(argv[13]) : 7;
        ok = rn_sparse_randomized_svd(&X, k, over, iters, 42, 2, comps, sigma, &err) &&
             write_f64(dir, "comps.npy", comps, k, V) &&
             write_f64(dir, "sigma.npy", sigma, 1, k);
        free(comps);
        free(sigma);
    }
    rn_csr_free(&X);
    rn_tfidf_free(t);
    free(idf);
    free(dense);
    free_lines(lines, n);
    free_lines(docs, n);
    return ok ? 0 : die(err);
}

static int cmd_norm(int argc, char **argv)
{
    if (argc < 4)
        return die(NULL);
    RnTextOptions o = rn_text_options_default();
    if (argc >= 7) {
        o.fold_diacritics = atoi(argv[4]);
        o.stem = atoi(argv[5]);
        o.mark_negation = atoi(argv[6]);
    }
    size_t n;
    char **lines = read_lines(argv[2], &n);
    RnError *err = NULL;
    char **docs = lines ? normalize_all(lines, n, &o, &err) : NULL;
    if (!docs)
        return die(err);
    FILE *f = fopen(argv[3], "w");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\n", docs[i]);
    free_lines(lines, n);
    free_lines(docs, n);
    return fclose(f) == 0 ? 0 : 1;
}

static int cmd_meta(int argc, char **argv)
{
    if (argc != 4)
        return die(NULL);
    size_t n;
    char **lines = read_lines(argv[2], &n);
    if (!lines)
        return die(NULL);
    RnEmbedItem *items = calloc(n + 1, sizeof *items);
    for (size_t i = 0; i < n; i++)
        items[i] = (RnEmbedItem){.sop_uid = "", .modality = "", .region = "",
                                 .elements_json = lines[i]};
    RnError *err = NULL;
    RnMetaImputeOptions mean = rn_meta_impute_options_default();
    RnMetaPipeline *p = rn_meta_pipeline_fit(items, n, &mean, NULL, &err);
    if (!p)
        return die(err);
    size_t d = rn_meta_pipeline_features(p);
    char path[4096];
    snprintf(path, sizeof path, "%s/names.txt", argv[3]);
    FILE *f = fopen(path, "w");
    for (size_t j = 0; j < d; j++)
        fprintf(f, "%s\n", rn_meta_pipeline_feature_name(p, j));
    fclose(f);
    double *X = calloc(n * d + 1, sizeof *X);
    bool ok = rn_meta_pipeline_encode(p, items, n, X, &err) &&
              write_f64(argv[3], "raw.npy", X, n, d);
    ok = ok && rn_meta_pipeline_finish(p, X, n, &err) &&
         write_f64(argv[3], "scaled.npy", X, n, d);
    RnEmbedParams params = {.threads = 1, .options = "imputer=mean"};
    RnEmbedModel *m = ok ? rn_embed_fit(RN_EMBED_META, "authors", items, n, &params, &err) : NULL;
    size_t k = m ? rn_embed_model_dim(m) : 0;
    float *E = calloc(n * k + 1, sizeof *E);
    double *E64 = calloc(n * k + 1, sizeof *E64);
    ok = m && rn_embed_transform(m, items, n, E, &err);
    for (size_t i = 0; i < n * k; i++)
        E64[i] = E[i];
    ok = ok && write_f64(argv[3], "emb.npy", E64, n, k);
    rn_embed_model_free(m);
    rn_meta_pipeline_free(p);
    free(X);
    free(E);
    free(E64);
    free(items);
    free_lines(lines, n);
    return ok ? 0 : die(err);
}

/* impute IN.npy NAMES.txt OUT.npy mean|missforest TREES THREADS SEED
 *        [MIN_LEAF [MAX_ITER]]: fits the imputer on IN (NaN = missing;
 * features named without '=' are numeric) and writes the imputed matrix;
 * OUT.npy.applied gets IN imputed by the fitted model as new rows. */
static int cmd_impute(int argc, char **argv)
{
    if (argc < 9 || argc > 11)
        return die(NULL);
    RnError *err = NULL;
    double *X, *Y;
    size_t n, d, n_names;
    if (!rn_npy_read_matrix_f64(argv[2], &X, &n, &d, &err))
        return die(err);
    char **names = read_lines(argv[3], &n_names);
    if (!names || n_names != d)
        return die(NULL);
    bool *numeric = calloc(d + 1, sizeof *numeric);
    for (size_t j = 0; j < d; j++)
        numeric[j] = strchr(names[j], '=') == NULL;
    RnMetaImputeOptions o = rn_meta_impute_options_default();
    o.kind = strcmp(argv[5], "missforest") == 0 ? RN_META_IMPUTE_MISSFOREST : RN_META_IMPUTE_MEAN;
    o.forest.trees = (unsigned)atoi(argv[6]);
    o.threads = atoi(argv[7]);
    o.seed = (uint64_t)atoll(argv[8]);
    if (argc > 9)
        o.forest.min_leaf = (size_t)atol(argv[9]);
    if (argc > 10)
        o.max_iter = (unsigned)atoi(argv[10]);
    Y = malloc((n * d + 1) * sizeof *Y);
    memcpy(Y, X, n * d * sizeof *Y);
    RnMetaImpute m = {0};
    char applied[4096];
    snprintf(applied, sizeof applied, "%s.applied", argv[4]);
    RnArray a = {.dtype = RN_DTYPE_F64, .ndim = 2, .shape = {n, d}, .data = X};
    RnArray b = {.dtype = RN_DTYPE_F64, .ndim = 2, .shape = {n, d}, .data = Y};
    bool ok = rn_meta_impute_fit(&m, &o, X, n, d, numeric, &err) &&
              rn_npy_write(argv[4], &a, &err) && rn_meta_impute_apply(&m, Y, n, &err) &&
              rn_npy_write(applied, &b, &err);
    fprintf(stderr, "%zu columns imputed by forests, %u passes kept\n", m.n_targets, m.passes);
    rn_meta_impute_free(&m);
    free(X);
    free(Y);
    free(numeric);
    free_lines(names, n_names);
    return ok ? 0 : die(err);
}

/* metafit IN.txt N OPTIONS: the method `authors` (one thread, the given
 * options) fitted on N items, the lines of IN repeated, and applied to them. */
static int cmd_metafit(int argc, char **argv)
{
    if (argc != 5)
        return die(NULL);
    size_t n_lines, n = (size_t)atol(argv[3]);
    char **lines = read_lines(argv[2], &n_lines);
    if (!lines || n_lines == 0)
        return die(NULL);
    RnEmbedItem *items = calloc(n + 1, sizeof *items);
    for (size_t i = 0; i < n; i++)
        items[i] = (RnEmbedItem){.sop_uid = "", .modality = "", .region = "",
                                 .elements_json = lines[i % n_lines]};
    RnError *err = NULL;
    RnEmbedParams params = {.threads = 1, .options = argv[4]};
    RnEmbedModel *m = rn_embed_fit(RN_EMBED_META, "authors", items, n, &params, &err);
    size_t k = m ? rn_embed_model_dim(m) : 0;
    float *E = calloc(n * k + 1, sizeof *E);
    bool ok = m && rn_embed_transform(m, items, n, E, &err);
    if (ok)
        printf("%zu items, %zu dimensions\n", n, k);
    rn_embed_model_free(m);
    free(E);
    free(items);
    free_lines(lines, n_lines);
    return ok ? 0 : die(err);
}

static int cmd_d2v(int argc, char **argv)
{
    if (argc != 10 && argc != 11)
        return die(NULL);
    size_t n;
    char **lines = read_lines(argv[2], &n);
    int infer_threads = atoi(argv[9]);
    RnError *err = NULL;
    RnTextOptions to = rn_text_options_default();
    char **docs = lines ? normalize_all(lines, n, &to, &err) : NULL;
    if (!docs)
        return die(err);
    const char *dir = argv[3];
    RnD2vOptions o = rn_d2v_options_default();
    o.dim = (size_t)atol(argv[4]);
    o.epochs = (unsigned)atoi(argv[5]);
    o.negative = (unsigned)atoi(argv[6]);
    o.min_count = (unsigned)atoi(argv[7]);
    o.sample = atof(argv[8]);
    o.threads = argc == 11 ? atoi(argv[10]) : infer_threads > 0 ? infer_threads : 1;
    double *loss = calloc(o.epochs, sizeof *loss);
    RnD2v *m = rn_d2v_train((const char *const *)docs, n, &o, loss, &err);
    if (!m)
        return die(err);
    float *inf = calloc(n * o.dim + 1, sizeof *inf);
    double *a = calloc(n * o.dim + 1, sizeof *a), *b = calloc(n * o.dim + 1, sizeof *b);
    if (infer_threads > 0 &&
        !rn_d2v_infer(m, (const char *const *)docs, n, infer_threads, inf, NULL, &err))
        return die(err);
    for (size_t i = 0; i < n * o.dim; i++) {
        a[i] = rn_d2v_train_vectors(m)[i];
        b[i] = inf[i];
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/norm.txt", dir);
    FILE *f = fopen(path, "w");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\n", docs[i]);
    fclose(f);
    bool ok = write_f64(dir, "train.npy", a, n, o.dim) && write_f64(dir, "infer.npy", b, n, o.dim) &&
              write_f64(dir, "loss.npy", loss, 1, o.epochs);
    rn_d2v_free(m);
    free(loss);
    free(inf);
    free(a);
    free(b);
    free_lines(lines, n);
    free_lines(docs, n);
    return ok ? 0 : 1;
}

static int cmd_embed(int argc, char **argv)
{
    if (argc < 6)
        return die(NULL);
    RnEmbedSource src;
    if (!rn_embed_source_parse(argv[2], &src))
        return die(NULL);
    size_t n;
    char **lines = read_lines(argv[4], &n);
    if (!lines)
        return die(NULL);
    RnEmbedItem *items = calloc(n + 1, sizeof *items);
    RnJson **docs = calloc(n + 1, sizeof *docs);
    RnError *err = NULL;
    for (size_t i = 0; i < n; i++) {
        docs[i] = rn_json_parse(lines[i], strlen(lines[i]), &err);
        if (!docs[i])
            return die(err);
        RnJsonRef root = rn_json_root(docs[i]);
        items[i] = (RnEmbedItem){.sop_uid = "", .modality = "", .region = "",
                                 .elements_json = rn_json_str(docs[i],
                                     rn_json_get(docs[i], root, "e"), NULL),
                                 .report = rn_json_str(docs[i],
                                     rn_json_get(docs[i], root, "r"), NULL)};
    }
    RnEmbedParams p = {.dim = argc > 6 ? (size_t)atol(argv[6]) : 0, .seed = 1,
                       .options = argc > 7 && argv[7][0] ? argv[7] : NULL,
                       .threads = argc > 9 ? atoi(argv[9]) : 0};
    size_t sample = argc > 8 && atol(argv[8]) > 0 ? (size_t)atol(argv[8]) : n;
    if (sample > n)
        sample = n;
    RnEmbedModel *m = rn_embed_fit(src, argv[3], items, sample, &p, &err);
    if (!m)
        return die(err);
    size_t d = rn_embed_model_dim(m);
    float *E = calloc(n * d + 1, sizeof *E);
    if (!rn_embed_transform(m, items, n, E, &err))
        return die(err);
    RnArray a = {.dtype = RN_DTYPE_F32, .ndim = 2, .shape = {n, d}, .data = E};
    if (!rn_npy_write(argv[5], &a, &err))
        return die(err);
    rn_embed_model_free(m);
    free(E);
    for (size_t i = 0; i < n; i++)
        rn_json_free(docs[i]);
    free(docs);
    free(items);
    free_lines(lines, n);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "d2v") == 0)
        return cmd_d2v(argc, argv);
    if (argc > 1 && strcmp(argv[1], "embed") == 0)
        return cmd_embed(argc, argv);
    if (argc > 1 && strcmp(argv[1], "metafit") == 0)
        return cmd_metafit(argc, argv);
    if (argc > 1 && strcmp(argv[1], "impute") == 0)
        return cmd_impute(argc, argv);
    if (argc > 1 && strcmp(argv[1], "meta") == 0)
        return cmd_meta(argc, argv);
    if (argc > 1 && strcmp(argv[1], "tfidf") == 0)
        return cmd_tfidf(argc, argv);
    if (argc > 1 && strcmp(argv[1], "norm") == 0)
        return cmd_norm(argc, argv);
    return die(NULL);
}
