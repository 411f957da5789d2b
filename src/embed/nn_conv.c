/* The CAE's 3×3 convolutions through oneDNN's C API, forward and input
 * gradient (faster than im2col + OpenBLAS on every layer shape of the
 * network, and independent of the thread count: bench/RESULTS.md). The
 * activations stay NHWC and the weights OHWI in radnet's own buffers;
 * oneDNN's preferred weight layouts are reached by reorders, every call,
 * since training changes the weights every step. A convolution followed by
 * a ReLU applies it as oneDNN's post-op, in the same pass over the output
 * (max(z, 0) either way, so the values are those of a separate ReLU). */
#include "embed/nn.h"

#include <oneapi/dnnl/dnnl.h>
#include <stdlib.h>

/* The primitives for one batch size (and for training or inference). */
typedef struct ConvPlan {
    size_t n;                   /* 0: empty slot */
    bool training;
    dnnl_primitive_t fwd, bwd_data;
    dnnl_primitive_t to_fwd_w, to_bwd_w;    /* NULL: same layout */
    dnnl_memory_t x, y, dy, dx, w_user, b;
    dnnl_memory_t w_fwd, w_bwd;             /* oneDNN's layouts */
} ConvPlan;

struct NnConv {
    size_t h, w, cin, cout;
    bool relu;                  /* the forward output is max(z, 0) */
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    ConvPlan plans[2];          /* the full batch and the last partial one */
    unsigned next;              /* slot to replace */
};

static void plan_clear(ConvPlan *p)
{
    dnnl_primitive_t prims[] = {p->fwd, p->bwd_data, p->to_fwd_w, p->to_bwd_w};
    dnnl_memory_t mems[] = {p->x, p->y, p->dy, p->dx, p->w_user, p->b,
                            p->w_fwd, p->w_bwd};
    for (size_t i = 0; i < sizeof prims / sizeof *prims; i++)
        if (prims[i])
            dnnl_primitive_destroy(prims[i]);
    for (size_t i = 0; i < sizeof mems / sizeof *mems; i++)
        if (mems[i])
            dnnl_memory_destroy(mems[i]);
    *p = (ConvPlan){0};
}

NnConv *nn_conv_new(size_t h, size_t w, size_t cin, size_t cout, bool relu,
                    RnError **err)
{
    NnConv *c = rn_calloc(1, sizeof *c, err);
    if (!c)
        return NULL;
    *c = (NnConv){.h = h, .w = w, .cin = cin, .cout = cout, .relu = relu};
    if (dnnl_engine_create(&c->engine, dnnl_cpu, 0) != dnnl_success ||
        dnnl_stream_create(&c->stream, c->engine, dnnl_stream_default_flags) !=
            dnnl_success) {
        rn_error_set(err, RN_ERROR_INTERNAL, "oneDNN: no CPU engine");
        nn_conv_free(c);
        return NULL;
    }
    return c;
}

void nn_conv_free(NnConv *c)
{
    if (!c)
        return;
    plan_clear(&c->plans[0]);
    plan_clear(&c->plans[1]);
    if (c->stream)
        dnnl_stream_destroy(c->stream);
    if (c->engine)
        dnnl_engine_destroy(c->engine);
    free(c);
}

static bool make_memory(dnnl_memory_t *m, const dnnl_memory_desc_t *md,
                        dnnl_engine_t e, bool allocate)
{
    return dnnl_memory_create(m, md, e, allocate ? DNNL_MEMORY_ALLOCATE
                                                 : DNNL_MEMORY_NONE) == dnnl_success;
}

/* A reorder from the user's weights to a new memory of layout md, or none
 * (*r and *to stay NULL) when the layouts agree. */
static bool make_reorder(dnnl_memory_t user_mem, const dnnl_memory_desc_t *md,
                         dnnl_engine_t e, dnnl_primitive_t *r, dnnl_memory_t *to)
{
    const dnnl_memory_desc_t *user;
    if (dnnl_memory_get_memory_desc(user_mem, &user) != dnnl_success)
        return false;
    if (dnnl_memory_desc_equal(user, md))
        return true;
    dnnl_primitive_desc_t pd;
    bool ok = make_memory(to, md, e, true) &&
              dnnl_reorder_primitive_desc_create(&pd, user, e, md, e, NULL) ==
                  dnnl_success;
    if (ok) {
        ok = dnnl_primitive_create(r, pd) == dnnl_success;
        dnnl_primitive_desc_destroy(pd);
    }
    return ok;
}

