/* Phantom builders. Coordinates: x to the image right, y down; the field
 * of view spans about [-1, 1]. Cross-sections follow radiological
 * convention (patient's right on the image left, anterior up). Every size
 * is jittered per individual so no two patients are identical. */
#include "synth/anatomy.h"

#include "synth/body3d.h"

#define PI 3.14159265358979323846

/* a jittered by a relative standard deviation f (clipped at 2.5 sigma). */
static double J(Rng *r, double a, double f)
{
    double n = rng_normal(r);
    n = n > 2.5 ? 2.5 : n < -2.5 ? -2.5 : n;
    return a * (1 + f * n);
}

static void vertebra_axial(Phantom *p, double cx, double cy, double s)
{
    ph_ellipse(p, T_BONE, cx, cy, 0.11 * s, 0.09 * s, 0);
    ph_ellipse(p, T_MARROW, cx, cy, 0.085 * s, 0.068 * s, 0);
    ph_capsule(p, T_BONE, cx - 0.07 * s, cy + 0.08 * s, cx + 0.07 * s, cy + 0.08 * s, 0.025 * s);
    ph_capsule(p, T_BONE, cx, cy + 0.1 * s, cx, cy + 0.2 * s, 0.025 * s);
    ph_circle(p, T_FLUID, cx, cy + 0.125 * s, 0.035 * s);
}

/* ---- cross-sections ----------------------------------------------------- */

static void ax_head(Phantom *p, Rng *r, double z)
{
    double hs = 0.95 * sqrt(1 - 0.45 * z * z), ax = J(r, 0.74, 0.05) * hs,
           ay = J(r, 0.9, 0.04) * hs;
    ph_ellipse(p, T_SOFT, 0, 0, ax, ay, 0);
    ph_ellipse(p, T_BONE, 0, 0, ax - 0.04, ay - 0.04, 0);
    ph_ellipse(p, T_GREY, 0, 0.01, ax - 0.09, ay - 0.1, 0);
    if (z > -0.55) {
        ph_ellipse(p, T_WHITE, 0, 0.02, (ax - 0.09) * 0.72, (ay - 0.1) * 0.75, 0);
        /* Sulci: CSF clefts at the brain surface. */
        for (int i = 0; i < 14; i++) {
            double a = 2 * PI * i / 14 + rng_range(r, -0.1, 0.1);
            double rr = 0.86;
            ph_capsule(p, T_FLUID, (ax - 0.09) * rr * cos(a), (ay - 0.1) * rr * sin(a),
                       (ax - 0.09) * 0.99 * cos(a), (ay - 0.1) * 0.99 * sin(a), 0.012);
        }
    }
    if (fabs(z) < 0.55) {
        double v = J(r, 1, 0.25);
        ph_ellipse(p, T_FLUID, -0.08, -0.05, 0.045 * v, 0.2 * v, 15);
        ph_ellipse(p, T_FLUID, 0.08, -0.05, 0.045 * v, 0.2 * v, -15);
        ph_ellipse(p, T_FLUID, 0, 0.12, 0.02, 0.05, 0);
    }
    if (z < -0.45) { /* orbits, nasal cavity, sinuses */
        for (int s = -1; s <= 1; s += 2) {
            ph_ellipse(p, T_FAT, s * 0.25, -0.72 * hs, 0.13, 0.12, 0);
            ph_circle(p, T_FLUID, s * 0.25, -0.74 * hs, 0.08);
            ph_ellipse(p, T_AIR, s * 0.12, -0.55 * hs, 0.07, 0.1, 0);
        }
        ph_ellipse(p, T_AIR, 0, -0.8 * hs, 0.05, 0.12, 0);
        ph_ellipse(p, T_WHITE, 0, 0.55 * hs, 0.35, 0.2, 0); /* cerebellum */
        ph_circle(p, T_GREY, 0, 0.3 * hs, 0.1);            /* brainstem */
    }
}

static void ax_neck(Phantom *p, Rng *r, double z)
{
    double s = J(r, 1, 0.06);
    ph_ellipse(p, T_FAT, 0, 0, 0.6 * s, 0.5 * s, 0);
    ph_ellipse(p, T_SOFT, 0, 0.02, 0.54 * s, 0.45 * s, 0);
    ph_circle(p, T_AIR, 0, -0.2 * s, 0.075);
    ph_ellipse(p, T_GLAND, -0.13, -0.17 * s, 0.09, 0.11, 20);
    ph_ellipse(p, T_GLAND, 0.13, -0.17 * s, 0.09, 0.11, -20);
    for (int k = -1; k <= 1; k += 2) {
        ph_circle(p, T_BLOOD, k * 0.22, -0.05, 0.045);
        ph_ellipse(p, T_BLOOD, k * 0.3, -0.02, 0.06, 0.04, 0);
        ph_ellipse(p, T_FAT, k * 0.32, 0.25, 0.08, 0.12, 0);
    }
    vertebra_axial(p, 0, 0.12 + 0.03 * z, 1.1);
}

static void ax_body_wall(Phantom *p, Rng *r, double rx, double ry, double fat)
{
    ph_ellipse(p, T_FAT, 0, 0, rx, ry, 0);
    ph_ellipse(p, T_SOFT, 0, 0.01, rx - fat, ry - fat, 0);
    ph_ellipse(p, T_FAT, 0, 0.02, rx - fat - 0.04, ry - fat - 0.04, 0);
    (void)r;
}

static void ax_chest(Phantom *p, Rng *r, double z)
{
    double rx = J(r, 0.92, 0.05), ry = J(r, 0.62, 0.06);
    ax_body_wall(p, r, rx, ry, J(r, 0.06, 0.3));
    ph_ellipse(p, T_SOFT, 0, 0.05, rx - 0.14, ry - 0.12, 0);
    double lung = sqrt(1 - 0.4 * z * z);
    ph_ellipse(p, T_LUNG, -0.4, -0.02, 0.32 * lung, 0.46 * lung, 5);
    ph_ellipse(p, T_LUNG, 0.4, -0.02, 0.3 * lung, 0.46 * lung, -5);
    if (z < 0.4) {
        ph_ellipse(p, T_ORGAN, 0.1, 0.0, J(r, 0.28, 0.1), 0.22, -30); /* heart */
        ph_ellipse(p, T_BLOOD, 0.12, 0.02, 0.18, 0.13, -30);
    } else {
        ph_circle(p, T_BLOOD, 0.0, -0.12, 0.09); /* ascending aorta */
        ph_circle(p, T_AIR, -0.02, 0.12, 0.06);  /* trachea */
    }
    ph_circle(p, T_BLOOD, 0.1, 0.3, 0.07); /* descending aorta */
    vertebra_axial(p, 0, 0.42, 1.2);
    ph_box(p, T_BONE, 0, -ry + 0.07, 0.06, 0.03, 0); /* sternum */
    for (int i = 0; i < 16; i++) { /* rib sections around the wall */
        double a = 2 * PI * (i + 0.5) / 16;
        if (fabs(cos(a)) < 0.25)
            continue; /* none over the sternum or the spine */
        ph_ellipse(p, T_BONE, (rx - 0.1) * cos(a), (ry - 0.09) * sin(a), 0.035, 0.02,
                   a * 57.3 + 90);
    }
}

static void ax_abdomen(Phantom *p, Rng *r, double z, bool contrast_kidneys)
{
    double rx = J(r, 0.9, 0.06), ry = J(r, 0.66, 0.07);
    ax_body_wall(p, r, rx, ry, J(r, 0.08, 0.35));
    ph_ellipse(p, T_SOFT, 0, 0.1, rx - 0.18, ry - 0.16, 0);
    double liver = fmax(0.05, 0.42 * (1 - 0.6 * z));
    ph_ellipse(p, T_LIVER, -0.32, -0.06, liver, liver * 0.85, 20);
    ph_ellipse(p, T_ORGAN, 0.52, 0.08, 0.13, 0.2 * (1 + 0.3 * z), -30); /* spleen */
    ph_ellipse(p, T_FLUID, 0.25, -0.28, 0.16, 0.1, 10);                 /* stomach */
    ph_ellipse(p, T_AIR, 0.25, -0.35, 0.12, 0.04, 10);
    for (int s = -1; s <= 1; s += 2) {
        double ky = 0.28 + 0.05 * s;
        ph_ellipse(p, T_KIDNEY, s * 0.33, ky, 0.11, 0.16, s * 25);
        ph_ellipse(p, contrast_kidneys ? T_CONTRAST : T_FAT, s * 0.3, ky, 0.035, 0.07, s * 25);
        ph_ellipse(p, T_SOFT, s * 0.12, 0.38, 0.05, 0.07, 0); /* psoas */
    }
    ph_circle(p, T_BLOOD, 0.06, 0.3, 0.055);
    ph_ellipse(p, T_BLOOD, -0.08, 0.28, 0.05, 0.04, 0);
    vertebra_axial(p, 0, 0.45, 1.2);
    int loops = rng_int(r, 3, 8);
    for (int i = 0; i < loops; i++) /* bowel loops with gas or fluid */
        ph_circle(p, rng_chance(r, 0.5) ? T_AIR : T_FLUID, rng_range(r, -0.4, 0.45),
                  rng_range(r, -0.2, 0.15), rng_range(r, 0.03, 0.07));
}

