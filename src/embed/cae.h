/* The convolutional autoencoder image extractor (method `cae`), after the
 * RadiologyNET authors: `levels` stages of 3×3 conv + ReLU + 2×2 max-pool,
 * a dense bottleneck (the embedding), a dense layer + ReLU back to the last
 * feature map, `levels` stages of 2× nearest up-sampling + 3×3 conv (ReLU,
 * the last one to one channel and a sigmoid), MSE loss, Adam, early
 * stopping on a validation split. Channels double per stage from
 * `channels`. Trained on the CPU with the kernels of nn.h. */
#ifndef RN_EMBED_CAE_H
#define RN_EMBED_CAE_H

#include "embed/embed_internal.h"

typedef struct CaeConfig {
    uint32_t size;      /* input side S; divisible by 2^levels */
    uint32_t levels;    /* conv + pool stages, 1..CAE_MAX_LEVELS */
    uint32_t channels;  /* channels of the first stage */
    uint32_t dim;       /* bottleneck width = embedding dimension */
} CaeConfig;

#define CAE_MAX_LEVELS 6
#define CAE_MAX_SIZE 1024u
#define CAE_MAX_CHANNELS 256u
#define CAE_MAX_DIM 65536u

typedef struct CaeNet CaeNet;

/* Checks cfg against the limits above. */
bool cae_config_check(const CaeConfig *cfg, RnError **err);
/* Parameters of a network of shape cfg (checked), without building it. */
size_t cae_config_param_count(const CaeConfig *cfg);
CaeNet *cae_net_new(const CaeConfig *cfg, RnError **err);
void cae_net_free(CaeNet *net);
const CaeConfig *cae_net_config(const CaeNet *net);

/* Flat parameter vector (layer by layer: weight then bias) and the
 * gradient vector of the last cae_net_train_grad, same layout. */
size_t cae_net_param_count(const CaeNet *net);
float *cae_net_params(CaeNet *net);
const float *cae_net_grads(const CaeNet *net);
/* Deterministic init from the seed: torch's default bounds, weights and
 * biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)), one core RNG stream per layer. */
void cae_net_init(CaeNet *net, uint64_t seed);

/* The layers, for tests that mirror the network elsewhere: one line per
 * layer, "dense IN OUT" or "KIND H W CIN COUT" with KIND conv, relu, pool,
 * up or sigmoid and H×W×CIN the input map, in order. */
bool cae_net_describe(const CaeNet *net, RnBuf *out, RnError **err);
size_t cae_net_layer_count(const CaeNet *net);
/* Output of layer i of the last forward pass (n × its per-image size). */
const float *cae_net_layer_output(const CaeNet *net, size_t i, size_t *per_image);

/* x: n × S × S pixels in [0,1]. Forward pass and MSE loss of the
 * reconstruction against x; with grad, the gradients of every parameter. */
bool cae_net_loss(CaeNet *net, const float *x, size_t n, bool grad,
                  double *loss, RnError **err);
/* Bottleneck of n images: out n × dim. */
bool cae_net_encode(CaeNet *net, const float *x, size_t n, float *out,
                    RnError **err);

/* torch.optim.Adam state over the whole parameter vector. */
typedef struct CaeAdam CaeAdam;
CaeAdam *cae_adam_new(const CaeNet *net, float lr, RnError **err);
void cae_adam_step(CaeAdam *a, CaeNet *net);
void cae_adam_free(CaeAdam *a);

/* Training schedule. */
typedef struct CaeTrainOptions {
    uint32_t batch;
    uint32_t max_epochs;
    uint32_t patience;      /* epochs without a better validation loss */
    float lr;
    double val_fraction;
    uint64_t seed;
} CaeTrainOptions;

typedef struct CaeTrainReport {
    uint32_t epochs;        /* epochs run */
    uint32_t best_epoch;    /* 1-based; its weights are kept */
    double best_val_loss;   /* training loss when there is no validation */
} CaeTrainReport;

/* 8-bit pixels to network input in [0, 1] (fit and transform alike). */
void cae_pixels_to_float(const uint8_t *px, size_t n, float *out);

/* Trains on n images of S×S uint8 pixels (row-major, consecutive). */
bool cae_train(CaeNet *net, const uint8_t *pixels, size_t n,
               const CaeTrainOptions *opt, CaeTrainReport *report,
               RnError **err);

#endif
