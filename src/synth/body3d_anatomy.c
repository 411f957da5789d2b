/* The 3-D anatomy (millimetres, LPS; see body3d.h): one trunk model from
 * the vertex to the thighs (head, neck, chest, abdomen, pelvis, spine)
 * and one knee. Sizes are adult averages; the individual's build scales
 * them. Primitives are listed parents first; each names the tissue it
 * sits in, so slices (painted in order) and projections (chords times
 * attenuation differences) show the same body. */
#include "synth/body3d.h"

#include <stdlib.h>

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

static void spine(Body3 *b, const Lesion *les, bool implant)
{
    Vertebra v[24];
    int n = vertebrae(v);
    int broken = les && les->path == P_FRACTURE ? 19 : -1; /* L2: a compression fracture */
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

static void chest(Body3 *b, Rng *r, const Lesion *les, bool implant, bool arms_up)
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
    ell(b, T_ORGAN, T_LUNG, 18, -26, 40, 54, 46, 56);                      /* myocardium */
    ell(b, T_BLOOD, T_ORGAN, 22, -28, 42, 40, 32, 42);                     /* chambers */
    cap(b, T_BLOOD, T_SOFT, V3(8, -24, 60), V3(4, -18, 128), 15, false);  /* ascending aorta */
    cap(b, T_BLOOD, T_SOFT, V3(4, -18, 128), V3(20, 22, 132), 13, false); /* arch */
    cap(b, T_BLOOD, T_SOFT, V3(20, 22, 132), V3(22, 42, -60), 12, false); /* descending */
    cap(b, T_BLOOD, T_SOFT, V3(-6, -20, 150), V3(-4, -18, 60), 10, false); /* SVC */
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
        cap(b, T_METAL, T_BLOOD, V3(-2, -20, 130), V3(12, -40, 20), 1.4, false);
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
        ecyl(b, T_SOFT, T_AIR, s * 95, 8, -640, 74, 76, 110);            /* thigh */
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

static void trunk(Body3 *b, Rng *r, const Lesion *les, bool implant, Scene sc, bool arms_up)
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
    bool chest_scene = sc == SC_AX_CHEST || sc == SC_XR_CHEST || sc == SC_XR_CHEST_LAT;
    bool abd_scene = sc == SC_AX_ABDOMEN || sc == SC_XR_ABDOMEN;
    bool pelvis_scene = sc == SC_AX_PELVIS || sc == SC_XR_PELVIS;
    bool spine_scene = sc == SC_SAG_LSPINE || sc == SC_XR_LSPINE;
    /* Every part is built; the lesion and implant go to the scene's own. */
    head(b, r);
    if (head_scene && les && les->path == P_MASS)
        ell(b, T_LESION, T_WHITE, (les->side == 2 ? 1 : -1) * 30, rng_range(r, -40, 40),
            rng_range(r, 385, 420), les->size * 110, les->size * 110, les->size * 110);
    if (head_scene && les && les->path == P_FRACTURE)
        box(b, T_GAP, T_BONE, (les->side == 2 ? 1 : -1) * 66, -10, 420, 8, 40, 1.2);
    chest(b, r, chest_scene ? les : NULL, chest_scene && implant, arms_up);
    abdomen(b, r, abd_scene ? les : NULL);
    pelvis(b, r, pelvis_scene ? les : NULL, pelvis_scene && implant);
    spine(b, spine_scene ? les : NULL, spine_scene && implant);
}

/* ---- knee (joint line at z = 0) -------------------------------------------- */

static void knee(Body3 *b, Rng *r, const Lesion *les, bool implant, int lat)
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
    if (les && les->path == P_FRACTURE) /* tibial plateau fracture */
        box(b, T_GAP, T_MARROW, lat * rng_range(r, 8, 25), 8, -18, 1.4, 30, 10);
    if (implant) { /* total knee replacement */
        for (int s = -1; s <= 1; s += 2)
            ell(b, T_METAL, T_CARTILAGE, s * 22, 10, 22, 22, 29, 23.5);
        box(b, T_METAL, T_SOFT, 0, 8, -8, 38, 28, 3);
        cap(b, T_METAL, T_MARROW, V3(0, 9, -10), V3(0, 11, -60), 6, false);
    }
}

/* ---- the scene table -------------------------------------------------------------- */

Implant body3_implant(Scene sc)
{
    switch (sc) {
    case SC_AX_CHEST: case SC_XR_CHEST: case SC_XR_CHEST_LAT: return IMP_PACEMAKER;
    case SC_AX_PELVIS: case SC_XR_PELVIS: return IMP_HIP_PROSTHESIS;
    case SC_SAG_LSPINE: case SC_XR_LSPINE: return IMP_SPINAL_FIXATION;
    case SC_SAG_KNEE: case SC_XR_KNEE: return IMP_KNEE_PROSTHESIS;
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
    case SC_AX_ABDOMEN: return path == P_MASS;
    case SC_AX_PELVIS: case SC_XR_PELVIS:
        return path == P_FRACTURE || (path == P_MASS && !xr);
    case SC_SAG_LSPINE: case SC_XR_LSPINE: return path == P_FRACTURE;
    case SC_SAG_KNEE: case SC_XR_KNEE: return path == P_FRACTURE || path == P_EFFUSION;
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
                                      sc == SC_XR_LSPINE);
    if (sc == SC_SAG_KNEE || sc == SC_XR_KNEE)
        knee(b, r, l, implant, mirror ? 1 : -1);
    else
        trunk(b, r, l, implant, sc, arms_up);
}