static void ax_pelvis(Phantom *p, Rng *r, double z)
{
    double rx = J(r, 0.92, 0.05), ry = J(r, 0.62, 0.06);
    ax_body_wall(p, r, rx, ry, J(r, 0.09, 0.3));
    ph_ellipse(p, T_SOFT, 0, 0.05, rx - 0.15, ry - 0.12, 0);
    for (int s = -1; s <= 1; s += 2) {
        if (z < 0) { /* femoral heads in the acetabula */
            ph_circle(p, T_BONE, s * 0.45, 0.02, 0.16);
            ph_circle(p, T_MARROW, s * 0.45, 0.02, 0.13);
            ph_capsule(p, T_BONE, s * 0.45, 0.02, s * 0.7, -0.05, 0.06);
        } else {     /* iliac wings */
            ph_ellipse(p, T_BONE, s * 0.45, 0.1, 0.26, 0.06, s * -35);
            ph_ellipse(p, T_MARROW, s * 0.45, 0.1, 0.22, 0.035, s * -35);
        }
    }
    ph_ellipse(p, T_BONE, 0, 0.42, 0.17, 0.08, 0); /* sacrum */
    ph_ellipse(p, T_MARROW, 0, 0.42, 0.13, 0.05, 0);
    ph_ellipse(p, T_FLUID, 0, -0.2, J(r, 0.2, 0.2), J(r, 0.15, 0.2), 0); /* bladder */
    ph_circle(p, T_AIR, 0, 0.22, 0.05);
}

static void ax_breast(Phantom *p, Rng *r, double z)
{
    ph_box(p, T_SOFT, 0, 0.45, 0.95, 0.35, 0);
    ph_ellipse(p, T_ORGAN, 0, 0.55, 0.3, 0.2, 0);
    double s = sqrt(1 - 0.5 * z * z);
    for (int k = -1; k <= 1; k += 2) {
        double bx = k * 0.45, rx = J(r, 0.36, 0.1) * s, ry = J(r, 0.42, 0.12) * s;
        ph_ellipse(p, T_FAT, bx, 0.1, rx, ry, 0);
        for (int i = 0; i < 18; i++)
            ph_ellipse(p, T_GLAND, bx + rng_range(r, -0.6, 0.6) * rx,
                       0.1 + rng_range(r, -0.3, 0.6) * ry, rng_range(r, 0.02, 0.07),
                       rng_range(r, 0.02, 0.06), rng_range(r, 0, 180));
    }
}

/* A vertebral column from y0 to y1 with nv bodies (sagittal). */
static void spine_sagittal(Phantom *p, Rng *r, double y0, double y1, int nv,
                           double w, double curve)
{
    double step = (y1 - y0) / nv;
    for (int i = 0; i < nv; i++) {
        double y = y0 + (i + 0.5) * step, t = (y - y0) / (y1 - y0);
        double x = curve * sin(PI * t), a = -curve * 40 * cos(PI * t);
        ph_box(p, T_BONE, x, y, w, step * 0.4, a);
        ph_box(p, T_MARROW, x, y, w * 0.85, step * 0.33, a);
        ph_box(p, T_DISC, x, y + step * 0.5, w * 0.9, step * 0.09, a);
        ph_ellipse(p, T_BONE, x + w + 0.2, y + step * 0.2, 0.1, 0.035, 20 + a);
        if (rng_chance(r, 0.12)) /* disc bulge into the canal */
            ph_circle(p, T_DISC, x + w + 0.02, y + step * 0.5, 0.04);
    }
    ph_capsule(p, T_FLUID, curve + w + 0.08, y0, curve + w + 0.08, y1, 0.07);
}

static void sag_spine(Phantom *p, Rng *r, int level)
{
    ph_box(p, T_SOFT, 0.05, 0, 0.75, 1.1, 0);
    ph_box(p, T_FAT, 0.72, 0, 0.08, 1.1, 0);
    if (level == 0) { /* cervical: skull base, cord, airway */
        ph_ellipse(p, T_GREY, 0.3, -0.95, 0.5, 0.25, 0);
        ph_box(p, T_AIR, -0.45, 0, 0.06, 0.9, 5);
        spine_sagittal(p, r, -0.7, 0.95, 7, 0.14, -0.08);
        ph_capsule(p, T_WHITE, 0.28, -0.85, 0.27, 1.0, 0.04);
    } else if (level == 1) { /* thoracic: heart and lungs in front */
        ph_ellipse(p, T_LUNG, -0.55, 0, 0.3, 0.9, 0);
        ph_ellipse(p, T_ORGAN, -0.55, 0.3, 0.25, 0.3, 0);
        spine_sagittal(p, r, -1.0, 1.0, 9, 0.13, 0.1);
        ph_capsule(p, T_WHITE, 0.35, -1, 0.35, 1.0, 0.035);
    } else { /* lumbar: abdomen in front, sacrum below */
        ph_ellipse(p, T_ORGAN, -0.6, -0.2, 0.3, 0.5, 0);
        spine_sagittal(p, r, -0.95, 0.55, 5, 0.17, -0.08);
        ph_box(p, T_BONE, 0.15, 0.8, 0.16, 0.25, -30);
        ph_box(p, T_MARROW, 0.15, 0.8, 0.12, 0.2, -30);
    }
}

static void sag_knee(Phantom *p, Rng *r, double z)
{
    double s = J(r, 1, 0.06);
    ph_box(p, T_SOFT, 0, 0, 0.65 * s, 1.1, 0);
    ph_box(p, T_FAT, -0.55 * s, 0, 0.1, 1.1, 0);
    ph_ellipse(p, T_FAT, 0.35, 0.05, 0.2, 0.3, 0);
    ph_capsule(p, T_BONE, 0, -1.2, 0, -0.2, 0.22 * s);       /* femur */
    ph_ellipse(p, T_BONE, 0.05, -0.12, 0.3 * s, 0.22, 0);    /* condyle */
    ph_capsule(p, T_MARROW, 0, -1.2, 0, -0.22, 0.18 * s);
    ph_ellipse(p, T_MARROW, 0.05, -0.13, 0.26 * s, 0.18, 0);
    ph_ellipse(p, T_CARTILAGE, 0.05, 0.1, 0.3 * s, 0.03, 0);
    ph_ellipse(p, T_DISC, -0.2, 0.11, 0.08, 0.03, 0);        /* menisci */
    ph_ellipse(p, T_DISC, 0.28, 0.11, 0.08, 0.03, 0);
    ph_box(p, T_BONE, 0.03, 0.25, 0.32 * s, 0.12, 0);        /* tibia */
    ph_box(p, T_MARROW, 0.03, 0.26, 0.28 * s, 0.1, 0);
    ph_capsule(p, T_BONE, 0.03, 0.3, 0.03, 1.2, 0.2 * s);
    ph_capsule(p, T_MARROW, 0.03, 0.32, 0.03, 1.2, 0.16 * s);
    ph_ellipse(p, T_BONE, -0.42 * s, -0.2, 0.07, 0.17, 0);   /* patella */
    ph_ellipse(p, T_MARROW, -0.41 * s, -0.2, 0.05, 0.13, 0);
    (void)z;
}

static void cor_shoulder(Phantom *p, Rng *r, double z)
{
    ph_ellipse(p, T_SOFT, 0.1, 0.1, 0.95, 1.0, 0);
    ph_ellipse(p, T_FAT, 0.6, 0.2, 0.2, 0.6, 0);
    double s = J(r, 1, 0.06);
    ph_circle(p, T_BONE, 0.1, -0.05, 0.28 * s);          /* humeral head */
    ph_circle(p, T_MARROW, 0.1, -0.05, 0.24 * s);
    ph_capsule(p, T_BONE, 0.15, 0.1, 0.25, 1.2, 0.16 * s);
    ph_capsule(p, T_MARROW, 0.15, 0.1, 0.25, 1.2, 0.12 * s);
    ph_box(p, T_BONE, -0.35, 0.0, 0.08, 0.2, 10);        /* glenoid */
    ph_ellipse(p, T_CARTILAGE, -0.2, -0.05, 0.03, 0.2, 0);
    ph_box(p, T_BONE, 0.0, -0.5, 0.45, 0.06, -10);        /* acromion */
    ph_ellipse(p, T_SOFT, 0.15, -0.35, 0.35, 0.07, 0);    /* supraspinatus */
    (void)z;
}

