#include "synth/phantom.h"

#include <stdlib.h>

#define DEG (3.14159265358979323846 / 180.0)

void ph_free(Phantom *p)
{
    free(p->s);
    p->s = NULL;
    p->n = p->cap = 0;
}

static void push(Phantom *p, Shape sh)
{
    if (p->failed)
        return;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        Shape *s = realloc(p->s, cap * sizeof *s);
        if (s == NULL) {
            p->failed = true;
            return;
        }
        p->s = s;
        p->cap = cap;
    }
    p->s[p->n++] = sh;
}

void ph_ellipse(Phantom *p, Tissue t, double cx, double cy, double rx, double ry,
                double angle_deg)
{
    push(p, (Shape){SH_ELLIPSE, t, false,
                    {(float)cx, (float)cy, (float)rx, (float)ry, (float)angle_deg}});
}

void ph_circle(Phantom *p, Tissue t, double cx, double cy, double r)
{
    ph_ellipse(p, t, cx, cy, r, r, 0);
}

void ph_capsule(Phantom *p, Tissue t, double x1, double y1, double x2, double y2,
                double r)
{
    push(p, (Shape){SH_CAPSULE, t, false,
                    {(float)x1, (float)y1, (float)x2, (float)y2, (float)r}});
}

void ph_bone(Phantom *p, double x1, double y1, double x2, double y2, double r)
{
    push(p, (Shape){SH_CAPSULE, T_BONE, true,
                    {(float)x1, (float)y1, (float)x2, (float)y2, (float)r}});
}

void ph_box(Phantom *p, Tissue t, double cx, double cy, double hw, double hh,
            double angle_deg)
{
    push(p, (Shape){SH_BOX, t, false,
                    {(float)cx, (float)cy, (float)hw, (float)hh, (float)angle_deg}});
}

void view_init(View *v, int w, int h, double zoom, double angle_deg,
               double shift_x, double shift_y)
{
    v->w = w;
    v->h = h;
    v->scale = 0.5 * (w < h ? w : h) * zoom;
    v->c = cos(angle_deg * DEG);
    v->s = sin(angle_deg * DEG);
    /* The phantom origin lands at the image centre plus the shift. */
    v->cx = 0.5 * w + v->scale * (v->c * shift_x - v->s * shift_y);
    v->cy = 0.5 * h + v->scale * (v->s * shift_x + v->c * shift_y);
}

void view_to_phantom(const View *v, int x, int y, double *u, double *w)
{
    double dx = (x + 0.5 - v->cx) / v->scale, dy = (y + 0.5 - v->cy) / v->scale;
    *u = v->c * dx + v->s * dy;
    *w = -v->s * dx + v->c * dy;
}

/* Centre and bounding radius of a shape, in phantom units. */
static void shape_bounds(const Shape *sh, double *cx, double *cy, double *r)
{
    const float *p = sh->p;
    switch (sh->kind) {
    case SH_ELLIPSE:
        *cx = p[0], *cy = p[1], *r = p[2] > p[3] ? p[2] : p[3];
        break;
    case SH_BOX:
        *cx = p[0], *cy = p[1], *r = hypot(p[2], p[3]);
        break;
    default: /* SH_CAPSULE */
        *cx = 0.5 * (p[0] + p[2]), *cy = 0.5 * (p[1] + p[3]);
        *r = 0.5 * hypot(p[2] - p[0], p[3] - p[1]) + p[4];
        break;
    }
}

/* A shape with its trigonometry and reciprocals worked out once, so the
 * per-pixel test is a few multiplications. */
typedef struct Prepared {
    ShapeKind kind;
    bool tube;
    double x0, y0, c, s, irx, iry; /* ellipse/box: centre, rotation, 1/radii */
    double ax, ay, il2, ir2;       /* capsule: direction, 1/|a|², 1/r² */
} Prepared;