static bool make_primitive(dnnl_primitive_t *p, const_dnnl_op_desc_t op,
                           const_dnnl_primitive_attr_t attr, dnnl_engine_t e,
                           const_dnnl_primitive_desc_t hint,
                           dnnl_primitive_desc_t *pd_out)
{
    dnnl_primitive_desc_t pd;
    if (dnnl_primitive_desc_create(&pd, op, attr, e, hint) != dnnl_success)
        return false;
    bool ok = dnnl_primitive_create(p, pd) == dnnl_success;
    if (ok && pd_out)
        *pd_out = pd;
    else
        dnnl_primitive_desc_destroy(pd);
    return ok;
}

/* The forward primitive's attributes: a ReLU post-op when c->relu, else
 * none (*attr stays NULL). */
static bool make_attr(const NnConv *c, dnnl_primitive_attr_t *attr)
{
    *attr = NULL;
    if (!c->relu)
        return true;
    dnnl_post_ops_t ops = NULL;
    bool ok = dnnl_post_ops_create(&ops) == dnnl_success &&
              dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, 0.0f,
                                           0.0f) == dnnl_success &&
              dnnl_primitive_attr_create(attr) == dnnl_success &&
              dnnl_primitive_attr_set_post_ops(*attr, ops) == dnnl_success;
    if (ops)
        dnnl_post_ops_destroy(ops);
    return ok;
}

static bool plan_build(NnConv *c, ConvPlan *p, size_t n, bool training)
{
    dnnl_dims_t xd = {(dnnl_dim_t)n, (dnnl_dim_t)c->cin, (dnnl_dim_t)c->h, (dnnl_dim_t)c->w};
    dnnl_dims_t yd = {(dnnl_dim_t)n, (dnnl_dim_t)c->cout, (dnnl_dim_t)c->h, (dnnl_dim_t)c->w};
    dnnl_dims_t wd = {(dnnl_dim_t)c->cout, (dnnl_dim_t)c->cin, 3, 3};
    dnnl_dims_t bd = {(dnnl_dim_t)c->cout}, strides = {1, 1}, pad = {1, 1};
    dnnl_memory_desc_t x_md, y_md, w_md, w_any, b_md;
    dnnl_convolution_desc_t fd, dd;
    dnnl_primitive_desc_t fpd = NULL;
    dnnl_primitive_attr_t attr = NULL;
    p->n = n;
    p->training = training;
    bool ok = make_attr(c, &attr) &&
        dnnl_memory_desc_init_by_tag(&x_md, 4, xd, dnnl_f32, dnnl_nhwc) == dnnl_success &&
        dnnl_memory_desc_init_by_tag(&y_md, 4, yd, dnnl_f32, dnnl_nhwc) == dnnl_success &&
        dnnl_memory_desc_init_by_tag(&w_md, 4, wd, dnnl_f32, dnnl_ohwi) == dnnl_success &&
        dnnl_memory_desc_init_by_tag(&w_any, 4, wd, dnnl_f32, dnnl_format_tag_any) == dnnl_success &&
        dnnl_memory_desc_init_by_tag(&b_md, 1, bd, dnnl_f32, dnnl_x) == dnnl_success &&
        dnnl_convolution_forward_desc_init(&fd, training ? dnnl_forward_training
                                                         : dnnl_forward_inference,
                                           dnnl_convolution_direct, &x_md, &w_any,
                                           &b_md, &y_md, strides, pad, pad) == dnnl_success &&
        make_primitive(&p->fwd, &fd, attr, c->engine, NULL, &fpd) &&
        make_memory(&p->x, &x_md, c->engine, false) &&
        make_memory(&p->y, &y_md, c->engine, false) &&
        make_memory(&p->w_user, &w_md, c->engine, false) &&
        make_memory(&p->b, &b_md, c->engine, false) &&
        make_reorder(p->w_user, dnnl_primitive_desc_query_md(fpd, dnnl_query_weights_md, 0),
                     c->engine, &p->to_fwd_w, &p->w_fwd);
    if (ok && training) {
        dnnl_primitive_desc_t dpd = NULL;
        ok = dnnl_convolution_backward_data_desc_init(&dd, dnnl_convolution_direct,
                 &x_md, &w_any, &y_md, strides, pad, pad) == dnnl_success &&
             make_primitive(&p->bwd_data, &dd, NULL, c->engine, fpd, &dpd) &&
             make_memory(&p->dy, &y_md, c->engine, false) &&
             make_memory(&p->dx, &x_md, c->engine, false) &&
             make_reorder(p->w_user, dnnl_primitive_desc_query_md(dpd, dnnl_query_weights_md, 0),
                          c->engine, &p->to_bwd_w, &p->w_bwd);
        if (dpd)
            dnnl_primitive_desc_destroy(dpd);
    }
    if (fpd)
        dnnl_primitive_desc_destroy(fpd);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    if (!ok)
        plan_clear(p);
    return ok;
}