static void sag_ankle(Phantom *p, Rng *r, double z)
{
    double s = J(r, 1, 0.06);
    ph_box(p, T_SOFT, 0, -0.5, 0.45, 0.7, 0);
    ph_ellipse(p, T_SOFT, 0.1, 0.45, 0.95, 0.35, 0);
    ph_capsule(p, T_BONE, 0, -1.2, 0, -0.2, 0.18 * s);   /* tibia */
    ph_capsule(p, T_MARROW, 0, -1.2, 0, -0.22, 0.14 * s);
    ph_ellipse(p, T_BONE, 0.02, 0.02, 0.22, 0.16, 0);      /* talus */
    ph_ellipse(p, T_MARROW, 0.02, 0.02, 0.18, 0.12, 0);
    ph_ellipse(p, T_BONE, 0.38, 0.35, 0.3, 0.17, 15);      /* calcaneus */
    ph_ellipse(p, T_MARROW, 0.38, 0.35, 0.26, 0.13, 15);
    ph_capsule(p, T_SOFT, 0.45, -0.9, 0.6, 0.2, 0.05);     /* Achilles */
    ph_ellipse(p, T_BONE, -0.35, 0.2, 0.18, 0.12, -20);    /* navicular */
    (void)z;
}

static void cor_body(Phantom *p, Rng *r)
{
    double s = J(r, 1, 0.05);
    ph_circle(p, T_SOFT, 0, -0.82, 0.12 * s);
    ph_circle(p, T_GREY, 0, -0.83, 0.09 * s);
    ph_capsule(p, T_SOFT, 0, -0.7, 0, -0.6, 0.05);
    ph_ellipse(p, T_SOFT, 0, -0.25, 0.24 * s, 0.38, 0);
    ph_ellipse(p, T_SOFT, 0, 0.12, 0.22 * s, 0.16, 0);
    for (int k = -1; k <= 1; k += 2) {
        ph_capsule(p, T_SOFT, k * 0.26 * s, -0.55, k * 0.32, 0.1, 0.05);
        ph_capsule(p, T_SOFT, k * 0.1, 0.2, k * 0.12, 0.98, 0.07);
        ph_ellipse(p, T_KIDNEY, k * 0.09, -0.05, 0.035, 0.06, 0);
        ph_ellipse(p, T_LUNG, k * 0.1, -0.38, 0.09, 0.16, 0);
    }
    ph_ellipse(p, T_ORGAN, 0.05, -0.3, 0.07, 0.06, 0);
    ph_ellipse(p, T_LIVER, -0.09, -0.14, 0.12, 0.07, 0);
    ph_circle(p, T_FLUID, 0, 0.2, 0.04);
    (void)r;
}

/* ---- projections -------------------------------------------------------- */

static void rib_arc(Phantom *p, double side, double y0, double len, double r)
{
    double px = side * 0.06, py = y0;
    for (int k = 1; k <= 6; k++) {
        double t = k / 6.0;
        double x = side * (0.06 + len * sin(t * PI * 0.55)), y = y0 + 0.22 * t * t;
        ph_capsule(p, T_BONE, px, py, x, y, r);
        px = x, py = y;
    }
}

static void xr_spine_column(Phantom *p, double y0, double y1, int nv, double w)
{
    double step = (y1 - y0) / nv;
    for (int i = 0; i < nv; i++) {
        double y = y0 + (i + 0.5) * step;
        ph_box(p, T_BONE, 0, y, w, step * 0.38, 0);
        ph_box(p, T_MARROW, 0, y, w * 0.8, step * 0.3, 0);
        ph_circle(p, T_BONE, -w * 0.6, y - step * 0.1, w * 0.22);
        ph_circle(p, T_BONE, w * 0.6, y - step * 0.1, w * 0.22);
        ph_ellipse(p, T_BONE, 0, y + step * 0.1, w * 0.15, step * 0.25, 0);
    }
}

static void xr_chest(Phantom *p, Rng *r)
{
    double s = J(r, 1, 0.05);
    ph_ellipse(p, T_SOFT, 0, 0.15, 1.05 * s, 1.05, 0);
    for (int k = -1; k <= 1; k += 2) { /* lung fields: air-filled, dark */
        double lx = k * 0.4 * s, lrx = J(r, 0.3, 0.06), lry = J(r, 0.57, 0.05);
        ph_ellipse(p, T_LUNG, lx, -0.05, lrx, lry, -4 * k);
        ph_ellipse(p, T_AIR, lx, -0.1, lrx * 0.8, lry * 0.8, -4 * k);
    }
    double hr = J(r, 0.3, 0.12); /* the heart displaces lung: it stands out of the fields */
    ph_ellipse(p, T_SOFT, 0.1, 0.28, hr, 0.24, -15);
    ph_ellipse(p, T_ORGAN, 0.1, 0.28, hr, 0.24, -15);
    ph_ellipse(p, T_SOFT, 0, -0.3, 0.1, 0.35, 0);                   /* mediastinum */
    ph_ellipse(p, T_LIVER, -0.35, 0.75, 0.45, 0.2, 0);             /* diaphragm dome */
    xr_spine_column(p, -1.0, 1.0, 12, 0.07);
    for (int k = -1; k <= 1; k += 2) {
        ph_bone(p, k * 0.07, -0.62, k * 0.62, -0.76, 0.035);          /* clavicle */
        for (int i = 0; i < 10; i++)
            rib_arc(p, k, -0.72 + i * 0.13, 0.55 + 0.02 * i, 0.018);
        ph_ellipse(p, T_CARTILAGE, k * 0.78, -0.55, 0.12, 0.3, k * 15); /* scapula, thin */
    }
}

static void xr_skull(Phantom *p, Rng *r)
{
    double s = J(r, 1, 0.05);
    ph_ellipse(p, T_SOFT, 0, -0.05, 0.86 * s, 0.78 * s, 0);
    ph_ellipse(p, T_BONE, 0, -0.1, 0.8 * s, 0.7 * s, 0);
    ph_ellipse(p, T_MARROW, 0, -0.1, 0.74 * s, 0.64 * s, 0);
    ph_ellipse(p, T_BONE, -0.55, 0.35, 0.25, 0.25, 0);  /* facial bones */
    ph_ellipse(p, T_AIR, -0.55, 0.25, 0.1, 0.08, 0);    /* maxillary sinus */
    ph_ellipse(p, T_AIR, -0.62, -0.2, 0.08, 0.06, 0);   /* frontal sinus */
    ph_capsule(p, T_BONE, -0.6, 0.75, 0.1, 0.65, 0.06); /* mandible */
    ph_capsule(p, T_BONE, 0.1, 0.65, 0.15, 0.35, 0.05);
    ph_ellipse(p, T_BONE, 0.05, 0.2, 0.12, 0.08, 0);     /* petrous ridge */
    ph_circle(p, T_AIR, 0.0, 0.05, 0.05);                /* sella */
    ph_box(p, T_BONE, 0.3, 0.95, 0.06, 0.15, 10);        /* C-spine */
}

static void xr_spine(Phantom *p, Rng *r, int level)
{
    double s = J(r, 1, 0.05);
    ph_box(p, T_SOFT, 0, 0, 0.7 * s, 1.2, 0);
    if (level == 0) {
        ph_box(p, T_AIR, 0, 0, 0.05, 0.9, 0);
        xr_spine_column(p, -0.6, 0.95, 7, 0.14);
        ph_capsule(p, T_BONE, -0.5, -0.85, 0.5, -0.85, 0.06); /* mandible */
    } else if (level == 1) {
        ph_ellipse(p, T_LUNG, -0.45, 0, 0.3, 0.9, 0);
        ph_ellipse(p, T_LUNG, 0.45, 0, 0.3, 0.9, 0);
        xr_spine_column(p, -1.0, 1.0, 9, 0.12);
        for (int k = -1; k <= 1; k += 2)
            for (int i = 0; i < 8; i++)
                rib_arc(p, k, -0.9 + i * 0.22, 0.6, 0.025);
    } else {
        xr_spine_column(p, -0.95, 0.55, 5, 0.2);
        ph_box(p, T_BONE, 0, 0.8, 0.22, 0.2, 0);
        ph_ellipse(p, T_BONE, -0.5, 0.9, 0.3, 0.15, 20);
        ph_ellipse(p, T_BONE, 0.5, 0.9, 0.3, 0.15, -20);
        for (int i = 0; i < 4; i++)
            ph_circle(p, T_AIR, rng_range(r, -0.5, 0.5), rng_range(r, -0.6, 0.4), 0.08);
    }
}

