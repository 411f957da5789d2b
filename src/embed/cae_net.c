/* The autoencoder as a sequence of layers over one flat parameter vector;
 * forward, backward, Adam. Activations are NHWC (nn.h). */
#include "embed/cae.h"
#include "embed/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef enum LayerKind { L_CONV, L_RELU, L_POOL, L_UP, L_DENSE, L_SIGMOID } LayerKind;

typedef struct Layer {
    LayerKind kind;
    size_t h, w, cin, cout;     /* input map h×w×cin; dense: in=cin, out=cout */
    size_t in_size, out_size;   /* floats per image */
    size_t woff, boff;          /* parameter offsets (conv, dense) */
    NnConv *conv;               /* the convolution's oneDNN primitives */
} Layer;

#define CAE_MAX_LAYERS (8 * CAE_MAX_LEVELS + 8)

struct CaeNet {
    CaeConfig cfg;
    Layer layers[CAE_MAX_LAYERS];
    size_t n_layers;
    size_t embed_layer;         /* the bottleneck dense layer */
    size_t n_params;
    float *params, *grads;
    /* Per-batch buffers, grown on demand to `capacity` images. */
    size_t capacity, cap_layers;
    float *act[CAE_MAX_LAYERS + 1];   /* act[i+1] = output of layer i */
    float *gbuf[2];
    float *col;                 /* im2col scratch of the weight gradients */
    size_t col_floats;
};

bool cae_config_check(const CaeConfig *cfg, RnError **err)
{
    if (cfg->levels < 1 || cfg->levels > CAE_MAX_LEVELS || cfg->size < 2 ||
        cfg->size > CAE_MAX_SIZE || cfg->size % (1u << cfg->levels) != 0 ||
        cfg->channels < 1 || cfg->channels > CAE_MAX_CHANNELS ||
        (cfg->channels << (cfg->levels - 1)) > 4 * CAE_MAX_CHANNELS ||
        cfg->dim < 1 || cfg->dim > CAE_MAX_DIM) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "cae: unsupported shape (size %u, levels %u, channels %u, "
                     "dim %u): size must be a multiple of 2^levels <= %u, "
                     "levels <= %d, channels <= %u, dim <= %u",
                     cfg->size, cfg->levels, cfg->channels, cfg->dim,
                     CAE_MAX_SIZE, CAE_MAX_LEVELS, CAE_MAX_CHANNELS, CAE_MAX_DIM);
        return false;
    }
    return true;
}

static void push(CaeNet *net, LayerKind kind, size_t h, size_t w, size_t cin,
                 size_t cout)
{
    Layer *l = &net->layers[net->n_layers++];
    *l = (Layer){.kind = kind, .h = h, .w = w, .cin = cin, .cout = cout};
    l->in_size = h * w * cin;
    switch (kind) {
    case L_CONV:
        l->out_size = h * w * cout;
        l->woff = net->n_params;
        l->boff = l->woff + cout * 9 * cin;
        net->n_params = l->boff + cout;
        break;
    case L_DENSE:
        l->out_size = cout;
        l->woff = net->n_params;
        l->boff = l->woff + cout * cin;
        net->n_params = l->boff + cout;
        break;
    case L_POOL:
        l->out_size = l->in_size / 4;
        break;
    case L_UP:
        l->out_size = l->in_size * 4;
        break;
    case L_RELU:
    case L_SIGMOID:
        l->out_size = l->in_size;
        break;
    }
}

static void build_layers(CaeNet *net)
{
    const CaeConfig *c = &net->cfg;
    size_t s = c->size, ch = 1;
    for (uint32_t i = 0; i < c->levels; i++) {
        size_t out = (size_t)c->channels << i;
        push(net, L_CONV, s, s, ch, out);
        push(net, L_RELU, s, s, out, out);
        push(net, L_POOL, s, s, out, out);
        s /= 2;
        ch = out;
    }
    size_t flat = s * s * ch;
    net->embed_layer = net->n_layers;
    push(net, L_DENSE, 1, 1, flat, c->dim);
    push(net, L_DENSE, 1, 1, c->dim, flat);
    push(net, L_RELU, 1, 1, flat, flat);
    for (uint32_t i = c->levels; i-- > 0;) {
        size_t out = i ? (size_t)c->channels << (i - 1) : 1;
        push(net, L_UP, s, s, ch, ch);
        s *= 2;
        push(net, L_CONV, s, s, ch, out);
        push(net, i ? L_RELU : L_SIGMOID, s, s, out, out);
        ch = out;
    }
}

