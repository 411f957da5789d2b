/* Method `cae` of the image source: options, thumbnails to network input,
 * fit (train on the sample), transform (bottleneck in batches), payload. */
#include "embed/blob.h"
#include "embed/cae.h"
#include "embed/image_common.h"

#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Defaults: cheap enough for a 2-core machine (bench/RESULTS.md). */
enum {
    CAE_DEFAULT_SIZE = 64,
    CAE_DEFAULT_LEVELS = 3,
    CAE_DEFAULT_CHANNELS = 16,
    CAE_DEFAULT_DIM = 64,
    CAE_DEFAULT_BATCH = 32,
    CAE_DEFAULT_EPOCHS = 10,
    CAE_DEFAULT_PATIENCE = 2,
    CAE_INFER_BATCH = 64,
    /* 1: the paper's raw bottleneck; 2 adds the l2 flag after the version */
    CAE_PAYLOAD_VERSION = 2,
};
#define CAE_DEFAULT_LR 1e-3
#define CAE_DEFAULT_VAL 0.1
#define CAE_MAX_THUMB 4096u

/* The network keeps its batch buffers between calls, so transforms of one
 * state take turns (the lock); `threads` is not part of the model.
 * l2=on scales each embedding row to unit length (the bottleneck's length
 * follows the image's overall brightness and contrast, its direction the
 * content). Off by default, the paper's output: on two archives it was
 * better on one and mixed on the other (bench/RESULTS.md, "Issue 9, third
 * pass"), and both beat the raw thumbnail. */
typedef struct CaeState {
    CaeNet *net;
    CaeTrainReport report;
    bool l2;
    int threads;
    pthread_mutex_t lock;
} CaeState;

static const char *const cae_option_keys[] = {
    "size", "levels", "channels", "batch", "epochs", "patience", "lr", "val",
    "l2", NULL};

static bool parse_options(const RnEmbedParams *p, CaeConfig *cfg,
                          CaeTrainOptions *opt, bool *l2, RnError **err)
{
    const char *o = p->options;
    uint64_t size = CAE_DEFAULT_SIZE, levels = CAE_DEFAULT_LEVELS,
             channels = CAE_DEFAULT_CHANNELS, batch = CAE_DEFAULT_BATCH,
             epochs = CAE_DEFAULT_EPOCHS, patience = CAE_DEFAULT_PATIENCE;
    double lr = CAE_DEFAULT_LR, val = CAE_DEFAULT_VAL;
    if (!eb_options_check(o, cae_option_keys, err) ||
        !eb_option_u64(o, "size", 2, CAE_MAX_SIZE, &size, err) ||
        !eb_option_u64(o, "levels", 1, CAE_MAX_LEVELS, &levels, err) ||
        !eb_option_u64(o, "channels", 1, CAE_MAX_CHANNELS, &channels, err) ||
        !eb_option_u64(o, "batch", 1, 4096, &batch, err) ||
        !eb_option_u64(o, "epochs", 1, 10000, &epochs, err) ||
        !eb_option_u64(o, "patience", 1, 10000, &patience, err) ||
        !eb_option_f64(o, "lr", 1e-7, 1.0, &lr, err) ||
        !eb_option_f64(o, "val", 0.0, 0.5, &val, err))
        return false;
    *l2 = false;
    if (!eb_option_bool(o, "l2", l2, err))
        return false;
    if (p->dim > CAE_MAX_DIM) {
        rn_error_set(err, RN_ERROR_INVALID, "cae: dim %zu > %u", p->dim, CAE_MAX_DIM);
        return false;
    }
    *cfg = (CaeConfig){.size = (uint32_t)size, .levels = (uint32_t)levels,
                       .channels = (uint32_t)channels,
                       .dim = p->dim ? (uint32_t)p->dim : CAE_DEFAULT_DIM};
    *opt = (CaeTrainOptions){.batch = (uint32_t)batch,
                             .max_epochs = (uint32_t)epochs,
                             .patience = (uint32_t)patience, .lr = (float)lr,
                             .val_fraction = val, .seed = p->seed};
    return cae_config_check(cfg, err);
}

static bool check_thumb(const RnEmbedItem *it, size_t i, RnError **err)
{
    if (!it->thumb || it->thumb_size < 1 || it->thumb_size > CAE_MAX_THUMB) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "cae: item %zu has no thumbnail (or a side above %u)", i,
                     CAE_MAX_THUMB);
        return false;
    }
    return true;
}

/* The thumbnail at the network's side s, 8-bit (fit and transform see the
 * same pixels): as is when the sides agree, the rounded mean of each k×k
 * block when the thumbnail is k times larger, else bilinear sampling at
 * pixel centres. */