static void pelvis_bones(Phantom *p, Rng *r, double s)
{
    for (int k = -1; k <= 1; k += 2) {
        ph_ellipse(p, T_BONE, k * 0.42 * s, -0.25, 0.3 * s, 0.35, k * -20); /* ilium */
        ph_ellipse(p, T_MARROW, k * 0.42 * s, -0.25, 0.26 * s, 0.3, k * -20);
        ph_circle(p, T_BONE, k * 0.45 * s, 0.25, 0.14);                     /* femoral head */
        ph_bone(p, k * 0.45 * s, 0.25, k * 0.62 * s, 0.42, 0.07);           /* neck */
        ph_bone(p, k * 0.64 * s, 0.4, k * 0.72 * s, 1.3, 0.1);              /* shaft */
        ph_ellipse(p, T_BONE, k * 0.7 * s, 0.38, 0.08, 0.08, 0);            /* trochanter */
        ph_bone(p, k * 0.08, 0.52, k * 0.38 * s, 0.5, 0.05);                /* pubic rami */
        ph_bone(p, k * 0.12, 0.65, k * 0.35 * s, 0.62, 0.04);
    }
    ph_ellipse(p, T_BONE, 0, -0.1, 0.15, 0.25, 0); /* sacrum */
    ph_box(p, T_BONE, 0, -0.7, 0.14, 0.1, 0);      /* L5 */
    (void)r;
}

static void xr_pelvis(Phantom *p, Rng *r)
{
    double s = J(r, 1, 0.05);
    ph_ellipse(p, T_SOFT, 0, 0, 1.1 * s, 1.0, 0);
    pelvis_bones(p, r, s);
    for (int i = 0; i < 3; i++)
        ph_circle(p, T_AIR, rng_range(r, -0.3, 0.3), rng_range(r, -0.5, 0.0), 0.07);
}

static void xr_abdomen(Phantom *p, Rng *r, Tissue kidney, Tissue tract)
{
    double s = J(r, 1, 0.05);
    ph_ellipse(p, T_SOFT, 0, 0, 1.1 * s, 1.1, 0);
    ph_ellipse(p, T_LIVER, -0.45, -0.6, 0.45, 0.35, 15);
    xr_spine_column(p, -1.0, 0.5, 6, 0.16);
    pelvis_bones(p, r, s * 1.1);
    for (int k = -1; k <= 1; k += 2) {
        ph_ellipse(p, kidney, k * 0.38, -0.3 + 0.05 * k, 0.13, 0.22, k * -15);
        if (tract == T_CONTRAST) {
            ph_capsule(p, T_CONTRAST, k * 0.3, -0.15, k * 0.22, 0.5, 0.02);
        }
    }
    if (tract == T_CONTRAST)
        ph_ellipse(p, T_CONTRAST, 0, 0.72, 0.2, 0.12, 0); /* bladder */
    int gas = rng_int(r, 3, 10);
    for (int i = 0; i < gas; i++)
        ph_ellipse(p, T_AIR, rng_range(r, -0.6, 0.6), rng_range(r, -0.5, 0.5),
                   rng_range(r, 0.04, 0.12), rng_range(r, 0.03, 0.08), rng_range(r, 0, 180));
}

static void xr_barium(Phantom *p, Rng *r)
{
    double s = J(r, 1, 0.05);
    ph_ellipse(p, T_SOFT, 0, 0, 1.1 * s, 1.1, 0);
    xr_spine_column(p, -1.0, 1.0, 9, 0.14);
    if (rng_chance(r, 0.5)) { /* stomach and duodenum */
        ph_capsule(p, T_CONTRAST, 0.05, -1.1, 0.15, -0.5, 0.04);
        ph_ellipse(p, T_CONTRAST, 0.35, -0.3, 0.2, 0.32, -20);
        ph_ellipse(p, T_AIR, 0.42, -0.52, 0.12, 0.08, 0);
        ph_capsule(p, T_CONTRAST, 0.2, 0.0, -0.15, 0.05, 0.05);
        ph_capsule(p, T_CONTRAST, -0.15, 0.05, -0.2, 0.4, 0.04);
    } else {                  /* colon frame */
        double pts[7][2] = {{-0.5, 0.6}, {-0.6, 0.0}, {-0.55, -0.5}, {0.0, -0.45},
                            {0.55, -0.55}, {0.6, 0.1}, {0.2, 0.7}};
        for (int i = 0; i < 6; i++)
            ph_capsule(p, T_CONTRAST, pts[i][0], pts[i][1], pts[i + 1][0], pts[i + 1][1],
                       rng_range(r, 0.07, 0.1));
    }
}

/* Two long bones meeting at a joint: upper from the top, lower below. */
static void xr_joint(Phantom *p, Rng *r, double bend, double r1, double r2,
                     bool paired_lower, bool patella)
{
    double s = J(r, 1, 0.06), a = bend * PI / 180;
    ph_capsule(p, T_SOFT, 0, -1.3, 0, 0, 0.45 * s);
    ph_capsule(p, T_SOFT, 0, 0, 1.3 * sin(a), 1.3 * cos(a), 0.4 * s);
    ph_bone(p, 0, -1.3, 0, -0.08, r1 * s);
    ph_ellipse(p, T_BONE, 0, -0.08, r1 * 1.6 * s, r1 * 0.8, 0);
    double lx = 0.04 * sin(a), ly = 0.06;
    if (paired_lower) {
        ph_bone(p, lx - r2 * 0.6, ly, lx - r2 * 0.6 + 1.3 * sin(a), ly + 1.3 * cos(a), r2 * s);
        ph_bone(p, lx + r2 * 1.3, ly + 0.08, lx + r2 * 1.3 + 1.3 * sin(a),
                ly + 0.08 + 1.3 * cos(a), r2 * 0.5 * s);
    } else {
        ph_bone(p, lx, ly, lx + 1.3 * sin(a), ly + 1.3 * cos(a), r2 * s);
    }
    ph_box(p, T_BONE, lx, ly, r2 * 1.5 * s, 0.03, -bend);
    if (patella)
        ph_ellipse(p, T_BONE, 0.02, -0.12, 0.1, 0.13, 0);
}

static void xr_long(Phantom *p, Rng *r, bool paired, double rr)
{
    double s = J(r, 1, 0.06);
    ph_capsule(p, T_SOFT, 0, -1.3, 0, 1.3, 0.38 * s);
    if (paired) {
        ph_bone(p, -0.1, -1.1, -0.12, 1.1, rr * s);
        ph_bone(p, 0.12, -1.05, 0.1, 1.1, rr * 0.7 * s);
    } else {
        ph_bone(p, 0, -1.1, 0, 1.1, rr * s);
    }
    ph_ellipse(p, T_BONE, 0, -1.1, rr * 2, rr, 0);
    ph_ellipse(p, T_BONE, 0, 1.1, rr * 2, rr, 0);
}

static void xr_shoulder(Phantom *p, Rng *r, bool clavicle_view)
{
    double s = J(r, 1, 0.05);
    ph_ellipse(p, T_SOFT, -0.1, 0.2, 1.1, 1.1, 0);
    ph_ellipse(p, T_LUNG, -0.55, 0.5, 0.4, 0.6, 0);
    ph_ellipse(p, T_BONE, -0.1, 0.15, 0.25, 0.45, 10); /* scapula */
    ph_bone(p, -1.1, -0.45, 0.35, -0.55, 0.06 * s);    /* clavicle */
    for (int i = 0; i < 5; i++)
        rib_arc(p, -1, -0.3 + i * 0.25, 0.9, 0.02);
    if (!clavicle_view) {
        ph_circle(p, T_BONE, 0.32, 0.0, 0.2 * s); /* humeral head */
        ph_bone(p, 0.38, 0.0, 0.5, 1.3, 0.12 * s);
        ph_box(p, T_BONE, 0.25, -0.42, 0.2, 0.05, -10); /* acromion */
    }
}