size_t cae_config_param_count(const CaeConfig *cfg)
{
    CaeNet shape = {.cfg = *cfg};
    build_layers(&shape);
    return shape.n_params;
}

/* A ReLU right after a convolution runs inside it (the convolution's
 * output buffer is the ReLU's, as every ReLU runs in place). */
static bool relu_fused(const CaeNet *net, size_t i)
{
    return net->layers[i].kind == L_RELU && i > 0 &&
           net->layers[i - 1].kind == L_CONV;
}

CaeNet *cae_net_new(const CaeConfig *cfg, RnError **err)
{
    if (!cae_config_check(cfg, err))
        return NULL;
    CaeNet *net = rn_calloc(1, sizeof *net, err);
    if (!net)
        return NULL;
    net->cfg = *cfg;
    build_layers(net);
    bool ok = true;
    for (size_t i = 0; i < net->n_layers && ok; i++) {
        Layer *l = &net->layers[i];
        if (l->kind == L_CONV)
            ok = (l->conv = nn_conv_new(l->h, l->w, l->cin, l->cout,
                                        relu_fused(net, i + 1), err)) != NULL;
    }
    net->params = ok ? rn_calloc(net->n_params, sizeof *net->params, err) : NULL;
    net->grads = ok ? rn_calloc(net->n_params, sizeof *net->grads, err) : NULL;
    if (!net->params || !net->grads) {
        cae_net_free(net);
        return NULL;
    }
    return net;
}

static void free_buffers(CaeNet *net)
{
    for (size_t i = net->cap_layers + 1; i-- > 0;) {
        if (i == 0 || net->layers[i - 1].kind != L_RELU)
            free(net->act[i]); /* a ReLU's output is its input's buffer */
        net->act[i] = NULL;
    }
    free(net->gbuf[0]);
    free(net->gbuf[1]);
    free(net->col);
    net->gbuf[0] = net->gbuf[1] = net->col = NULL;
    net->capacity = net->cap_layers = 0;
}

void cae_net_free(CaeNet *net)
{
    if (!net)
        return;
    free_buffers(net);
    for (size_t i = 0; i < net->n_layers; i++)
        nn_conv_free(net->layers[i].conv);
    free(net->params);
    free(net->grads);
    free(net);
}

/* The im2col scratch: one image of the widest layer, or this many floats
 * when more (chunks of images fill it). */
#define CAE_COL_BUDGET ((size_t)4 << 20)

/* Sizes the buffers for n images through the first `layers` layers, with
 * gradient buffers when training. ReLU runs in place, so its output shares
 * its input's buffer. */
static bool ensure_capacity(CaeNet *net, size_t n, size_t layers, bool train,
                            RnError **err)
{
    if (n <= net->capacity && layers <= net->cap_layers &&
        (!train || net->gbuf[0]))
        return true;
    free_buffers(net);
    net->cap_layers = layers; /* what free_buffers releases on failure */
    size_t max_act = net->layers[0].in_size, max_col = 0;
    for (size_t i = 0; i < layers; i++) {
        const Layer *l = &net->layers[i];
        if (l->out_size > max_act)
            max_act = l->out_size;
        if (l->kind == L_CONV && 9 * l->in_size > max_col)
            max_col = 9 * l->in_size;
    }
    size_t count;
    bool ok = true;
    for (size_t i = 0; i <= layers && ok; i++) {
        if (i > 0 && net->layers[i - 1].kind == L_RELU) {
            net->act[i] = net->act[i - 1];
            continue;
        }
        size_t per = i == 0 ? net->layers[0].in_size : net->layers[i - 1].out_size;
        ok = rn_mul_size(per, n, &count) &&
             (net->act[i] = rn_malloc(count * sizeof(float), err)) != NULL;
    }
    for (int g = 0; g < 2 && ok && train; g++)
        ok = rn_mul_size(max_act, n, &count) &&
             (net->gbuf[g] = rn_malloc(count * sizeof(float), err)) != NULL;
    net->col_floats = max_col > CAE_COL_BUDGET ? max_col : CAE_COL_BUDGET;
    if (ok && train)
        ok = (net->col = rn_malloc(net->col_floats * sizeof(float), err)) != NULL;
    if (!ok) {
        rn_error_set(err, RN_ERROR_NOMEM, "cae: batch buffers of %zu images", n);
        free_buffers(net);
        return false;
    }
    net->capacity = n;
    net->cap_layers = layers;
    return true;
}