static void thumb_to_input(const uint8_t *t, uint32_t ts, uint32_t s, uint8_t *out)
{
    if (ts == s) {
        memcpy(out, t, (size_t)s * s);
    } else if (ts > s && ts % s == 0) {
        uint32_t k = ts / s;
        for (uint32_t y = 0; y < s; y++)
            for (uint32_t x = 0; x < s; x++) {
                uint64_t sum = 0;
                for (uint32_t dy = 0; dy < k; dy++)
                    for (uint32_t dx = 0; dx < k; dx++)
                        sum += t[(size_t)(y * k + dy) * ts + x * k + dx];
                out[(size_t)y * s + x] = (uint8_t)((sum + k * k / 2) / (k * k));
            }
    } else {
        double r = (double)ts / s;
        for (uint32_t y = 0; y < s; y++) {
            double fy = (y + 0.5) * r - 0.5;
            fy = fy < 0 ? 0 : fy > ts - 1 ? ts - 1 : fy;
            uint32_t y0 = (uint32_t)fy, y1 = y0 + 1 < ts ? y0 + 1 : y0;
            double wy = fy - y0;
            for (uint32_t x = 0; x < s; x++) {
                double fx = (x + 0.5) * r - 0.5;
                fx = fx < 0 ? 0 : fx > ts - 1 ? ts - 1 : fx;
                uint32_t x0 = (uint32_t)fx, x1 = x0 + 1 < ts ? x0 + 1 : x0;
                double wx = fx - x0;
                double top = t[(size_t)y0 * ts + x0] * (1 - wx) + t[(size_t)y0 * ts + x1] * wx;
                double bot = t[(size_t)y1 * ts + x0] * (1 - wx) + t[(size_t)y1 * ts + x1] * wx;
                out[(size_t)y * s + x] = (uint8_t)(top * (1 - wy) + bot * wy + 0.5);
            }
        }
    }
}

/* The training set as 8-bit network inputs (a quarter of the float size). */
static uint8_t *sample_pixels(const RnEmbedItem *sample, size_t n, uint32_t s,
                              RnError **err)
{
    size_t ppi = (size_t)s * s, count;
    if (!rn_mul_size(n, ppi, &count)) {
        rn_error_set(err, RN_ERROR_LIMIT, "cae: sample too large");
        return NULL;
    }
    uint8_t *px = rn_malloc(count, err);
    for (size_t i = 0; px && i < n; i++)
        thumb_to_input(sample[i].thumb, sample[i].thumb_size, s, px + i * ppi);
    return px;
}

