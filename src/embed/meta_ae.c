/* The authors' dense autoencoder: see meta_ae.h. */
#include "embed/meta_ae.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N_LAYERS 4
#define BN_EPS 1e-5
#define BN_MOMENTUM 0.1
#define LEAK 0.01
#define MAX_UNITS 65536u

typedef struct Layer {
    size_t in, out;
    bool block;            /* LeakyReLU → BatchNorm → Dropout; else sigmoid */
    size_t w, b, gamma, beta; /* offsets into the parameter array */
    double *run_mean, *run_var;
} Layer;

/* Per-layer activations of one batch (training mode). */
typedef struct Cache {
    double *A;      /* input, batch × in */
    double *Z;      /* pre-activation, batch × out */
    double *Xh;     /* normalised, batch × out (blocks) */
    double *M;      /* dropout scale, batch × out (blocks) */
    double *invstd; /* out */
} Cache;

struct RnAe {
    RnAeOptions opt;
    size_t d, m, h;
    Layer L[N_LAYERS];
    double *p;          /* parameters */
    size_t n_params;
    /* training scratch */
    Cache c[N_LAYERS];
    double *out, *dA, *dB, *grad, *adam_m, *adam_v;
    size_t cap_batch;
    uint64_t rng;
};

RnAeOptions rn_ae_options_default(void)
{
    return (RnAeOptions){.hidden = 0, .dropout = 0.1, .lr = 1e-3, .batch = 64,
                         .max_epochs = 200, .patience = 10, .seed = 1};
}

static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
    return (double)(next_u64(s) >> 11) / 9007199254740992.0;
}

static void free_cache(RnAe *ae)
{
    for (int l = 0; l < N_LAYERS; l++) {
        free(ae->c[l].A);
        free(ae->c[l].Z);
        free(ae->c[l].Xh);
        free(ae->c[l].M);
        free(ae->c[l].invstd);
        memset(&ae->c[l], 0, sizeof ae->c[l]);
    }
    free(ae->out);
    free(ae->dA);
    free(ae->dB);
    ae->out = ae->dA = ae->dB = NULL;
    ae->cap_batch = 0;
}

void rn_ae_free(RnAe *ae)
{
    if (!ae)
        return;
    free_cache(ae);
    for (int l = 0; l < N_LAYERS; l++) {
        free(ae->L[l].run_mean);
        free(ae->L[l].run_var);
    }
    free(ae->p);
    free(ae->grad);
    free(ae->adam_m);
    free(ae->adam_v);
    free(ae);
}

/* Layer shapes and parameter offsets for d → m → h → m → d. */
static bool layout(RnAe *ae, RnError **err)
{
    size_t dims[N_LAYERS + 1] = {ae->d, ae->m, ae->h, ae->m, ae->d};
    size_t off = 0;
    for (int l = 0; l < N_LAYERS; l++) {
        Layer *L = &ae->L[l];
        L->in = dims[l];
        L->out = dims[l + 1];
        L->block = l < N_LAYERS - 1;
        L->w = off;
        off += L->in * L->out;
        L->b = off;
        off += L->out;
        if (L->block) {
            L->gamma = off;
            off += L->out;
            L->beta = off;
            off += L->out;
            L->run_mean = rn_calloc(L->out, sizeof(double), err);
            L->run_var = L->run_mean ? rn_calloc(L->out, sizeof(double), err) : NULL;
            if (!L->run_var)
                return false;
            for (size_t j = 0; j < L->out; j++)
                L->run_var[j] = 1.0;
        }
    }
    ae->n_params = off;
    ae->p = rn_calloc(off, sizeof *ae->p, err);
    return ae->p != NULL;
}

static RnAe *ae_alloc(size_t d, size_t h, const RnAeOptions *o, RnError **err)
{
    if (d < 1 || d > MAX_UNITS || h < 1 || h > d) {
        rn_error_set(err, RN_ERROR_INVALID, "autoencoder: %zu features, bottleneck %zu", d, h);
        return NULL;
    }
    RnAe *ae = rn_calloc(1, sizeof *ae, err);
    if (!ae)
        return NULL;
    ae->opt = *o;
    ae->d = d;
    ae->h = h;
    ae->m = (d + h + 1) / 2;
    if (!layout(ae, err)) {
        rn_ae_free(ae);
        return NULL;
    }
    return ae;
}