static void finger_rays(Phantom *p, Rng *r, double spread)
{
    static const double base_x[5] = {-0.42, -0.2, 0.0, 0.2, 0.38};
    static const double len[5] = {0.35, 0.5, 0.55, 0.5, 0.4};
    for (int f = 0; f < 5; f++) {
        double ang = (f - 2) * spread * PI / 180 + (f == 0 ? -0.6 : 0);
        double x = base_x[f], y = f == 0 ? 0.2 : -0.05, dx = sin(ang), dy = -cos(ang);
        double soft_len = len[f] + 0.35;
        ph_capsule(p, T_SOFT, x, y, x + dx * (0.3 + soft_len), y + dy * (0.3 + soft_len), 0.085);
        ph_bone(p, x - dx * 0.3, y - dy * 0.3, x, y, 0.035); /* metacarpal */
        int nph = f == 0 ? 2 : 3;
        double seg = len[f] / nph, cx = x + dx * 0.03, cy = y + dy * 0.03;
        for (int k = 0; k < nph; k++) {
            ph_bone(p, cx, cy, cx + dx * seg * 0.85, cy + dy * seg * 0.85, 0.028 - 0.004 * k);
            cx += dx * seg, cy += dy * seg;
        }
    }
    (void)r;
}

static void xr_hand(Phantom *p, Rng *r)
{
    ph_ellipse(p, T_SOFT, 0, 0.3, 0.5, 0.4, 0);
    ph_capsule(p, T_SOFT, 0, 0.75, 0, 1.3, 0.3);
    finger_rays(p, r, rng_range(r, 6, 14));
    for (int i = 0; i < 8; i++) /* carpal bones */
        ph_circle(p, T_BONE, -0.22 + 0.13 * (i % 4), 0.42 + 0.11 * (i / 4), 0.06);
    ph_bone(p, -0.15, 0.6, -0.18, 1.4, 0.09); /* radius */
    ph_bone(p, 0.18, 0.62, 0.2, 1.4, 0.06);   /* ulna */
}

static void xr_foot(Phantom *p, Rng *r, bool lateral)
{
    if (lateral) { /* ankle/heel: tibia, talus, calcaneus */
        ph_capsule(p, T_SOFT, 0, -1.3, 0, 0.1, 0.35);
        ph_ellipse(p, T_SOFT, 0.05, 0.4, 1.1, 0.35, 0);
        ph_bone(p, 0, -1.3, 0, -0.15, 0.17);
        ph_bone(p, 0.18, -1.3, 0.2, 0.0, 0.06);
        ph_ellipse(p, T_BONE, 0.0, 0.05, 0.2, 0.15, 0);
        ph_ellipse(p, T_BONE, 0.35, 0.35, 0.32, 0.16, 15);
        ph_ellipse(p, T_BONE, -0.3, 0.25, 0.12, 0.1, -20);
        for (int i = 0; i < 4; i++)
            ph_bone(p, -0.4, 0.3 + 0.03 * i, -1.1, 0.45 + 0.02 * i, 0.035);
        return;
    }
    ph_ellipse(p, T_SOFT, 0, 0.15, 0.45, 1.05, 0);
    static const double x0[5] = {-0.25, -0.1, 0.02, 0.14, 0.26};
    for (int t = 0; t < 5; t++) {
        ph_bone(p, x0[t] * 0.6, 0.0, x0[t], -0.55, t == 0 ? 0.055 : 0.035);
        ph_bone(p, x0[t], -0.6, x0[t] * 1.05, -0.75, 0.03);
        if (t)
            ph_bone(p, x0[t] * 1.05, -0.8, x0[t] * 1.08, -0.88, 0.025);
    }
    for (int i = 0; i < 5; i++)
        ph_circle(p, T_BONE, -0.18 + 0.09 * i, 0.15 + 0.02 * (i % 2), 0.06);
    ph_ellipse(p, T_BONE, 0, 0.5, 0.16, 0.2, 0);  /* talus */
    ph_ellipse(p, T_BONE, 0.02, 0.85, 0.18, 0.22, 0); /* calcaneus */
    (void)r;
}

static void mg_breast(Phantom *p, Rng *r)
{
    /* Chest wall on the left edge; nipple to the right. */
    double ry = J(r, 0.85, 0.08), rx = J(r, 1.1, 0.1);
    ph_ellipse(p, T_FAT, -1.0, 0, rx, ry, 0);
    ph_ellipse(p, T_SOFT, -1.0, 0, rx, ry, 0);
    ph_ellipse(p, T_FAT, -1.0, 0, rx - 0.03, ry - 0.03, 0);
    double density = rng_range(r, 0.3, 1.0);
    int blobs = (int)(40 + 80 * density);
    for (int i = 0; i < blobs; i++) {
        double a = rng_range(r, -1.2, 1.2), d = rng_range(r, 0.05, 0.85);
        ph_ellipse(p, T_GLAND, -1.0 + d * rx * cos(a), d * ry * sin(a) * 0.9,
                   rng_range(r, 0.02, 0.09), rng_range(r, 0.01, 0.04), a * 57.3);
    }
    if (rng_chance(r, 0.3))
        for (int i = 0; i < 8; i++) /* microcalcifications */
            ph_circle(p, T_BONE, rng_range(r, -0.4, -0.3), rng_range(r, 0.0, 0.1), 0.006);
}

/* Branching vessel tree filled with contrast; phase z in [-1,1] sets how far
 * contrast has travelled (cine runs). */
static void vessel(Phantom *p, Rng *r, double x, double y, double ang, double len,
                   double rad, int depth, double fill)
{
    if (depth == 0 || rad < 0.004)
        return;
    double x2 = x + len * cos(ang), y2 = y + len * sin(ang);
    if (fill > 0)
        ph_capsule(p, T_CONTRAST, x, y, x2, y2, rad);
    int kids = rng_int(r, 1, 3);
    for (int k = 0; k < kids; k++)
        vessel(p, r, x2, y2, ang + rng_range(r, -0.7, 0.7), len * rng_range(r, 0.6, 0.85),
               rad * rng_range(r, 0.6, 0.8), depth - 1, fill - 0.15);
}

static void xa(Phantom *p, Rng *r, double z, int kind)
{
    double fill = 0.4 + 0.6 * (z + 1) * 0.5 * 1.6;
    ph_ellipse(p, T_SOFT, 0, 0, 1.3, 1.3, 0);
    if (kind == 0) { /* coronary: heart shadow, ribs, catheter */
        ph_ellipse(p, T_LUNG, 0, 0, 1.2, 1.1, 0);
        ph_ellipse(p, T_ORGAN, 0.1, 0.2, 0.55, 0.5, -20);
        for (int i = 0; i < 6; i++)
            rib_arc(p, i % 2 ? 1 : -1, -0.8 + 0.3 * i, 0.9, 0.03);
        ph_capsule(p, T_BONE, -0.9, 1.3, -0.2, -0.3, 0.006);
        vessel(p, r, -0.2, -0.3, 0.6, 0.35, 0.035, 6, fill);
        vessel(p, r, -0.2, -0.3, 2.2, 0.35, 0.03, 5, fill);
    } else if (kind == 1) { /* cerebral: skull outline, carotid tree */
        ph_ellipse(p, T_BONE, 0, -0.1, 0.95, 0.9, 0);
        ph_ellipse(p, T_MARROW, 0, -0.1, 0.88, 0.83, 0);
        vessel(p, r, 0, 1.2, -PI / 2, 0.5, 0.04, 7, fill);
    } else if (kind == 2) { /* leg: femur, femoral artery runoff */
        ph_bone(p, 0.15, -1.3, 0.05, 1.3, 0.14);
        vessel(p, r, -0.1, -1.2, PI / 2, 0.6, 0.035, 5, fill);
    } else {                /* renal: spine, aorta with renal arteries */
        xr_spine_column(p, -1.0, 1.0, 6, 0.18);
        ph_capsule(p, T_CONTRAST, 0.05, -1.2, 0.05, 1.2, 0.05 * fill);
        vessel(p, r, 0.05, -0.1, 0.1, 0.35, 0.025, 5, fill);
        vessel(p, r, 0.05, -0.05, PI - 0.1, 0.35, 0.025, 5, fill);
    }
}

/* ---- ultrasound and scintigraphy ---------------------------------------- */

