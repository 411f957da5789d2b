/* The 3-D phantom engine: primitives, point tests for slices and chord
 * lengths for projections (see body3d.h). The anatomy itself is in
 * body3d_anatomy.c. */
#include "synth/body3d.h"

#include <stdlib.h>
#include <string.h>

#define DEG (3.14159265358979323846 / 180.0)

void body3_free(Body3 *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

static double dot3(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void cross3(const double a[3], const double b[3], double out[3])
{
    out[0] = a[1] * b[2] - a[2] * b[1];
    out[1] = a[2] * b[0] - a[0] * b[2];
    out[2] = a[0] * b[1] - a[1] * b[0];
}

/* Centre and radius of a sphere holding the primitive. */
static void bounds(const Prim3 *p, double c[3], double *r)
{
    switch (p->kind) {
    case P3_CAPSULE:
        for (int k = 0; k < 3; k++)
            c[k] = 0.5 * (p->c[k] + p->r[k]);
        *r = 0.5 * sqrt((p->r[0] - p->c[0]) * (p->r[0] - p->c[0]) +
                        (p->r[1] - p->c[1]) * (p->r[1] - p->c[1]) +
                        (p->r[2] - p->c[2]) * (p->r[2] - p->c[2])) + p->radius;
        return;
    case P3_ELLIPSOID:
        memcpy(c, p->c, sizeof p->c);
        *r = fmax(p->r[0], fmax(p->r[1], p->r[2]));
        return;
    default: /* boxes and elliptic cylinders */
        memcpy(c, p->c, sizeof p->c);
        *r = sqrt(p->r[0] * p->r[0] + p->r[1] * p->r[1] + p->r[2] * p->r[2]);
        return;
    }
}

/* ---- slices: is a point inside? ------------------------------------------ */

/* 0 outside, 1 inside, 2 inside a tube's marrow. */
static int inside(const Prim3 *p, const double x[3])
{
    double d[3] = {x[0] - p->c[0], x[1] - p->c[1], x[2] - p->c[2]};
    if (x[2] < p->zlo || x[2] > p->zhi)
        return 0;
    switch (p->kind) {
    case P3_ELLIPSOID: {
        double a = d[0] / p->r[0], b = d[1] / p->r[1], c = d[2] / p->r[2];
        return a * a + b * b + c * c <= 1;
    }
    case P3_ECYL: {
        double a = d[0] / p->r[0], b = d[1] / p->r[1];
        return a * a + b * b <= 1 && fabs(d[2]) <= p->r[2];
    }
    case P3_BOX:
        return fabs(d[0]) <= p->r[0] && fabs(d[1]) <= p->r[1] && fabs(d[2]) <= p->r[2];
    default: {
        double a[3] = {p->r[0] - p->c[0], p->r[1] - p->c[1], p->r[2] - p->c[2]};
        double l2 = dot3(a, a), t = l2 > 0 ? dot3(d, a) / l2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        double e[3] = {d[0] - t * a[0], d[1] - t * a[1], d[2] - t * a[2]};
        double q = dot3(e, e), r2 = p->radius * p->radius;
        if (q > r2)
            return 0;
        return p->tube && q < 0.36 * r2 ? 2 : 1;
    }
    }
}

/* Pixel rectangle [x0, x1] × [y0, y1] holding the disc of radius rad
 * around point c seen in the frame; false when it misses the image. */
static bool pixel_rect(const Frame3 *f, const double c[3], double rad, int box[4])
{
    double d[3] = {c[0] - f->origin[0], c[1] - f->origin[1], c[2] - f->origin[2]};
    double u = dot3(d, f->row) / f->dc, v = dot3(d, f->col) / f->dr;
    double ru = rad / f->dc + 1, rv = rad / f->dr + 1;
    box[0] = (int)fmax(0, floor(u - ru));
    box[1] = (int)fmax(0, floor(v - rv));
    box[2] = (int)fmin(f->w - 1, ceil(u + ru));
    box[3] = (int)fmin(f->h - 1, ceil(v + rv));
    return box[0] <= box[2] && box[1] <= box[3];
}

/* The reference labelling: the last primitive containing the point. */
uint8_t body3_label_at(const Body3 *b, const double x[3])
{
    uint8_t label = T_AIR;
    for (size_t i = 0; i < b->n; i++) {
        int in = inside(&b->p[i], x);
        if (in)
            label = in == 2 ? (uint8_t)T_MARROW : (uint8_t)b->p[i].tissue;
    }
    return label;
}

/* ---- projections: chord lengths ------------------------------------------- */

/* Interval [t0, t1] of o + t·n inside the sphere/ellipsoid given in scaled
 * coordinates (centre subtracted, divided by the semi-axes). */
static bool quad_interval(double a, double b, double c, double *t0, double *t1)
{
    double disc = b * b - 4 * a * c;
    if (a <= 0 || disc <= 0)
        return false;
    double s = sqrt(disc);
    *t0 = (-b - s) / (2 * a);
    *t1 = (-b + s) / (2 * a);
    return true;
}

/* Clips [t0, t1] to where o + t·n lies in [lo, hi]. (Comparisons, not
 * fmax/fmin: the same values for numbers, and no library call.) */
static inline bool slab(double o, double n, double lo, double hi, double *t0, double *t1)
{
    if (fabs(n) < 1e-12)
        return o >= lo && o <= hi;
    double a = (lo - o) / n, b = (hi - o) / n;
    if (a > b) {
        double t = a;
        a = b, b = t;
    }
    *t0 = a > *t0 ? a : *t0;
    *t1 = b < *t1 ? b : *t1;
    return *t0 < *t1;
}

static bool sphere_interval(const double o[3], const double n[3], const double c[3], double r,
                            double *t0, double *t1)
{
    double d[3] = {o[0] - c[0], o[1] - c[1], o[2] - c[2]};
    return quad_interval(1, 2 * dot3(d, n), dot3(d, d) - r * r, t0, t1);
}

/* A capsule is convex: its chord is the hull of the chords of its
 * cylinder (clipped to the segment's slab) and of its end spheres. */
static bool capsule_interval(const Prim3 *p, const double o[3], const double n[3], double radius,
                             double *lo, double *hi)
{
    double a[3] = {p->r[0] - p->c[0], p->r[1] - p->c[1], p->r[2] - p->c[2]};
    double len = sqrt(dot3(a, a)), t0 = -INFINITY, t1 = INFINITY;
    *lo = INFINITY, *hi = -INFINITY;
    if (len > 0) {
        double u[3] = {a[0] / len, a[1] / len, a[2] / len};
        double w[3] = {o[0] - p->c[0], o[1] - p->c[1], o[2] - p->c[2]};
        double wa = dot3(w, u), na = dot3(n, u);
        double wp[3] = {w[0] - wa * u[0], w[1] - wa * u[1], w[2] - wa * u[2]};
        double np[3] = {n[0] - na * u[0], n[1] - na * u[1], n[2] - na * u[2]};
        if (quad_interval(dot3(np, np), 2 * dot3(wp, np), dot3(wp, wp) - radius * radius, &t0,
                          &t1) &&
            slab(wa, na, 0, len, &t0, &t1))
            *lo = fmin(*lo, t0), *hi = fmax(*hi, t1);
    }
    if (sphere_interval(o, n, p->c, radius, &t0, &t1))
        *lo = fmin(*lo, t0), *hi = fmax(*hi, t1);
    if (sphere_interval(o, n, p->r, radius, &t0, &t1))
        *lo = fmin(*lo, t0), *hi = fmax(*hi, t1);
    return *hi > *lo;
}

/* The interval [t0, t1] of the ray o + t·n inside the primitive (every
 * primitive is convex), before the height clip. */
static bool interval(const Prim3 *p, const double o[3], const double n[3], double *t0,
                     double *t1)
{
    double d[3] = {o[0] - p->c[0], o[1] - p->c[1], o[2] - p->c[2]};
    *t0 = -INFINITY, *t1 = INFINITY;
    switch (p->kind) {
    case P3_ELLIPSOID: {
        double e[3] = {d[0] / p->r[0], d[1] / p->r[1], d[2] / p->r[2]};
        double m[3] = {n[0] / p->r[0], n[1] / p->r[1], n[2] / p->r[2]};
        return quad_interval(dot3(m, m), 2 * dot3(e, m), dot3(e, e) - 1, t0, t1);
    }
    case P3_ECYL: {
        double ex = d[0] / p->r[0], ey = d[1] / p->r[1], mx = n[0] / p->r[0], my = n[1] / p->r[1];
        double a = mx * mx + my * my;
        if (a < 1e-18) { /* ray along the axis */
            if (ex * ex + ey * ey > 1)
                return false;
        } else if (!quad_interval(a, 2 * (ex * mx + ey * my), ex * ex + ey * ey - 1, t0, t1)) {
            return false;
        }
        return slab(d[2], n[2], -p->r[2], p->r[2], t0, t1);
    }
    case P3_BOX:
        for (int k = 0; k < 3; k++)
            if (!slab(d[k], n[k], -p->r[k], p->r[k], t0, t1))
                return false;
        return true;
    default:
        return capsule_interval(p, o, n, p->radius, t0, t1);
    }
}

/* Chord length (mm) of the ray in the primitive's clipped part; a tube's
 * marrow core when core is set. */
static double chord(const Prim3 *p, const double o[3], const double n[3], bool core)
{
    double t0, t1;
    bool hit = core ? capsule_interval(p, o, n, 0.6 * p->radius, &t0, &t1)
                    : interval(p, o, n, &t0, &t1);
    if (!hit || !slab(o[2], n[2], p->zlo, p->zhi, &t0, &t1))
        return 0;
    return fmin(t1 - t0, 1e4);
}

/* Pixels x0..x1 of a row whose centres o + x·dc·row lie in [t0, t1]. */
static bool row_span(const Frame3 *f, double t0, double t1, int *x0, int *x1)
{
    *x0 = (int)fmax(0, ceil(t0 / f->dc));
    *x1 = (int)fmin(f->w - 1, floor(t1 / f->dc));
    return *x0 <= *x1;
}

/* Every primitive is convex, so a pixel row meets it in one interval: the
 * slice paints spans found with the projections' interval solver instead
 * of testing pixels (body3_label_at is the per-point reference). */
void body3_slice(const Body3 *b, const Frame3 *f, uint8_t *labels)
{
    for (size_t i = 0; i < b->n; i++) {
        const Prim3 *p = &b->p[i];
        double c[3], r;
        bounds(p, c, &r);
        double d[3] = {c[0] - f->origin[0], c[1] - f->origin[1], c[2] - f->origin[2]};
        double off = dot3(d, f->normal);
        int box[4];
        if (fabs(off) > r || !pixel_rect(f, c, sqrt(r * r - off * off), box))
            continue;
        for (int y = box[1]; y <= box[3]; y++) {
            double o[3], t0, t1;
            for (int k = 0; k < 3; k++)
                o[k] = f->origin[k] + y * f->dr * f->col[k];
            int x0, x1;
            uint8_t *row = labels + (size_t)y * f->w;
            if (!interval(p, o, f->row, &t0, &t1) || !slab(o[2], f->row[2], p->zlo, p->zhi, &t0, &t1) ||
                !row_span(f, t0, t1, &x0, &x1))
                continue;
            memset(row + x0, p->tissue, (size_t)(x1 - x0 + 1));
            if (p->tube && capsule_interval(p, o, f->row, 0.6 * p->radius, &t0, &t1) &&
                slab(o[2], f->row[2], p->zlo, p->zhi, &t0, &t1) && row_span(f, t0, t1, &x0, &x1))
                memset(row + x0, T_MARROW, (size_t)(x1 - x0 + 1));
        }
    }
}

/* The reference projection: every pixel, every primitive, the chord
 * solver of the slices. The fast path below is held to it. */
void body3_project_reference(const Body3 *b, const Frame3 *f, const float *mu, float *acc)
{
    for (int y = 0; y < f->h; y++)
        for (int x = 0; x < f->w; x++) {
            double o[3];
            for (int q = 0; q < 3; q++)
                o[q] = f->origin[q] + x * f->dc * f->row[q] + y * f->dr * f->col[q];
            for (size_t i = 0; i < b->n; i++) {
                const Prim3 *p = &b->p[i];
                double k = (double)mu[p->tissue] - mu[p->parent];
                double v = k * chord(p, o, f->normal, false);
                if (p->tube)
                    v += ((double)mu[T_MARROW] - mu[p->tissue]) * chord(p, o, f->normal, true);
                if (v != 0)
                    acc[(size_t)y * f->w + x] += (float)v;
            }
        }
}

/* A primitive prepared for one frame: the ray through pixel (x, y) in the
 * primitive's own coordinates is L0 + x·Lx + y·Ly + t·m, where the
 * ellipsoid is the unit sphere, the elliptic cylinder the unit disc times
 * its height, the box its half extents, and the capsule's axis is the
 * third coordinate (0 .. len) with the radius unscaled. Everything that
 * does not change from pixel to pixel (the capsule's axis, the ray's
 * direction in those coordinates) is computed once. */
typedef struct Prep {
    const Prim3 *p;
    double L0[3], Lx[3], Ly[3], m[3];
    int quad;          /* coordinates in the quadric: 3 ellipsoid, 2 cylinder/capsule, 0 box */
    double A, inv2A;   /* the quadric's t² coefficient */
    double rho2;       /* the quadric's squared radius */
    double len;        /* capsule: axis length */
    bool clip;         /* a finite height clip [zlo, zhi] in world z */
    double z0, zx, zy; /* world z of the ray origin: z0 + x·zx + y·zy */
    double nz;         /* the ray's world z step */
} Prep;

static void prep_init(Prep *q, const Prim3 *p, const Frame3 *f)
{
    double M[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    memset(q, 0, sizeof *q);
    q->p = p;
    q->rho2 = 1;
    switch (p->kind) {
    case P3_ELLIPSOID:
        q->quad = 3;
        for (int k = 0; k < 3; k++)
            M[k][k] = 1 / p->r[k];
        break;
    case P3_ECYL:
        q->quad = 2;
        M[0][0] = 1 / p->r[0], M[1][1] = 1 / p->r[1];
        break;
    case P3_BOX:
        break;
    default: {
        double a[3] = {p->r[0] - p->c[0], p->r[1] - p->c[1], p->r[2] - p->c[2]};
        q->len = sqrt(dot3(a, a));
        q->quad = 2;
        q->rho2 = p->radius * p->radius;
        double u[3] = {0, 0, 1}, e1[3], e2[3];
        if (q->len > 0)
            for (int k = 0; k < 3; k++)
                u[k] = a[k] / q->len;
        /* any unit vector across the axis, and the third one */
        double t[3] = {fabs(u[0]) < 0.6 ? 1 : 0, fabs(u[0]) < 0.6 ? 0 : 1, 0};
        cross3(u, t, e1);
        double l = sqrt(dot3(e1, e1));
        for (int k = 0; k < 3; k++)
            e1[k] /= l;
        cross3(u, e1, e2);
        memcpy(M[0], e1, sizeof e1);
        memcpy(M[1], e2, sizeof e2);
        memcpy(M[2], u, sizeof u);
    }
    }
    double d0[3], dx[3], dy[3];
    for (int k = 0; k < 3; k++) {
        d0[k] = f->origin[k] - p->c[k];
        dx[k] = f->dc * f->row[k];
        dy[k] = f->dr * f->col[k];
    }
    for (int k = 0; k < 3; k++) {
        q->L0[k] = dot3(M[k], d0);
        q->Lx[k] = dot3(M[k], dx);
        q->Ly[k] = dot3(M[k], dy);
        q->m[k] = dot3(M[k], f->normal);
    }
    for (int k = 0; k < q->quad; k++)
        q->A += q->m[k] * q->m[k];
    q->inv2A = q->A > 0 ? 0.5 / q->A : 0;
    q->clip = p->zlo > -INFINITY || p->zhi < INFINITY;
    q->z0 = f->origin[2], q->zx = dx[2], q->zy = dy[2], q->nz = f->normal[2];
}

/* The quadric's [t0, t1] for local ray origin L, radius² rho2. */
static inline bool prep_quadric(const Prep *q, const double L[3], double rho2, double *t0, double *t1)
{
    double B = 0, C = -rho2;
    for (int k = 0; k < q->quad; k++)
        B += L[k] * q->m[k], C += L[k] * L[k];
    B *= 2;
    double disc = B * B - 4 * q->A * C;
    if (disc <= 0)
        return false;
    double s = sqrt(disc);
    *t0 = (-B - s) * q->inv2A;
    *t1 = (-B + s) * q->inv2A;
    return true;
}

/* A capsule of radius² rho2 round the axis 0 .. len (third coordinate):
 * the infinite cylinder's chord, which holds the capsule's; where it
 * leaves the axis' slab the end spheres' chords join the hull. */
static bool prep_capsule(const Prep *q, const double L[3], double rho2, double *lo, double *hi)
{
    double t0, t1;
    if (!prep_quadric(q, L, rho2, &t0, &t1))
        return false;
    double s0 = L[2] + t0 * q->m[2], s1 = L[2] + t1 * q->m[2];
    if (s0 >= 0 && s0 <= q->len && s1 >= 0 && s1 <= q->len) {
        *lo = t0, *hi = t1;
        return true;
    }
    *lo = INFINITY, *hi = -INFINITY;
    if (slab(L[2], q->m[2], 0, q->len, &t0, &t1))
        *lo = t0, *hi = t1;
    for (int e = 0; e < 2; e++) { /* the spheres at 0 and len: |m| = 1 */
        double z = L[2] - e * q->len;
        double B = L[0] * q->m[0] + L[1] * q->m[1] + z * q->m[2];
        double C = L[0] * L[0] + L[1] * L[1] + z * z - rho2, disc = B * B - C;
        if (disc > 0) {
            double s = sqrt(disc);
            *lo = fmin(*lo, -B - s), *hi = fmax(*hi, -B + s);
        }
    }
    return *hi > *lo;
}

/* Chord (mm) through the prepared primitive, pixel x of the row whose
 * local origin is Lr and world height zr; core: a tube's marrow. */
static inline double prep_chord(const Prep *q, const double Lr[3], double zr, int x, bool core)
{
    double L[3] = {Lr[0] + x * q->Lx[0], Lr[1] + x * q->Lx[1], Lr[2] + x * q->Lx[2]};
    double t0 = -INFINITY, t1 = INFINITY;
    const Prim3 *p = q->p;
    switch (p->kind) {
    case P3_ELLIPSOID:
        if (!prep_quadric(q, L, 1, &t0, &t1))
            return 0;
        break;
    case P3_ECYL:
        if (q->A < 1e-18) { /* ray along the axis */
            if (L[0] * L[0] + L[1] * L[1] > 1)
                return 0;
        } else if (!prep_quadric(q, L, 1, &t0, &t1)) {
            return 0;
        }
        if (!slab(L[2], q->m[2], -p->r[2], p->r[2], &t0, &t1))
            return 0;
        break;
    case P3_BOX:
        for (int k = 0; k < 3; k++)
            if (!slab(L[k], q->m[k], -p->r[k], p->r[k], &t0, &t1))
                return 0;
        break;
    default:
        if (!prep_capsule(q, L, core ? 0.36 * q->rho2 : q->rho2, &t0, &t1))
            return 0;
    }
    if (q->clip && !slab(zr + x * q->zx, q->nz, p->zlo, p->zhi, &t0, &t1))
        return 0;
    double len = t1 - t0;
    return len < 1e4 ? len : 1e4;
}

/* Pixels x0..x1 of the row (local origin Lr) where the ray meets the
 * quadric at all: its discriminant is a quadratic in x, positive between
 * its roots (one pixel of margin for rounding; the chord test decides).
 * False when the whole row misses. */
static bool quadric_span(const Prep *q, const double Lr[3], int *x0, int *x1)
{
    double B0 = 0, B1 = 0, C0 = -q->rho2, C1 = 0, C2 = 0;
    for (int k = 0; k < q->quad; k++) {
        B0 += 2 * Lr[k] * q->m[k], B1 += 2 * q->Lx[k] * q->m[k];
        C0 += Lr[k] * Lr[k], C1 += 2 * Lr[k] * q->Lx[k], C2 += q->Lx[k] * q->Lx[k];
    }
    double alpha = B1 * B1 - 4 * q->A * C2, beta = 2 * B0 * B1 - 4 * q->A * C1,
           gamma = B0 * B0 - 4 * q->A * C0;
    if (!(alpha < -1e-9 * (B1 * B1 + 4 * q->A * C2))) /* the row runs along the axis */
        return gamma > -1e-9 * (B0 * B0 + 4 * q->A * fabs(C0));
    double disc = beta * beta - 4 * alpha * gamma;
    if (disc <= 0)
        return false;
    double sq = sqrt(disc), lo = (-beta + sq) / (2 * alpha), hi = (-beta - sq) / (2 * alpha);
    *x0 = (int)fmax(*x0, floor(lo) - 1);
    *x1 = (int)fmin(*x1, ceil(hi) + 1);
    return *x0 <= *x1;
}

/* Chord through primitive p of the ray through pixel (x, y), the
 * reference's way: for a capsule seen along its axis. */
static double chord_at(const Prim3 *p, const Frame3 *f, int x, int y, bool core)
{
    double o[3];
    for (int q = 0; q < 3; q++)
        o[q] = f->origin[q] + x * f->dc * f->row[q] + y * f->dr * f->col[q];
    return chord(p, o, f->normal, core);
}

/* Adds k × chord (and a tube's k_marrow × marrow chord) over the
 * primitive's pixel rectangle, each row limited to where its quadric is
 * met. */
static void project_prepared(const Prim3 *p, const Frame3 *f, const int box[4], double k,
                             double k_marrow, float *acc)
{
    Prep q;
    prep_init(&q, p, f);
    bool along_axis = p->kind == P3_CAPSULE && q.A < 1e-12;
    bool limit = q.quad > 0 && q.A >= 1e-12;
    for (int y = box[1]; y <= box[3]; y++) {
        double Lr[3] = {q.L0[0] + y * q.Ly[0], q.L0[1] + y * q.Ly[1], q.L0[2] + y * q.Ly[2]};
        double zr = q.z0 + y * q.zy;
        int x0 = box[0], x1 = box[2];
        if (limit && !quadric_span(&q, Lr, &x0, &x1))
            continue;
        float *row = acc + (size_t)y * f->w;
        for (int x = x0; x <= x1; x++) {
            double len = along_axis ? chord_at(p, f, x, y, false) : prep_chord(&q, Lr, zr, x, false);
            if (len <= 0)
                continue;
            double v = k * len;
            if (k_marrow != 0)
                v += k_marrow * (along_axis ? chord_at(p, f, x, y, true)
                                            : prep_chord(&q, Lr, zr, x, true));
            row[x] += (float)v;
        }
    }
}

/* An unclipped ellipsoid: along a row the squared chord is a quadratic in
 * the pixel index, so the row's span and every chord come from it. */
static void project_ellipsoid(const Prim3 *p, const Frame3 *f, const int box[4], double k,
                              float *acc)
{
    double ir[3] = {1 / p->r[0], 1 / p->r[1], 1 / p->r[2]}, m[3], ex[3];
    for (int q = 0; q < 3; q++) {
        m[q] = f->normal[q] * ir[q];
        ex[q] = f->dc * f->row[q] * ir[q];
    }
    double a = dot3(m, m), b1 = 2 * dot3(ex, m), alpha = b1 * b1 - 4 * a * dot3(ex, ex);
    if (!(alpha < 0)) { /* degenerate: the general path */
        project_prepared(p, f, box, k, 0, acc);
        return;
    }
    for (int y = box[1]; y <= box[3]; y++) {
        double e0[3];
        for (int q = 0; q < 3; q++)
            e0[q] = (f->origin[q] + y * f->dr * f->col[q] - p->c[q]) * ir[q];
        double b0 = 2 * dot3(e0, m), c0 = dot3(e0, e0) - 1;
        double beta = 2 * b0 * b1 - 8 * a * dot3(e0, ex), gamma = b0 * b0 - 4 * a * c0;
        double dx = beta * beta - 4 * alpha * gamma;
        if (dx <= 0)
            continue;
        double sq = sqrt(dx), lo = (-beta + sq) / (2 * alpha), hi = (-beta - sq) / (2 * alpha);
        int x0 = (int)fmax(box[0], ceil(lo)), x1 = (int)fmin(box[2], floor(hi));
        float *row = acc + (size_t)y * f->w;
        for (int x = x0; x <= x1; x++) {
            double d = (alpha * x + beta) * x + gamma;
            if (d > 0)
                row[x] += (float)(k * sqrt(d) / a);
        }
    }
}

void body3_project(const Body3 *b, const Frame3 *f, const float *mu, float *acc)
{
    for (size_t i = 0; i < b->n; i++) {
        const Prim3 *p = &b->p[i];
        double k = (double)mu[p->tissue] - mu[p->parent];
        double k_marrow = p->tube ? (double)mu[T_MARROW] - mu[p->tissue] : 0;
        double c[3], r;
        int box[4];
        bounds(p, c, &r);
        if ((k == 0 && k_marrow == 0) || !pixel_rect(f, c, r, box))
            continue;
        if (p->kind == P3_ELLIPSOID && p->zlo == -INFINITY && p->zhi == INFINITY) {
            project_ellipsoid(p, f, box, k, acc);
            continue;
        }
        project_prepared(p, f, box, k, k_marrow, acc);
    }
}

/* ---- what a run's frames share ---------------------------------------- */

/* A total order on primitives by every field (compared as values, so
 * struct padding never counts). */
static int prim_cmp(const Prim3 *a, const Prim3 *b)
{
    double ka[13] = {a->kind, a->tissue, a->parent, a->tube, a->c[0], a->c[1], a->c[2],
                     a->r[0], a->r[1], a->r[2], a->radius, a->zlo, a->zhi};
    double kb[13] = {b->kind, b->tissue, b->parent, b->tube, b->c[0], b->c[1], b->c[2],
                     b->r[0], b->r[1], b->r[2], b->radius, b->zlo, b->zhi};
    for (int k = 0; k < 13; k++)
        if (ka[k] != kb[k])
            return ka[k] < kb[k] ? -1 : 1;
    return 0;
}

static int prim_qsort_cmp(const void *a, const void *b)
{
    return prim_cmp(a, b);
}

/* Keeps (in order) the primitives of b whose match in sorted[0..n) is
 * (keep_matched) or is not found; each element of sorted matches once. */
static bool filter_by(Body3 *b, const Prim3 *sorted, size_t n, bool keep_matched)
{
    bool *used = calloc(n ? n : 1, sizeof *used);
    if (used == NULL)
        return false;
    size_t out = 0;
    for (size_t i = 0; i < b->n; i++) {
        size_t lo = 0, hi = n; /* the first element not below b->p[i] */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (prim_cmp(&sorted[mid], &b->p[i]) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        while (lo < n && used[lo] && prim_cmp(&sorted[lo], &b->p[i]) == 0)
            lo++;
        bool match = lo < n && prim_cmp(&sorted[lo], &b->p[i]) == 0;
        if (match)
            used[lo] = true;
        if (match == keep_matched)
            b->p[out++] = b->p[i];
    }
    b->n = out;
    free(used);
    return true;
}

static bool filter_body(Body3 *b, const Body3 *other, bool keep_matched)
{
    Prim3 *sorted = malloc((other->n ? other->n : 1) * sizeof *sorted);
    if (sorted == NULL)
        return false;
    memcpy(sorted, other->p, other->n * sizeof *sorted);
    qsort(sorted, other->n, sizeof *sorted, prim_qsort_cmp);
    bool ok = filter_by(b, sorted, other->n, keep_matched);
    free(sorted);
    return ok;
}

bool body3_keep_common(Body3 *common, const Body3 *other)
{
    return filter_body(common, other, true);
}

bool body3_remove_common(Body3 *b, const Body3 *common)
{
    return filter_body(b, common, false);
}

/* Capsules weigh r² (length + r), ellipsoids and the rest the product of
 * their semi-axes: proportional to volume within each kind. */
bool body3_contrast_centre(const Body3 *b, double c[3])
{
    double w = 0, s[3] = {0};
    for (size_t i = 0; i < b->n; i++) {
        const Prim3 *p = &b->p[i];
        if (p->tissue != T_CONTRAST)
            continue;
        double at[3], v;
        if (p->kind == P3_CAPSULE) {
            double len2 = 0;
            for (int k = 0; k < 3; k++)
                at[k] = 0.5 * (p->c[k] + p->r[k]), len2 += (p->r[k] - p->c[k]) * (p->r[k] - p->c[k]);
            v = p->radius * p->radius * (sqrt(len2) + p->radius);
        } else {
            memcpy(at, p->c, sizeof at);
            v = p->r[0] * p->r[1] * p->r[2];
        }
        for (int k = 0; k < 3; k++)
            s[k] += v * at[k];
        w += v;
    }
    for (int k = 0; k < 3; k++)
        c[k] = w > 0 ? s[k] / w : 0;
    return w > 0;
}

/* ---- frames ---------------------------------------------------------------- */

/* Where each 3-D scene sits in its model and how much a field of view
 * holds: the model, the region's centre (mm; one-sided regions of the
 * trunk on the patient's right), the field of view of a cross-section and
 * of a radiograph, and the half extents a slice stack steps through
 * (along x, y, z). */
typedef struct Region3 {
    Scene scene;
    int model;
    double centre[3];
    double fov_tomo, fov_xr;
    double half[3];
    bool sided;      /* the centre's x changes sign for the left side */
    bool axial_xr;   /* frontal radiographs look down z (the foot, dorsoplantar) */
    bool chest_wall; /* the detector's edge at the chest wall, x = 0 (mammography) */
    bool planar;     /* planar scintigraphy: a projection (of uptake); its SPECT
                      * slices (VW_AX) are sliced */
} Region3;

static const Region3 regions3[] = {
    {SC_AX_HEAD, 0, {0, 0, 390}, 240, 300, {65, 85, 90}, false, false, false, false},
    {SC_SAG_HEAD, 0, {0, 0, 390}, 250, 300, {65, 85, 90}, false, false, false, false},
    {SC_COR_HEAD, 0, {0, 0, 390}, 240, 300, {65, 85, 90}, false, false, false, false},
    {SC_XR_SKULL, 0, {0, 0, 385}, 240, 300, {65, 85, 90}, false, false, false, false},
    {SC_AX_NECK, 0, {0, 10, 255}, 200, 260, {60, 60, 45}, false, false, false, false},
    {SC_SAG_CSPINE, 0, {0, 25, 258}, 230, 250, {22, 40, 60}, false, false, false, false},
    {SC_XR_CSPINE, 0, {0, 20, 262}, 230, 250, {22, 40, 60}, false, false, false, false},
    {SC_SAG_TSPINE, 0, {0, 55, 65}, 420, 440, {25, 60, 140}, false, false, false, false},
    {SC_XR_TSPINE, 0, {0, 55, 65}, 420, 440, {25, 60, 140}, false, false, false, false},
    {SC_AX_CHEST, 0, {0, 0, 80}, 380, 420, {140, 90, 120}, false, false, false, false},
    {SC_XR_CHEST, 0, {0, 0, 85}, 380, 430, {140, 90, 120}, false, false, false, false},
    {SC_XR_CHEST_LAT, 0, {0, 0, 85}, 380, 430, {140, 90, 120}, false, false, false, false},
    {SC_XR_SHOULDER, 0, {-165, 20, 170}, 200, 270, {30, 40, 45}, true, false, false, false},
    {SC_COR_SHOULDER, 0, {-168, 20, 172}, 190, 270, {30, 35, 45}, true, false, false, false},
    {SC_XR_CLAVICLE, 0, {-85, -40, 200}, 240, 280, {40, 30, 30}, true, false, false, false},
    {SC_AX_ABDOMEN, 0, {0, 0, -170}, 380, 420, {140, 90, 120}, false, false, false, false},
    {SC_AX_KIDNEYS, 0, {0, 0, -205}, 380, 420, {140, 90, 70}, false, false, false, false},
    {SC_XR_ABDOMEN, 0, {0, 0, -230}, 380, 430, {140, 90, 120}, false, false, false, false},
    {SC_AX_PELVIS, 0, {0, 0, -420}, 380, 400, {140, 90, 80}, false, false, false, false},
    {SC_XR_PELVIS, 0, {0, 0, -420}, 380, 400, {140, 90, 80}, false, false, false, false},
    {SC_XR_HIP, 0, {-100, 0, -462}, 220, 250, {40, 40, 50}, true, false, false, false},
    {SC_SAG_LSPINE, 0, {0, 40, -190}, 300, 320, {25, 60, 110}, false, false, false, false},
    {SC_XR_LSPINE, 0, {0, 40, -190}, 300, 320, {25, 60, 110}, false, false, false, false},
    {SC_SAG_KNEE, 1, {0, 8, 0}, 160, 240, {45, 45, 60}, false, false, false, false},
    {SC_XR_KNEE, 1, {0, 8, 0}, 160, 240, {45, 45, 60}, false, false, false, false},
    {SC_XR_LEG, 1, {0, 10, -200}, 300, 470, {45, 45, 150}, false, false, false, false},
    {SC_SAG_ANKLE, 1, {0, -5, -420}, 190, 220, {35, 60, 50}, false, false, false, false},
    {SC_XR_ANKLE, 1, {0, 5, -410}, 190, 210, {35, 60, 50}, false, false, false, false},
    {SC_XR_HEEL, 1, {0, 28, -440}, 160, 170, {30, 40, 30}, false, false, false, false},
    {SC_XR_FOOT, 1, {0, -60, -440}, 260, 290, {40, 110, 30}, false, true, false, false},
    {SC_XR_ARM, 2, {0, 4, 170}, 300, 440, {40, 40, 150}, false, false, false, false},
    {SC_XR_ELBOW, 2, {0, 8, 268}, 160, 200, {40, 40, 40}, false, false, false, false},
    {SC_XR_WRIST, 2, {0, 2, -12}, 130, 150, {30, 20, 30}, false, false, false, false},
    {SC_XR_HAND, 2, {0, 0, -88}, 200, 240, {45, 20, 100}, false, false, false, false},
    {SC_XR_FINGER, 2, {0, 0, -150}, 100, 115, {10, 10, 50}, false, false, false, false},
    {SC_MG_BREAST, 3, {0, 0, 0}, 240, 240, {60, 90, 30}, false, true, true, false},
    {SC_NM_BONE, 0, {0, 0, -395}, 640, 640, {150, 100, 900}, false, false, false, true},
    {SC_NM_HEART, 0, {20, -30, 45}, 400, 400, {60, 60, 62}, false, false, false, true},
    /* the heart: cardiac CT/MR (axial and its own planes), coronary
     * angiography, and the apical echo window (the apex at the top) */
    {SC_AX_HEART, 0, {20, -30, 45}, 240, 380, {50, 50, 50}, false, false, false, false},
    {SC_XA_CORONARY, 0, {20, -30, 45}, 190, 190, {60, 60, 62}, false, false, false, false},
    {SC_US_HEART, 0, {25, -23, 50}, 170, 170, {6, 6, 6}, false, false, false, false},
    /* the other angiography territories: head, kidneys (both: the catheter
     * chooses a side), the thigh of the side examined */
    {SC_XA_CEREBRAL, 0, {0, -10, 360}, 280, 280, {60, 60, 60}, false, false, false, false},
    {SC_XA_RENAL, 0, {0, 30, -200}, 300, 300, {60, 60, 60}, false, false, false, false},
    {SC_XA_LEG, 0, {-100, 10, -570}, 320, 320, {60, 60, 60}, true, false, false, false},
    /* fluoroscopy with contrast: a barium swallow or enema (stomach and
     * duodenum or the colon round the frame), urography from the kidneys
     * to the bladder */
    {SC_XR_BARIUM, 0, {0, 10, -160}, 480, 480, {60, 60, 60}, false, false, false, false},
    {SC_XR_UROGRAPHY, 0, {0, 20, -300}, 430, 430, {60, 60, 60}, false, false, false, false},
    /* PET whole body (coronal, vertex to thighs, arms down), MR of both
     * breasts (axial, prone), planar thyroid, renal and lung scintigraphy */
    {SC_COR_BODY, 0, {0, 10, -150}, 600, 600, {100, 60, 100}, false, false, false, false},
    {SC_AX_BREAST, 0, {0, -80, 105}, 340, 340, {60, 40, 55}, false, false, false, false},
    {SC_NM_THYROID, 0, {0, -30, 222}, 170, 170, {40, 40, 40}, false, false, false, true},
    {SC_NM_RENAL, 0, {0, 45, -205}, 420, 420, {100, 100, 100}, false, false, false, true},
    {SC_NM_LUNG, 0, {0, 10, 90}, 460, 460, {100, 100, 100}, false, false, false, true},
};

const double HEART_BASE[3] = {10, -8, 62};

static void unit(double v[3])
{
    double l = sqrt(dot3(v, v));
    for (int k = 0; k < 3; k++)
        v[k] /= l;
}

void body3_heart_axes(double u[3], double e1[3], double e2[3])
{
    /* About 45 degrees left of the sagittal plane and 30 below the
     * horizontal; the right ventricle lies to the right and in front. */
    double a[3] = {0.61, -0.61, -0.5}, r[3] = {-1, -0.35, 0};
    unit(a);
    double along = dot3(r, a);
    for (int k = 0; k < 3; k++)
        r[k] -= along * a[k];
    unit(r);
    memcpy(u, a, sizeof a);
    memcpy(e1, r, sizeof r);
    cross3(u, e1, e2);
}

/* The heart's planes, as cardiac imagers display them: short axis seen
 * from the apex (right ventricle on the image left, anterior up), the
 * long axes with the apex at the top (the echo window too). Returns the
 * normal's index into Region3.half (all three are the heart's). */
static int heart_view_axes(ViewKind v, double row[3], double col[3])
{
    double u[3], e1[3], e2[3];
    body3_heart_axes(u, e1, e2);
    for (int k = 0; k < 3; k++) {
        if (v == VW_SA)
            row[k] = -e1[k], col[k] = e2[k];
        else if (v == VW_2CH)
            row[k] = -e2[k], col[k] = -u[k];
        else /* four-chamber and the apical window */
            row[k] = -e1[k], col[k] = -u[k];
    }
    return 2;
}

static const Region3 *region3(Scene sc)
{
    for (size_t i = 0; i < sizeof regions3 / sizeof regions3[0]; i++)
        if (regions3[i].scene == sc)
            return &regions3[i];
    return NULL;
}

bool body3_has(Scene sc)
{
    return region3(sc) != NULL || body3_us_windows(sc) > 0;
}

int body3_model(Scene sc)
{
    const Region3 *g = region3(sc);
    return g ? g->model : 0;
}

/* v turned by angle (radians) about the unit axis k (Rodrigues). */
static void rotate3(double v[3], const double k[3], double angle)
{
    double c = cos(angle), s = sin(angle), kv = dot3(k, v), kxv[3];
    cross3(k, v, kxv);
    for (int i = 0; i < 3; i++)
        v[i] = v[i] * c + kxv[i] * s + k[i] * kv * (1 - c);
}

void body3_angulate(Frame3 *f, double primary_deg, double secondary_deg)
{
    double centre[3], *axes[3] = {f->row, f->col, f->normal};
    for (int k = 0; k < 3; k++)
        centre[k] = f->origin[k] + 0.5 * (f->w - 1) * f->dc * f->row[k] +
                    0.5 * (f->h - 1) * f->dr * f->col[k];
    /* LAO turns the anterior view direction (0, -1, 0) towards +x: a turn
     * about +z; the cranial tilt then turns it about the new row towards
     * +z (the head). */
    const double z[3] = {0, 0, 1};
    for (int a = 0; a < 3; a++)
        rotate3(axes[a], z, primary_deg * DEG);
    double about[3] = {f->row[0], f->row[1], f->row[2]};
    for (int a = 0; a < 3; a++)
        rotate3(axes[a], about, -secondary_deg * DEG);
    for (int k = 0; k < 3; k++)
        f->origin[k] = centre[k] - 0.5 * (f->w - 1) * f->dc * f->row[k] -
                       0.5 * (f->h - 1) * f->dr * f->col[k];
}

/* Row and column directions of a view before rotation (the
 * ImageOrientationPatient of axial, sagittal and coronal images; for
 * radiographs the display convention: PA/AP with the patient's right on
 * the left, LAT facing left, head up). */
static int view_axes(ViewKind v, bool projection, bool axial_xr, double row[3],
                     double col[3])
{
    static const double ax[2][3] = {{1, 0, 0}, {0, 1, 0}}, sag[2][3] = {{0, 1, 0}, {0, 0, -1}},
                        cor[2][3] = {{1, 0, 0}, {0, 0, -1}}, post[2][3] = {{-1, 0, 0}, {0, 0, -1}},
                        obl[2][3] = {{0.70710678118654752, 0.70710678118654752, 0}, {0, 0, -1}},
                        /* the foot's oblique: rolled 30 degrees about its long axis */
                        ax_obl[2][3] = {{0.86602540378443865, 0, 0.5}, {0, 1, 0}};
    const double (*a)[3] = cor;
    int axis = 1; /* the slice normal's coordinate */
    if (v == VW_AX && !projection)
        a = ax, axis = 2;
    else if (v == VW_SAG || v == VW_LAT)
        a = sag, axis = 0;
    else if (projection && axial_xr)
        a = v == VW_OBL ? ax_obl : ax, axis = 2;
    else if (v == VW_OBL)
        a = obl;
    else if (v == VW_POST) /* seen from behind: the patient's left on the image left */
        a = post;
    memcpy(row, a[0], sizeof a[0]);
    memcpy(col, a[1], sizeof a[1]);
    return axis;
}

bool body3_frame(Scene sc, ViewKind view, double z, bool left, double zoom, double angle_deg,
                 double shift_x, double shift_y, int w, int h, Frame3 *f)
{
    const Region3 *g = region3(sc);
    memset(f, 0, sizeof *f);
    if (g == NULL || w < 1 || h < 1 || zoom <= 0)
        return false;
    f->projection = scene_is_projection(sc) || (g->planar && view != VW_AX);
    double r0[3], c0[3];
    bool heart = view == VW_SA || view == VW_2CH || view == VW_4CH || sc == SC_US_HEART;
    int axis = heart ? heart_view_axes(view, r0, c0)
                     : view_axes(view, f->projection, g->axial_xr, r0, c0);
    double ca = cos(angle_deg * DEG), sa = sin(angle_deg * DEG);
    for (int k = 0; k < 3; k++) {
        f->row[k] = ca * r0[k] + sa * c0[k];
        f->col[k] = -sa * r0[k] + ca * c0[k];
    }
    cross3(f->row, f->col, f->normal);
    double fov = (f->projection ? g->fov_xr : g->fov_tomo) / zoom;
    f->dr = f->dc = fov / (w < h ? w : h);
    double off = f->projection ? 0 : z * g->half[axis];
    double centre[3], at[3] = {g->sided && left ? -g->centre[0] : g->centre[0], g->centre[1],
                               g->centre[2]};
    for (int k = 0; k < 3; k++)
        centre[k] = at[k] + off * f->normal[k] -
                    0.5 * fov * (shift_x * f->row[k] + shift_y * f->col[k]);
    if (g->chest_wall) { /* the breast points away from the edge: +x right, -x left */
        double edge = left ? 5 : -5, half_w = 0.5 * (w - 1) * f->dc;
        centre[0] = edge + (left ? -half_w : half_w);
    }
    for (int k = 0; k < 3; k++)
        f->origin[k] = centre[k] - 0.5 * (w - 1) * f->dc * f->row[k] -
                       0.5 * (h - 1) * f->dr * f->col[k];
    f->w = w;
    f->h = h;
    f->valid = true;
    return true;
}

/* ---- ultrasound windows ------------------------------------------------------ */

/* Where a sonographer puts the probe for a scene's organs: the organ point
 * the field is centred on, the beam into the body and the image's row
 * direction (transverse views put the patient's right on the image left,
 * longitudinal ones the head), the depth of field and how far a sweep
 * moves the plane. focus is where the scene's lesion sits in this view
 * (and fluid where free fluid gathers), both projected onto the plane;
 * {0} when the window does not look there. */
typedef struct UsWindow {
    Scene scene;
    int side;
    double target[3], beam[3], across[3];
    double depth, sweep;
    double focus[3], fluid[3];
} UsWindow;

static const UsWindow us_windows[] = {
    /* abdomen: the liver longitudinal and subcostal, the gallbladder, the
     * epigastrium (aorta, IVC, pancreas, left lobe), the aorta along its
     * length, the spleen through the left flank, the right flank (liver
     * over the kidney, Morison's pouch) */
    {SC_US_ABDOMEN, 1, {-65, 0, -120}, {0, 1, 0}, {0, 0, -1}, 160, 25, {-65, 5, -125}, {-70, 34, -180}},
    {SC_US_ABDOMEN, 1, {-60, 0, -125}, {0.2, 0.8, 0.55}, {1, 0, 0}, 170, 25, {-65, 5, -125}, {-140, 5, -120}},
    {SC_US_ABDOMEN, 1, {-62, -48, -165}, {0, 1, 0.25}, {0, 0, -1}, 130, 10, {0}, {0}},
    {SC_US_ABDOMEN, 0, {0, 15, -160}, {0, 1, 0}, {1, 0, 0}, 170, 20, {0}, {0}},
    {SC_US_ABDOMEN, 0, {14, 38, -170}, {0, 1, 0}, {0, 0, -1}, 170, 5, {0}, {0}},
    {SC_US_ABDOMEN, 2, {95, 45, -105}, {-1, 0.25, 0}, {0, 0, -1}, 150, 15, {0}, {0}},
    {SC_US_ABDOMEN, 1, {-80, 30, -165}, {1, 0.1, 0}, {0, 0, -1}, 170, 15, {-65, 5, -125}, {-70, 34, -180}},
    /* kidneys, longitudinal and transverse through each flank; the bladder */
    {SC_US_KIDNEY, 1, {-72, 52, -215}, {1, 0.25, 0}, {0, 0, -1}, 150, 12, {-86, 48, -215}, {-70, 34, -180}},
    {SC_US_KIDNEY, 1, {-72, 52, -215}, {1, 0.25, 0}, {-0.25, 1, 0}, 150, 20, {-86, 48, -215}, {0}},
    {SC_US_KIDNEY, 2, {72, 52, -200}, {-1, 0.25, 0}, {0, 0, -1}, 150, 12, {86, 48, -200}, {0}},
    {SC_US_KIDNEY, 2, {72, 52, -200}, {-1, 0.25, 0}, {0.25, 1, 0}, 150, 20, {86, 48, -200}, {0}},
    {SC_US_KIDNEY, 0, {0, -30, -452}, {0, 0.9, -0.44}, {1, 0, 0}, 150, 15, {0}, {0}},
    /* neck: the thyroid across both lobes and the trachea, each lobe along */
    {SC_US_NECK, 0, {0, -20, 222}, {0, 1, 0}, {1, 0, 0}, 42, 8, {-17, -20, 224}, {0}},
    {SC_US_NECK, 1, {-17, -20, 222}, {0, 1, 0}, {0, 0, -1}, 42, 5, {-17, -20, 224}, {0}},
    {SC_US_NECK, 2, {17, -20, 222}, {0, 1, 0}, {0, 0, -1}, 42, 5, {17, -20, 224}, {0}},
    /* vessels: a common carotid along and across from the front of the
     * sternocleidomastoid, a common femoral in the groin */
    {SC_US_VESSEL, 1, {-25, -4, 228}, {0.45, 0.89, 0}, {0, 0, -1}, 55, 3, {0}, {0}},
    {SC_US_VESSEL, 1, {-25, -4, 228}, {0.45, 0.89, 0}, {0.89, -0.45, 0}, 55, 10, {0}, {0}},
    {SC_US_VESSEL, 2, {25, -4, 228}, {-0.45, 0.89, 0}, {0, 0, -1}, 55, 3, {0}, {0}},
    {SC_US_VESSEL, 2, {25, -4, 228}, {-0.45, 0.89, 0}, {0.89, 0.45, 0}, 55, 10, {0}, {0}},
    {SC_US_VESSEL, 1, {-84, -19, -495}, {0, 1, 0}, {0, 0, -1}, 80, 3, {0}, {0}},
    {SC_US_VESSEL, 1, {-80, -19, -495}, {0, 1, 0}, {1, 0, 0}, 80, 10, {0}, {0}},
    {SC_US_VESSEL, 2, {84, -19, -495}, {0, 1, 0}, {0, 0, -1}, 80, 3, {0}, {0}},
    {SC_US_VESSEL, 2, {80, -19, -495}, {0, 1, 0}, {1, 0, 0}, 80, 10, {0}, {0}},
    /* breast (supine): the upper outer quadrant across and along */
    {SC_US_BREAST, 1, {-92, -110, 118}, {0, 1, 0}, {1, 0, 0}, 45, 15, {-92, -112, 118}, {0}},
    {SC_US_BREAST, 1, {-92, -110, 118}, {0, 1, 0}, {0, 0, -1}, 45, 15, {-92, -112, 118}, {0}},
    {SC_US_BREAST, 2, {92, -110, 118}, {0, 1, 0}, {1, 0, 0}, 45, 15, {92, -112, 118}, {0}},
    {SC_US_BREAST, 2, {92, -110, 118}, {0, 1, 0}, {0, 0, -1}, 45, 15, {92, -112, 118}, {0}},
    /* pelvis: suprapubic across and along, through the full bladder */
    {SC_US_PELVIS, 0, {0, -30, -452}, {0, 0.9, -0.44}, {1, 0, 0}, 150, 15, {18, -12, -440}, {0, 30, -432}},
    {SC_US_PELVIS, 0, {0, -30, -452}, {0, 0.9, -0.44}, {0, -0.44, -0.9}, 150, 10, {8, -12, -440}, {0, 30, -432}},
};

static const UsWindow *us_window(Scene sc, int k)
{
    int i = 0;
    for (size_t w = 0; w < sizeof us_windows / sizeof us_windows[0]; w++)
        if (us_windows[w].scene == sc && i++ == k)
            return &us_windows[w];
    return NULL;
}

int body3_us_windows(Scene sc)
{
    int n = 0;
    for (size_t w = 0; w < sizeof us_windows / sizeof us_windows[0]; w++)
        n += us_windows[w].scene == sc;
    return n;
}

static bool set3(const double v[3])
{
    return v[0] != 0 || v[1] != 0 || v[2] != 0;
}

bool body3_us_window_shows(Scene sc, int k, Pathology path)
{
    const UsWindow *u = us_window(sc, k);
    if (u == NULL)
        return false;
    return path == P_NONE || (path == P_EFFUSION ? set3(u->fluid) : set3(u->focus));
}

/* The groin's windows look at the leg's vessels. */
static bool us_window_fits(const UsWindow *u, Scene sc, int k, bool leg, int side, Pathology path)
{
    return (u->target[2] < -300 && sc == SC_US_VESSEL) == leg &&
           (side == 0 || u->side == 0 || u->side == side) && body3_us_window_shows(sc, k, path);
}

static int us_fitting(Scene sc, bool leg, int side, Pathology path, int pick)
{
    int n = body3_us_windows(sc), fit = 0;
    for (int k = 0; k < n; k++)
        if (us_window_fits(us_window(sc, k), sc, k, leg, side, path) && fit++ == pick)
            return k;
    return pick < 0 ? fit : -1;
}

int body3_us_pick(Scene sc, bool leg, int side, Pathology path, double draw)
{
    /* The pathology on its side, else on either side, else none. */
    const struct { int side; Pathology path; } tries[3] = {{side, path}, {0, path}, {side, P_NONE}};
    for (int t = 0; t < 3; t++) {
        int fit = us_fitting(sc, leg, tries[t].side, tries[t].path, -1);
        if (fit > 0)
            return us_fitting(sc, leg, tries[t].side, tries[t].path, (int)(draw * fit));
    }
    return 0;
}

/* Row, column (the beam) and normal of a window before the probe's tilt. */
static void us_axes(const UsWindow *u, double row[3], double col[3], double normal[3])
{
    memcpy(col, u->beam, sizeof u->beam);
    unit(col);
    memcpy(row, u->across, sizeof u->across);
    double along = dot3(row, col);
    for (int k = 0; k < 3; k++)
        row[k] -= along * col[k];
    unit(row);
    cross3(row, col, normal);
}

bool body3_us_frame(Scene sc, int k, double z, double zoom, double angle_deg, double shift_x,
                    int w, int h, Frame3 *f)
{
    const UsWindow *u = us_window(sc, k);
    memset(f, 0, sizeof *f);
    if (u == NULL || w < 1 || h < 1 || zoom <= 0)
        return false;
    double r0[3], c0[3], n0[3];
    us_axes(u, r0, c0, n0);
    double ca = cos(angle_deg * DEG), sa = sin(angle_deg * DEG);
    for (int q = 0; q < 3; q++) {
        f->row[q] = ca * r0[q] + sa * c0[q];
        f->col[q] = -sa * r0[q] + ca * c0[q];
    }
    cross3(f->row, f->col, f->normal);
    f->dr = f->dc = u->depth / (0.9 * h * zoom);
    double fov = f->dc * w;
    for (int q = 0; q < 3; q++) {
        double centre = u->target[q] + z * u->sweep * n0[q] - 0.5 * fov * shift_x * f->row[q];
        f->origin[q] = centre - 0.5 * (w - 1) * f->dc * f->row[q] - 0.5 * (h - 1) * f->dr * f->col[q];
    }
    f->w = w;
    f->h = h;
    f->valid = true;
    return true;
}

bool body3_us_focus(Scene sc, int k, bool fluid, const double scale[3], double out[3])
{
    const UsWindow *u = us_window(sc, k);
    if (u == NULL || !set3(fluid ? u->fluid : u->focus))
        return false;
    double row[3], col[3], n[3], d[3];
    us_axes(u, row, col, n);
    const double *at = fluid ? u->fluid : u->focus;
    for (int q = 0; q < 3; q++)
        d[q] = scale[q] * (at[q] - u->target[q]);
    double off = dot3(d, n);
    for (int q = 0; q < 3; q++)
        out[q] = u->target[q] + (d[q] - off * n[q]) / scale[q];
    return true;
}

void body3_us_place(const Body3 *b, Frame3 *f, double face_row)
{
    double top[3], o[3];
    for (int q = 0; q < 3; q++) {
        double centre = f->origin[q] + 0.5 * (f->w - 1) * f->dc * f->row[q] +
                        0.5 * (f->h - 1) * f->dr * f->col[q];
        top[q] = centre * b->scale[q] - 0.5 * (f->h - 1) * f->dr * f->col[q];
        o[q] = top[q] - 800 * f->col[q];
    }
    /* The skin: where the beam first enters a primitive sitting in air,
     * or a part bulging out of its parent (a muscle) up to 15 mm before
     * it; not a bone floating further out. */
    double skin_air = INFINITY, skin = INFINITY;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < b->n; i++) {
            const Prim3 *p = &b->p[i];
            double t0, t1;
            if (p->tissue == T_AIR || (pass == 0 && p->parent != T_AIR) ||
                !interval(p, o, f->col, &t0, &t1) || !slab(o[2], f->col[2], p->zlo, p->zhi, &t0, &t1) ||
                t1 <= 0)
                continue;
            t0 = fmax(t0, 0);
            if (pass == 0)
                skin_air = fmin(skin_air, t0);
            else if (t0 >= skin_air - 15)
                skin = fmin(skin, t0);
        }
    if (skin == INFINITY)
        return;
    for (int q = 0; q < 3; q++)
        f->origin[q] = o[q] + (skin - face_row * f->dr) * f->col[q] -
                       0.5 * (f->w - 1) * f->dc * f->row[q];
}