static void prepare(const Shape *sh, Prepared *q)
{
    const float *p = sh->p;
    q->kind = sh->kind;
    q->tube = sh->tube;
    q->x0 = p[0];
    q->y0 = p[1];
    if (sh->kind == SH_CAPSULE) {
        q->ax = p[2] - p[0];
        q->ay = p[3] - p[1];
        double l2 = q->ax * q->ax + q->ay * q->ay;
        q->il2 = l2 > 0 ? 1 / l2 : 0;
        q->ir2 = 1 / ((double)p[4] * p[4]);
    } else {
        q->c = cos(p[4] * DEG);
        q->s = sin(p[4] * DEG);
        q->irx = 1 / (double)p[2];
        q->iry = 1 / (double)p[3];
    }
}

/* Thickness profile in (0, 1] inside the shape, 0 outside; *inner is the
 * profile of the marrow core of a tube (0 when outside it). */
static double shape_profile(const Prepared *q, double u, double w, double *inner)
{
    double dx = u - q->x0, dy = w - q->y0;
    *inner = 0;
    if (q->kind == SH_CAPSULE) {
        double t = (dx * q->ax + dy * q->ay) * q->il2;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        double ex = dx - t * q->ax, ey = dy - t * q->ay;
        double d = (ex * ex + ey * ey) * q->ir2;
        if (d >= 1)
            return 0;
        if (q->tube && d < 0.36)
            *inner = sqrt(1 - d / 0.36);
        return sqrt(1 - d);
    }
    double x = (q->c * dx + q->s * dy) * q->irx, y = (-q->s * dx + q->c * dy) * q->iry;
    double d = q->kind == SH_ELLIPSE ? x * x + y * y : fmax(x * x, y * y);
    return d < 1 ? sqrt(1 - d) : 0;
}

/* Calls fn for every pixel of the shape's box with its profile; u, w step
 * linearly along a row. */
#define FOR_SHAPE_PIXELS(sh, v, b, BODY)                                        \
    do {                                                                       \
        Prepared q_;                                                           \
        prepare((sh), &q_);                                                    \
        double du_ = (v)->c / (v)->scale, dw_ = -(v)->s / (v)->scale;          \
        for (int y = (b)[1]; y <= (b)[3]; y++) {                               \
            double u, w, inner;                                                \
            view_to_phantom((v), (b)[0], y, &u, &w);                           \
            for (int x = (b)[0]; x <= (b)[2]; x++, u += du_, w += dw_) {       \
                double t = shape_profile(&q_, u, w, &inner);                   \
                if (t > 0) {                                                   \
                    BODY;                                                      \
                }                                                              \
            }                                                                  \
        }                                                                      \
    } while (0)

/* Pixel bounding box of a shape, clipped to the image. */
static bool pixel_box(const Shape *sh, const View *v, int box[4])
{
    double cx, cy, r;
    shape_bounds(sh, &cx, &cy, &r);
    double px = v->cx + v->scale * (v->c * cx - v->s * cy);
    double py = v->cy + v->scale * (v->s * cx + v->c * cy);
    double pr = r * v->scale + 1;
    box[0] = (int)fmax(0, floor(px - pr));
    box[1] = (int)fmax(0, floor(py - pr));
    box[2] = (int)fmin(v->w - 1, ceil(px + pr));
    box[3] = (int)fmin(v->h - 1, ceil(py + pr));
    return box[0] <= box[2] && box[1] <= box[3];
}

void ph_render_labels(const Phantom *p, const View *v, uint8_t *labels)
{
    for (size_t i = 0; i < p->n; i++) {
        const Shape *sh = &p->s[i];
        int b[4];
        if (!pixel_box(sh, v, b))
            continue;
        uint8_t own = (uint8_t)sh->tissue;
        FOR_SHAPE_PIXELS(sh, v, b,
                         labels[(size_t)y * v->w + x] = inner > 0 ? (uint8_t)T_MARROW : own);
    }
}