static void us_scene(Phantom *p, Rng *r, int kind)
{
    /* The sector apex sits at the top (y = -1); depth runs downwards. */
    ph_box(p, T_SOFT, 0, 0, 1.5, 1.5, 0);
    ph_box(p, T_FAT, 0, -0.85, 1.5, 0.08, 0);
    switch (kind) {
    case 0: /* abdomen: liver with vessels and gallbladder */
        ph_ellipse(p, T_LIVER, -0.1, 0.1, 1.1, 0.8, 10);
        for (int i = 0; i < 5; i++)
            ph_circle(p, T_BLOOD, rng_range(r, -0.6, 0.5), rng_range(r, -0.3, 0.6),
                      rng_range(r, 0.03, 0.07));
        ph_ellipse(p, T_FLUID, 0.3, -0.1, 0.22, 0.1, 20);
        ph_ellipse(p, T_BONE, -0.7, 0.9, 0.3, 0.05, 0);
        break;
    case 1: /* kidney */
        ph_ellipse(p, T_KIDNEY, 0, 0.15, 0.65, 0.35, rng_range(r, -20, 20));
        ph_ellipse(p, T_FAT, 0, 0.15, 0.4, 0.12, 0);
        break;
    case 2: /* neck: thyroid lobe and carotid */
        ph_ellipse(p, T_GLAND, -0.2, -0.4, 0.45, 0.25, 0);
        ph_circle(p, T_BLOOD, 0.45, -0.3, 0.13);
        ph_circle(p, T_AIR, -0.9, -0.5, 0.2);
        break;
    case 3: /* breast: layered fat and gland, cyst */
        ph_box(p, T_GLAND, 0, -0.3, 1.5, 0.25, rng_range(r, -8, 8));
        ph_box(p, T_SOFT, 0, 0.6, 1.5, 0.1, 0);
        break;
    case 4: /* vessel, longitudinal */
        ph_box(p, T_SOFT, 0, -0.2, 1.6, 0.2, 0);
        ph_box(p, T_BLOOD, 0, -0.2, 1.6, 0.14, rng_range(r, -8, 8));
        break;
    default: /* pelvis: bladder and uterus/prostate */
        ph_ellipse(p, T_FLUID, 0, -0.2, 0.6, 0.45, 0);
        ph_ellipse(p, T_ORGAN, 0, 0.45, 0.35, 0.25, 0);
        break;
    }
}

static void nm_scene(Phantom *p, Rng *r, int kind)
{
    if (kind == 0) { /* bone scan: faint soft tissue, skeleton, bladder */
        cor_body(p, r);
        ph_circle(p, T_BONE, 0, -0.85, 0.11);
        xr_spine_column(p, -0.7, 0.1, 10, 0.03);
        for (int k = -1; k <= 1; k += 2) {
            ph_bone(p, k * 0.05, -0.6, k * 0.22, -0.65, 0.012);
            for (int i = 0; i < 8; i++)
                rib_arc(p, k, -0.6 + i * 0.06, 0.18, 0.007);
            ph_bone(p, k * 0.24, -0.62, k * 0.3, -0.2, 0.02);
            ph_bone(p, k * 0.3, -0.2, k * 0.33, 0.1, 0.015);
            ph_ellipse(p, T_BONE, k * 0.12, 0.12, 0.1, 0.08, 0);
            ph_bone(p, k * 0.12, 0.2, k * 0.1, 0.6, 0.025);
            ph_bone(p, k * 0.1, 0.62, k * 0.1, 0.97, 0.02);
        }
        ph_circle(p, T_FLUID, 0, 0.17, 0.05);
    } else if (kind == 1) { /* myocardial perfusion: horseshoe */
        ph_circle(p, T_ORGAN, 0, 0, 0.45);
        ph_circle(p, T_BLOOD, 0, 0, 0.28);
        ph_box(p, T_BLOOD, 0, -0.35, 0.2, 0.15, 0);
    } else if (kind == 2) { /* thyroid */
        ph_ellipse(p, T_GLAND, -0.25, 0, 0.18, 0.4, 10);
        ph_ellipse(p, T_GLAND, 0.25, 0, 0.18, 0.4, -10);
        ph_box(p, T_GLAND, 0, 0.15, 0.15, 0.07, 0);
    } else { /* renal */
        ph_ellipse(p, T_KIDNEY, -0.35, -0.1, 0.17, 0.3, 15);
        ph_ellipse(p, T_KIDNEY, 0.35, -0.1, 0.17, 0.3, -15);
        ph_circle(p, T_FLUID, 0, 0.7, 0.15);
    }
}


/* Sagittal head: face to the image left, cerebellum low right. */
static void sag_head(Phantom *p, Rng *r, double z)
{
    double w = sqrt(fmax(0.05, 1 - z * z)), ax = J(r, 0.88, 0.04), ay = J(r, 0.74, 0.04) * w;
    ph_ellipse(p, T_SOFT, -0.55, 0.55, 0.35, 0.4, 20);          /* face */
    ph_ellipse(p, T_AIR, -0.62, 0.45, 0.1, 0.18, 10);           /* nasal cavity */
    ph_capsule(p, T_SOFT, 0.2, 0.5, 0.25, 1.3, 0.22);           /* neck */
    ph_ellipse(p, T_SOFT, 0, -0.1, ax, ay, 0);
    ph_ellipse(p, T_BONE, 0, -0.1, ax - 0.04, ay - 0.04, 0);
    ph_ellipse(p, T_GREY, 0, -0.1, ax - 0.09, ay - 0.09, 0);
    ph_ellipse(p, T_WHITE, -0.02, -0.14, (ax - 0.09) * 0.72, (ay - 0.09) * 0.62, 0);
    for (int i = 0; i < 12; i++) { /* sulci */
        double a = PI * (1.05 + 0.9 * i / 11.0) + rng_range(r, -0.05, 0.05);
        ph_capsule(p, T_FLUID, (ax - 0.09) * 0.8 * cos(a), -0.1 + (ay - 0.09) * 0.8 * sin(a),
                   (ax - 0.09) * 0.99 * cos(a), -0.1 + (ay - 0.09) * 0.99 * sin(a), 0.012);
    }
    if (fabs(z) < 0.35) {
        ph_ellipse(p, T_WHITE, 0, -0.12, 0.38, 0.08, 0);         /* corpus callosum */
        ph_ellipse(p, T_FLUID, 0, -0.08, 0.3 * J(r, 1, 0.2), 0.05, 0); /* lateral ventricle */
        ph_capsule(p, T_GREY, 0.05, 0.15, 0.15, 0.75, 0.07);     /* brainstem */
        ph_ellipse(p, T_WHITE, 0.45, 0.38, 0.24, 0.16, -15);     /* cerebellum */
        ph_ellipse(p, T_FLUID, 0.25, 0.3, 0.04, 0.06, 0);        /* fourth ventricle */
        ph_capsule(p, T_WHITE, 0.15, 0.75, 0.22, 1.3, 0.04);     /* cord */
    } else {
        ph_ellipse(p, T_AIR, -0.55, 0.2, 0.1, 0.08, 0);          /* maxillary sinus */
        ph_circle(p, T_FLUID, -0.6, -0.05, 0.08);                /* globe */
    }
}

/* Coronal head: hemispheres, ventricles as slits, temporal lobes. */
static void cor_head(Phantom *p, Rng *r, double z)
{
    double w = sqrt(fmax(0.05, 1 - 0.6 * z * z)), ax = J(r, 0.74, 0.05) * w, ay = J(r, 0.8, 0.04);
    ph_capsule(p, T_SOFT, 0, 0.5, 0, 1.3, 0.3);                 /* neck */
    ph_ellipse(p, T_SOFT, 0, -0.1, ax, ay, 0);
    ph_ellipse(p, T_BONE, 0, -0.1, ax - 0.04, ay - 0.04, 0);
    ph_ellipse(p, T_GREY, 0, -0.1, ax - 0.09, ay - 0.09, 0);
    for (int k = -1; k <= 1; k += 2)
        ph_ellipse(p, T_WHITE, k * 0.22, -0.2, 0.2, 0.35, k * 10);
    ph_capsule(p, T_FLUID, 0, -0.8, 0, -0.2, 0.012);            /* interhemispheric fissure */
    for (int i = 0; i < 10; i++) {
        double a = PI * (1.1 + 0.8 * i / 9.0);
        ph_capsule(p, T_FLUID, (ax - 0.09) * 0.82 * cos(a), -0.1 + (ay - 0.09) * 0.82 * sin(a),
                   (ax - 0.09) * 0.99 * cos(a), -0.1 + (ay - 0.09) * 0.99 * sin(a), 0.012);
    }
    if (fabs(z) < 0.5) {
        double v = J(r, 1, 0.25);
        ph_ellipse(p, T_FLUID, -0.07, -0.1, 0.04 * v, 0.12 * v, -20);
        ph_ellipse(p, T_FLUID, 0.07, -0.1, 0.04 * v, 0.12 * v, 20);
        ph_capsule(p, T_GREY, 0, 0.05, 0, 0.7, 0.08);           /* brainstem */
    }
    for (int k = -1; k <= 1; k += 2) /* temporal lobes above the skull base */
        ph_ellipse(p, T_GREY, k * 0.45, 0.35, 0.18, 0.14, 0);
}

/* Lateral chest radiograph: one lung field over both, heart in front,
 * spine behind, sternum at the front. Anterior to the image left. */