/* PyTorch's default Linear initialisation: U(-1/√in, 1/√in); BN γ=1, β=0. */
RnAe *rn_ae_new(size_t d, const RnAeOptions *o, RnError **err)
{
    size_t h = o->hidden ? o->hidden : (d / 2 ? d / 2 : 1);
    RnAe *ae = ae_alloc(d, h, o, err);
    if (!ae)
        return NULL;
    ae->rng = o->seed ^ 0xAE00AE00ull;
    for (int l = 0; l < N_LAYERS; l++) {
        Layer *L = &ae->L[l];
        double bound = 1.0 / sqrt((double)L->in);
        for (size_t i = 0; i < L->in * L->out + L->out; i++)
            ae->p[L->w + i] = (2.0 * uniform(&ae->rng) - 1.0) * bound;
        if (L->block)
            for (size_t j = 0; j < L->out; j++)
                ae->p[L->gamma + j] = 1.0;
    }
    return ae;
}

size_t rn_ae_param_count(const RnAe *ae)
{
    return ae->n_params;
}

double *rn_ae_params(RnAe *ae)
{
    return ae->p;
}

size_t rn_ae_dim(const RnAe *ae)
{
    return ae->h;
}

size_t rn_ae_input(const RnAe *ae)
{
    return ae->d;
}

static bool ensure_batch(RnAe *ae, size_t b, RnError **err)
{
    if (b <= ae->cap_batch)
        return true;
    free_cache(ae);
    size_t widest = ae->d;
    for (int l = 0; l < N_LAYERS; l++) {
        Cache *c = &ae->c[l];
        size_t in = ae->L[l].in, out = ae->L[l].out;
        if (!(c->A = rn_calloc(b, in * sizeof(double), err)) ||
            !(c->Z = rn_calloc(b, out * sizeof(double), err)) ||
            !(c->Xh = rn_calloc(b, out * sizeof(double), err)) ||
            !(c->M = rn_calloc(b, out * sizeof(double), err)) ||
            !(c->invstd = rn_calloc(out, sizeof(double), err)))
            return false;
        widest = out > widest ? out : widest;
    }
    if (!(ae->out = rn_calloc(b, ae->d * sizeof(double), err)) ||
        !(ae->dA = rn_calloc(b, widest * sizeof(double), err)) ||
        !(ae->dB = rn_calloc(b, widest * sizeof(double), err)))
        return false;
    if (!ae->grad && !(ae->grad = rn_calloc(ae->n_params, sizeof(double), err)))
        return false;
    ae->cap_batch = b;
    return true;
}

/* Z = A·Wᵀ + b */
static void linear(const RnAe *ae, const Layer *L, const double *A, size_t b, double *Z)
{
    for (size_t i = 0; i < b; i++)
        memcpy(Z + i * L->out, ae->p + L->b, L->out * sizeof *Z);
    rn_blas_gemm_nt_f64(b, L->out, L->in, 1.0, A, L->in, ae->p + L->w, L->in, 1.0, Z, L->out);
}

static double leaky(double z)
{
    return z > 0 ? z : LEAK * z;
}

/* Training-mode forward of a batch; returns the MSE. */
static double forward_train(RnAe *ae, const double *X, size_t b, bool update_running)
{
    memcpy(ae->c[0].A, X, b * ae->d * sizeof *X);
    for (int l = 0; l < N_LAYERS; l++) {
        Layer *L = &ae->L[l];
        Cache *c = &ae->c[l];
        size_t out = L->out;
        linear(ae, L, c->A, b, c->Z);
        double *next = l + 1 < N_LAYERS ? ae->c[l + 1].A : ae->out;
        if (!L->block) {
            for (size_t i = 0; i < b * out; i++)
                next[i] = 1.0 / (1.0 + exp(-c->Z[i]));
            break;
        }
        for (size_t j = 0; j < out; j++) {
            double mu = 0, var = 0;
            for (size_t i = 0; i < b; i++)
                mu += leaky(c->Z[i * out + j]);
            mu /= (double)b;
            for (size_t i = 0; i < b; i++) {
                double t = leaky(c->Z[i * out + j]) - mu;
                var += t * t;
            }
            var /= (double)b;
            c->invstd[j] = 1.0 / sqrt(var + BN_EPS);
            for (size_t i = 0; i < b; i++)
                c->Xh[i * out + j] = (leaky(c->Z[i * out + j]) - mu) * c->invstd[j];
            if (update_running) {
                L->run_mean[j] = (1 - BN_MOMENTUM) * L->run_mean[j] + BN_MOMENTUM * mu;
                L->run_var[j] = (1 - BN_MOMENTUM) * L->run_var[j] +
                                BN_MOMENTUM * var * (double)b / (double)(b - 1);
            }
        }
        double keep = 1.0 - ae->opt.dropout;
        for (size_t i = 0; i < b * out; i++) {
            size_t j = i % out;
            c->M[i] = ae->opt.dropout > 0 ? (uniform(&ae->rng) < keep ? 1.0 / keep : 0.0) : 1.0;
            next[i] = (ae->p[L->gamma + j] * c->Xh[i] + ae->p[L->beta + j]) * c->M[i];
        }
    }
    double loss = 0;
    for (size_t i = 0; i < b * ae->d; i++) {
        double t = ae->out[i] - X[i];
        loss += t * t;
    }
    return loss / (double)(b * ae->d);
}

