/* The 3-D anatomy (millimetres, LPS; see body3d.h): one trunk model from
 * the vertex to the thighs (head, neck, chest, abdomen, pelvis, spine)
 * and one knee. Sizes are adult averages; the individual's build scales
 * them. Primitives are listed parents first; each names the tissue it
 * sits in, so slices (painted in order) and projections (chords times
 * attenuation differences) show the same body. */
#include "synth/body3d.h"

#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

/* ---- builders (coordinates scaled by the individual's build) -------------- */

static void push(Body3 *b, Prim3 p)
{
    if (b->failed)
        return;
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 256;
        Prim3 *q = realloc(b->p, cap * sizeof *q);
        if (q == NULL) {
            b->failed = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    b->p[b->n++] = p;
}

static Prim3 scaled(const Body3 *b, Prim3Kind kind, Tissue t, Tissue parent, double x, double y,
                    double z, double rx, double ry, double rz)
{
    const double *s = b->scale;
    return (Prim3){kind, t, parent, false, {x * s[0], y * s[1], z * s[2]},
                   {rx * s[0], ry * s[1], rz * s[2]}, 0, -INFINITY, INFINITY};
}

static void ell(Body3 *b, Tissue t, Tissue parent, double x, double y, double z, double rx,
                double ry, double rz)
{
    push(b, scaled(b, P3_ELLIPSOID, t, parent, x, y, z, rx, ry, rz));
}

/* The part of an ellipsoid above (up) or below its centre: a dome that
 * closes a cylinder of the same cross-section without overlapping it. */
static void dome(Body3 *b, Tissue t, Tissue parent, double x, double y, double z, double rx,
                 double ry, double rz, bool up)
{
    Prim3 p = scaled(b, P3_ELLIPSOID, t, parent, x, y, z, rx, ry, rz);
    if (up)
        p.zlo = p.c[2];
    else
        p.zhi = p.c[2];
    push(b, p);
}

/* An ellipsoid cut to heights [zlo, zhi]: a limb segment tapering to a
 * joint, abutting its neighbour without overlapping it. */
static void ell_cut(Body3 *b, Tissue t, Tissue parent, double x, double y, double z, double rx,
                    double ry, double rz, double zlo, double zhi)
{
    Prim3 p = scaled(b, P3_ELLIPSOID, t, parent, x, y, z, rx, ry, rz);
    p.zlo = zlo * b->scale[2];
    p.zhi = zhi * b->scale[2];
    push(b, p);
}

static void ecyl(Body3 *b, Tissue t, Tissue parent, double x, double y, double z, double rx,
                 double ry, double hz)
{
    push(b, scaled(b, P3_ECYL, t, parent, x, y, z, rx, ry, hz));
}

static void box(Body3 *b, Tissue t, Tissue parent, double x, double y, double z, double hx,
                double hy, double hz)
{
    push(b, scaled(b, P3_BOX, t, parent, x, y, z, hx, hy, hz));
}

static void cap(Body3 *b, Tissue t, Tissue parent, const double p1[3], const double p2[3],
                double radius, bool tube)
{
    const double *s = b->scale;
    push(b, (Prim3){P3_CAPSULE, t, parent, tube, {p1[0] * s[0], p1[1] * s[1], p1[2] * s[2]},
                    {p2[0] * s[0], p2[1] * s[1], p2[2] * s[2]},
                    radius * 0.5 * (s[0] + s[1]), -INFINITY, INFINITY});
}

#define V3(x, y, z) ((const double[3]){(x), (y), (z)})

/* A long bone: cortex around marrow. */
static void bone(Body3 *b, Tissue parent, const double p1[3], const double p2[3], double r)
{
    cap(b, T_BONE, parent, p1, p2, r, true);
}

/* A bone end: cortical shell over marrow. */
static void bone_ell(Body3 *b, Tissue parent, double x, double y, double z, double rx, double ry,
                     double rz)
{
    ell(b, T_BONE, parent, x, y, z, rx, ry, rz);
    ell(b, T_MARROW, T_BONE, x, y, z, rx - 2.5, ry - 2.5, rz - 2.5);
}

/* ---- head and neck ----------------------------------------------------------- */

/* The neck's vessels, thyroid and larynx (the cervical spine is spine()'s). */
static void neck(Body3 *b)
{
    ell(b, T_SOFT, T_AIR, 0, -46, 262, 52, 44, 24);                        /* floor of the mouth */
    ell(b, T_CARTILAGE, T_SOFT, 0, -28, 252, 20, 14, 16);                 /* thyroid cartilage */
    ell(b, T_SOFT, T_SOFT, 0, 30, 255, 40, 22, 50);                        /* paraspinal muscles */
    for (int s = -1; s <= 1; s += 2) {
        cap(b, T_BLOOD, T_SOFT, V3(s * 24, -6, 196), V3(s * 28, 0, 300), 4, false);   /* carotid */
        cap(b, T_BLOOD, T_SOFT, V3(s * 34, -2, 196), V3(s * 38, 6, 300), 5.5, false); /* jugular */
        ell(b, T_GLAND, T_SOFT, s * 17, -20, 222, 8, 9, 19);              /* thyroid lobe */
        ell(b, T_SOFT, T_SOFT, s * 38, -14, 240, 8, 22, 46);               /* sternocleidomastoid */
    }
    ell(b, T_GLAND, T_SOFT, 0, -29, 214, 12, 4, 5);                         /* isthmus */
}

static void head(Body3 *b, Rng *r)
{
    ell(b, T_SOFT, T_AIR, 0, -62, 325, 58, 45, 55);          /* face */
    ell(b, T_SOFT, T_AIR, 0, -106, 338, 9, 12, 22);          /* nose */
    ecyl(b, T_SOFT, T_AIR, 0, 12, 255, 58, 56, 55);          /* neck */
    ell(b, T_SOFT, T_AIR, 0, 0, 390, 78, 100, 112);          /* scalp */
    ell(b, T_BONE, T_SOFT, 0, 2, 392, 73, 95, 106);          /* outer table */
    ell(b, T_MARROW, T_BONE, 0, 2, 392, 70.5, 92.5, 103.5);  /* diploe */
    ell(b, T_BONE, T_MARROW, 0, 2, 392, 68, 90, 101);        /* inner table */
    ell(b, T_FLUID, T_BONE, 0, 2, 392, 66, 88, 99);          /* CSF */
    ell(b, T_GREY, T_FLUID, 0, 3, 394, 63.5, 85, 96);        /* cortex */
    /* Sulci: thin CSF clefts in the cortex, a different pattern per person. */
    for (int i = 0; i < 26; i++) {
        double th = rng_range(r, 0, 2 * PI), ph = rng_range(r, -0.2, 1.2);
        double x = 58 * cos(ph) * cos(th), y = 80 * cos(ph) * sin(th) + 3,
               z = 394 + 88 * sin(ph);
        ell(b, T_FLUID, T_GREY, x, y, z, fabs(cos(th)) < 0.5 ? 9 : 1.6,
            fabs(cos(th)) < 0.5 ? 1.6 : 9, rng_range(r, 5, 12));
    }
    box(b, T_FLUID, T_GREY, 0, 3, 420, 1.6, 80, 70);           /* falx / fissure */
    for (int s = -1; s <= 1; s += 2) {
        ell(b, T_WHITE, T_GREY, s * 27, 5, 402, 25, 64, 68);  /* hemispheres */
        ell(b, T_GREY, T_WHITE, s * 17, 0, 378, 10, 16, 12);  /* basal ganglia, thalami */
        ell(b, T_FLUID, T_WHITE, s * 9, -4, 404, 5, 28, 11);  /* lateral ventricles */
        ell(b, T_FLUID, T_WHITE, s * 15, 32, 392, 5, 10, 7);  /* occipital horns */
        ell(b, T_GREY, T_FLUID, s * 24, 55, 330, 26, 26, 22); /* cerebellar hemispheres */
        ell(b, T_WHITE, T_GREY, s * 20, 55, 332, 9, 10, 8);
        ell(b, T_FAT, T_SOFT, s * 32, -76, 352, 17, 20, 17);  /* orbit */
        ell(b, T_FLUID, T_FAT, s * 32, -82, 352, 12, 12, 12); /* globe */
        ell(b, T_SOFT, T_FLUID, s * 32, -93, 352, 4, 1.8, 4); /* lens */
        ell(b, T_AIR, T_SOFT, s * 27, -62, 313, 14, 17, 17);  /* maxillary sinus */
        cap(b, T_BONE, T_GREY, V3(s * 55, 22, 320), V3(s * 14, 2, 318), 8, false); /* petrous */
        bone(b, T_SOFT, V3(s * 50, 8, 305), V3(s * 42, -38, 262), 6);  /* mandibular ramus */
        bone(b, T_SOFT, V3(s * 42, -38, 262), V3(0, -76, 258), 7);     /* body of mandible */
        ell(b, T_AIR, T_SOFT, s * 15, 20, 232, 5, 6, 35);              /* piriform sinus */
    }
    ell(b, T_FLUID, T_WHITE, 0, 4, 380, 2, 10, 8);           /* third ventricle */
    ell(b, T_WHITE, T_FLUID, 0, 28, 318, 13, 12, 32);        /* brainstem */
    ell(b, T_BONE, T_GREY, 0, -52, 314, 42, 30, 2.5);        /* anterior skull base */
    box(b, T_AIR, T_SOFT, 0, -78, 322, 6, 24, 20);           /* nasal cavity */
    ell(b, T_AIR, T_GREY, 0, -28, 328, 11, 9, 9);            /* sphenoid sinus */
    box(b, T_BONE, T_SOFT, 0, -62, 292, 30, 10, 6);          /* maxillary alveolus */
    neck(b);
    cap(b, T_AIR, T_SOFT, V3(0, -22, 300), V3(0, -12, 215), 9, false); /* pharynx, larynx */
}

/* ---- spine ------------------------------------------------------------------- */

/* Depth (y) of the vertebral bodies' centres along z: lordosis and kyphosis. */
static double spine_y(double z)
{
    static const double zs[] = {320, 210, 100, -60, -150, -260, -340},
                        ys[] = {14, 26, 58, 55, 40, 42, 62};
    if (z >= zs[0])
        return ys[0];
    for (int i = 1; i < 7; i++)
        if (z >= zs[i])
            return ys[i] + (ys[i - 1] - ys[i]) * (z - zs[i]) / (zs[i - 1] - zs[i]);
    return ys[6];
}

typedef struct Vertebra {
    double z, height, rx, ry;
} Vertebra;

/* C2..L5: 23 levels, their centres and sizes. */
static int vertebrae(Vertebra v[24])
{
    int n = 0;
    for (int i = 0; i < 6; i++)
        v[n++] = (Vertebra){300 - 15 * i, 15, 9, 8};
    for (int i = 0; i < 12; i++)
        v[n++] = (Vertebra){196 - 24 * i, 24, 13 + 0.6 * i, 11 + 0.5 * i};
    for (int i = 0; i < 5; i++)
        v[n++] = (Vertebra){-105 - 38 * i, 38, 21, 16};
    return n;
}

/* A compression fracture at the level of the scene's segment (0 = C2). */
static void spine(Body3 *b, const Lesion *les, bool implant, int level)
{
    Vertebra v[24];
    int n = vertebrae(v);
    int broken = les && les->path == P_FRACTURE ? level : -1;
    for (int i = 0; i < n; i++) {
        double y = spine_y(v[i].z), hz = 0.36 * v[i].height;
        if (i == broken)
            hz *= 0.6;
        ecyl(b, T_BONE, T_SOFT, 0, y, v[i].z, v[i].rx, v[i].ry, hz);
        ecyl(b, T_MARROW, T_BONE, 0, y, v[i].z, v[i].rx - 2, v[i].ry - 2, hz - 1.5);
        if (i + 1 < n)
            ecyl(b, T_DISC, T_SOFT, 0, y, 0.5 * (v[i].z + v[i + 1].z), v[i].rx, v[i].ry,
                 0.5 * (v[i].z - v[i + 1].z) - hz - 0.5);
        double yc = y + v[i].ry + 7, sp = 0.35 * v[i].height + 14;
        for (int s = -1; s <= 1; s += 2) {
            bone(b, T_SOFT, V3(s * 0.6 * v[i].rx, y + 0.6 * v[i].ry, v[i].z),
                 V3(s * 10, yc + 3, v[i].z), 4);                             /* pedicle */
            bone(b, T_SOFT, V3(s * 10, yc + 3, v[i].z),
                 V3(s * (v[i].rx + 14), yc + 2, v[i].z + 2), 4);           /* transverse */
            if (implant && (i == 19 || i == 20))                            /* L2-L3 screws */
                cap(b, T_METAL, T_MARROW, V3(s * 16, yc + 18, v[i].z),
                    V3(s * 4, y - 4, v[i].z), 2.6, false);
        }
        bone(b, T_SOFT, V3(0, yc + 8, v[i].z), V3(0, yc + sp, v[i].z - 0.4 * sp), 4.5); /* spinous */
    }
    cap(b, T_FLUID, T_SOFT, V3(0, spine_y(300) + 15, 305), V3(0, spine_y(-100) + 23, -100), 7,
        false); /* dural sac */
    if (implant)
        for (int s = -1; s <= 1; s += 2)
            cap(b, T_METAL, T_SOFT, V3(s * 16, spine_y(-200) + 36, v[19].z + 10),
                V3(s * 16, spine_y(-220) + 36, v[20].z - 10), 2.8, false); /* rods */
}

/* ---- chest ------------------------------------------------------------------- */

/* A pulmonary vessel tree from the hilum: thinner and shorter each
 * generation, a different branching per person. */
static void vessel_tree(Body3 *b, Rng *r, const double from[3], const double dir[3], double len,
                        double radius, int depth)
{
    double to[3] = {from[0] + len * dir[0], from[1] + len * dir[1], from[2] + len * dir[2]};
    cap(b, T_BLOOD, T_LUNG, from, to, radius, false);
    if (depth == 0)
        return;
    for (int k = 0; k < 2; k++) {
        double d[3] = {dir[0] + rng_range(r, -0.5, 0.5), dir[1] + rng_range(r, -0.6, 0.6),
                       dir[2] + rng_range(r, -0.6, 0.6)};
        double l = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        for (int q = 0; q < 3; q++)
            d[q] /= l;
        vessel_tree(b, r, to, d, len * 0.72, radius * 0.68, depth - 1);
    }
}

/* Rib k (0 = first) of side s: segments along a descending ellipse from
 * the transverse process round to the costal cartilage. */
static void rib_point(int k, int s, double th, double out[3])
{
    double rx = 150 - 92 * exp(-k / 2.2), ry = 0.62 * rx + 22, z0 = 190 - 24 * k;
    out[0] = s * rx * sin(th);
    out[1] = 18 + ry * cos(th);
    out[2] = z0 + 12 * sin(th) - (k < 2 ? 45 : 95) * pow(th / PI, 1.6);
}

static void ribs(Body3 *b, const Lesion *les)
{
    int broken_k = les && les->path == P_FRACTURE ? 6 : -1;
    int broken_s = les && les->side == 2 ? 1 : -1;
    for (int k = 0; k < 12; k++)
        for (int s = -1; s <= 1; s += 2) {
            double end = k < 7 ? 0.8 * PI : k < 10 ? 0.68 * PI : 0.45 * PI;
            double a[3], c[3];
            rib_point(k, s, 0.22, a);
            for (int q = 1; q <= 7; q++) {
                rib_point(k, s, 0.22 + (end - 0.22) * q / 7, c);
                bone(b, T_SOFT, a, c, k < 1 ? 4 : 4.6);
                if (k == broken_k && s == broken_s && q == 3) /* a displaced fracture line */
                    ell(b, T_GAP, T_BONE, c[0], c[1], c[2], 2.2, 2.2, 6.5);
                for (int w = 0; w < 3; w++)
                    a[w] = c[w];
            }
        }
}

/* ---- the heart (built in its own axes, body3_heart_axes) ------------------- */

/* A point at a along the long axis, at radius rad and angle th (degrees,
 * 0 towards the right ventricle, 90 towards e2: posterior and inferior),
 * around an axis shifted by (o1, o2) in e1, e2. */
static void heart_point(double a, double o1, double o2, double rad, double th, double out[3])
{
    double u[3], e1[3], e2[3], c = cos(th * PI / 180), s = sin(th * PI / 180);
    body3_heart_axes(u, e1, e2);
    for (int k = 0; k < 3; k++)
        out[k] = HEART_BASE[k] + a * u[k] + (o1 + rad * c) * e1[k] + (o2 + rad * s) * e2[k];
}

static void heart_cap(Body3 *b, Tissue t, Tissue parent, double a1, double a2, double o1,
                      double o2, double radius)
{
    double p1[3], p2[3];
    heart_point(a1, o1, o2, 0, 0, p1);
    heart_point(a2, o1, o2, 0, 0, p2);
    cap(b, t, parent, p1, p2, radius, false);
}

/* A coronary artery as a chain of short segments through points given as
 * (a, radius from the axis, angle) around the left (rv 0) or right (rv 1)
 * ventricle, tapering from r0 to r1. Angiography fills it with contrast
 * from its ostium (t = 0 of the whole tree at t0) as far as b->fill has
 * run; elsewhere it is blood. */
typedef struct Knot { double a, rad, th; } Knot;

static void coronary(Body3 *b, const Knot *k, int n, bool rv, double r0, double r1, double t0,
                     double t1, bool angio)
{
    enum { STEPS = 4 };
    double prev[3];
    heart_point(k[0].a, rv ? 24 : 0, rv ? -4 : 0, k[0].rad, k[0].th, prev);
    int total = (n - 1) * STEPS;
    for (int i = 1; i <= total; i++) {
        int seg = (i - 1) / STEPS;
        double f = (double)(i - seg * STEPS) / STEPS, t = (double)i / total;
        const Knot *p = &k[seg], *q = &k[seg + 1];
        double at[3];
        heart_point(p->a + f * (q->a - p->a), rv ? 24 : 0, rv ? -4 : 0,
                    p->rad + f * (q->rad - p->rad), p->th + f * (q->th - p->th), at);
        bool filled = angio && t0 + t * (t1 - t0) <= b->fill * 1.25;
        cap(b, filled ? T_CONTRAST : T_BLOOD, T_FAT, prev, at, r0 + t * (r1 - r0), false);
        memcpy(prev, at, sizeof prev);
    }
}

/* The coronary tree on the epicardial surface: left main, LAD in the
 * anterior interventricular groove to the apex with a diagonal, the
 * circumflex round the left atrioventricular groove with an obtuse
 * marginal, the right coronary round the right groove into the posterior
 * descending artery. A selective injection (angio) fills one tree: the
 * left (main stem, LAD, circumflex) or, with b->right_coronary, the right
 * (RCA, PDA); the other stays blood. */
static void coronaries(Body3 *b, bool angio)
{
    bool left = angio && !b->right_coronary, right = angio && b->right_coronary;
    static const Knot lm[] = {{-6, 12, -40}, {2, 28, -70}};
    static const Knot lad[] = {{2, 28, -70}, {20, 30, -62}, {45, 30, -60}, {60, 30, -60},
                               {72, 26, -55}, {82, 18, -50}};
    static const Knot diag[] = {{22, 30, -64}, {40, 30, -95}, {58, 30, -118}};
    static const Knot lcx[] = {{2, 28, -75}, {4, 28, -130}, {4, 28, -180}, {6, 28, -230}};
    static const Knot om[] = {{4, 28, -160}, {30, 30, -165}, {55, 30, -168}};
    static const Knot rca[] = {{2, 26, -70}, {4, 26, -20}, {4, 26, 30}, {6, 26, 80}};
    static const Knot pda[] = {{8, 30, 45}, {35, 30, 48}, {62, 30, 50}};
    coronary(b, lm, 2, false, 2.3, 2.2, 0, 0.1, left);
    coronary(b, lad, 6, false, 2.0, 1.0, 0.1, 1, left);
    coronary(b, diag, 3, false, 1.2, 0.8, 0.35, 0.9, left);
    coronary(b, lcx, 4, false, 1.8, 1.2, 0.1, 0.8, left);
    coronary(b, om, 3, false, 1.2, 0.8, 0.45, 1, left);
    coronary(b, rca, 4, true, 1.9, 1.6, 0, 0.7, right);
    coronary(b, pda, 3, false, 1.3, 0.9, 0.7, 1, right);
}

/* Four chambers with their walls, the pericardial fat round them, the
 * great vessels' roots and the coronary arteries. systole (0..1) shrinks
 * the cavities and thickens the walls; a pericardial effusion is fluid
 * between the fat and the myocardium. */
static void heart(Body3 *b, const Lesion *les, bool angio)
{
    double sy = b->systole, lv = 16 * (1 - 0.35 * sy), rvr = 18 * (1 - 0.3 * sy);
    double shorten = 6 * sy;
    heart_cap(b, T_FAT, T_LUNG, 12, 60 - shorten, 0, 0, 32);             /* pericardial fat */
    heart_cap(b, T_FAT, T_LUNG, 6, 54 - shorten, 24, -4, 27);
    if (les && les->path == P_EFFUSION) {
        double e = les->size * 120;
        heart_cap(b, T_FLUID, T_FAT, 12, 60 - shorten, 0, 0, 26 + e);
        heart_cap(b, T_FLUID, T_FAT, 6, 54 - shorten, 24, -4, 21 + e);
    }
    double ra[3], la[3], p1[3], p2[3];
    heart_point(-14, 34, 0, 0, 0, ra);
    heart_point(-24, -6, 0, 0, 0, la);
    ell(b, T_ORGAN, T_FAT, ra[0], ra[1], ra[2], 22, 22, 22);              /* right atrium */
    ell(b, T_BLOOD, T_ORGAN, ra[0], ra[1], ra[2], 19, 19, 19);
    ell(b, T_ORGAN, T_FAT, la[0], la[1], la[2], 19, 17, 17);              /* left atrium */
    ell(b, T_BLOOD, T_ORGAN, la[0], la[1], la[2], 16, 14, 14);
    heart_cap(b, T_ORGAN, T_FAT, 6, 56 - shorten, 24, -4, 22);            /* right ventricle */
    heart_cap(b, T_BLOOD, T_ORGAN, 8, 54 - shorten, 24, -4, rvr);
    heart_cap(b, T_ORGAN, T_FAT, 14, 60 - shorten, 0, 0, 26 * (1 - 0.05 * sy)); /* LV wall */
    heart_cap(b, T_BLOOD, T_ORGAN, 16, 58 - 1.5 * shorten, 0, 0, lv);     /* LV cavity */
    heart_point(12, 0, 0, 0, 0, p1);                                       /* mitral inflow */
    cap(b, T_BLOOD, T_ORGAN, p1, la, 11 * (1 - 0.4 * sy), false);
    heart_point(10, 6, -14, 0, 0, p1);                                     /* aortic root */
    cap(b, T_BLOOD, T_ORGAN, p1, V3(8, -22, 80), 13, false);
    heart_point(4, 20, -20, 0, 0, p1);                                     /* pulmonary trunk */
    cap(b, T_BLOOD, T_ORGAN, p1, V3(8, -14, 100), 13, false);
    heart_point(10, 24, -4, 0, 0, p2);                                     /* RV outflow */
    cap(b, T_BLOOD, T_ORGAN, p2, p1, rvr * 0.8, false);
    for (int s = -1; s <= 1; s += 2)                                       /* pulmonary arteries */
        cap(b, T_BLOOD, T_SOFT, V3(8, -14, 100), V3(s * 40, 2, 98), 9, false);
    coronaries(b, angio);
    if (angio) { /* the catheter up the descending aorta, over the arch, into the
                  * left main's ostium or the right coronary's */
        if (b->right_coronary)
            heart_point(2, 24, -4, 26, -70, p1);
        else
            heart_point(-6, 12, 0, 0, 0, p1);
        cap(b, T_CONTRAST, T_BLOOD, p1, V3(8, -22, 96), 1.0, false);
        cap(b, T_CONTRAST, T_BLOOD, V3(8, -22, 96), V3(4, -18, 128), 1.0, false);
        cap(b, T_CONTRAST, T_BLOOD, V3(4, -18, 128), V3(20, 22, 132), 1.0, false);
        cap(b, T_CONTRAST, T_BLOOD, V3(20, 22, 132), V3(22, 42, -60), 1.0, false);
    }
}

static void chest(Body3 *b, Rng *r, const Lesion *les, const Lesion *heart_les, bool angio,
                  bool implant, bool arms_up)
{
    int side = les && les->side == 2 ? 1 : -1; /* +x is the patient's left */
    for (int s = -1; s <= 1; s += 2) {
        /* Arms by the side, or raised out of the way for a lateral. */
        ell(b, T_SOFT, T_AIR, s * 198, 16, arms_up ? 215 : 140, 36, 44, 80); /* upper arm */
        bone_ell(b, T_SOFT, s * 184, 18, 178, 23, 23, 23);                   /* humeral head */
        bone(b, T_SOFT, V3(s * 190, 18, 170), V3(s * 200, arms_up ? 8 : 22, arms_up ? 280 : 80), 11);
        double ry = s > 0 ? 75 : 85;
        ell(b, T_LUNG, T_SOFT, s * 80, 12, ry, 68, 84, s > 0 ? 132 : 122); /* lung */
        /* Scapula: a thin blade (mostly seen end-on laterally, so kept
         * light) framed by its borders and spine. */
        ell(b, T_MARROW, T_SOFT, s * 105, 86, 118, 40, 3, 62);
        bone(b, T_SOFT, V3(s * 72, 94, 165), V3(s * 84, 90, 60), 3.5);    /* medial border */
        bone(b, T_SOFT, V3(s * 142, 66, 165), V3(s * 96, 84, 62), 4.5);   /* lateral border */
        bone(b, T_SOFT, V3(s * 70, 96, 150), V3(s * 160, 50, 188), 5);    /* spine, acromion */
        bone(b, T_SOFT, V3(s * 18, -62, 198), V3(s * 82, -62, 208), 7);  /* clavicle */
        bone(b, T_SOFT, V3(s * 82, -62, 208), V3(s * 150, -12, 214), 6.5);
        double hilum[3] = {s * 42, 2, 98};
        vessel_tree(b, r, hilum, V3(s * 0.75, 0.2, 0.62), 42, 6, 3);
        vessel_tree(b, r, hilum, V3(s * 0.8, -0.2, -0.55), 48, 6.5, 3);
        vessel_tree(b, r, hilum, V3(s * 0.5, 0.75, -0.3), 40, 5.5, 3);
        cap(b, T_AIR, T_SOFT, V3(0, -8, 128), V3(s * 40, 0, 102), 6, false); /* bronchus */
    }
    cap(b, T_AIR, T_SOFT, V3(0, -14, 215), V3(0, -8, 128), 9, false);     /* trachea */
    bone_ell(b, T_SOFT, 0, -86, 110, 15, 7, 72);                          /* sternum */
    heart(b, heart_les, angio);
    cap(b, T_BLOOD, T_SOFT, V3(8, -24, 60), V3(4, -18, 128), 15, false);  /* ascending aorta */
    cap(b, T_BLOOD, T_SOFT, V3(4, -18, 128), V3(20, 22, 132), 13, false); /* arch */
    cap(b, T_BLOOD, T_SOFT, V3(20, 22, 132), V3(22, 42, -60), 12, false); /* descending */
    cap(b, T_BLOOD, T_SOFT, V3(-6, -20, 150), V3(-20, -14, 70), 10, false); /* SVC into the RA */
    ribs(b, les);
    if (les && les->path == P_NODULE)
        ell(b, T_LESION, T_LUNG, side * rng_range(r, 60, 100), rng_range(r, -20, 50),
            rng_range(r, 60, 160), les->size * 110, les->size * 110, les->size * 110);
    if (les && les->path == P_EFFUSION) /* fluid layering at the lung base */
        ell(b, T_FLUID, T_LUNG, side * 84, 40, side > 0 ? -20 : -10, 58, 52, 20 + les->size * 400);
    if (les && les->path == P_MASS)
        ell(b, T_LESION, T_LUNG, side * 50, rng_range(r, -15, 25), 92, les->size * 160,
            les->size * 140, les->size * 170);
    if (implant) { /* pacemaker in the left chest wall, lead into the right ventricle */
        box(b, T_METAL, T_FAT, 80, -92, 160, 22, 4, 19);
        cap(b, T_METAL, T_SOFT, V3(70, -88, 150), V3(-2, -20, 130), 1.4, false);
        cap(b, T_METAL, T_BLOOD, V3(-2, -20, 130), V3(22, -46, 30), 1.4, false);
    }
}

/* ---- abdomen and pelvis ---------------------------------------------------- */

static void abdomen(Body3 *b, Rng *r, const Lesion *les)
{
    ell(b, T_FAT, T_SOFT, 0, -10, -290, 100, 58, 110);                /* mesenteric fat */
    ell(b, T_LIVER, T_SOFT, -55, 5, -125, 100, 85, 82);               /* liver */
    ell(b, T_FLUID, T_LIVER, -62, -48, -165, 14, 14, 24);             /* gallbladder */
    cap(b, T_BLOOD, T_LIVER, V3(-40, 10, -110), V3(-90, -20, -100), 5, false); /* portal veins */
    cap(b, T_BLOOD, T_LIVER, V3(-40, 10, -110), V3(-70, 35, -150), 4.5, false);
    ell(b, T_SOFT, T_SOFT, 58, -22, -100, 50, 40, 45);                /* stomach */
    ell(b, T_AIR, T_SOFT, 62, -34, -74, 32, 20, 14);                  /* fundal gas */
    ell(b, T_ORGAN, T_SOFT, 95, 52, -112, 30, 44, 54);                /* spleen */
    cap(b, T_ORGAN, T_FAT, V3(-22, -4, -170), V3(72, 22, -152), 12, false); /* pancreas */
    for (int s = -1; s <= 1; s += 2) {
        double z = s < 0 ? -215 : -200;
        ell(b, T_FAT, T_SOFT, s * 72, 52, z, 42, 36, 68);             /* perirenal fat */
        ell(b, T_KIDNEY, T_FAT, s * 72, 52, z, 30, 24, 55);           /* kidney */
        ell(b, T_FAT, T_KIDNEY, s * 63, 48, z, 11, 10, 26);           /* renal sinus */
        ell(b, T_FLUID, T_FAT, s * 58, 46, z, 6, 6, 12);              /* renal pelvis */
        cap(b, T_SOFT, T_SOFT, V3(s * 35, 40, -130), V3(s * 70, 30, -420), 22, false); /* psoas */
    }
    /* Colon round the periphery, gas and stool in it, small bowel loops. */
    static const double colon[][3] = {{-100, -5, -330}, {-100, -10, -160}, {100, -30, -150},
                                      {100, 0, -310}, {40, 20, -390}};
    for (int i = 0; i + 1 < 5; i++) {
        cap(b, T_SOFT, T_FAT, colon[i], colon[i + 1], 22, false);
        cap(b, T_AIR, T_SOFT, colon[i], colon[i + 1], rng_range(r, 5, 13), false);
    }
    /* Small bowel: loops packed in the mesenteric fat, with fluid or gas. */
    for (int i = 0; i < 30; i++) {
        double x = rng_range(r, -80, 80), y = rng_range(r, -50, 20), z = rng_range(r, -370, -200);
        double rr = rng_range(r, 9, 15);
        ell(b, T_SOFT, T_FAT, x, y, z, rr, rr, rr * rng_range(r, 0.8, 1.6));
        if (rng_chance(r, 0.5))
            ell(b, rng_chance(r, 0.5) ? T_AIR : T_FLUID, T_SOFT, x, y - 2, z, 0.55 * rr,
                0.5 * rr, 0.6 * rr);
    }
    cap(b, T_BLOOD, T_SOFT, V3(22, 42, -60), V3(6, 36, -280), 11, false);   /* aorta */
    cap(b, T_BLOOD, T_SOFT, V3(-22, 28, -290), V3(-26, 12, -20), 11, false); /* IVC */
    if (les && les->path == P_MASS)
        ell(b, T_LESION, T_LIVER, -70 + rng_range(r, -20, 20), rng_range(r, -20, 30), -120,
            les->size * 120, les->size * 110, les->size * 120);
}

static void pelvis(Body3 *b, Rng *r, const Lesion *les, bool implant)
{
    (void)r;
    int side = les && les->side == 2 ? 1 : -1;
    for (int s = -1; s <= 1; s += 2) {
        /* Thigh: closes upwards inside the buttock, no flat edge. */
        ell_cut(b, T_SOFT, T_AIR, s * 92, 8, -580, 76, 78, 250, -800, -330);
        ell(b, T_BONE, T_SOFT, s * 95, 34, -330, 48, 11, 62);            /* iliac wing */
        ell(b, T_MARROW, T_BONE, s * 95, 34, -330, 45, 8, 59);
        bone_ell(b, T_SOFT, s * 92, 4, -440, 33, 33, 30);                /* acetabulum */
        ell(b, T_CARTILAGE, T_MARROW, s * 95, 2, -444, 27, 27, 27);      /* joint space */
        bone_ell(b, T_CARTILAGE, s * 95, 2, -444, 24, 24, 24);           /* femoral head */
        bone(b, T_SOFT, V3(s * 97, 2, -450), V3(s * 128, 8, -478), 15);  /* femoral neck */
        bone_ell(b, T_SOFT, s * 138, 12, -478, 18, 18, 22);              /* greater trochanter */
        bone(b, T_SOFT, V3(s * 130, 8, -480), V3(s * 112, 12, -700), 14); /* femoral shaft */
        bone(b, T_SOFT, V3(s * 88, -10, -452), V3(s * 16, -52, -470), 10); /* superior ramus */
        bone(b, T_SOFT, V3(s * 84, 18, -462), V3(s * 58, 8, -508), 13);   /* ischium */
        bone(b, T_SOFT, V3(s * 58, 8, -508), V3(s * 14, -46, -488), 8);   /* inferior ramus */
    }
    ell(b, T_BONE, T_SOFT, 0, 72, -350, 46, 20, 58);                     /* sacrum */
    ell(b, T_MARROW, T_BONE, 0, 72, -350, 43, 17, 55);
    ell(b, T_FLUID, T_FAT, 0, -42, -450, 45, 35, 36);                    /* bladder */
    cap(b, T_SOFT, T_FAT, V3(0, 55, -395), V3(0, 38, -480), 16, false); /* rectum */
    cap(b, T_AIR, T_SOFT, V3(0, 55, -398), V3(0, 40, -470), 7, false);
    cap(b, T_BLOOD, T_SOFT, V3(6, 36, -280), V3(60, 16, -400), 8, false); /* iliac arteries */
    cap(b, T_BLOOD, T_SOFT, V3(6, 36, -280), V3(-60, 16, -400), 8, false);
    if (les && les->path == P_FRACTURE) /* femoral neck fracture */
        box(b, T_GAP, T_BONE, side * 112, 5, -464, 2.5, 16, 15);
    if (les && les->path == P_MASS)
        ell(b, T_LESION, T_FLUID, side * 20, -40, -430, les->size * 110, les->size * 100,
            les->size * 90);
    if (implant) { /* total hip replacement on the lesion's side */
        ell(b, T_METAL, T_CARTILAGE, side * 95, 2, -444, 22, 22, 22);
        cap(b, T_METAL, T_MARROW, V3(side * 100, 4, -452), V3(side * 125, 9, -476), 8, false);
        cap(b, T_METAL, T_MARROW, V3(side * 125, 9, -476), V3(side * 118, 11, -610), 7, false);
    }
}

/* What a whole-body scan adds to the trunk: forearms and hands by the
 * side, knees, lower legs and feet (the other scenes frame nothing below
 * the thighs or beside the hips). */
static void whole_body_limbs(Body3 *b)
{
    for (int s = -1; s <= 1; s += 2) {
        ell_cut(b, T_SOFT, T_AIR, s * 206, 12, 60, 34, 32, 290, -215, 60);   /* forearm */
        bone(b, T_SOFT, V3(s * 200, 22, 80), V3(s * 202, 22, 58), 11);      /* distal humerus */
        bone_ell(b, T_SOFT, s * 202, 20, 52, 24, 12, 11);                     /* elbow */
        bone(b, T_SOFT, V3(s * 212, 14, 40), V3(s * 216, 6, -200), 6.5);     /* radius */
        bone(b, T_SOFT, V3(s * 196, 22, 45), V3(s * 200, 10, -200), 6);      /* ulna */
        ell(b, T_SOFT, T_AIR, s * 208, 4, -290, 30, 13, 75);                 /* hand */
        for (int k = 0; k < 4; k++)
            bone(b, T_SOFT, V3(s * (196 + 7 * k), 4, -235), V3(s * (194 + 8 * k), 2, -345), 4);
        ell_cut(b, T_SOFT, T_AIR, s * 100, 14, -800, 58, 60, 470, -1255, -800); /* lower leg */
        bone(b, T_SOFT, V3(s * 112, 12, -700), V3(s * 102, 12, -850), 13);     /* distal femur */
        bone_ell(b, T_SOFT, s * 102, 14, -862, 34, 28, 20);                     /* knee */
        bone_ell(b, T_SOFT, s * 100, -28, -850, 16, 8, 18);                     /* patella */
        bone(b, T_SOFT, V3(s * 100, 16, -890), V3(s * 98, 12, -1240), 13);     /* tibia */
        bone(b, T_SOFT, V3(s * 128, 28, -900), V3(s * 124, 24, -1250), 6);     /* fibula */
        ell(b, T_SOFT, T_AIR, s * 100, -30, -1275, 36, 95, 24);                /* foot */
        bone_ell(b, T_SOFT, s * 100, 30, -1278, 18, 36, 18);                   /* calcaneus, talus */
        for (int k = 0; k < 5; k++)
            bone(b, T_SOFT, V3(s * (84 + 8 * k), -30, -1275), V3(s * (82 + 9 * k), -105, -1282),
                 4.5);
    }
}

/* Skeletal metastases on a bone scan: hot spots in the spine, a rib and
 * the pelvis. */
static void bone_metastases(Body3 *b, Rng *r, int side)
{
    Vertebra v[24];
    int n = vertebrae(v), k = rng_int(r, 8, n - 1);
    ell(b, T_LESION, T_MARROW, 0, spine_y(v[k].z), v[k].z, 10, 9, 0.3 * v[k].height);
    double p[3];
    rib_point(rng_int(r, 3, 9), side, 1.3, p);
    ell(b, T_LESION, T_SOFT, p[0], p[1], p[2], 7, 7, 7);
    ell(b, T_LESION, T_MARROW, side * 95, 34, -320, 16, 6, 16);
}

/* Fractures of the shoulder girdle: the clavicle's middle third, the
 * humeral neck. */
static void shoulder_fracture(Body3 *b, Scene sc, int s)
{
    if (sc == SC_XR_CLAVICLE)
        ell(b, T_GAP, T_BONE, s * 55, -62, 204, 1.8, 6.5, 6.5);
    else if (sc == SC_XR_SHOULDER || sc == SC_COR_SHOULDER)
        ell(b, T_GAP, T_MARROW, s * 190.5, 18.2, 160, 10.5, 10.5, 1.5);
}

/* ---- angiography: arterial trees filled with contrast ----------------------- */

/* One arterial segment: contrast where the injection has reached (t, the
 * fraction of the tree's path from the catheter, against b->fill), blood
 * beyond. */
static void artery(Body3 *b, Tissue parent, const double p1[3], const double p2[3], double radius,
                   double t)
{
    cap(b, t <= b->fill * 1.25 ? T_CONTRAST : T_BLOOD, parent, p1, p2, radius, false);
}

/* A branching arterial tree: thinner and shorter each generation, a
 * different branching per person, t growing towards the periphery. */
static void artery_tree(Body3 *b, Rng *r, Tissue parent, const double from[3], const double dir[3],
                        double len, double radius, int depth, double t, double dt)
{
    double to[3] = {from[0] + len * dir[0], from[1] + len * dir[1], from[2] + len * dir[2]};
    artery(b, parent, from, to, radius, t);
    if (depth == 0)
        return;
    for (int k = 0; k < 2; k++) {
        double d[3] = {dir[0] + rng_range(r, -0.6, 0.6), dir[1] + rng_range(r, -0.6, 0.6),
                       dir[2] + rng_range(r, -0.6, 0.6)};
        double l = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        for (int q = 0; q < 3; q++)
            d[q] /= l;
        artery_tree(b, r, parent, to, d, len * rng_range(r, 0.65, 0.85), radius * 0.72, depth - 1,
                    t + dt, dt);
    }
}

/* A chain of segments through points, t running from t0 to t1. */
static void artery_chain(Body3 *b, Tissue parent, const double (*p)[3], int n, double radius,
                         double t0, double t1)
{
    for (int i = 0; i + 1 < n; i++)
        artery(b, parent, p[i], p[i + 1], radius, t0 + (t1 - t0) * i / (n - 1));
}

/* Cerebral angiography: a catheter up the common carotid, the internal
 * carotid with its siphon, the middle and anterior cerebral trees. */
static void cerebral_angio(Body3 *b, Rng *r, int s)
{
    cap(b, T_CONTRAST, T_BLOOD, V3(4, -18, 128), V3(s * 22, -6, 196), 1.0, false); /* catheter */
    const double ica[][3] = {{s * 22, -6, 196}, {s * 26, -4, 250}, {s * 28, 0, 300},
                             {s * 24, -14, 328}, {s * 18, -6, 352}};
    artery_chain(b, T_SOFT, ica, 5, 3.2, 0, 0.25);
    artery_tree(b, r, T_WHITE, ica[4], V3(s * 0.8, 0.1, 0.55), 26, 2.1, 4, 0.3, 0.14); /* MCA */
    const double aca[][3] = {{s * 18, -6, 352}, {s * 4, -30, 366}, {s * 3, -58, 405}};
    artery_chain(b, T_WHITE, aca, 3, 1.7, 0.3, 0.45);
    artery_tree(b, r, T_WHITE, aca[2], V3(0, 0.55, 0.83), 40, 1.3, 3, 0.5, 0.15);
}

/* Renal angiography: a flush of the abdominal aorta, then the renal
 * artery into the kidney's branches. */
static void renal_angio(Body3 *b, Rng *r, int s)
{
    cap(b, T_CONTRAST, T_BLOOD, V3(-60, 16, -400), V3(6, 36, -280), 1.0, false); /* catheter */
    cap(b, T_CONTRAST, T_BLOOD, V3(6, 36, -280), V3(14, 38, -150), 1.0, false);
    artery(b, T_SOFT, V3(16, 38, -150), V3(6, 36, -280), 10, 0);
    const double ren[][3] = {{12, 36, -185}, {s * 35, 42, -195}, {s * 56, 46, -205}};
    artery_chain(b, T_FAT, ren, 3, 3.2, 0.1, 0.3);
    artery_tree(b, r, T_KIDNEY, ren[2], V3(s * 0.7, 0.2, 0.3), 16, 2.0, 3, 0.35, 0.18);
    artery_tree(b, r, T_KIDNEY, ren[2], V3(s * 0.7, 0.2, -0.5), 16, 2.0, 3, 0.35, 0.18);
}

/* Femoral angiography: the external iliac over the femoral head, the
 * common and superficial femoral arteries down the thigh, the profunda
 * with its branches. */
static void femoral_angio(Body3 *b, Rng *r, int s)
{
    const double sfa[][3] = {{s * 60, 16, -400}, {s * 84, -20, -468}, {s * 90, -18, -510},
                             {s * 92, -10, -640}, {s * 96, 0, -790}};
    artery_chain(b, T_SOFT, sfa, 5, 4.2, 0, 0.7);
    artery_tree(b, r, T_SOFT, sfa[2], V3(s * 0.35, 0.3, -0.9), 60, 3.2, 3, 0.25, 0.2);
}

/* Both breasts on the chest wall as they hang in a prone breast coil:
 * fat with fibroglandular lobules, a mass in one of them. */
static void breasts_prone(Body3 *b, Rng *r, const Lesion *les)
{
    double size = rng_range(r, 0.8, 1.2);
    for (int s = -1; s <= 1; s += 2) {
        double cx = s * 78, cy = -140, cz = 105, rx = 62 * size, ry = 45 * size, rz = 58 * size;
        ell(b, T_FAT, T_AIR, cx, cy, cz, rx, ry, rz);
        for (int i = 0; i < 22; i++)
            ell(b, T_GLAND, T_FAT, cx + rng_range(r, -0.5, 0.5) * rx,
                cy + rng_range(r, -0.3, 0.6) * ry, cz + rng_range(r, -0.5, 0.5) * rz,
                rng_range(r, 5, 14), rng_range(r, 5, 12), rng_range(r, 5, 14));
        if (les && les->path == P_MASS && (les->side == 2 ? 1 : -1) == s)
            ell(b, T_LESION, T_GLAND, cx + rng_range(r, -0.3, 0.3) * rx, cy - 0.1 * ry, cz,
                les->size * 90, les->size * 80, les->size * 90);
    }
}

/* ---- fluoroscopy: contrast running through hollow organs -------------------- */

/* A column of contrast through points: the part of the path (t0 at the
 * first point, t1 at the last) the contrast has reached by time b->fill,
 * the last segment cut where the front is. */
static void contrast_column(Body3 *b, Tissue parent, const double (*p)[3], int n, double radius,
                            double t0, double t1)
{
    double front = (b->fill - t0) / (t1 - t0) * (n - 1); /* in segments */
    for (int i = 0; i + 1 < n && front > i; i++) {
        double f = fmin(1, front - i), to[3];
        for (int k = 0; k < 3; k++)
            to[k] = p[i][k] + f * (p[i + 1][k] - p[i][k]);
        cap(b, T_CONTRAST, parent, p[i], to, radius, false);
    }
}

/* How far a filling that runs from t0 to t1 has come: 0 .. 1. */
static double filled(const Body3 *b, double t0, double t1)
{
    return fmin(1, fmax(0, (b->fill - t0) / (t1 - t0)));
}

/* A mass as a defect in a pool of contrast (centre c, semi-axes r): a
 * sphere on the lesion's side, inside the pool whatever its size. */
static void filling_defect(Body3 *b, const Lesion *les, const double c[3], const double r[3])
{
    double rho = fmin(les->size * 110, 0.45 * fmin(r[0], fmin(r[1], r[2])));
    int s = les->side == 2 ? 1 : -1;
    ell(b, T_LESION, T_CONTRAST, c[0] + s * 0.4 * r[0], c[1], c[2], rho, rho, rho);
}

/* Barium swallow: down the oesophagus behind the trachea and heart, a
 * pool in the stomach that grows, then round the duodenal C-loop. */
static void barium_swallow(Body3 *b, const Lesion *les)
{
    static const double oesophagus[][3] = {{0, -6, 215}, {4, 8, 130}, {14, 10, 30},
                                           {26, 0, -50}, {44, -12, -82}};
    contrast_column(b, T_SOFT, oesophagus, 5, 8, 0, 0.3);
    double g = filled(b, 0.25, 0.7);
    if (g > 0) { /* the dependent (posterior) part of the stomach fills first */
        double c[3] = {58, -22 + 30 * (1 - g), -108},
               r[3] = {44 * (0.5 + 0.5 * g), 34 * g + 2, 36 * (0.5 + 0.5 * g)};
        ell(b, T_CONTRAST, T_SOFT, c[0], c[1], c[2], r[0], r[1], r[2]);
        if (les && les->path == P_MASS) /* a gastric tumour */
            filling_defect(b, les, c, r);
    }
    static const double duodenum[][3] = {{30, -40, -132}, {-20, -30, -150}, {-38, -5, -190},
                                         {-20, 12, -232}, {20, 14, -222}};
    contrast_column(b, T_SOFT, duodenum, 5, 9, 0.6, 1);
}

/* Barium enema: retrograde from the rectum round the sigmoid, descending,
 * transverse and ascending colon (the colon's own course, abdomen()),
 * coating its gas. */
static void barium_enema(Body3 *b, const Lesion *les)
{
    static const double colon[][3] = {{0, 40, -470}, {0, 55, -398}, {40, 20, -390},
                                      {100, 0, -310}, {100, -30, -150}, {-100, -10, -160},
                                      {-100, -5, -330}};
    contrast_column(b, T_SOFT, colon, 7, 17, 0, 1);
    /* A polyp or carcinoma in the descending colon (a left-sided lesion) or
     * the ascending colon (right), on the column's axis, once the barium
     * has run past it. */
    const double *p1 = les && les->side == 2 ? colon[3] : colon[5],
                 *p2 = les && les->side == 2 ? colon[4] : colon[6];
    double reached = les && les->side == 2 ? 4.0 / 6 : 0.95;
    if (les && les->path == P_MASS && b->fill >= reached) {
        double rho = fmin(les->size * 110, 12);
        ell(b, T_LESION, T_CONTRAST, 0.5 * (p1[0] + p2[0]), 0.5 * (p1[1] + p2[1]),
            0.5 * (p1[2] + p2[2]), rho, rho, rho);
    }
}

/* Urography: contrast excreted into the calyces and renal pelves, down the
 * ureters over the psoas and the pelvic brim, gathering in the bladder
 * (a cystogram's filled bladder at the end of the run). */
static void urography(Body3 *b, const Lesion *les)
{
    for (int s = -1; s <= 1; s += 2) {
        double z = s < 0 ? -215 : -200, k = filled(b, 0, 0.2);
        if (k <= 0)
            continue;
        ell(b, T_CONTRAST, T_FAT, s * 60, 47, z, 9 * k, 7 * k, 16 * k); /* renal pelvis */
        for (int c = -1; c <= 1; c++) { /* upper, middle and lower calyces, cupped */
            double cup[3] = {s * (62 + 10 * k), 49, z + c * 32 * k};
            cap(b, T_CONTRAST, T_FAT, V3(s * 58, 46, z), cup, 4, false);
            ell(b, T_CONTRAST, T_KIDNEY, cup[0] + s * 5, cup[1], cup[2], 5, 8, 9);
        }
        const double ureter[][3] = {{s * 58, 46, z - 10}, {s * 48, 40, -300}, {s * 52, 22, -390},
                                    {s * 40, -10, -440}, {s * 16, -30, -448}};
        contrast_column(b, T_FAT, ureter, 5, 3.5, 0.15, 0.55);
    }
    double v = filled(b, 0.45, 1);
    if (v <= 0)
        return;
    /* Urine with contrast pools posteriorly in the supine bladder. */
    double c[3] = {0, -42 + 30 * (1 - v), -452},
           r[3] = {42 * (0.4 + 0.6 * v), 32 * v + 2, 33 * (0.4 + 0.6 * v)};
    ell(b, T_CONTRAST, T_FLUID, c[0], c[1], c[2], r[0], r[1], r[2]);
    if (les && les->path == P_MASS) /* a bladder tumour: a defect in the pool */
        filling_defect(b, les, c, r);
}

/* ---- organs ultrasound looks at (in every trunk scene) ----------------------- */

/* The hepatic veins: right, middle and left, fanning out from the IVC
 * under the diaphragm. */
static void hepatic_veins(Body3 *b)
{
    static const double ends[3][3] = {{-120, 20, -105}, {-60, -25, -115}, {10, -35, -95}};
    for (int i = 0; i < 3; i++) {
        double mid[3] = {0.5 * (-25 + ends[i][0]), 0.5 * (16 + ends[i][1]), -75};
        cap(b, T_BLOOD, T_LIVER, V3(-25, 16, -55), mid, 5, false);
        cap(b, T_BLOOD, T_LIVER, mid, ends[i], 3, false);
    }
}

/* The cervical trachea: cartilage rings round air, from the larynx to the
 * thoracic inlet, between the thyroid lobes. */
static void cervical_trachea(Body3 *b)
{
    cap(b, T_CARTILAGE, T_SOFT, V3(0, -16, 255), V3(0, -14, 212), 9.5, false);
    cap(b, T_AIR, T_CARTILAGE, V3(0, -16, 255), V3(0, -14, 212), 7, false);
}

/* The common and superficial femoral artery and vein of each groin. */
static void femoral_vessels(Body3 *b)
{
    for (int s = -1; s <= 1; s += 2) {
        const double a[3][3] = {{s * 62, 14, -405}, {s * 84, -20, -468}, {s * 92, -10, -640}};
        const double v[3][3] = {{s * 52, 18, -405}, {s * 72, -16, -470}, {s * 84, -2, -640}};
        for (int i = 0; i < 2; i++) {
            cap(b, T_BLOOD, T_SOFT, v[i], v[i + 1], 5.5, false);
            cap(b, T_BLOOD, T_SOFT, a[i], a[i + 1], 4.2, false);
        }
    }
}

/* Behind the bladder: an anteverted uterus with its endometrium and two
 * ovaries with follicles, or below it the prostate. */
static void pelvic_organs(Body3 *b)
{
    if (!b->female) {
        ell(b, T_GLAND, T_FAT, 0, 8, -500, 20, 15, 17);
        return;
    }
    cap(b, T_ORGAN, T_FAT, V3(0, 22, -478), V3(0, 0, -410), 15, false);
    cap(b, T_GLAND, T_ORGAN, V3(0, 19, -468), V3(0, 3, -418), 2.5, false);
    for (int s = -1; s <= 1; s += 2) {
        ell(b, T_ORGAN, T_FAT, s * 48, 15, -440, 14, 9, 12);
        for (int k = 0; k < 3; k++)
            ell(b, T_FLUID, T_ORGAN, s * (44 + 5 * k), 15 + 2 * (k - 1), -440 + 5 * (k - 1), 3, 3, 3);
    }
}

/* A breast on the chest wall of a woman lying supine (of a man: a small
 * disc of gland), for ultrasound: skin, subcutaneous fat crossed by
 * Cooper's ligaments, the glandular layer with fat lobules, then the
 * trunk's own retromammary fat, pectoralis, ribs and pleura behind. Built
 * before the chest so that the chest wall's parts lie over its back. Its
 * own generator keeps the individual's other draws as they are. */
static void breast_supine(Body3 *b)
{
    Rng r;
    rng_seed(&r, (uint64_t)(b->scale[0] * 1e9), (uint64_t)(b->scale[1] * 1e9), 0xB7);
    double proj = b->female ? rng_range(&r, 25, 50) : 8, dens = rng_range(&r, 0.2, 1);
    for (int s = -1; s <= 1; s += 2) {
        double rx = b->female ? 62 : 35, rz = b->female ? 58 : 32, ry = 0.5 * (proj + 6);
        double x = s * 85, y = -80 - ry, z = 112;
        ell(b, T_SOFT, T_AIR, x, y, z, rx + 2, ry + 2, rz + 2);
        ell(b, T_FAT, T_SOFT, x, y, z, rx, ry, rz);
        double gy = y + 0.2 * ry, gry = 0.5 * ry * (0.5 + dens);
        ell(b, T_GLAND, T_FAT, x, gy, z, 0.75 * rx, gry, 0.75 * rz);
        for (int i = 0; i < 12; i++)
            ell(b, T_FAT, T_GLAND, x + rng_range(&r, -0.6, 0.6) * rx, gy + rng_range(&r, -0.4, 0.4) * gry,
                z + rng_range(&r, -0.6, 0.6) * rz, rng_range(&r, 3, 7), rng_range(&r, 1.5, 3), rng_range(&r, 3, 7));
        for (int i = 0; i < 16; i++) { /* Cooper's ligaments: gland to skin */
            double a = rng_range(&r, 0, 2 * PI), u = rng_range(&r, 0.2, 0.7);
            double from[3] = {x + u * rx * cos(a), gy - 0.8 * gry, z + u * rz * sin(a)};
            double to[3] = {x + 1.1 * u * rx * cos(a), y - 0.85 * ry * sqrt(1 - u * u), z + 1.1 * u * rz * sin(a)};
            cap(b, T_GLAND, T_FAT, from, to, 0.6, false);
        }
        ell(b, T_SOFT, T_AIR, x, y - ry - 2, z, 5, 4, 5); /* nipple */
    }
}

/* The pathology of a body ultrasound where the window imaged looks (its
 * report says the same): a focal liver lesion, a renal cyst or tumour, a
 * thyroid nodule, a spiculated breast mass, a bladder tumour, free fluid
 * layered across the beam. Drawn last, so it lies over its organ. */
static void us_pathology(Body3 *b, Rng *r, Scene sc, const Lesion *les)
{
    double at[3];
    if (les == NULL || !body3_us_focus(sc, b->us_window, les->path == P_EFFUSION, b->scale, at))
        return;
    double rad = les->size * 110;
    if (les->path == P_EFFUSION) { /* a lens across the beam, thicker the more fluid */
        double d = 3 + les->size * 50;
        ell(b, T_FLUID, T_SOFT, at[0], at[1], at[2], 30, d, 24);
        return;
    }
    switch (sc) {
    case SC_US_ABDOMEN: /* hypoechoic metastasis or bright haemangioma */
        ell(b, rng_chance(r, 0.7) ? T_LESION : T_GLAND, T_LIVER, at[0], at[1], at[2], rad, 0.9 * rad, rad);
        break;
    case SC_US_KIDNEY: /* a simple cyst or a solid tumour */
        ell(b, rng_chance(r, 0.5) ? T_FLUID : T_LESION, T_KIDNEY, at[0], at[1], at[2], fmin(rad, 14),
            fmin(rad, 14), fmin(rad, 14));
        break;
    case SC_US_NECK: /* within the lobe */
        ell(b, rng_chance(r, 0.3) ? T_FLUID : T_LESION, T_GLAND, at[0], at[1], at[2], fmin(rad, 7),
            fmin(rad, 7.5), fmin(rad, 14));
        break;
    case SC_US_BREAST: /* irregular, taller than wide, with spicules */
        ell(b, T_LESION, T_GLAND, at[0], at[1], at[2], 0.8 * rad, rad, 0.8 * rad);
        for (int k = 0; k < 8; k++) {
            double a = rng_range(r, 0, 2 * PI), e = rng_range(r, -0.6, 0.6);
            double tip[3] = {at[0] + 1.8 * rad * cos(a) * cos(e), at[1] + 1.8 * rad * sin(e),
                             at[2] + 1.8 * rad * sin(a) * cos(e)};
            cap(b, T_LESION, T_FAT, at, tip, 0.8, false);
        }
        break;
    case SC_US_PELVIS: /* on the bladder wall */
        ell(b, T_LESION, T_FLUID, at[0], at[1], at[2], fmin(rad, 15), fmin(rad, 12), fmin(rad, 15));
        break;
    default:
        break;
    }
}

static bool us_scene(Scene sc)
{
    return sc >= SC_US_ABDOMEN && sc <= SC_US_PELVIS;
}

static void trunk(Body3 *b, Rng *r, const Lesion *les, bool implant, Scene sc, bool arms_up,
                  int side)
{
    /* Trunk: an elliptic cylinder (skin and fat over the muscle wall)
     * rounded off by the shoulder girdle above and the buttocks below. */
    ecyl(b, T_FAT, T_AIR, 0, 8, -140, 168, 108, 280);
    ecyl(b, T_SOFT, T_FAT, 0, 8, -140, 156, 96, 280);
    dome(b, T_FAT, T_AIR, 0, 8, 140, 168, 108, 62, true);
    dome(b, T_SOFT, T_FAT, 0, 8, 140, 156, 96, 52, true);
    dome(b, T_FAT, T_AIR, 0, 8, -420, 168, 108, 112, false);
    dome(b, T_SOFT, T_FAT, 0, 8, -420, 156, 96, 100, false);
    bool head_scene = sc == SC_AX_HEAD || sc == SC_SAG_HEAD || sc == SC_COR_HEAD ||
                      sc == SC_XR_SKULL;
    bool chest_scene = sc == SC_AX_CHEST || sc == SC_XR_CHEST || sc == SC_XR_CHEST_LAT ||
                       sc == SC_COR_BODY; /* PET: a hot lung mass */
    bool heart_scene = sc == SC_AX_HEART || sc == SC_XA_CORONARY || sc == SC_US_HEART ||
                       sc == SC_NM_HEART;
    bool abd_scene = sc == SC_AX_ABDOMEN || sc == SC_XR_ABDOMEN;
    bool pelvis_scene = sc == SC_AX_PELVIS || sc == SC_XR_PELVIS || sc == SC_XR_HIP;
    int level = sc == SC_SAG_LSPINE || sc == SC_XR_LSPINE   ? 19  /* L2 */
                : sc == SC_SAG_TSPINE || sc == SC_XR_TSPINE ? 13  /* T8 */
                : sc == SC_SAG_CSPINE || sc == SC_XR_CSPINE ? 3   /* C5 */
                                                            : -1;
    if (sc == SC_AX_BREAST) /* on the skin, under the chest wall's parts */
        breasts_prone(b, r, les);
    if (sc == SC_US_BREAST)
        breast_supine(b);
    /* Every part is built; the lesion and implant go to the scene's own. */
    head(b, r);
    if (head_scene && les && les->path == P_MASS)
        ell(b, T_LESION, T_WHITE, (les->side == 2 ? 1 : -1) * 30, rng_range(r, -40, 40),
            rng_range(r, 385, 420), les->size * 110, les->size * 110, les->size * 110);
    if (head_scene && les && les->path == P_FRACTURE)
        box(b, T_GAP, T_BONE, (les->side == 2 ? 1 : -1) * 66, -10, 420, 8, 40, 1.2);
    chest(b, r, chest_scene ? les : NULL, heart_scene ? les : NULL, sc == SC_XA_CORONARY,
          chest_scene && implant, arms_up);
    abdomen(b, r, abd_scene ? les : NULL);
    pelvis(b, r, pelvis_scene ? les : NULL, pelvis_scene && implant);
    spine(b, level >= 0 ? les : NULL, level == 19 && implant, level);
    if ((sc == SC_AX_NECK || sc == SC_NM_THYROID) && les &&
        (les->path == P_NODULE || les->path == P_MASS))
        ell(b, T_LESION, T_GLAND, (les->side == 2 ? 1 : -1) * 17, -22, 224, les->size * 70,
            les->size * 70, les->size * 90); /* thyroid nodule */
    if (les && les->path == P_FRACTURE)
        shoulder_fracture(b, sc, les->side == 2 ? 1 : -1);
    if (sc == SC_COR_BODY)
        whole_body_limbs(b);
    if (sc == SC_NM_BONE) {
        whole_body_limbs(b);
        if (les && les->path == P_MASS)
            bone_metastases(b, r, les->side == 2 ? 1 : -1);
    }
    if (sc == SC_XA_CEREBRAL)
        cerebral_angio(b, r, side);
    else if (sc == SC_XA_RENAL)
        renal_angio(b, r, side);
    else if (sc == SC_XA_LEG)
        femoral_angio(b, r, side);
    else if (sc == SC_XR_UROGRAPHY)
        urography(b, les);
    else if (sc == SC_XR_BARIUM && rng_chance(r, 0.5)) /* the last draw: the same body */
        barium_swallow(b, les);
    else if (sc == SC_XR_BARIUM)
        barium_enema(b, les);
    /* What the earlier passes left out: drawn after everything they drew,
     * so those scenes keep their individual. */
    hepatic_veins(b);
    cervical_trachea(b);
    if (sc != SC_XA_LEG)
        femoral_vessels(b);
    pelvic_organs(b);
    if (us_scene(sc))
        us_pathology(b, r, sc, les);
}

/* ---- lower limb (knee joint line at z = 0, ankle at z = -396) ------------- */

static void knee(Body3 *b, Rng *r, const Lesion *les, bool implant, int lat, bool leg)
{
    ecyl(b, T_FAT, T_AIR, 0, 8, 0, 58, 62, 200);
    ecyl(b, T_SOFT, T_FAT, 0, 10, 0, 50, 54, 200);
    ell(b, T_FAT, T_SOFT, 0, -28, -8, 20, 10, 16);                     /* Hoffa's fat pad */
    ell(b, T_FAT, T_SOFT, 0, 40, 5, 28, 14, 40);                       /* popliteal fat */
    ell(b, T_FLUID, T_SOFT, 0, -28, 62, 24, 7,
        les && les->path == P_EFFUSION ? 40 : 18);                       /* suprapatellar recess */
    bone(b, T_SOFT, V3(0, 6, 200), V3(0, 6, 40), 15);                  /* femur */
    for (int s = -1; s <= 1; s += 2) {
        ell(b, T_CARTILAGE, T_SOFT, s * 22, 10, 22, 23, 30, 25);       /* articular cartilage */
        bone_ell(b, T_CARTILAGE, s * 22, 10, 24, 21, 28, 22);          /* condyle */
        ell(b, T_CARTILAGE, T_SOFT, s * 24, 10, 0.5, 19, 24, 2.5);     /* meniscus */
    }
    bone_ell(b, T_SOFT, 0, 6, 36, 30, 22, 16);                          /* metaphysis */
    ell(b, T_CARTILAGE, T_SOFT, 0, -42, 44, 21, 11, 23);
    bone_ell(b, T_CARTILAGE, 0, -44, 44, 19, 9, 21);                    /* patella */
    ell(b, T_CARTILAGE, T_SOFT, 0, 8, -14, 41, 31, 12);
    bone_ell(b, T_CARTILAGE, 0, 8, -18, 40, 30, 13);                    /* tibial plateau */
    bone(b, T_SOFT, V3(0, 9, -25), V3(0, 13, -200), 16);               /* tibia */
    bone_ell(b, T_SOFT, lat * 34, 22, -38, 11, 11, 11);                 /* fibular head */
    bone(b, T_SOFT, V3(lat * 34, 22, -45), V3(lat * 30, 22, -200), 7);  /* fibula */
    cap(b, T_SOFT, T_FAT, V3(0, 0, 2), V3(0, 14, -10), 4, false);        /* cruciate */
    cap(b, T_BLOOD, T_FAT, V3(4, 44, 200), V3(4, 44, -200), 5, false);  /* popliteal vessels */
    if (les && les->path == P_FRACTURE && !leg) /* tibial plateau fracture */
        box(b, T_GAP, T_MARROW, lat * rng_range(r, 8, 25), 8, -18, 1.4, 30, 10);
    if (implant && !leg) { /* total knee replacement */
        for (int s = -1; s <= 1; s += 2)
            ell(b, T_METAL, T_CARTILAGE, s * 22, 10, 22, 22, 29, 23.5);
        box(b, T_METAL, T_SOFT, 0, 8, -8, 38, 28, 3);
        cap(b, T_METAL, T_MARROW, V3(0, 9, -10), V3(0, 11, -60), 6, false);
    }
}

/* The lower leg below the knee's block: calf, tibial and fibular shafts. */
static void lower_leg(Body3 *b, const Lesion *les, bool implant, int lat, bool fracture)
{
    /* The calf tapers from the knee's block to the ankle. */
    ell_cut(b, T_FAT, T_AIR, 0, 12, -200, 56, 60, 215, -392, -200);
    ell_cut(b, T_SOFT, T_FAT, 0, 14, -200, 48, 52, 212, -392, -200);
    ell(b, T_SOFT, T_FAT, 0, 36, -250, 36, 26, 70);                     /* calf muscles */
    bone(b, T_SOFT, V3(0, 13, -200), V3(0, 8, -372), 13);               /* tibial shaft */
    bone(b, T_SOFT, V3(lat * 30, 22, -200), V3(lat * 28, 20, -380), 6); /* fibular shaft */
    if (fracture && les && les->path == P_FRACTURE) /* tibial shaft fracture */
        ell(b, T_GAP, T_MARROW, 0, 11, -280, 12.5, 12.5, 1.4);
    if (implant) { /* intramedullary nail with locking screws */
        cap(b, T_METAL, T_MARROW, V3(0, 12, -195), V3(0, 9, -360), 4.5, false);
        for (int k = 0; k < 2; k++)
            cap(b, T_METAL, T_MARROW, V3(-14, 12, k ? -340 : -215), V3(14, 12, k ? -340 : -215),
                2.2, false);
    }
}

/* One ray of the foot or hand: bones from base along dir (unit vector),
 * lengths len[0..n-1] with 2 mm joint spaces, in a finger of soft tissue
 * (soft_r 0: no own soft tissue). */
static void ray(Body3 *b, const double base[3], const double dir[3], const double *len, int n,
                double radius, double soft_r)
{
    double a[3] = {base[0], base[1], base[2]}, total = 0;
    for (int i = 0; i < n; i++)
        total += len[i] + 2;
    if (soft_r > 0)
        cap(b, T_SOFT, T_AIR, base,
            V3(base[0] + total * dir[0], base[1] + total * dir[1], base[2] + total * dir[2]),
            soft_r, false);
    for (int i = 0; i < n; i++) {
        double e[3] = {a[0] + len[i] * dir[0], a[1] + len[i] * dir[1], a[2] + len[i] * dir[2]};
        double rr = radius * (1 - 0.12 * i);
        cap(b, T_BONE, T_SOFT, a, e, rr, true);
        for (int k = 0; k < 3; k++)
            a[k] = e[k] + 2 * dir[k];
    }
}

static void unit3(double v[3])
{
    double l = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    for (int k = 0; k < 3; k++)
        v[k] /= l;
}

/* Ankle and foot in the anatomical position (toes towards -y, sole at
 * z ≈ -470); lat is the lateral side's sign of x. */
static void ankle_foot(Body3 *b, const Lesion *les, bool implant, int lat, Scene sc)
{
    ell_cut(b, T_SOFT, T_AIR, 0, 10, -410, 34, 36, 30, -440, -392);     /* ankle */
    ell(b, T_SOFT, T_AIR, 0, 34, -446, 30, 36, 26);                     /* heel pad */
    ell(b, T_SOFT, T_AIR, lat * 4, -45, -450, 44, 85, 22);              /* midfoot, forefoot */
    ell(b, T_FAT, T_SOFT, 0, 42, -398, 11, 10, 26);                     /* Kager's fat pad */
    cap(b, T_CARTILAGE, T_SOFT, V3(0, 54, -360), V3(0, 58, -430), 5, false); /* Achilles */
    bone_ell(b, T_SOFT, 0, 8, -382, 24, 20, 15);                        /* distal tibia */
    bone_ell(b, T_SOFT, -lat * 21, 8, -398, 8, 10, 13);                  /* medial malleolus */
    bone_ell(b, T_SOFT, lat * 28, 20, -402, 8, 9, 15);                   /* lateral malleolus */
    ell(b, T_CARTILAGE, T_SOFT, 0, 4, -412, 19, 27, 16);
    bone_ell(b, T_CARTILAGE, 0, 4, -413, 17, 25, 14);                    /* talus */
    cap(b, T_BONE, T_SOFT, V3(0, 54, -452), V3(lat * 4, 4, -438), 19, true); /* calcaneus */
    bone_ell(b, T_SOFT, -lat * 9, -32, -422, 15, 7, 13);                 /* navicular */
    bone_ell(b, T_SOFT, lat * 17, -24, -444, 12, 13, 11);                /* cuboid */
    for (int k = 0; k < 3; k++)
        bone_ell(b, T_SOFT, lat * (6 - 10 * k) - lat * 2, -48, -430 - 2 * k, 5.5, 9, 10); /* cuneiforms */
    /* Metatarsals and toes, medial (big toe) to lateral. */
    static const double mt_x[5] = {-20, -8, 2, 12, 22}, mt_len[5] = {62, 70, 66, 62, 60},
                        toe_n[5] = {2, 3, 3, 3, 3}, mt_r[5] = {8, 5.5, 5, 5, 5.5};
    for (int i = 0; i < 5; i++) {
        double base[3] = {lat * mt_x[i], i == 4 ? -36 : -56, -440 + (i == 0 ? 6 : 0)};
        double dir[3] = {lat * 0.05 * (i - 2), -1, -0.16};
        unit3(dir);
        double len[1] = {mt_len[i]};
        ray(b, base, dir, len, 1, mt_r[i], 0);
        double tbase[3] = {base[0] + (mt_len[i] + 3) * dir[0],
                           base[1] + (mt_len[i] + 3) * dir[1], -456};
        double tdir[3] = {lat * 0.04 * (i - 2), -1, 0};
        unit3(tdir);
        const double toe_len[3] = {i == 0 ? 28 : 20, i == 0 ? 22 : 12, 9};
        ray(b, tbase, tdir, toe_len, (int)toe_n[i], i == 0 ? 7.5 : 4.5, i == 0 ? 12 : 8);
    }
    if (les && les->path == P_FRACTURE) {
        if (sc == SC_XR_FOOT) /* fifth metatarsal base */
            ell(b, T_GAP, T_MARROW, lat * 22, -46, -442, 5.5, 1.3, 5.5);
        else if (sc == SC_XR_HEEL) /* calcaneus */
            ell(b, T_GAP, T_MARROW, lat * 2, 32, -446, 10, 1.6, 10);
        else if (sc == SC_XR_ANKLE || sc == SC_SAG_ANKLE) /* lateral malleolus */
            ell(b, T_GAP, T_MARROW, lat * 28, 20, -396, 5.4, 6.4, 1.3);
    }
    if (implant) { /* plate and screws on the fibula */
        box(b, T_METAL, T_SOFT, lat * 36, 20, -375, 1.5, 5, 38);
        for (int k = 0; k < 4; k++)
            cap(b, T_METAL, T_SOFT, V3(lat * 37, 20, -350 - 16 * k), V3(lat * 22, 20, -350 - 16 * k),
                1.8, false);
    }
}

static void lower_limb(Body3 *b, Rng *r, const Lesion *les, bool implant, int lat, Scene sc)
{
    bool knee_scene = sc == SC_SAG_KNEE || sc == SC_XR_KNEE;
    /* The foot seen dorsoplantar: the leg is bent out of the beam. */
    if (sc != SC_XR_FOOT) {
        knee(b, r, knee_scene ? les : NULL, knee_scene && implant, lat, !knee_scene);
        lower_leg(b, les, sc == SC_XR_LEG && implant, lat, sc == SC_XR_LEG);
    }
    bool ankle_implant = implant && (sc == SC_XR_ANKLE || sc == SC_SAG_ANKLE);
    ankle_foot(b, knee_scene || sc == SC_XR_LEG ? NULL : les, ankle_implant, lat, sc);
}

/* ---- upper limb (radiocarpal joint at z = 0, elbow at z = 270; the palm
 * forwards, -y) ------------------------------------------------------------- */

static void arm_and_forearm(Body3 *b, int lat)
{
    ecyl(b, T_FAT, T_AIR, 0, 6, 445, 44, 44, 155);                      /* upper arm */
    ecyl(b, T_SOFT, T_FAT, 0, 6, 445, 39, 39, 155);
    /* The forearm tapers from the elbow to the wrist. */
    ell_cut(b, T_FAT, T_AIR, 0, 6, 290, 44, 36, 430, -24, 290);
    ell_cut(b, T_SOFT, T_FAT, 0, 6, 290, 39, 31, 425, -24, 290);
    bone(b, T_SOFT, V3(0, 10, 590), V3(0, 10, 296), 11);                /* humerus */
    bone_ell(b, T_SOFT, 0, 12, 284, 30, 12, 14);                        /* epicondyles */
    bone_ell(b, T_SOFT, lat * 12, 6, 272, 10, 10, 10);                  /* capitellum */
    bone_ell(b, T_SOFT, -lat * 8, 8, 270, 12, 11, 11);                  /* trochlea */
    ell(b, T_FAT, T_SOFT, 0, 24, 292, 10, 5, 12);                       /* olecranon fossa fat */
    bone_ell(b, T_SOFT, -lat * 6, 28, 274, 11, 10, 18);                 /* olecranon */
    bone(b, T_SOFT, V3(-lat * 7, 18, 256), V3(-lat * 22, 8, 10), 6.5);  /* ulna */
    bone_ell(b, T_SOFT, -lat * 22, 8, 6, 8, 8, 7);                      /* ulnar head */
    bone_ell(b, T_SOFT, lat * 16, 6, 252, 10, 10, 6);                   /* radial head */
    bone(b, T_SOFT, V3(lat * 16, 6, 245), V3(lat * 13, 3, 225), 6);     /* radial neck */
    bone(b, T_SOFT, V3(lat * 13, 3, 225), V3(lat * 14, 2, 30), 7.5);    /* radial shaft */
    bone_ell(b, T_SOFT, lat * 9, 2, 10, 20, 11, 12);                    /* distal radius */
}

static void hand(Body3 *b, int lat)
{
    ell(b, T_SOFT, T_AIR, lat * 3, 2, -62, 42, 15, 42);                 /* palm */
    ell(b, T_SOFT, T_AIR, lat * 28, -4, -48, 16, 16, 30);               /* thenar */
    static const struct { double x, y, z, rx, ry, rz; } carpals[8] = {
        {16, 0, -13, 8, 7, 11}, {1, 2, -10, 8, 8, 7},   {-14, 4, -12, 7, 7, 7},
        {-18, -6, -15, 5, 5, 5}, {22, -2, -29, 8, 7, 7}, {10, 0, -29, 6, 7, 6},
        {-2, 2, -30, 7, 8, 10},  {-15, 3, -28, 7, 8, 9}};
    for (int i = 0; i < 8; i++)
        bone_ell(b, T_SOFT, lat * carpals[i].x, carpals[i].y, carpals[i].z, carpals[i].rx,
                 carpals[i].ry, carpals[i].rz);
    /* Metacarpals and fingers, index to little. */
    static const double x[4] = {13, 0, -13, -25}, spread[4] = {0.1, 0.02, -0.07, -0.16},
                        mc[4] = {66, 63, 57, 52}, ph[4][3] = {{40, 23, 17}, {44, 27, 18},
                                                               {41, 26, 18}, {32, 18, 16}};
    for (int i = 0; i < 4; i++) {
        double base[3] = {lat * x[i], 2, -42}, dir[3] = {lat * spread[i], -0.03, -1};
        unit3(dir);
        double len[1] = {mc[i]};
        ray(b, base, dir, len, 1, 4.6, 0);
        double fb[3] = {base[0] + (mc[i] + 3) * dir[0], base[1] + (mc[i] + 3) * dir[1],
                        base[2] + (mc[i] + 3) * dir[2]};
        ray(b, fb, dir, ph[i], 3, 4.3, 8.5);
    }
    double tb[3] = {lat * 24, -4, -34}, td[3] = {lat * 0.5, -0.35, -0.8};
    unit3(td);
    const double thumb[3] = {44, 30, 22};
    ray(b, tb, td, thumb, 1, 5, 0);
    double tf[3] = {tb[0] + 47 * td[0], tb[1] + 47 * td[1], tb[2] + 47 * td[2]};
    ray(b, tf, td, thumb + 1, 2, 4.6, 10);
}

static void upper_limb(Body3 *b, const Lesion *les, bool implant, int lat, Scene sc)
{
    arm_and_forearm(b, lat);
    hand(b, lat);
    if (les && les->path == P_FRACTURE) {
        if (sc == SC_XR_FINGER) /* proximal phalanx of the middle finger */
            ell(b, T_GAP, T_MARROW, lat * 1.8, -0.6, -130, 4, 4, 1.2);
        else if (sc == SC_XR_ELBOW) /* radial head */
            ell(b, T_GAP, T_MARROW, lat * 16, 6, 251, 9.5, 9.5, 1.2);
        else /* distal radius */
            ell(b, T_GAP, T_MARROW, lat * 14, 2, 38, 7.2, 7.2, 1.3);
    }
    if (implant) { /* volar plate and screws on the distal radius */
        box(b, T_METAL, T_SOFT, lat * 12, -10, 55, 7, 1.5, 38);
        for (int k = 0; k < 4; k++)
            cap(b, T_METAL, T_SOFT, V3(lat * 12, -11, 28 + 16 * k), V3(lat * 12, 8, 28 + 16 * k),
                1.8, false);
    }
}

/* ---- breast, compressed on the detector (model 3) ------------------------- */

/* The chest wall is the plane x = 0 and the breast points along dir·x
 * (+x for a right breast); the plates compress it along z, so it is flat
 * but for a rounded rim; -y is up. The MLO view takes in the axillary
 * tail and the pectoralis major along the chest wall at the top.
 * Fibroglandular tissue is a cloud of lobules and ducts converging on the
 * nipple, denser in some women than others. */
static void breast(Body3 *b, Rng *r, const Lesion *les, bool mlo, int dir)
{
    double depth = rng_range(r, 70, 125), half_h = rng_range(r, 70, 100),
           half_t = rng_range(r, 20, 32), up = mlo ? 25 : 0;
    double dens = rng_range(r, 0, 1); /* fatty (0) to extremely dense (1) */
    double hh = half_h + up, cy = -up;
    ell_cut(b, T_SOFT, T_AIR, 0, cy, 0, depth + 2, hh + 2, 2.5 * half_t, -half_t - 1, half_t + 1);
    ell_cut(b, T_FAT, T_SOFT, 0, cy, 0, depth, hh, 2.5 * half_t - 2, -half_t + 1, half_t - 1);
    double ny = mlo ? 0.15 * half_h : 0; /* the nipple's height */
    ell(b, T_SOFT, T_AIR, dir * (depth + 3), ny, 0, 5, 6, 6);
    if (mlo) /* pectoralis major: a wedge along the chest wall, thinning downwards */
        ell(b, T_SOFT, T_FAT, -dir * 18, cy - hh, 0, 55, 1.5 * half_h, 0.8 * half_t);
    /* Ducts from the nipple back into the breast. */
    int nd = 10 + (int)(14 * dens);
    for (int i = 0; i < nd; i++) {
        double t = rng_range(r, 0.35, 0.9);
        double from[3] = {dir * depth * 0.92, ny, rng_range(r, -0.2, 0.2) * half_t};
        double to[3] = {dir * depth * (1 - t), ny + rng_range(r, -0.55, 0.55) * half_h * t,
                        rng_range(r, -0.5, 0.5) * half_t};
        cap(b, T_GLAND, T_FAT, from, to, rng_range(r, 0.8, 1.8), false);
    }
    /* Lobules: more and larger the denser the breast, in a cone behind the nipple. */
    int nl = 40 + (int)(260 * dens);
    for (int i = 0; i < nl; i++) {
        double u = sqrt(rng_range(r, 0.02, 1)); /* 0 at the nipple, 1 at the chest wall */
        double x = dir * depth * (1 - 0.85 * u), spread = 0.25 + 0.6 * u;
        double y = ny + rng_normal(r) * 0.35 * spread * half_h;
        double z = rng_range(r, -0.6, 0.6) * half_t, rr = rng_range(r, 2, 5 + 9 * dens);
        ell(b, T_GLAND, T_FAT, x, y, z, rr * rng_range(r, 0.8, 1.8), rr * rng_range(r, 0.6, 1.2),
            fmin(rr, 0.35 * half_t));
    }
    /* Cooper's ligaments near the skin and vessels running to the nipple. */
    for (int i = 0; i < 24; i++) {
        double a = rng_range(r, -1.2, 1.2), z = rng_range(r, -0.5, 0.5) * half_t;
        double p1[3] = {dir * depth * 0.8 * cos(a), cy + hh * 0.8 * sin(a), z};
        double p2[3] = {dir * depth * 0.95 * cos(a + 0.12), cy + hh * 0.95 * sin(a + 0.12), z};
        cap(b, T_GLAND, T_FAT, p1, p2, 0.5, false);
    }
    for (int i = 0; i < 4; i++) {
        double a[3] = {dir * 3, rng_range(r, -0.8, 0.6) * half_h, rng_range(r, -0.4, 0.4) * half_t};
        for (int k = 0; k < 4; k++) {
            double c[3] = {a[0] + dir * depth * 0.22, a[1] * 0.8 + rng_range(r, -12, 12), a[2]};
            cap(b, T_BLOOD, T_FAT, a, c, 1.4 - 0.2 * k, false);
            memcpy(a, c, sizeof a);
        }
    }
    int ncalc = rng_int(r, 0, 6); /* benign calcifications */
    for (int i = 0; i < ncalc; i++)
        ell(b, T_BONE, T_FAT, dir * rng_range(r, 0.2, 0.9) * depth, rng_range(r, -0.6, 0.6) * half_h,
            rng_range(r, -0.5, 0.5) * half_t, 0.5, 0.5, 0.5);
    if (les && (les->path == P_MASS || les->path == P_NODULE)) {
        double rr = les->size * (les->path == P_MASS ? 160 : 90);
        double x = dir * depth * rng_range(r, 0.3, 0.7), y = ny + rng_range(r, -0.3, 0.3) * half_h;
        ell(b, T_LESION, T_FAT, x, y, 0, rr, rr, fmin(rr, 0.8 * half_t));
        if (les->path == P_MASS) /* spicules */
            for (int k = 0; k < 8; k++) {
                double a = k * PI / 4 + rng_range(r, -0.3, 0.3);
                cap(b, T_LESION, T_FAT, V3(x, y, 0), V3(x + 2.2 * rr * cos(a), y + 2.2 * rr * sin(a), 0),
                    0.7, false);
            }
    }
}

/* ---- the scene table -------------------------------------------------------------- */

Implant body3_implant(Scene sc)
{
    switch (sc) {
    case SC_AX_CHEST: case SC_XR_CHEST: case SC_XR_CHEST_LAT: return IMP_PACEMAKER;
    case SC_AX_PELVIS: case SC_XR_PELVIS: case SC_XR_HIP: return IMP_HIP_PROSTHESIS;
    case SC_SAG_LSPINE: case SC_XR_LSPINE: return IMP_SPINAL_FIXATION;
    case SC_SAG_KNEE: case SC_XR_KNEE: return IMP_KNEE_PROSTHESIS;
    case SC_XR_LEG: case SC_XR_ANKLE: case SC_SAG_ANKLE: case SC_XR_WRIST: case SC_XR_ARM:
    case SC_XR_HAND:
        return IMP_OSTEOSYNTHESIS;
    default: return IMP_NONE;
    }
}

bool body3_shows(Scene sc, ViewKind view, Pathology path)
{
    bool xr = scene_is_projection(sc);
    switch (sc) {
    case SC_AX_HEAD: case SC_SAG_HEAD: case SC_COR_HEAD: case SC_XR_SKULL:
        return path == P_FRACTURE || (path == P_MASS && !xr);
    case SC_AX_CHEST: case SC_XR_CHEST: case SC_XR_CHEST_LAT:
        return path == P_NODULE || path == P_EFFUSION || path == P_MASS ||
               (path == P_FRACTURE && view != VW_LAT);
    case SC_AX_NECK: return path == P_NODULE || path == P_MASS;
    case SC_AX_ABDOMEN: return path == P_MASS;
    case SC_AX_PELVIS: case SC_XR_PELVIS: case SC_XR_HIP:
        return path == P_FRACTURE || (path == P_MASS && !xr);
    case SC_SAG_KNEE: case SC_XR_KNEE: return path == P_FRACTURE || path == P_EFFUSION;
    case SC_SAG_LSPINE: case SC_XR_LSPINE: case SC_SAG_TSPINE: case SC_XR_TSPINE:
    case SC_SAG_CSPINE: case SC_XR_CSPINE: case SC_XR_SHOULDER: case SC_COR_SHOULDER:
    case SC_XR_CLAVICLE: case SC_XR_LEG: case SC_XR_ANKLE: case SC_SAG_ANKLE: case SC_XR_HEEL:
    case SC_XR_FOOT: case SC_XR_ARM: case SC_XR_ELBOW: case SC_XR_WRIST: case SC_XR_HAND:
    case SC_XR_FINGER:
        return path == P_FRACTURE;
    case SC_MG_BREAST: return path == P_MASS || path == P_NODULE;
    case SC_NM_BONE: return path == P_MASS;
    case SC_AX_HEART: case SC_US_HEART: return path == P_EFFUSION;
    case SC_COR_BODY: case SC_AX_BREAST: return path == P_MASS;
    case SC_NM_THYROID: return path == P_NODULE;
    case SC_XR_BARIUM: case SC_XR_UROGRAPHY: return path == P_MASS; /* filling defects */
    case SC_US_ABDOMEN: case SC_US_KIDNEY: case SC_US_PELVIS:
        return path == P_MASS || path == P_EFFUSION;
    case SC_US_NECK: return path == P_NODULE || path == P_MASS;
    case SC_US_BREAST: return path == P_MASS;
    default: return false;
    }
}

void body3_build(Scene sc, ViewKind view, const Lesion *les, bool mirror, Rng *r, Body3 *b)
{
    /* The build: width, depth and height of this individual. */
    b->scale[0] = rng_range(r, 0.88, 1.14);
    b->scale[1] = b->scale[0] * rng_range(r, 0.88, 1.15);
    b->scale[2] = rng_range(r, 0.94, 1.06);
    const Lesion *l = les && les->path != P_NONE ? les : NULL;
    bool implant = les && les->implant != IMP_NONE;
    bool arms_up = view == VW_LAT && (sc == SC_XR_CHEST || sc == SC_XR_CHEST_LAT ||
                                      sc == SC_XR_LSPINE || sc == SC_XR_TSPINE);
    int lat = mirror ? 1 : -1; /* the lateral side of a left limb is +x */
    switch (body3_model(sc)) {
    case 1: lower_limb(b, r, l, implant, lat, sc); break;
    case 2: upper_limb(b, l, implant, lat, sc); break;
    case 3: breast(b, r, l, view == VW_MLO, -lat); break;
    default: trunk(b, r, l, implant, sc, arms_up, lat); break;
    }
}