static void xr_chest_lat(Phantom *p, Rng *r)
{
    double s = J(r, 1, 0.05);
    ph_ellipse(p, T_SOFT, 0.05, 0.15, 0.8 * s, 1.05, 0);
    ph_ellipse(p, T_LUNG, 0.04, -0.05, J(r, 0.52, 0.05), J(r, 0.62, 0.05), 0);
    ph_ellipse(p, T_ORGAN, -0.25, 0.3, J(r, 0.3, 0.1), 0.28, 20);   /* heart */
    ph_ellipse(p, T_LIVER, -0.05, 0.75, 0.6, 0.2, 5);               /* diaphragm */
    ph_capsule(p, T_AIR, -0.02, -1.0, 0.05, -0.2, 0.04);            /* trachea */
    ph_bone(p, -0.68 * s, -0.7, -0.72 * s, 0.3, 0.035);             /* sternum */
    double step = 1.9 / 12;
    for (int i = 0; i < 12; i++) {
        double y = -1.0 + (i + 0.5) * step, x = 0.52 * s + 0.05 * sin(PI * (i + 0.5) / 12);
        ph_box(p, T_BONE, x, y, 0.09, step * 0.38, 0);
        ph_box(p, T_MARROW, x, y, 0.07, step * 0.3, 0);
        ph_ellipse(p, T_BONE, x + 0.16, y + step * 0.1, 0.07, 0.025, 20); /* posterior elements */
    }
    for (int i = 0; i < 8; i++) /* posterior ribs seen end-on */
        ph_capsule(p, T_BONE, 0.3, -0.7 + i * 0.17, 0.7, -0.6 + i * 0.17, 0.015);
    ph_capsule(p, T_SOFT, -0.3, -1.1, 0.3, -0.6, 0.2);              /* arms raised */
}

/* Limbs seen from the side or at an angle: the bones crowd together. */
static void ph_squash(Phantom *p, double f)
{
    for (size_t i = 0; i < p->n; i++) {
        Shape *sh = &p->s[i];
        sh->p[0] *= (float)f;
        if (sh->kind == SH_CAPSULE)
            sh->p[2] *= (float)f;
        else
            sh->p[2] *= (float)(0.5 + 0.5 * f);
    }
}

static bool is_limb(Scene sc)
{
    switch (sc) {
    case SC_XR_ELBOW: case SC_XR_LEG: case SC_XR_ARM: case SC_XR_HAND: case SC_XR_WRIST:
    case SC_XR_FINGER: case SC_XR_FOOT: case SC_XR_SHOULDER: case SC_XR_CLAVICLE:
        return true;
    default:
        return false;
    }
}

/* ---- pathology ----------------------------------------------------------- */

const char *const pathology_names[P_COUNT] = {"none", "fracture", "nodule", "effusion", "mass"};
const char *const view_names[VW_COUNT] = {"AX", "SAG", "COR", "PA", "AP", "LAT", "OBL", "CC",
                                          "MLO", "ANT", "POST", "SECTOR", "LOCALIZER", "CAPTURE"};

/* The shape a pathology lives in: on the lesion's side (patient right is
 * the image left) when there is one there. */
static const Shape *host(const Phantom *p, const Tissue *tissues, int nt, int side,
                         ShapeKind kind, bool any_kind)
{
    const Shape *best = NULL;
    for (int t = 0; t < nt && !best; t++)
        for (size_t i = 0; i < p->n; i++) {
            const Shape *sh = &p->s[i];
            if (sh->tissue != tissues[t] || (!any_kind && sh->kind != kind))
                continue;
            bool on_side = side == 0 || (side == 1) == (sh->p[0] < 0);
            if (best == NULL || (on_side && !((side == 1) == (best->p[0] < 0))))
                best = sh;
        }
    return best;
}

static const Tissue mass_hosts[] = {T_LIVER, T_WHITE, T_GLAND, T_LUNG};
static const Tissue nodule_hosts[] = {T_LUNG, T_GLAND};
static const Tissue effusion_hosts[] = {T_LUNG, T_CARTILAGE, T_LIVER};
static const Tissue bone_hosts[] = {T_BONE};

static bool spine_scene(Scene sc)
{
    return sc == SC_XR_CSPINE || sc == SC_XR_TSPINE || sc == SC_XR_LSPINE ||
           sc == SC_SAG_CSPINE || sc == SC_SAG_TSPINE || sc == SC_SAG_LSPINE;
}

static const Shape *lesion_host(const Phantom *p, Scene sc, Pathology path, int side)
{
    switch (path) {
    case P_FRACTURE:
        if (spine_scene(sc))
            return host(p, bone_hosts, 1, 0, SH_BOX, false);
        if (sc == SC_AX_HEAD || sc == SC_XR_SKULL || sc == SC_SAG_HEAD || sc == SC_COR_HEAD)
            return host(p, bone_hosts, 1, 0, SH_ELLIPSE, false);
        return host(p, bone_hosts, 1, side, SH_CAPSULE, false);
    case P_NODULE: return host(p, nodule_hosts, 2, side, SH_ELLIPSE, true);
    case P_EFFUSION:
        return sc == SC_XR_ABDOMEN || sc == SC_XR_UROGRAPHY ? NULL
                                                            : host(p, effusion_hosts, 3, side, SH_ELLIPSE, true);
    case P_MASS:
        if (sc == SC_NM_BONE)
            return host(p, bone_hosts, 1, side, SH_CAPSULE, false);
        return host(p, mass_hosts, 4, side, SH_ELLIPSE, true);
    default: return NULL;
    }
}

static void add_fracture(Phantom *p, Scene sc, const Shape *h, Rng *lr)
{
    if (spine_scene(sc)) { /* compression: the vertebral body loses height */
        Shape *b = (Shape *)h;
        b->p[3] *= 0.6f;
        return;
    }
    if (h->kind == SH_CAPSULE) { /* a gap across the shaft */
        double t = rng_range(lr, 0.3, 0.7), x = h->p[0] + t * (h->p[2] - h->p[0]),
               y = h->p[1] + t * (h->p[3] - h->p[1]);
        double dx = h->p[2] - h->p[0], dy = h->p[3] - h->p[1], l = sqrt(dx * dx + dy * dy) + 1e-9;
        double nx = -dy / l, ny = dx / l, w = 1.3 * h->p[4], tilt = rng_range(lr, -0.4, 0.4);
        ph_capsule(p, T_GAP, x - w * (nx + tilt * dx / l), y - w * (ny + tilt * dy / l),
                   x + w * (nx + tilt * dx / l), y + w * (ny + tilt * dy / l), 0.006);
        return;
    }
    double a = rng_range(lr, -2.4, -0.7); /* through the skull vault */
    double x = h->p[0] + h->p[2] * cos(a), y = h->p[1] + h->p[3] * sin(a);
    ph_capsule(p, T_GAP, x * 0.9, y * 0.9, x * 1.06, y * 1.06, 0.007);
}

static void add_lesion(Phantom *p, Scene sc, const Lesion *les, double z)
{
    const Shape *h = lesion_host(p, sc, les->path, les->side);
    if (h == NULL)
        return;
    Rng lr;
    rng_seed(&lr, 0x1E5, (uint64_t)les->path, (uint64_t)(les->size * 1e6));
    double rx = h->kind == SH_CAPSULE ? h->p[4] : h->p[2], ry = h->kind == SH_CAPSULE ? h->p[4] : h->p[3];
    double cx = h->kind == SH_CAPSULE ? 0.5 * (h->p[0] + h->p[2]) : h->p[0];
    double cy = h->kind == SH_CAPSULE ? 0.5 * (h->p[1] + h->p[3]) : h->p[1];
    bool tomo = !scene_is_projection(sc);
    switch (les->path) {
    case P_FRACTURE:
        add_fracture(p, sc, h, &lr);
        break;
    case P_NODULE: case P_MASS:
        if (tomo && fabs(z) > 0.55)
            break;
        ph_circle(p, T_LESION, cx + rng_range(&lr, -0.4, 0.4) * rx,
                  cy + rng_range(&lr, -0.4, 0.4) * ry, fmin(les->size, 0.6 * fmin(rx, ry)));
        break;
    case P_EFFUSION: /* fluid gathers at the bottom of the space */
        if (h->tissue == T_CARTILAGE)
            ph_ellipse(p, T_FLUID, cx - 0.3, cy - 0.45, 0.08 + les->size * 0.3, 0.2, 0);
        else if (h->tissue == T_LIVER)
            ph_ellipse(p, T_FLUID, cx - 0.8 * rx, cy, les->size, 0.7 * ry, 0);
        else
            ph_ellipse(p, T_FLUID, cx, cy + 0.75 * ry, 0.85 * rx, les->size + 0.05, 0);
        break;
    default:
        break;
    }
}