/* Images per im2col chunk of a convolution layer. */
static size_t col_chunk(const CaeNet *net, const Layer *l)
{
    size_t c = net->col_floats / (9 * l->in_size);
    return c ? c : 1;
}

const CaeConfig *cae_net_config(const CaeNet *net) { return &net->cfg; }
size_t cae_net_param_count(const CaeNet *net) { return net->n_params; }
float *cae_net_params(CaeNet *net) { return net->params; }
const float *cae_net_grads(const CaeNet *net) { return net->grads; }
size_t cae_net_layer_count(const CaeNet *net) { return net->n_layers; }

const float *cae_net_layer_output(const CaeNet *net, size_t i, size_t *per_image)
{
    *per_image = net->layers[i].out_size;
    return net->act[i + 1];
}

void cae_net_init(CaeNet *net, uint64_t seed)
{
    for (size_t i = 0; i < net->n_layers; i++) {
        const Layer *l = &net->layers[i];
        if (l->kind != L_CONV && l->kind != L_DENSE)
            continue;
        /* one stream per layer (family 0 of the seed; training draws from
         * family 1): a layer's values depend on the seed and its position */
        RnRng rng = rn_rng_split(rn_rng_stream_seed(seed, 0), i);
        size_t fan_in = l->kind == L_CONV ? 9 * l->cin : l->cin;
        double bound = 1.0 / sqrt((double)fan_in);
        for (size_t p = l->woff; p < l->boff + l->cout; p++)
            net->params[p] = (float)((2.0 * rn_rng_double(&rng) - 1.0) * bound);
    }
}

bool cae_net_describe(const CaeNet *net, RnBuf *out, RnError **err)
{
    static const char *const names[] = {"conv", "relu", "pool", "up", "dense",
                                        "sigmoid"};
    bool ok = true;
    for (size_t i = 0; i < net->n_layers && ok; i++) {
        const Layer *l = &net->layers[i];
        if (l->kind == L_DENSE)
            ok = rn_buf_printf(out, err, "dense %zu %zu\n", l->cin, l->cout);
        else
            ok = rn_buf_printf(out, err, "%s %zu %zu %zu %zu\n", names[l->kind],
                               l->h, l->w, l->cin, l->cout);
    }
    return ok;
}

static bool layer_forward(CaeNet *net, size_t i, size_t n, bool training,
                          RnError **err)
{
    const Layer *l = &net->layers[i];
    const float *x = net->act[i];
    float *y = net->act[i + 1];
    const float *p = net->params;
    switch (l->kind) {
    case L_CONV:
        return nn_conv_forward(l->conv, x, n, p + l->woff, p + l->boff, y,
                               training, err);
    case L_DENSE:
        nn_dense_forward(x, n, l->cin, l->cout, p + l->woff, p + l->boff, y);
        break;
    case L_RELU:
        if (!relu_fused(net, i))
            nn_relu_forward(x, n * l->in_size, y);
        break;
    case L_POOL:
        nn_maxpool2_forward(x, n, l->h, l->w, l->cin, y);
        break;
    case L_UP:
        nn_upsample2_forward(x, n, l->h, l->w, l->cin, y);
        break;
    case L_SIGMOID:
        nn_sigmoid_forward(x, n * l->in_size, y);
        break;
    }
    return true;
}