/* Gradient of the last forward's loss into ae->grad. */
static void backward(RnAe *ae, const double *X, size_t b)
{
    double *g = ae->grad, *dA = ae->dA, *dB = ae->dB;
    memset(g, 0, ae->n_params * sizeof *g);
    double scale = 2.0 / (double)(b * ae->d);
    for (size_t i = 0; i < b * ae->d; i++) { /* dZ of the sigmoid layer */
        double o = ae->out[i];
        dA[i] = scale * (o - X[i]) * o * (1 - o);
    }
    for (int l = N_LAYERS - 1; l >= 0; l--) {
        Layer *L = &ae->L[l];
        Cache *c = &ae->c[l];
        size_t in = L->in, out = L->out;
        if (L->block) { /* dA holds d(next input): through dropout, BN, LeakyReLU */
            for (size_t j = 0; j < out; j++) {
                double gam = ae->p[L->gamma + j], s1 = 0, s2 = 0;
                for (size_t i = 0; i < b; i++) {
                    double dy = dA[i * out + j] * c->M[i * out + j];
                    g[L->gamma + j] += dy * c->Xh[i * out + j];
                    g[L->beta + j] += dy;
                    double dxh = dy * gam;
                    dA[i * out + j] = dxh;
                    s1 += dxh;
                    s2 += dxh * c->Xh[i * out + j];
                }
                for (size_t i = 0; i < b; i++) {
                    double dp = c->invstd[j] / (double)b *
                                ((double)b * dA[i * out + j] - s1 - c->Xh[i * out + j] * s2);
                    dA[i * out + j] = dp * (c->Z[i * out + j] > 0 ? 1.0 : LEAK);
                }
            }
        }
        /* dA is now dZ (b × out) */
        rn_blas_gemm_tn_f64(out, in, b, 1.0, dA, out, c->A, in, 0.0, g + L->w, in);
        for (size_t i = 0; i < b; i++)
            for (size_t j = 0; j < out; j++)
                g[L->b + j] += dA[i * out + j];
        if (l > 0)
            rn_blas_gemm_nn_f64(b, in, out, 1.0, dA, out, ae->p + L->w, in, 0.0, dB, in);
        double *t = dA;
        dA = dB;
        dB = t;
    }
}

double rn_ae_batch_grad(RnAe *ae, const double *X, size_t b, double *grad, RnError **err)
{
    if (b < 2 || !ensure_batch(ae, b, err))
        return NAN;
    double loss = forward_train(ae, X, b, false);
    backward(ae, X, b);
    memcpy(grad, ae->grad, ae->n_params * sizeof *grad);
    return loss;
}

/* ---- evaluation mode ---------------------------------------------------------- */

/* Forward of one row through layers [0, last]; buf holds two rows. */
static const double *forward_eval(const RnAe *ae, const double *x, int last, double *buf,
                                  size_t width)
{
    const double *cur = x;
    double *bufs[2] = {buf, buf + width};
    for (int l = 0; l <= last; l++) {
        const Layer *L = &ae->L[l];
        double *z = bufs[l & 1];
        linear(ae, L, cur, 1, z);
        for (size_t j = 0; j < L->out; j++) {
            if (L->block)
                z[j] = ae->p[L->gamma + j] * (leaky(z[j]) - L->run_mean[j]) /
                           sqrt(L->run_var[j] + BN_EPS) +
                       ae->p[L->beta + j];
            else
                z[j] = 1.0 / (1.0 + exp(-z[j]));
        }
        cur = z;
    }
    return cur;
}

static size_t widest(const RnAe *ae)
{
    return ae->d > ae->m ? ae->d : ae->m;
}

bool rn_ae_encode(const RnAe *ae, const double *X, size_t n, float *out, RnError **err)
{
    size_t w = widest(ae);
    double *buf = rn_calloc(2 * w, sizeof *buf, err);
    if (!buf)
        return false;
    for (size_t i = 0; i < n; i++) {
        const double *z = forward_eval(ae, X + i * ae->d, 1, buf, w);
        for (size_t j = 0; j < ae->h; j++)
            out[i * ae->h + j] = (float)z[j];
    }
    free(buf);
    return true;
}