/* A plate along a long bone with screws across it. */
static void add_implant(Phantom *p, Scene sc, const Lesion *les)
{
    const Shape *h = spine_scene(sc) ? NULL : host(p, bone_hosts, 1, les->side, SH_CAPSULE, false);
    if (h == NULL)
        return;
    Shape b = *h; /* the phantom may grow: keep a copy */
    double dx = b.p[2] - b.p[0], dy = b.p[3] - b.p[1], l = sqrt(dx * dx + dy * dy) + 1e-9;
    double nx = -dy / l, ny = dx / l, off = 1.1 * b.p[4];
    double x0 = b.p[0] + 0.25 * dx, y0 = b.p[1] + 0.25 * dy, x1 = b.p[0] + 0.65 * dx,
           y1 = b.p[1] + 0.65 * dy;
    ph_capsule(p, T_METAL, x0 + off * nx, y0 + off * ny, x1 + off * nx, y1 + off * ny, 0.012);
    for (int k = 0; k < 4; k++) {
        double t = (k + 0.5) / 4, sx = x0 + t * (x1 - x0), sy = y0 + t * (y1 - y0);
        ph_capsule(p, T_METAL, sx + off * nx, sy + off * ny, sx - off * nx, sy - off * ny, 0.006);
    }
}

static void build_view(Scene sc, ViewKind view, Phantom *p, Rng *r, double z);

void anatomy_build(Scene sc, ViewKind view, const Lesion *les, Phantom *p, Rng *r, double z)
{
    build_view(sc, view, p, r, z);
    if (les && les->path != P_NONE)
        add_lesion(p, sc, les, z);
    if (les && les->implant)
        add_implant(p, sc, les);
}

const char *const implant_names[IMP_COUNT] = {"",          "OSTEOSYNTHESIS",
                                              "PACEMAKER", "HIP_PROSTHESIS",
                                              "KNEE_PROSTHESIS", "SPINAL_FIXATION"};

bool anatomy_takes_implant(Scene sc, ViewKind view)
{
    if (body3_has(sc))
        return body3_implant(sc) != IMP_NONE;
    if (spine_scene(sc) || sc == SC_XR_SKULL || sc == SC_AX_HEAD)
        return false;
    Phantom p = {0};
    Rng r;
    rng_seed(&r, 1, 2, 3);
    build_view(sc, view, &p, &r, 0);
    bool ok = !p.failed && host(&p, bone_hosts, 1, 0, SH_CAPSULE, false) != NULL;
    ph_free(&p);
    return ok;
}

bool anatomy_shows(Scene sc, ViewKind view, Pathology path)
{
    if (path == P_NONE)
        return true;
    if (body3_has(sc))
        return body3_shows(sc, view, path);
    Phantom p = {0};
    Rng r;
    rng_seed(&r, 1, 2, 3);
    build_view(sc, view, &p, &r, 0);
    bool ok = !p.failed && lesion_host(&p, sc, path, 1) != NULL;
    ph_free(&p);
    return ok;
}

bool scene_is_projection(Scene sc)
{
    return sc >= SC_XR_CHEST && sc <= SC_XA_RENAL;
}

static void build_view(Scene sc, ViewKind view, Phantom *p, Rng *r, double z)
{
    if (view == VW_LAT) { /* lateral projections have their own anatomy */
        switch (sc) {
        case SC_XR_CHEST: xr_chest_lat(p, r); return;
        case SC_XR_CSPINE: sag_spine(p, r, 0); return;
        case SC_XR_TSPINE: sag_spine(p, r, 1); return;
        case SC_XR_LSPINE: sag_spine(p, r, 2); return;
        case SC_XR_KNEE: sag_knee(p, r, 0); return;
        default: break;
        }
    }
    switch (sc) {
    case SC_AX_HEAD: ax_head(p, r, z); break;
    case SC_AX_NECK: ax_neck(p, r, z); break;
    case SC_AX_CHEST: ax_chest(p, r, z); break;
    case SC_AX_ABDOMEN: ax_abdomen(p, r, z, false); break;
    case SC_AX_KIDNEYS: ax_abdomen(p, r, z, true); break;
    case SC_AX_PELVIS: ax_pelvis(p, r, z); break;
    case SC_AX_BREAST: ax_breast(p, r, z); break;
    case SC_SAG_CSPINE: sag_spine(p, r, 0); break;
    case SC_SAG_TSPINE: sag_spine(p, r, 1); break;
    case SC_SAG_LSPINE: sag_spine(p, r, 2); break;
    case SC_SAG_KNEE: sag_knee(p, r, z); break;
    case SC_COR_SHOULDER: cor_shoulder(p, r, z); break;
    case SC_SAG_ANKLE: sag_ankle(p, r, z); break;
    case SC_COR_BODY: cor_body(p, r); break;
    case SC_SAG_HEAD: sag_head(p, r, z); break;
    case SC_COR_HEAD: cor_head(p, r, z); break;
    case SC_XR_CHEST_LAT: xr_chest_lat(p, r); break;
    case SC_XR_CHEST: xr_chest(p, r); break;
    case SC_XR_SKULL: xr_skull(p, r); break;
    case SC_XR_CSPINE: xr_spine(p, r, 0); break;
    case SC_XR_TSPINE: xr_spine(p, r, 1); break;
    case SC_XR_LSPINE: xr_spine(p, r, 2); break;
    case SC_XR_PELVIS: xr_pelvis(p, r); break;
    case SC_XR_HIP: xr_pelvis(p, r); break;
    case SC_XR_ABDOMEN: xr_abdomen(p, r, T_SOFT, T_SOFT); break;
    case SC_XR_UROGRAPHY: xr_abdomen(p, r, T_CONTRAST, T_CONTRAST); break;
    case SC_XR_BARIUM: xr_barium(p, r); break;
    case SC_XR_KNEE: xr_joint(p, r, 0, 0.17, 0.15, true, true); break;
    case SC_XR_ELBOW: xr_joint(p, r, rng_range(r, 10, 60), 0.1, 0.06, true, false); break;
    case SC_XR_LEG: xr_long(p, r, true, 0.12); break;
    case SC_XR_ARM: xr_long(p, r, rng_chance(r, 0.6), 0.09); break;
    case SC_XR_SHOULDER: xr_shoulder(p, r, false); break;
    case SC_XR_CLAVICLE: xr_shoulder(p, r, true); break;
    case SC_XR_HAND: xr_hand(p, r); break;
    case SC_XR_WRIST: xr_hand(p, r); break;
    case SC_XR_FINGER: finger_rays(p, r, 8); break;
    case SC_XR_FOOT: xr_foot(p, r, false); break;
    case SC_XR_ANKLE: xr_foot(p, r, true); break;
    case SC_XR_HEEL: xr_foot(p, r, true); break;
    case SC_MG_BREAST:
        mg_breast(p, r);
        if (view == VW_MLO) /* pectoral muscle along the chest wall, upper corner */
            ph_box(p, T_SOFT, -1.0, -0.95, J(r, 0.32, 0.15), 0.75, 28);
        break;
    case SC_XA_CORONARY: xa(p, r, z, 0); break;
    case SC_XA_CEREBRAL: xa(p, r, z, 1); break;
    case SC_XA_LEG: xa(p, r, z, 2); break;
    case SC_XA_RENAL: xa(p, r, z, 3); break;
    case SC_US_ABDOMEN: us_scene(p, r, 0); break;
    case SC_US_KIDNEY: us_scene(p, r, 1); break;
    case SC_US_NECK: us_scene(p, r, 2); break;
    case SC_US_BREAST: us_scene(p, r, 3); break;
    case SC_US_VESSEL: us_scene(p, r, 4); break;
    case SC_US_PELVIS: us_scene(p, r, 5); break;
    case SC_NM_BONE: nm_scene(p, r, 0); break;
    case SC_NM_HEART: nm_scene(p, r, 1); break;
    case SC_NM_THYROID: nm_scene(p, r, 2); break;
    case SC_NM_RENAL: nm_scene(p, r, 3); break;
    case SC_COUNT: break;
    }
    if (is_limb(sc) && (view == VW_LAT || view == VW_OBL))
        ph_squash(p, view == VW_LAT ? 0.4 : 0.7);
}

void ph_mirror(Phantom *p)
{
    for (size_t i = 0; i < p->n; i++) {
        Shape *s = &p->s[i];
        s->p[0] = -s->p[0];
        if (s->kind == SH_CAPSULE)
            s->p[2] = -s->p[2];
        else
            s->p[4] = -s->p[4];
    }
}