static ConvPlan *plan_for(NnConv *c, size_t n, bool training, RnError **err)
{
    for (int i = 0; i < 2; i++)
        if (c->plans[i].n == n && (c->plans[i].training || !training))
            return &c->plans[i];
    ConvPlan *p = &c->plans[c->next];
    c->next ^= 1;
    plan_clear(p);
    if (!plan_build(c, p, n, training)) {
        rn_error_set(err, RN_ERROR_INTERNAL,
                     "oneDNN refused a 3x3 convolution of %zu x %zu x %zu -> %zu",
                     c->h, c->w, c->cin, c->cout);
        return NULL;
    }
    return p;
}

static bool set(dnnl_memory_t m, const void *data)
{
    return dnnl_memory_set_data_handle(m, (void *)data) == dnnl_success;
}

static bool run(NnConv *c, dnnl_primitive_t prim, int nargs,
                const dnnl_exec_arg_t *args)
{
    return dnnl_primitive_execute(prim, c->stream, nargs, args) == dnnl_success;
}

static bool reorder(NnConv *c, dnnl_primitive_t r, dnnl_memory_t from,
                    dnnl_memory_t to)
{
    if (!r)
        return true;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    return run(c, r, 2, args);
}

static bool fail(RnError **err)
{
    rn_error_set(err, RN_ERROR_INTERNAL, "oneDNN: a convolution failed");
    return false;
}

bool nn_conv_forward(NnConv *c, const float *x, size_t n, const float *weight,
                     const float *bias, float *y, bool training, RnError **err)
{
    ConvPlan *p = plan_for(c, n, training, err);
    if (!p)
        return false;
    dnnl_memory_t w = p->to_fwd_w ? p->w_fwd : p->w_user;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_SRC, p->x}, {DNNL_ARG_WEIGHTS, w},
                              {DNNL_ARG_BIAS, p->b}, {DNNL_ARG_DST, p->y}};
    bool ok = set(p->x, x) && set(p->y, y) && set(p->w_user, weight) &&
              set(p->b, bias) && reorder(c, p->to_fwd_w, p->w_user, p->w_fwd) &&
              run(c, p->fwd, 4, args) &&
              dnnl_stream_wait(c->stream) == dnnl_success;
    return ok || fail(err);
}

bool nn_conv_backward_data(NnConv *c, const float *dy, size_t n,
                           const float *weight, float *dx, RnError **err)
{
    ConvPlan *p = plan_for(c, n, true, err);
    if (!p)
        return false;
    dnnl_memory_t w = p->to_bwd_w ? p->w_bwd : p->w_user;
    dnnl_exec_arg_t args[] = {{DNNL_ARG_DIFF_DST, p->dy}, {DNNL_ARG_WEIGHTS, w},
                              {DNNL_ARG_DIFF_SRC, p->dx}};
    bool ok = set(p->dy, dy) && set(p->w_user, weight) && set(p->dx, dx) &&
              reorder(c, p->to_bwd_w, p->w_user, p->w_bwd) &&
              run(c, p->bwd_data, 3, args) &&
              dnnl_stream_wait(c->stream) == dnnl_success;
    return ok || fail(err);
}