static int resolve_threads(int threads)
{
    if (threads > 0)
        return threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static CaeState *state_new(RnError **err)
{
    CaeState *st = rn_calloc(1, sizeof *st, err);
    if (st)
        pthread_mutex_init(&st->lock, NULL);
    return st;
}

static void cae_free(void *state)
{
    CaeState *st = state;
    if (!st)
        return;
    cae_net_free(st->net);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

static void cae_set_threads(void *state, int threads)
{
    ((CaeState *)state)->threads = threads;
}

/* BLAS (dense layers) and oneDNN's OpenMP (convolutions) use `threads`
 * until restore_threads. */
typedef struct SavedThreads {
    int blas, omp;
} SavedThreads;

static SavedThreads use_threads(int threads)
{
    SavedThreads saved = {rn_blas_get_threads(), omp_get_max_threads()};
    threads = resolve_threads(threads);
    rn_blas_set_threads(threads);
    omp_set_num_threads(threads);
    return saved;
}

static void restore_threads(SavedThreads saved)
{
    rn_blas_set_threads(saved.blas);
    omp_set_num_threads(saved.omp);
}

static void *cae_fit(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                     size_t *dim, RnError **err)
{
    CaeConfig cfg;
    CaeTrainOptions opt;
    bool l2;
    if (!parse_options(p, &cfg, &opt, &l2, err))
        return NULL;
    if (n == 0) {
        rn_error_set(err, RN_ERROR_INVALID, "cae: empty sample");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!check_thumb(&sample[i], i, err))
            return NULL;
    CaeState *st = state_new(err);
    uint8_t *px = st ? sample_pixels(sample, n, cfg.size, err) : NULL;
    if (px) {
        st->net = cae_net_new(&cfg, err);
        st->l2 = l2;
    }
    bool ok = st && px && st->net;
    if (ok) {
        SavedThreads saved = use_threads(p->threads);
        cae_net_init(st->net, p->seed);
        ok = cae_train(st->net, px, n, &opt, &st->report, err);
        restore_threads(saved);
        st->threads = p->threads;
    }
    free(px);
    if (!ok) {
        cae_free(st);
        return NULL;
    }
    *dim = cfg.dim;
    return st;
}

static bool cae_transform(const void *state, const RnEmbedItem *items, size_t n,
                          float *out, RnError **err)
{
    /* the batch buffers change, the model does not */
    CaeState *st = (CaeState *)state;
    const CaeConfig *cfg = cae_net_config(st->net);
    size_t ppi = (size_t)cfg->size * cfg->size;
    size_t batch = n < CAE_INFER_BATCH ? n : CAE_INFER_BATCH;
    for (size_t i = 0; i < n; i++)
        if (!check_thumb(&items[i], i, err))
            return false;
    if (n == 0)
        return true;
    float *x = rn_malloc(batch * ppi * sizeof *x, err);
    uint8_t *px = x ? rn_malloc(ppi, err) : NULL;
    bool ok = px != NULL;
    pthread_mutex_lock(&st->lock);
    SavedThreads saved = use_threads(st->threads);
    for (size_t b0 = 0; b0 < n && ok; b0 += batch) {
        size_t nb = n - b0 < batch ? n - b0 : batch;
        for (size_t i = 0; i < nb; i++) {
            thumb_to_input(items[b0 + i].thumb, items[b0 + i].thumb_size,
                           cfg->size, px);
            cae_pixels_to_float(px, ppi, x + i * ppi);
        }
        ok = cae_net_encode(st->net, x, nb, out + b0 * cfg->dim, err);
        if (ok && st->l2)
            eb_rows_l2(out + b0 * cfg->dim, nb, cfg->dim);
    }
    restore_threads(saved);
    pthread_mutex_unlock(&st->lock);
    free(px);
    free(x);
    return ok;
}

static bool cae_save(const void *state, RnBuf *out, RnError **err)
{
    const CaeState *st = state;
    const CaeConfig *c = cae_net_config(st->net);
    return eb_put_u32(out, CAE_PAYLOAD_VERSION, err) &&
           eb_put_u32(out, st->l2, err) && eb_put_u32(out, c->size, err) && eb_put_u32(out, c->levels, err) &&
           eb_put_u32(out, c->channels, err) && eb_put_u32(out, c->dim, err) &&
           eb_put_u32(out, st->report.epochs, err) &&
           eb_put_u32(out, st->report.best_epoch, err) &&
           eb_put_f32(out, (float)st->report.best_val_loss, err) &&
           eb_put_u64(out, cae_net_param_count(st->net), err) &&
           eb_put_f32s(out, cae_net_params(st->net),
                       cae_net_param_count(st->net), err);
}

static void *cae_load(const uint8_t *payload, size_t n, size_t *dim, RnError **err)
{
    EbReader r;
    eb_reader_init(&r, payload, n);
    uint32_t version, l2 = 0;
    CaeConfig cfg;
    CaeTrainReport rep = {0};
    float best;
    size_t count;
    if (!eb_get_u32(&r, &version, err))
        return NULL;
    if (version < 1 || version > CAE_PAYLOAD_VERSION) {
        rn_error_set(err, RN_ERROR_UNSUPPORTED, "cae: payload version %u", version);
        return NULL;
    }
    if (version >= 2 && !eb_get_u32(&r, &l2, err))
        return NULL;
    if (l2 > 1) {
        rn_error_set(err, RN_ERROR_PARSE, "cae: l2 flag %u", l2);
        return NULL;
    }
    if (!eb_get_u32(&r, &cfg.size, err) || !eb_get_u32(&r, &cfg.levels, err) ||
        !eb_get_u32(&r, &cfg.channels, err) || !eb_get_u32(&r, &cfg.dim, err) ||
        !eb_get_u32(&r, &rep.epochs, err) || !eb_get_u32(&r, &rep.best_epoch, err) ||
        !eb_get_f32(&r, &best, err))
        return NULL;
    rep.best_val_loss = best;
    if (!cae_config_check(&cfg, NULL)) {
        rn_error_set(err, RN_ERROR_PARSE, "cae: model has an invalid shape");
        return NULL;
    }
    /* the weights must all be there before anything is allocated */
    size_t want = cae_config_param_count(&cfg);
    if (!eb_get_size(&r, want, want, &count, err))
        return NULL;
    if ((r.n - r.pos) / sizeof(float) < count) {
        rn_error_set(err, RN_ERROR_PARSE, "cae: model truncated in its weights");
        return NULL;
    }
    CaeState *st = state_new(err);
    if (!st)
        return NULL;
    st->report = rep;
    st->l2 = l2;
    st->net = cae_net_new(&cfg, err);
    bool ok = st->net && eb_get_f32s(&r, cae_net_params(st->net), count, err) &&
              eb_reader_done(&r, err);
    if (!ok) {
        cae_free(st);
        return NULL;
    }
    *dim = cfg.dim;
    return st;
}

const RnEmbedMethodOps rn_embed_cae_ops = {
    .source = RN_EMBED_IMAGE,
    .name = "cae",
    .summary = "convolutional autoencoder (the authors'): conv+pool encoder, "
               "dense bottleneck, mirrored decoder, trained on the sample "
               "(options size=64, levels=3, channels=16, batch=32, epochs=10, "
               "patience=2, lr=0.001, val=0.1, l2=off; on: unit-length rows)",
    .fit = cae_fit,
    .transform = cae_transform,
    .save = cae_save,
    .load = cae_load,
    .free = cae_free,
    .set_threads = cae_set_threads,
};