static double eval_loss(const RnAe *ae, const double *X, const size_t *rows, size_t n,
                        double *buf)
{
    double loss = 0;
    for (size_t r = 0; r < n; r++) {
        const double *x = X + rows[r] * ae->d;
        const double *o = forward_eval(ae, x, N_LAYERS - 1, buf, widest(ae));
        for (size_t j = 0; j < ae->d; j++)
            loss += (o[j] - x[j]) * (o[j] - x[j]);
    }
    return n ? loss / (double)(n * ae->d) : 0.0;
}

double rn_ae_reconstruction_mse(const RnAe *ae, const double *X, size_t n, RnError **err)
{
    size_t *rows = rn_calloc(n ? n : 1, sizeof *rows, err);
    double *buf = rows ? rn_calloc(2 * widest(ae), sizeof *buf, err) : NULL;
    double loss = NAN;
    if (buf) {
        for (size_t i = 0; i < n; i++)
            rows[i] = i;
        loss = eval_loss(ae, X, rows, n, buf);
    }
    free(rows);
    free(buf);
    return loss;
}

/* ---- training --------------------------------------------------------------------- */

static void adam_step(RnAe *ae, uint64_t t)
{
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    double c1 = 1.0 - pow(b1, (double)t), c2 = 1.0 - pow(b2, (double)t);
    for (size_t i = 0; i < ae->n_params; i++) {
        double g = ae->grad[i];
        ae->adam_m[i] = b1 * ae->adam_m[i] + (1 - b1) * g;
        ae->adam_v[i] = b2 * ae->adam_v[i] + (1 - b2) * g * g;
        ae->p[i] -= ae->opt.lr * (ae->adam_m[i] / c1) / (sqrt(ae->adam_v[i] / c2) + eps);
    }
}

/* Parameters and running statistics, for keeping the best epoch. */
typedef struct Snapshot {
    double *p, *stats;
} Snapshot;

static void snapshot(const RnAe *ae, Snapshot *s, bool restore)
{
    size_t off = 0;
    if (restore)
        memcpy(ae->p, s->p, ae->n_params * sizeof *s->p);
    else
        memcpy(s->p, ae->p, ae->n_params * sizeof *s->p);
    for (int l = 0; l < N_LAYERS - 1; l++) {
        size_t o = ae->L[l].out;
        double *rm = ae->L[l].run_mean, *rv = ae->L[l].run_var;
        if (restore) {
            memcpy(rm, s->stats + off, o * sizeof *rm);
            memcpy(rv, s->stats + off + o, o * sizeof *rv);
        } else {
            memcpy(s->stats + off, rm, o * sizeof *rm);
            memcpy(s->stats + off + o, rv, o * sizeof *rv);
        }
        off += 2 * o;
    }
}

static void shuffle(size_t *a, size_t n, uint64_t *rng)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(next_u64(rng) % i);
        size_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

static void round_to_float(RnAe *ae)
{
    for (size_t i = 0; i < ae->n_params; i++)
        ae->p[i] = (float)ae->p[i];
    for (int l = 0; l < N_LAYERS - 1; l++)
        for (size_t j = 0; j < ae->L[l].out; j++) {
            ae->L[l].run_mean[j] = (float)ae->L[l].run_mean[j];
            ae->L[l].run_var[j] = (float)ae->L[l].run_var[j];
        }
}

