/* Training the autoencoder: shuffled mini-batches, Adam, early stopping on
 * a validation split, the best epoch's weights kept. */
#include "embed/cae.h"

#include <stdlib.h>
#include <string.h>

/* Fisher–Yates with stream `purpose` of family 1 of the seed (family 0
 * initialises the weights: cae_net_init). */
static void shuffle(size_t *idx, size_t n, uint64_t seed, uint64_t purpose)
{
    RnRng rng = rn_rng_split(rn_rng_stream_seed(seed, 1), purpose);
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)rn_rng_below(&rng, i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

void cae_pixels_to_float(const uint8_t *px, size_t n, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)px[i] * (1.0f / 255.0f);
}

static void gather(const uint8_t *pixels, size_t pixels_per_image,
                   const size_t *idx, size_t n, float *x)
{
    for (size_t i = 0; i < n; i++)
        cae_pixels_to_float(pixels + idx[i] * pixels_per_image, pixels_per_image,
                            x + i * pixels_per_image);
}

/* Mean loss over a set of images, in batches (weights by image count). */
static bool mean_loss(CaeNet *net, const uint8_t *pixels, size_t ppi,
                      const size_t *idx, size_t n, size_t batch, float *x,
                      double *out, RnError **err)
{
    double sum = 0.0;
    for (size_t b0 = 0; b0 < n; b0 += batch) {
        size_t nb = n - b0 < batch ? n - b0 : batch;
        double loss;
        gather(pixels, ppi, idx + b0, nb, x);
        if (!cae_net_loss(net, x, nb, false, &loss, err))
            return false;
        sum += loss * (double)nb;
    }
    *out = n ? sum / (double)n : 0.0;
    return true;
}

typedef struct TrainState {
    size_t *idx;
    float *x;
    float *best;
    CaeAdam *adam;
} TrainState;

static void train_state_free(TrainState *s)
{
    free(s->idx);
    free(s->x);
    free(s->best);
    cae_adam_free(s->adam);
}

/* One pass over the training indices idx[0..n_train). */
static bool train_epoch(CaeNet *net, TrainState *s, const uint8_t *pixels,
                        size_t ppi, size_t n_train, const CaeTrainOptions *opt,
                        uint32_t epoch, double *train_loss, RnError **err)
{
    shuffle(s->idx, n_train, opt->seed, 2 + epoch);
    double sum = 0.0;
    for (size_t b0 = 0; b0 < n_train; b0 += opt->batch) {
        size_t nb = n_train - b0 < opt->batch ? n_train - b0 : opt->batch;
        double loss;
        gather(pixels, ppi, s->idx + b0, nb, s->x);
        if (!cae_net_loss(net, s->x, nb, true, &loss, err))
            return false;
        cae_adam_step(s->adam, net);
        sum += loss * (double)nb;
    }
    *train_loss = sum / (double)n_train;
    return true;
}

/* Fewer images than this: no validation split, fixed epochs. */
#define CAE_MIN_VALIDATED 8

bool cae_train(CaeNet *net, const uint8_t *pixels, size_t n,
               const CaeTrainOptions *opt, CaeTrainReport *report,
               RnError **err)
{
    *report = (CaeTrainReport){0};
    if (n == 0 || opt->batch == 0 || opt->max_epochs == 0) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "cae: training needs images, a batch size and epochs");
        return false;
    }
    size_t ppi = (size_t)cae_net_config(net)->size * cae_net_config(net)->size;
    size_t n_params = cae_net_param_count(net);
    size_t n_val = 0;
    if (n >= CAE_MIN_VALIDATED && opt->val_fraction > 0.0) {
        n_val = (size_t)((double)n * opt->val_fraction + 0.5);
        if (n_val < 1)
            n_val = 1;
        if (n_val > n / 2)
            n_val = n / 2;
    }
    size_t n_train = n - n_val;
    size_t batch = opt->batch < n ? opt->batch : n;
    TrainState s = {0};
    s.idx = rn_calloc(n, sizeof *s.idx, err);
    s.x = s.idx ? rn_calloc(batch * ppi, sizeof *s.x, err) : NULL;
    s.best = s.x ? rn_calloc(n_params, sizeof *s.best, err) : NULL;
    s.adam = s.best ? cae_adam_new(net, opt->lr, err) : NULL;
    if (!s.adam) {
        train_state_free(&s);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        s.idx[i] = i;
    /* The validation images are the tail of one seeded permutation. */
    shuffle(s.idx, n, opt->seed, 1);
    const size_t *val_idx = s.idx + n_train;
    CaeTrainOptions o = *opt;
    o.batch = (uint32_t)batch;
    double best = 0.0;
    uint32_t since_best = 0;
    bool ok = true;
    for (uint32_t epoch = 1; epoch <= o.max_epochs && ok; epoch++) {
        double train_loss, score;
        ok = train_epoch(net, &s, pixels, ppi, n_train, &o, epoch, &train_loss, err);
        if (ok && n_val)
            ok = mean_loss(net, pixels, ppi, val_idx, n_val, batch, s.x, &score, err);
        else
            score = train_loss;
        if (!ok)
            break;
        report->epochs = epoch;
        if (epoch == 1 || score < best) {
            best = score;
            report->best_epoch = epoch;
            report->best_val_loss = score;
            memcpy(s.best, cae_net_params(net), n_params * sizeof *s.best);
            since_best = 0;
        } else if (n_val && ++since_best >= o.patience) {
            break;
        }
    }
    if (ok)
        memcpy(cae_net_params(net), s.best, n_params * sizeof *s.best);
    train_state_free(&s);
    return ok;
}