/* dy: gradient at layer i's output; writes the gradient at its input to
 * dx (unless i == 0) and the layer's parameter gradients. */
static bool layer_backward(CaeNet *net, size_t i, size_t n, const float *dy,
                           float *dx, RnError **err)
{
    const Layer *l = &net->layers[i];
    const float *x = net->act[i];
    const float *p = net->params;
    float *g = net->grads;
    if (i == 0)
        dx = NULL;
    switch (l->kind) {
    case L_CONV:
        nn_conv3_weight_grad(x, dy, n, l->h, l->w, l->cin, l->cout, g + l->woff,
                             g + l->boff, net->col, col_chunk(net, l));
        return !dx || nn_conv_backward_data(l->conv, dy, n, p + l->woff, dx, err);
    case L_DENSE:
        nn_dense_backward(x, dy, n, l->cin, l->cout, p + l->woff, g + l->woff,
                          g + l->boff, dx);
        break;
    case L_RELU:
        nn_relu_backward(net->act[i + 1], dy, n * l->in_size, dx);
        break;
    case L_POOL:
        nn_maxpool2_backward(x, dy, n, l->h, l->w, l->cin, dx);
        break;
    case L_UP:
        nn_upsample2_backward(dy, n, l->h, l->w, l->cin, dx);
        break;
    case L_SIGMOID:
        break; /* folded into the loss gradient */
    }
    return true;
}

bool cae_net_loss(CaeNet *net, const float *x, size_t n, bool grad,
                  double *loss, RnError **err)
{
    if (!ensure_capacity(net, n, net->n_layers, grad, err))
        return false;
    size_t pixels = net->layers[0].in_size;
    memcpy(net->act[0], x, n * pixels * sizeof *x);
    for (size_t i = 0; i < net->n_layers; i++)
        if (!layer_forward(net, i, n, grad, err))
            return false;
    float *dy = net->gbuf[0], *dx = net->gbuf[1];
    *loss = nn_sigmoid_mse(net->act[net->n_layers], x, n * pixels,
                           grad ? dy : NULL);
    if (!grad)
        return true;
    /* The last layer is the sigmoid, whose gradient the loss gave. */
    for (size_t i = net->n_layers - 1; i-- > 0;) {
        if (!layer_backward(net, i, n, dy, dx, err))
            return false;
        float *t = dy;
        dy = dx;
        dx = t;
    }
    return true;
}

bool cae_net_encode(CaeNet *net, const float *x, size_t n, float *out,
                    RnError **err)
{
    if (!ensure_capacity(net, n, net->embed_layer + 1, false, err))
        return false;
    memcpy(net->act[0], x, n * net->layers[0].in_size * sizeof *x);
    for (size_t i = 0; i <= net->embed_layer; i++)
        if (!layer_forward(net, i, n, false, err))
            return false;
    memcpy(out, net->act[net->embed_layer + 1], n * net->cfg.dim * sizeof *out);
    return true;
}

struct CaeAdam {
    NnAdam adam;
};

CaeAdam *cae_adam_new(const CaeNet *net, float lr, RnError **err)
{
    CaeAdam *a = rn_calloc(1, sizeof *a, err);
    if (!a)
        return NULL;
    a->adam = (NnAdam){.lr = lr, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
    a->adam.m = rn_calloc(net->n_params, sizeof(float), err);
    a->adam.v = rn_calloc(net->n_params, sizeof(float), err);
    if (!a->adam.m || !a->adam.v) {
        cae_adam_free(a);
        return NULL;
    }
    return a;
}

void cae_adam_step(CaeAdam *a, CaeNet *net)
{
    nn_adam_update(&a->adam, net->params, net->grads, net->n_params);
}

void cae_adam_free(CaeAdam *a)
{
    if (!a)
        return;
    free(a->adam.m);
    free(a->adam.v);
    free(a);
}