static bool train(RnAe *ae, const double *X, size_t n, unsigned *epochs_run, RnError **err)
{
    size_t bs = ae->opt.batch < 2 ? 2 : ae->opt.batch;
    size_t *order = rn_calloc(n, sizeof *order, err);
    /* a last batch of one joins the one before: room for bs + 1 rows */
    double *batch = order ? rn_calloc(bs + 1, ae->d * sizeof *batch, err) : NULL;
    double *buf = batch ? rn_calloc(2 * widest(ae), sizeof *buf, err) : NULL;
    size_t n_stats = 2 * (ae->m + ae->h + ae->m);
    Snapshot best = {NULL, NULL};
    bool ok = buf && ensure_batch(ae, bs + 1, err) &&
              (ae->adam_m = rn_calloc(ae->n_params, sizeof(double), err)) &&
              (ae->adam_v = rn_calloc(ae->n_params, sizeof(double), err)) &&
              (best.p = rn_calloc(ae->n_params, sizeof(double), err)) &&
              (best.stats = rn_calloc(n_stats, sizeof(double), err));
    if (!ok)
        goto done;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    shuffle(order, n, &ae->rng);
    /* a tenth held out for early stopping (none for tiny samples) */
    size_t n_val = n >= 20 ? n / 10 : 0, n_train = n - n_val;
    const size_t *val = order + n_train;
    double best_loss = INFINITY;
    unsigned since = 0, ep;
    uint64_t step = 0;
    for (ep = 0; ep < ae->opt.max_epochs && since < ae->opt.patience; ep++) {
        shuffle(order, n_train, &ae->rng);
        double train_loss = 0;
        size_t batches = 0;
        for (size_t s = 0; s + 2 <= n_train; s += bs) {
            size_t b = n_train - s < bs ? n_train - s : bs;
            if (n_train - s - b == 1) /* no batch of one for BatchNorm */
                b++;
            for (size_t i = 0; i < b; i++)
                memcpy(batch + i * ae->d, X + order[s + i] * ae->d, ae->d * sizeof *batch);
            train_loss += forward_train(ae, batch, b, true);
            backward(ae, batch, b);
            adam_step(ae, ++step);
            batches++;
            if (b > bs)
                break;
        }
        double loss = n_val ? eval_loss(ae, X, val, n_val, buf)
                            : train_loss / (double)(batches ? batches : 1);
        if (loss < best_loss - 1e-7) {
            best_loss = loss;
            since = 0;
            snapshot(ae, &best, false);
        } else {
            since++;
        }
    }
    snapshot(ae, &best, true);
    round_to_float(ae);
    if (epochs_run)
        *epochs_run = ep;
done:
    free(order);
    free(batch);
    free(buf);
    free(best.p);
    free(best.stats);
    free(ae->adam_m);
    free(ae->adam_v);
    ae->adam_m = ae->adam_v = NULL;
    free_cache(ae);
    free(ae->grad);
    ae->grad = NULL;
    return ok;
}

RnAe *rn_ae_fit(const double *X, size_t n, size_t d, const RnAeOptions *o,
                unsigned *epochs_run, RnError **err)
{
    if (n < 2) {
        rn_error_set(err, RN_ERROR_INVALID, "autoencoder: need at least 2 rows");
        return NULL;
    }
    RnAe *ae = rn_ae_new(d, o, err);
    if (!ae)
        return NULL;
    int threads = rn_blas_get_threads();
    rn_blas_set_threads(1); /* one fixed summation order */
    bool ok = train(ae, X, n, epochs_run, err);
    rn_blas_set_threads(threads);
    if (!ok) {
        rn_ae_free(ae);
        return NULL;
    }
    return ae;
}

/* ---- payload ------------------------------------------------------------------------ */

bool rn_ae_save(const RnAe *ae, RnBuf *out, RnError **err)
{
    bool ok = eb_put_u64(out, ae->d, err) && eb_put_u64(out, ae->h, err);
    for (size_t i = 0; ok && i < ae->n_params; i++)
        ok = eb_put_f32(out, (float)ae->p[i], err);
    for (int l = 0; ok && l < N_LAYERS - 1; l++)
        for (size_t j = 0; ok && j < ae->L[l].out; j++)
            ok = eb_put_f32(out, (float)ae->L[l].run_mean[j], err) &&
                 eb_put_f32(out, (float)ae->L[l].run_var[j], err);
    return ok;
}

RnAe *rn_ae_load(EbReader *r, size_t d_max, RnError **err)
{
    size_t d, h;
    if (!eb_get_size(r, 1, d_max < MAX_UNITS ? d_max : MAX_UNITS, &d, err) ||
        !eb_get_size(r, 1, d, &h, err))
        return NULL;
    RnAeOptions o = rn_ae_options_default();
    RnAe *ae = ae_alloc(d, h, &o, err);
    if (!ae)
        return NULL;
    bool ok = (r->n - r->pos) / 4 >= ae->n_params;
    if (!ok)
        rn_error_set(err, RN_ERROR_PARSE, "autoencoder model: truncated");
    for (size_t i = 0; ok && i < ae->n_params; i++) {
        float v;
        ok = eb_get_f32(r, &v, err);
        ae->p[i] = v;
    }
    for (int l = 0; ok && l < N_LAYERS - 1; l++)
        for (size_t j = 0; ok && j < ae->L[l].out; j++) {
            float mu, var;
            ok = eb_get_f32(r, &mu, err) && eb_get_f32(r, &var, err);
            if (ok && !(var >= 0)) {
                rn_error_set(err, RN_ERROR_PARSE, "autoencoder model: negative variance");
                ok = false;
            }
            ae->L[l].run_mean[j] = mu;
            ae->L[l].run_var[j] = var;
        }
    if (!ok) {
        rn_ae_free(ae);
        return NULL;
    }
    return ae;
}
