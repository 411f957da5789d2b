/* Each modality maps tissue to its own physical quantity: CT Hounsfield
 * units, MR signal for a weighting, ultrasound echogenicity with speckle,
 * radionuclide uptake blurred by the collimator, and X-ray attenuation
 * summed along the ray for the projection modalities. */
#include "synth/render.h"

#include "synth/glyphs.h"
#include "synth/naming.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

const char *photometric_term(Photometric p)
{
    static const char *const t[] = {"MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL"};
    return t[p];
}

/*                                   AIR    FAT   SOFT  LIVER ORGAN KIDNEY FLUID BLOOD  LUNG  BONE MARROW GREY WHITE CONTR DISC  CART GLAND LESION GAP METAL */
static const float ct_hu[T_COUNT] = {-1000, -100, 45, 60, 40, 30, 8, 42, -860, 1100, 280, 40, 28, 260, 90, 110, 35, 70, 50, 3000};
static const float ct_hu_enh[T_COUNT] = {-1000, -100, 55, 110, 90, 160, 10, 190, -860, 1100, 280, 45, 30, 300, 90, 110, 60, 120, 55, 3000};
/* Rows: MrSequence (T1, T2, FLAIR, PD, STIR, DWI, CINE: bright blood and fat). */
static const float mr_sig[MR_SEQ_COUNT][T_COUNT] = {
    {0, 900, 300, 420, 380, 330, 110, 60, 15, 20, 650, 380, 520, 800, 280, 360, 300, 240, 300, 0},
    {0, 600, 180, 120, 260, 480, 1400, 50, 15, 20, 420, 700, 430, 300, 900, 420, 350, 1000, 900, 0},
    {0, 550, 200, 150, 260, 400, 90, 50, 15, 20, 400, 720, 450, 300, 600, 400, 330, 1100, 700, 0},
    {0, 800, 450, 500, 520, 560, 900, 80, 20, 30, 700, 750, 600, 500, 700, 650, 500, 800, 800, 0},
    {0, 60, 200, 150, 300, 500, 1500, 50, 15, 20, 90, 650, 420, 300, 950, 450, 380, 1200, 1100, 0},
    {0, 40, 120, 160, 200, 260, 90, 30, 10, 10, 60, 420, 360, 100, 150, 120, 200, 1100, 200, 0},
    {0, 700, 220, 200, 200, 300, 800, 900, 15, 20, 400, 380, 340, 900, 500, 300, 300, 600, 500, 0},
};
/* Backscatter per tissue (log-compressed for display, so ratios are
 * contrasts): muscle, renal cortex and cartilage darker than liver,
 * spleen and fat, glands brighter, fluid and blood black, bone, gas and
 * metal bright at their surface. */
static const float us_echo[T_COUNT] = {5, 110, 60, 120, 110, 55, 2, 3, 200, 400, 150, 100, 110, 120, 130, 40, 220, 35, 60, 500};
static const float uptake[T_COUNT] = {0, 0.3, 1, 2.2, 2.5, 5, 9, 1.5, 0.3, 2, 2, 9, 5, 1, 1, 1, 7, 14, 0.5, 0};
/* X-ray attenuation per millimetre for the 3-D bodies (relative to soft
 * tissue's 0.01/mm, about water at 70 keV divided by 20, so that a
 * 250 mm abdomen has the same log-exposure as the 2-D scenes' thickest
 * parts). */
static const float xr3_mu[T_COUNT] = {0, 0.0085f, 0.01f, 0.0105f, 0.0102f, 0.0102f, 0.0099f,
                                      0.0104f, 0.0022f, 0.042f, 0.0135f, 0.0102f, 0.0101f, 0.06f,
                                      0.0108f, 0.0108f, 0.011f, 0.0112f, 0.01f, 0.35f};
/* Angiography: as radiography, with iodine at the concentration of a
 * selective injection (a 3 mm artery darkens the image by about a third). */
static const float xa3_mu[T_COUNT] = {0, 0.0085f, 0.01f, 0.0105f, 0.0102f, 0.0102f, 0.0099f,
                                      0.0104f, 0.0022f, 0.042f, 0.0135f, 0.0102f, 0.0101f, 0.22f,
                                      0.0108f, 0.0108f, 0.011f, 0.0112f, 0.01f, 0.35f};
/* Mammography (about 20 keV) per mm: glandular tissue and skin stand out
 * from fat far more than at general radiography energies. */
static const float mg3_mu[T_COUNT] = {[T_FAT] = 0.012f, [T_SOFT] = 0.032f, [T_BLOOD] = 0.034f,
                                      [T_GLAND] = 0.032f, [T_LESION] = 0.038f, [T_BONE] = 0.5f,
                                      [T_MARROW] = 0.2f, [T_METAL] = 1.5f};
/* Bone-scan (Tc-99m MDP) activity per mm: bone and lesions hot, kidneys
 * and urine in the bladder warm, soft tissue faint, metal cold. */
static const float nm3_uptake[T_COUNT] = {
    [T_FAT] = 0.0004f, [T_SOFT] = 0.001f, [T_LIVER] = 0.0012f, [T_ORGAN] = 0.0012f,
    [T_KIDNEY] = 0.008f, [T_FLUID] = 0.01f, [T_BLOOD] = 0.002f, [T_LUNG] = 0.0003f,
    [T_BONE] = 0.04f, [T_MARROW] = 0.012f, [T_GREY] = 0.001f, [T_WHITE] = 0.001f,
    [T_DISC] = 0.002f, [T_CARTILAGE] = 0.002f, [T_GLAND] = 0.002f, [T_LESION] = 0.12f,
    [T_GAP] = 0.01f};

/* Planar scintigraphy other than bone, activity per mm: pertechnetate in
 * the thyroid (a nodule cold), macroaggregates lodged in the lungs,
 * sestamibi in the myocardium and liver. The renal tracer moves with
 * time (renal_uptake). */
static const float nm_thyroid[T_COUNT] = {
    [T_FAT] = 0.0003f, [T_SOFT] = 0.0008f, [T_BLOOD] = 0.004f, [T_GLAND] = 0.06f,
    [T_LESION] = 0.004f, [T_LIVER] = 0.001f, [T_GREY] = 0.0008f, [T_WHITE] = 0.0008f};
static const float nm_lung[T_COUNT] = {[T_LUNG] = 0.01f, [T_BLOOD] = 0.002f, [T_SOFT] = 0.0003f,
                                       [T_LIVER] = 0.0006f, [T_ORGAN] = 0.0004f};
static const float nm_heart[T_COUNT] = {
    [T_FAT] = 0.0003f, [T_SOFT] = 0.0008f, [T_ORGAN] = 0.03f, [T_LIVER] = 0.012f,
    [T_BLOOD] = 0.002f, [T_KIDNEY] = 0.01f, [T_LUNG] = 0.0006f};

/* A renal (MAG3-like) study at time t in [0, 1]: the kidneys take the
 * tracer up and hand it on to the collecting systems and the bladder. */
static void renal_uptake(double t, float mu[T_COUNT])
{
    memset(mu, 0, sizeof *mu * T_COUNT);
    mu[T_SOFT] = 0.0008f;
    mu[T_KIDNEY] = (float)(0.03 * (0.3 + 0.7 * fmin(1, 3 * t)) * (1 - 0.5 * t));
    mu[T_FLUID] = (float)(0.08 * t);
    mu[T_BLOOD] = (float)(0.006 * (1 - t));
    mu[T_LIVER] = (float)(0.002 * (1 - t));
}

/* The activity a planar scan of the scene sees at time t. */
static void nm_activity(Scene sc, double t, float mu[T_COUNT])
{
    const float *table = sc == SC_NM_THYROID ? nm_thyroid : sc == SC_NM_LUNG ? nm_lung
                         : sc == SC_NM_HEART ? nm_heart
                                             : nm3_uptake;
    if (sc == SC_NM_RENAL)
        renal_uptake(t, mu);
    else
        memcpy(mu, table, sizeof *mu * T_COUNT);
}

/* The view of frame f of a planar scan: a bone scan anterior then
 * posterior, a renal study from behind, a lung scan round the chest. */
static ViewKind nm_view(Scene sc, uint32_t f)
{
    static const ViewKind lung[3] = {VW_ANT, VW_POST, VW_LAT};
    switch (sc) {
    case SC_NM_BONE: return f % 2 ? VW_POST : VW_ANT;
    case SC_NM_RENAL: return VW_POST;
    case SC_NM_LUNG: return lung[f % 3];
    default: return VW_ANT;
    }
}

/* SPECT (sestamibi-like) uptake per tissue: myocardium, liver, kidneys. */
static const float spect_uptake[T_COUNT] = {0, 0.1f, 0.5f, 4, 10, 3, 0.2f, 1, 0.2f, 0.3f, 0.3f,
                                            0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 1, 2, 0.5f, 0};

/* ---- small image helpers --------------------------------------------- */

/* Separable box blur of radius rad, repeated (≈ Gaussian): running sums,
 * O(1) per pixel. The vertical pass walks the image row by row with one
 * running sum per column (colsum, w doubles), so it reads memory in order;
 * each column's sum sees the same additions in the same order as a walk
 * down the column would. */
static void box_blur(float *img, float *tmp, double *colsum, int w, int h, int rad, int passes)
{
    if (rad < 1)
        return;
    for (int p = 0; p < passes; p++) {
        for (int y = 0; y < h; y++) {
            const float *row = img + (size_t)y * w;
            double s = 0;
            int n = 0;
            for (int x = -rad; x < w + rad; x++) {
                if (x + rad < w) { s += row[x + rad]; n++; }
                if (x - rad - 1 >= 0) { s -= row[x - rad - 1]; n--; }
                if (x >= 0 && x < w)
                    tmp[(size_t)y * w + x] = (float)(s / n);
            }
        }
        for (int x = 0; x < w; x++)
            colsum[x] = 0;
        int n = 0;
        for (int y = -rad; y < h + rad; y++) {
            if (y + rad < h) {
                const float *in = tmp + (size_t)(y + rad) * w;
                for (int x = 0; x < w; x++)
                    colsum[x] += in[x];
                n++;
            }
            if (y - rad - 1 >= 0) {
                const float *out = tmp + (size_t)(y - rad - 1) * w;
                for (int x = 0; x < w; x++)
                    colsum[x] -= out[x];
                n--;
            }
            if (y >= 0 && y < h) {
                float *dst = img + (size_t)y * w;
                for (int x = 0; x < w; x++)
                    dst[x] = (float)(colsum[x] / n);
            }
        }
    }
}

static float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

typedef struct Canvas {
    int w, h;
    float *v;    /* modality units */
    float *tmp;
    double *colsum; /* w: box_blur's column sums */
    float *tex;   /* smooth random field: tissue texture */
    uint8_t *lab;
    uint8_t *rgb; /* colour frames only */
    float *aux;   /* colour frames only: 2 floats per pixel (flow geometry) */
    float *still; /* XA/RF runs: line integrals of what every frame shares */
    Body3 common; /* ... and those primitives */
} Canvas;

static void canvas_free(Canvas *c)
{
    free(c->v);
    free(c->tmp);
    free(c->colsum);
    free(c->tex);
    free(c->lab);
    free(c->rgb);
    free(c->aux);
    free(c->still);
    body3_free(&c->common);
}

static bool canvas_init(Canvas *c, int w, int h, bool colour, RnError **err)
{
    size_t n = (size_t)w * h;
    memset(c, 0, sizeof *c);
    c->w = w;
    c->h = h;
    c->v = rn_calloc(n, sizeof *c->v, err);
    c->tmp = rn_calloc(n, sizeof *c->tmp, err);
    c->colsum = rn_calloc((size_t)w, sizeof *c->colsum, err);
    c->tex = rn_calloc(n, sizeof *c->tex, err);
    c->lab = rn_calloc(n, 1, err);
    if (colour) {
        c->rgb = rn_calloc(n, 3, err);
        c->aux = rn_calloc(n, 2 * sizeof *c->aux, err);
    }
    if (!c->v || !c->tmp || !c->colsum || !c->tex || !c->lab || (colour && (!c->rgb || !c->aux))) {
        canvas_free(c);
        return false;
    }
    return true;
}

/* White noise smoothed to correlation length ~rad pixels, scaled to unit
 * standard deviation: parenchyma, trabeculae, overlapping anatomy. */
static void smooth_field(Canvas *c, Rng *nr, int rad)
{
    size_t n = (size_t)c->w * c->h;
    for (size_t i = 0; i < n; i++)
        c->tex[i] = (float)rng_noise(nr);
    box_blur(c->tex, c->tmp, c->colsum, c->w, c->h, rad, 2);
    double s2 = 0;
    for (size_t i = 0; i < n; i += 13)
        s2 += (double)c->tex[i] * c->tex[i];
    float k = (float)(1 / sqrt(s2 / ((n + 12) / 13) + 1e-12));
    for (size_t i = 0; i < n; i++)
        c->tex[i] *= k;
}

/* Texture amplitude per tissue in CT (HU): liver and spleen mottle, lung
 * vessels and septa, trabecular marrow, grey/white matter variation. */
static const float ct_texture[T_COUNT] = {0, 8, 6, 7, 8, 8, 2, 4, 60, 40, 90, 3, 3, 10, 6, 6, 10, 12, 5, 0};

/* ---- modality models ----------------------------------------------------- */

/* CT: Hounsfield units of the labels with tissue texture, then the
 * reconstruction kernel: a soft kernel smooths edges and leaves blotchy,
 * correlated noise of lower SD; a sharp (bone, lung) kernel overshoots at
 * edges and leaves fine-grained noise of about twice the SD. */
static void model_ct(Canvas *c, const RenderJob *j, Rng *nr, bool signed_pad)
{
    const float *hu = j->contrast ? ct_hu_enh : ct_hu;
    size_t n = (size_t)c->w * c->h;
    for (size_t i = 0; i < n; i++) {
        uint8_t t = c->lab[i];
        double vessel = t == T_LUNG && c->tex[i] > 1.6f ? 700 : 0; /* lung vessels */
        c->v[i] = (float)(hu[t] + ct_texture[t] * c->tex[i] + vessel);
    }
    if (j->kernel == CT_KERNEL_SOFT) {
        box_blur(c->v, c->tmp, c->colsum, c->w, c->h, 1, 1);
    } else if (j->kernel == CT_KERNEL_SHARP) {
        memcpy(c->tex, c->v, sizeof *c->v * n);
        box_blur(c->tex, c->tmp, c->colsum, c->w, c->h, 1, 1);
        for (size_t i = 0; i < n; i++)
            c->v[i] += 0.9f * (c->v[i] - c->tex[i]);
    }
    double gain = 1;
    if (j->kernel == CT_KERNEL_SOFT) { /* correlated noise */
        smooth_field(c, nr, 1);
        gain = 0.6;
    } else {
        for (size_t i = 0; i < n; i++)
            c->tex[i] = (float)rng_noise(nr);
        gain = j->kernel == CT_KERNEL_SHARP ? 2.2 : 1;
    }
    double r2 = 0.25 * c->w * c->w * 0.98;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            size_t i = (size_t)y * c->w + x;
            double dx = x + 0.5 - 0.5 * c->w, dy = y + 0.5 - 0.5 * c->h;
            if (dx * dx + dy * dy > r2) { /* outside the reconstruction circle */
                c->v[i] = signed_pad ? -2000.0f : -1024.0f;
                continue;
            }
            uint8_t t = c->lab[i];
            double sigma = t == T_AIR ? 6 : t == T_BONE ? 60 : 12;
            c->v[i] += (float)(gain * sigma * c->tex[i]);
        }
}

static void model_mr(Canvas *c, const RenderJob *j, Rng *nr)
{
    const float *sig = mr_sig[j->contrast % MR_SEQ_COUNT];
    double gx = rng_range(nr, -0.3, 0.3), gy = rng_range(nr, -0.3, 0.3);
    double gain = rng_range(nr, 0.8, 2.5), noise = rng_range(nr, 6, 18);
    for (size_t i = 0; i < (size_t)c->w * c->h; i++)
        c->v[i] = sig[c->lab[i]] * (1 + 0.1f * c->tex[i]);
    box_blur(c->v, c->tmp, c->colsum, c->w, c->h, c->w / 256 + 1, 1); /* partial volume */
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            size_t i = (size_t)y * c->w + x;
            double bias = 1 + gx * (x / (double)c->w - 0.5) + gy * (y / (double)c->h - 0.5);
            double s = c->v[i] * bias * gain, a = s + noise * rng_noise(nr),
                   b = noise * rng_noise(nr);
            c->v[i] = (float)sqrt(a * a + b * b); /* Rician magnitude */
        }
}

static void model_pt(Canvas *c, Rng *nr)
{
    for (size_t i = 0; i < (size_t)c->w * c->h; i++)
        c->v[i] = uptake[c->lab[i]] * 5000.0f;
    box_blur(c->v, c->tmp, c->colsum, c->w, c->h, c->w / 48 + 1, 3);
    for (size_t i = 0; i < (size_t)c->w * c->h; i++) {
        double v = c->v[i];
        c->v[i] = (float)fmax(0, v + sqrt(v * 40 + 1) * rng_noise(nr));
    }
}

/* SPECT slice: uptake blurred to the collimator's resolution (about two
 * 6 mm pixels), then Poisson-like noise at a few counts per pixel. */
static void model_spect(Canvas *c, Rng *nr, double counts)
{
    size_t n = (size_t)c->w * c->h;
    for (size_t i = 0; i < n; i++)
        c->v[i] = spect_uptake[c->lab[i]];
    box_blur(c->v, c->tmp, c->colsum, c->w, c->h, c->w / 48 + 1, 3);
    for (size_t i = 0; i < n; i++) {
        double lam = fmax(0, c->v[i]) * counts;
        c->v[i] = (float)fmax(0, round(lam + sqrt(lam + 0.5) * rng_noise(nr)));
    }
}

/* A gamma camera: collimator blur of the projected activity, then
 * Poisson counts. */
static void nm_counts(Canvas *c, Rng *nr, double counts)
{
    box_blur(c->v, c->tmp, c->colsum, c->w, c->h, c->w / 64 + 1, 3);
    for (size_t i = 0; i < (size_t)c->w * c->h; i++) {
        double lam = fmax(0, c->v[i]) * counts;
        c->v[i] = (float)fmax(0, round(lam + sqrt(lam + 0.5) * rng_noise(nr)));
    }
}


/* Radiograph: log-exposure response, bright where attenuation is high. */
/* The detector: c->v holds the attenuation line integral per pixel. */
static void xray_detector(Canvas *c, Rng *nr, double maxval, bool collimate)
{
    size_t n = (size_t)c->w * c->h;
    /* Overlapping anatomy (soft-tissue folds, bowel gas, trabeculae) as a
     * smooth field inside the body, stronger through bone. */
    for (size_t i = 0; i < n; i++)
        if (c->v[i] > 0.05f)
            c->v[i] += c->tex[i] * (c->v[i] > 1.0f ? 0.12f : 0.06f);
    /* Scatter: a broad blur of the primary adds to it and lowers contrast
     * (the texture buffer is free again). */
    double scatter = rng_range(nr, 0.1, 0.3);
    memcpy(c->tex, c->v, sizeof *c->v * n);
    box_blur(c->tex, c->tmp, c->colsum, c->w, c->h, c->w / 12 + 1, 1);
    for (size_t i = 0; i < n; i++)
        c->v[i] = (float)((1 - scatter) * c->v[i] + scatter * c->tex[i]);
    double k = rng_range(nr, 0.45, 0.75), noise = maxval * 0.008;
    int cx0 = 0, cy0 = 0, cx1 = c->w, cy1 = c->h;
    if (collimate) {
        cx0 = (int)(c->w * rng_range(nr, 0.02, 0.12));
        cx1 = c->w - (int)(c->w * rng_range(nr, 0.02, 0.12));
        cy0 = (int)(c->h * rng_range(nr, 0.02, 0.1));
        cy1 = c->h - (int)(c->h * rng_range(nr, 0.02, 0.1));
    }
    /* The detector response, tabulated: attenuation in steps of 1/256. */
    enum { LUT_STEPS = 256, LUT_N = 16 * LUT_STEPS };
    float lut[LUT_N];
    for (int i = 0; i < LUT_N; i++)
        lut[i] = (float)(maxval * (0.06 + 0.86 * (1 - exp(-k * i / (double)LUT_STEPS))));
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            size_t i = (size_t)y * c->w + x;
            int a = (int)(fmax(0, c->v[i]) * LUT_STEPS);
            double v = lut[a < LUT_N ? a : LUT_N - 1];
            if (x < cx0 || x >= cx1 || y < cy0 || y >= cy1)
                v = maxval * 0.93; /* unexposed: collimator shadow */
            c->v[i] = (float)(v + noise * rng_noise(nr));
        }
}

/* Circular image intensifier field: black outside. */
static void xa_field(Canvas *c)
{
    double r2 = 0.25 * fmin(c->w, c->h) * fmin(c->w, c->h);
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            double dx = x + 0.5 - 0.5 * c->w, dy = y + 0.5 - 0.5 * c->h;
            if (dx * dx + dy * dy > r2)
                c->v[(size_t)y * c->w + x] = 0;
        }
}

/* Angiography of a 3-D body: the line integral displayed logarithmically
 * (dense is dark), overlapping anatomy and quantum noise. */
static void model_xa3(Canvas *c, Rng *nr)
{
    for (size_t i = 0; i < (size_t)c->w * c->h; i++) {
        double a = fmax(0, c->v[i]) + 0.05 * c->tex[i];
        c->v[i] = clampf((float)(250 * exp(-0.55 * a) + 3 * rng_noise(nr)), 0, 255);
    }
    xa_field(c);
}

/* The field the probe insonates. */
typedef struct UsField {
    UsProbe probe;
    double ax, ay, rmin, rmax, half; /* apex, radii and half-angle of a fan */
    double cos_half, sin_half;
    double x0, x1, y0, y1;           /* a linear array's rectangle */
} UsField;

static void us_field(UsProbe probe, int w, int h, Rng *nr, UsField *f)
{
    *f = (UsField){0};
    f->probe = probe;
    f->half = rng_range(nr, 0.55, 0.75);
    f->ax = 0.5 * w;
    if (f->probe == PROBE_PHASED) {
        f->ay = -0.02 * h, f->rmin = 0.04 * h, f->rmax = 0.95 * h;
    } else if (f->probe == PROBE_CONVEX) {
        f->half *= 0.75;
        f->ay = -0.45 * h, f->rmin = 0.5 * h, f->rmax = 1.4 * h;
    }
    f->cos_half = cos(f->half), f->sin_half = sin(f->half);
    double margin = rng_range(nr, 0.08, 0.16);
    f->x0 = margin * w, f->x1 = (1 - margin) * w, f->y0 = 0.04 * h, f->y1 = 0.96 * h;
}

/* Depth below the probe as a fraction of the field, or -1 outside it. */
static double us_depth(const UsField *f, double x, double y)
{
    if (f->probe == PROBE_LINEAR)
        return x >= f->x0 && x < f->x1 && y >= f->y0 && y < f->y1
                   ? (y - f->y0) / (f->y1 - f->y0)
                   : -1;
    /* Inside the fan: |atan2(dx, dy)| < half (below 90 degrees) without
     * the arctangent. */
    double dx = x - f->ax, dy = y - f->ay, r2 = dx * dx + dy * dy;
    if (r2 <= f->rmin * f->rmin || r2 >= f->rmax * f->rmax || dy <= 0 ||
        fabs(dx) * f->cos_half >= dy * f->sin_half)
        return -1;
    return (sqrt(r2) - f->rmin) / (f->rmax - f->rmin);
}

/* ---- colour Doppler ------------------------------------------------------- */

/* The colour box: a parallelogram steered by `steer` radians for a linear
 * array (its beams are parallel), an annular sector of the fan for the
 * others (beams from the apex). */
typedef struct FlowBox {
    double x0, x1, y0, y1, steer;   /* linear */
    double th0, th1, r0, r1;        /* fan */
    double c0, s0, c1, s1;          /* cosines and sines of th0, th1 */
    double nyquist, peak;           /* cm/s: the scale, the peak flow speed */
    double pulse;                   /* 0..1: where in the cardiac cycle */
    int sense;                      /* +1 / -1: which way the vessel flows */
    bool heart;
} FlowBox;

static bool in_box(const UsField *f, const FlowBox *b, double x, double y)
{
    if (f->probe == PROBE_LINEAR) {
        double xs = x - (y - b->y0) * tan(b->steer);
        return y >= b->y0 && y < b->y1 && xs >= b->x0 && xs < b->x1;
    }
    /* th0 <= atan2(dx, dy) < th1, by the signs of the sines of the
     * differences (the box spans less than 180 degrees). */
    double dx = x - f->ax, dy = y - f->ay, r2 = dx * dx + dy * dy;
    return r2 >= b->r0 * b->r0 && r2 < b->r1 * b->r1 && dx * b->c0 - dy * b->s0 >= 0 &&
           dy * b->s1 - dx * b->c1 > 0;
}

/* Unit vector along the beam through (x, y), pointing away from the probe. */
static void beam_dir(const UsField *f, const FlowBox *b, double x, double y, double d[2])
{
    if (f->probe == PROBE_LINEAR) {
        d[0] = sin(b->steer), d[1] = cos(b->steer);
        return;
    }
    double dx = x - f->ax, dy = y - f->ay, r = fmax(hypot(dx, dy), 1e-9);
    d[0] = dx / r, d[1] = dy / r;
}

/* The scanner's velocity map: red towards the probe, blue away, brighter
 * (to yellow, to cyan) the faster; black below the wall filter. */
static void velocity_colour(double v, double nyquist, uint8_t *p)
{
    double a = sqrt(fmin(fabs(v) / nyquist, 1)); /* slow flow stays visible */
    uint8_t hi = (uint8_t)(70 + 185 * a), mid = (uint8_t)(230 * pow(a, 4));
    if (v > 0)
        p[0] = hi, p[1] = mid, p[2] = 0;
    else
        p[0] = 0, p[1] = mid, p[2] = hi;
}

/* Vertical runs of blood: per pixel the run's length and the pixel's place
 * in it (-1 at the top wall .. 1 at the bottom wall), into aux. */
static void blood_columns(Canvas *c)
{
    size_t n = (size_t)c->w * c->h;
    for (int x = 0; x < c->w; x++)
        for (int y = 0; y < c->h;) {
            if (c->lab[(size_t)y * c->w + x] != T_BLOOD) {
                y++;
                continue;
            }
            int y1 = y;
            while (y1 < c->h && c->lab[(size_t)y1 * c->w + x] == T_BLOOD)
                y1++;
            double mid = 0.5 * (y + y1), half = 0.5 * (y1 - y);
            for (int k = y; k < y1; k++) {
                c->aux[(size_t)k * c->w + x] = (float)(y1 - y);
                c->aux[n + (size_t)k * c->w + x] = (float)((k + 0.5 - mid) / half);
            }
            y = y1;
        }
}

/* The Doppler shift of blood at pixel (x, y) in a horizontal run of hlen
 * pixels at place hrel: laminar (parabolic) flow along the vessel's long
 * axis, or, in a vessel cut across, through the plane seen at the probe's
 * tilt; in the heart, inflow towards the apex (the probe) in diastole and
 * outflow in systole. Positive: towards the probe, cm/s. */
static double doppler_shift(const Canvas *c, const UsField *f, const FlowBox *b, int x, int y,
                            double hlen, double hrel)
{
    size_t n = (size_t)c->w * c->h, i = (size_t)y * c->w + x;
    double vlen = c->aux[i], vrel = c->aux[n + i], beam[2], flow[2] = {0, 0};
    beam_dir(f, b, x + 0.5, y + 0.5, beam);
    double speed = b->peak, profile;
    if (b->heart) {
        profile = 1 - hrel * hrel;
        bool ejection = b->pulse < 0.5; /* the phase the B-mode's walls contract in */
        flow[1] = ejection ? 1 : -1;       /* out of the ventricle (away) or into it */
        speed *= ejection ? 0.6 : 1;
    } else if (hlen > 1.5 * vlen || vlen > 1.5 * hlen) {
        bool along_x = hlen > vlen;
        profile = 1 - (along_x ? vrel * vrel : hrel * hrel);
        flow[along_x ? 0 : 1] = b->sense;
        speed *= 0.4 + 0.6 * exp(-(b->pulse - 0.25) * (b->pulse - 0.25) / 0.01); /* systole */
    } else { /* cut across: the through-plane flow's component along a 20-degree tilt */
        profile = (1 - hrel * hrel) * (1 - vrel * vrel);
        return b->sense * speed * 0.34 * profile;
    }
    return -(flow[0] * beam[0] + flow[1] * beam[1]) * speed * fmax(profile, 0);
}

/* The colour bar with its scale in cm/s at the right edge. */
static void colour_bar(Canvas *c, const FlowBox *b)
{
    int x0 = c->w - 18, y0 = c->h * 15 / 100, y1 = c->h * 55 / 100, mid = (y0 + y1) / 2;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x0 + 5 && x >= 0; x++) {
            double v = (double)(mid - y) / (mid - y0) * b->nyquist;
            velocity_colour(y == mid ? 0 : v, b->nyquist, c->rgb + 3 * ((size_t)y * c->w + x));
        }
    char label[16];
    memset(c->tmp, 0, sizeof *c->tmp * (size_t)c->w * c->h);
    snprintf(label, sizeof label, "%.0f", b->nyquist);
    glyph_text(c->tmp, c->w, c->h, x0 - 14, y0 - 9, 1, label, 220);
    snprintf(label, sizeof label, "-%.0f", b->nyquist);
    glyph_text(c->tmp, c->w, c->h, x0 - 20, y1 + 2, 1, label, 220);
    for (size_t i = 0; i < (size_t)c->w * c->h; i++)
        if (c->tmp[i] > 0)
            c->rgb[3 * i] = c->rgb[3 * i + 1] = c->rgb[3 * i + 2] = 220;
}

/* Colour flow over the B-mode image: inside the box, every blood pixel
 * gets its Doppler velocity, aliased beyond the scale (the Nyquist
 * limit wraps to the other colour), with some velocity noise; the box
 * outline and the colour bar are drawn as scanners do. */
static void colour_flow(Canvas *c, const UsField *f, const FlowBox *b, Rng *nr)
{
    blood_columns(c);
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w;) {
            if (c->lab[(size_t)y * c->w + x] != T_BLOOD) {
                x++;
                continue;
            }
            int x1 = x;
            while (x1 < c->w && c->lab[(size_t)y * c->w + x1] == T_BLOOD)
                x1++;
            double mid = 0.5 * (x + x1), half = 0.5 * (x1 - x);
            for (int k = x; k < x1; k++) {
                if (!in_box(f, b, k + 0.5, y + 0.5) || us_depth(f, k + 0.5, y + 0.5) < 0)
                    continue;
                double v = doppler_shift(c, f, b, k, y, x1 - x, (k + 0.5 - mid) / half);
                v *= 1 + 0.08 * rng_noise(nr);
                v -= 2 * b->nyquist * floor((v + b->nyquist) / (2 * b->nyquist)); /* aliasing */
                if (fabs(v) > 0.08 * b->nyquist) /* the wall filter */
                    velocity_colour(v, b->nyquist, c->rgb + 3 * ((size_t)y * c->w + k));
            }
            x = x1;
        }
    for (int y = 0; y < c->h; y++) /* the box outline */
        for (int x = 0; x < c->w; x++) {
            bool here = in_box(f, b, x + 0.5, y + 0.5);
            bool edge = here && (!in_box(f, b, x - 0.5, y + 0.5) || !in_box(f, b, x + 1.5, y + 0.5) ||
                                 !in_box(f, b, x + 0.5, y - 0.5) || !in_box(f, b, x + 0.5, y + 1.5));
            if (edge && us_depth(f, x + 0.5, y + 0.5) >= 0) {
                uint8_t *p = c->rgb + 3 * ((size_t)y * c->w + x);
                p[0] = p[1] = p[2] = 190;
            }
        }
    colour_bar(c, b);
}

/* The sonographer puts the colour box over the vessels in the field:
 * centred on their blood, its size kept. */
static void box_on_vessels(const Canvas *c, const UsField *f, FlowBox *b)
{
    double sx = 0, sy = 0, n = 0;
    for (int y = 0; y < c->h; y += 2)
        for (int x = 0; x < c->w; x += 2)
            if (c->lab[(size_t)y * c->w + x] == T_BLOOD && us_depth(f, x + 0.5, y + 0.5) >= 0)
                sx += x + 0.5, sy += y + 0.5, n++;
    if (n == 0)
        return;
    sx /= n, sy /= n;
    if (f->probe == PROBE_LINEAR) {
        double dx = sx - 0.5 * (b->x0 + b->x1), dy = sy - 0.5 * (b->y0 + b->y1);
        dy = fmax(dy, f->y0 - b->y0); /* not above the probe */
        b->x0 += dx, b->x1 += dx, b->y0 += dy, b->y1 += dy;
        return;
    }
    double th = atan2(sx - f->ax, sy - f->ay) - 0.5 * (b->th0 + b->th1);
    double r = hypot(sx - f->ax, sy - f->ay) - 0.5 * (b->r0 + b->r1);
    r = fmax(r, f->rmin - b->r0);
    b->th0 += th, b->th1 += th, b->r0 += r, b->r1 += r;
}

/* Where the colour box goes and how fast the blood in it runs. */
static void flow_box(const Canvas *c, const UsField *f, const RenderJob *j, double t, Rng *nr,
                     FlowBox *b)
{
    int w = c->w, h = c->h;
    *b = (FlowBox){0};
    b->heart = j->scene == SC_US_HEART;
    bool artery = j->scene == SC_US_VESSEL || j->scene == SC_US_NECK;
    b->nyquist = b->heart ? rng_range(nr, 45, 75) : artery ? rng_range(nr, 12, 35)
                                                           : rng_range(nr, 8, 20);
    b->peak = b->heart ? rng_range(nr, 50, 90) : artery ? rng_range(nr, 60, 120)
                                                        : rng_range(nr, 12, 35);
    b->pulse = t;
    b->sense = (j->noise_seed >> 7) & 1 ? 1 : -1;
    b->steer = (rng_chance(nr, 0.5) ? 1 : -1) * 20 * PI / 180;
    b->x0 = w * rng_range(nr, 0.22, 0.35), b->x1 = w * rng_range(nr, 0.62, 0.75);
    b->y0 = f->y0 + h * rng_range(nr, 0.05, 0.15), b->y1 = h * rng_range(nr, 0.6, 0.8);
    double span = f->rmax - f->rmin, th = rng_range(nr, -0.2, 0.2) * f->half;
    b->th0 = th - 0.45 * f->half, b->th1 = th + 0.45 * f->half;
    b->r0 = f->rmin + span * rng_range(nr, 0.05, 0.2), b->r1 = f->rmin + span * rng_range(nr, 0.6, 0.8);
    if (!b->heart)
        box_on_vessels(c, f, b);
    b->c0 = cos(b->th0), b->s0 = sin(b->th0), b->c1 = cos(b->th1), b->s1 = sin(b->th1);
}

/* Per tissue: two-way attenuation of the pulse (nepers per mm: soft
 * tissue's 0.5 dB/cm/MHz at 3.5 MHz, there and back) and the fraction an interface into the tissue lets through
 * (bone, gas and metal reflect nearly all of it: the acoustic shadow). */
/*                                      AIR    FAT     SOFT    LIVER   ORGAN   KIDNEY  FLUID    BLOOD   LUNG   BONE  MARROW GREY   WHITE  CONTR   DISC    CART    GLAND   LESION GAP    METAL */
static const float us_atten[T_COUNT] = {0.08f, 0.035f, 0.03f, 0.028f, 0.028f, 0.028f, 0.001f, 0.005f, 0.06f, 0.4f, 0.3f, 0.025f, 0.025f, 0.03f, 0.03f, 0.03f, 0.03f, 0.025f, 0.025f, 0.5f};
static const float us_pass[T_COUNT] = {0.08f, 1, 1, 1, 1, 1, 1, 1, 0.15f, 0.1f, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.05f};

/* The pixel row of the probe's face at the field's centre line: the
 * skin is put there (body3_us_place). */
static double us_face_row(UsProbe probe, int h)
{
    return probe == PROBE_LINEAR ? 0.04 * h : probe == PROBE_CONVEX ? 0.05 * h : 0.02 * h;
}

/* The point one row nearer the probe on the beam through pixel (x, y):
 * its column (fractional, pixel centres at integers) and the step's
 * length in pixels. */
static double beam_parent(const UsField *f, int x, int y, double *step)
{
    if (f->probe == PROBE_LINEAR) {
        *step = 1;
        return x;
    }
    double dx = x + 0.5 - f->ax, dy = y + 0.5 - f->ay;
    *step = sqrt(dx * dx + dy * dy) / dy;
    return f->ax + dx * (dy - 1) / dy - 0.5;
}

/* Follows every beam down from the probe: per pixel the fraction of the
 * pulse arriving (into tex) after the attenuation and interfaces above
 * it, and the label of the tissue just above on the beam (into tmp);
 * air between the probe and the skin is coupling gel (fat-like, no loss). */
static void us_beams(Canvas *c, const UsField *f, const float *depth, double mm_per_px)
{
    float *t_in = c->tex, *above = c->tmp; /* above: -1 where the beam starts, -2 in gel */
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            size_t i = (size_t)y * c->w + x;
            double step, px = y > 0 ? beam_parent(f, x, y, &step) : -1, a = px - floor(px);
            int x0 = (int)floor(px);
            /* The two pixels the beam crosses the row above between, those
             * in the field weighted by nearness. */
            double wt[2] = {0, 0};
            for (int k = 0; k < 2 && px >= 0 && x0 + 1 < c->w; k++)
                if (depth[(size_t)(y - 1) * c->w + x0 + k] >= 0)
                    wt[k] = k ? a : 1 - a;
            if (wt[0] + wt[1] <= 0) { /* the beam starts here */
                t_in[i] = 1, above[i] = -1;
                if (c->lab[i] == T_AIR)
                    c->lab[i] = T_FAT, above[i] = -2;
                continue;
            }
            size_t p0 = (size_t)(y - 1) * c->w + x0, pn = wt[1] > wt[0] ? p0 + 1 : p0;
            float loss = expf(-us_atten[c->lab[pn]] * (float)(step * mm_per_px));
            if (above[pn] == -2 && c->lab[i] == T_AIR) { /* gel: loses what tissue would */
                c->lab[i] = T_FAT, above[i] = -2;
                t_in[i] = t_in[pn] * expf(-us_atten[T_SOFT] * (float)(step * mm_per_px));
                continue;
            }
            double out = 0;
            for (int k = 0; k < 2; k++) {
                size_t q = p0 + (size_t)k;
                bool entered = above[q] >= 0 && c->lab[q] != (int)above[q];
                out += wt[k] * t_in[q] * (entered ? us_pass[c->lab[q]] : 1);
            }
            t_in[i] = (float)(out / (wt[0] + wt[1])) * loss;
            above[i] = (float)c->lab[pn];
        }
}

/* B-mode: Rayleigh speckle correlated across and along the beam, echo
 * strength per tissue times what the pulse keeps on its way down
 * (acoustic shadows behind bone, gas and metal, enhancement behind fluid;
 * the heart's window is left as it is), a bright line at every interface,
 * time-gain compensation for soft tissue with the operator's gain, log
 * compressed into the display's dynamic range; colour flow in a box. t in
 * [0, 1] is the frame's time in the cardiac cycle. */
static void model_us(Canvas *c, const RenderJob *j, const Frame3 *fr, Rng *nr, double t)
{
    UsField fd;
    us_field(j->probe, c->w, c->h, nr, &fd);
    size_t n = (size_t)c->w * c->h;
    float *depth = c->v; /* each pixel's depth in the field until its value replaces it */
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            depth[(size_t)y * c->w + x] = (float)us_depth(&fd, x + 0.5, y + 0.5);
    bool heart = j->scene == SC_US_HEART;
    if (heart)
        for (size_t i = 0; i < n; i++)
            c->tex[i] = 1, c->tmp[i] = -1;
    else
        us_beams(c, &fd, depth, fr->dr);
    double alpha = heart ? 0 : us_atten[T_SOFT]; /* what the gain compensates */
    double gain = rng_range(nr, 0.7, 1.4), range_db = rng_range(nr, 48, 62);
    double span = fd.probe == PROBE_LINEAR ? fd.y1 - fd.y0 : fd.rmax - fd.rmin;
    double mm_deep = span * fr->dr; /* the field's depth */
    /* The display: 255 (20 log10(env / 5000) + range) / range, as a ln. */
    float db_scale = (float)(255 * 20 / (range_db * log(10))),
          db_offset = (float)(255 * (range_db - 20 * log10(5000)) / range_db);
    float *speckle = c->tmp; /* row y - 1's speckle once row y is done with its labels */
    for (int y = 0; y < c->h; y++) {
        double prev = 0;
        for (int x = 0; x < c->w; x++) {
            size_t i = (size_t)y * c->w + x;
            double d = depth[i], up = y > 0 ? speckle[i - c->w] : 1.25;
            uint8_t tis = c->lab[i];
            bool interface = c->tmp[i] >= 0 && c->tmp[i] != tis;
            double n1 = rng_noise(nr), n2 = rng_noise(nr);
            double sp = sqrt(n1 * n1 + n2 * n2); /* Rayleigh speckle */
            double s = 0.6 * sp + 0.2 * prev + 0.2 * up;
            prev = sp;
            speckle[i] = (float)sp;
            float v = 0;
            if (d >= 0) {
                float echo = us_echo[tis] + (interface ? 90.0f : 0.0f);
                float tgc = expf((float)(alpha * d * mm_deep)) * (float)(1.05 - 0.25 * d);
                float env = echo * (float)(s * gain) * c->tex[i] * tgc + 2 * (float)sp;
                v = db_scale * logf(env) + db_offset;
            }
            c->v[i] = clampf(v, 0, 255);
            if (c->rgb) {
                uint8_t g = (uint8_t)c->v[i], *p = c->rgb + 3 * i;
                p[0] = p[1] = p[2] = g;
            }
        }
    }
    if (c->rgb && j->doppler) {
        FlowBox box;
        flow_box(c, &fd, j, t, nr, &box);
        colour_flow(c, &fd, &box, nr);
    }
    for (int k = 1; k < 10; k++) /* depth scale marks */
        for (int w = 0; w < 2; w++) {
            int y = (int)(k * c->h / 10.0), x = c->w - 6 + w;
            if (y < c->h && x >= 0)
                c->v[(size_t)y * c->w + x] = 220;
        }
}

/* ---- stored values ----------------------------------------------------- */

/* nearbyint in the default rounding mode (ties to even) without a library
 * call per pixel: adding and subtracting 1.5·2^52 leaves v rounded to an
 * integer when |v| < 2^51; larger values (and NaN) take nearbyint. */
static inline double round_even(double v)
{
    if (!(fabs(v) < 0x1p51))
        return nearbyint(v);
    return (v + 0x1.8p52) - 0x1.8p52;
}

static void store_frame(const Canvas *c, const PixelSpec *s, uint8_t *dst)
{
    size_t n = (size_t)c->w * c->h;
    if (s->samples == 3) {
        for (size_t i = 0; i < n; i++) {
            const uint8_t *p = c->rgb + 3 * i;
            if (s->photometric == PI_YBR_FULL) {
                double r = p[0], g = p[1], b = p[2];
                dst[3 * i] = (uint8_t)clampf((float)round(0.299 * r + 0.587 * g + 0.114 * b), 0, 255);
                dst[3 * i + 1] = (uint8_t)clampf((float)round(-0.168736 * r - 0.331264 * g + 0.5 * b + 128), 0, 255);
                dst[3 * i + 2] = (uint8_t)clampf((float)round(0.5 * r - 0.418688 * g - 0.081312 * b + 128), 0, 255);
            } else {
                memcpy(dst + 3 * i, p, 3);
            }
        }
        return;
    }
    double lo = s->is_signed ? -(double)(1 << (s->bits_stored - 1)) : 0;
    double hi = s->is_signed ? (double)(1 << (s->bits_stored - 1)) - 1
                             : (double)((1u << s->bits_stored) - 1);
    for (size_t i = 0; i < n; i++) {
        double v = round_even((c->v[i] - s->intercept) / s->slope);
        if (s->photometric == PI_MONOCHROME1)
            v = hi - v; /* MONOCHROME1 stores the inverted value */
        v = v < lo ? lo : v > hi ? hi : v;
        int32_t q = (int32_t)v;
        if (s->bits_allocated == 8) {
            dst[i] = (uint8_t)q;
        } else {
            uint16_t u = (uint16_t)q;
            dst[2 * i] = (uint8_t)u;
            dst[2 * i + 1] = (uint8_t)(u >> 8);
        }
    }
}

/* Mean ± 2 SD of the foreground, as a VOI window in modality units. */
static void auto_window(const Canvas *c, RenderOut *out)
{
    double s = 0, s2 = 0;
    size_t n = 0;
    for (size_t i = 0; i < (size_t)c->w * c->h; i += 7) {
        if (c->lab[i] == T_AIR && c->v[i] <= 0)
            continue;
        s += c->v[i];
        s2 += (double)c->v[i] * c->v[i];
        n++;
    }
    double m = n ? s / n : 0, sd = n ? sqrt(fmax(0, s2 / n - m * m)) : 1;
    out->window_center = round(m);
    out->window_width = fmax(2, round(4 * sd));
}

/* The moment in the cardiac cycle of a single-frame image (0..1). */
static double frame_time(const RenderJob *j)
{
    return (double)((j->noise_seed >> 20) & 1023) / 1024;
}

/* The phase of frame f: SPECT slices step through [-1, 1]. */
static double frame_phase(const RenderJob *j, const PixelSpec *s, uint32_t f)
{
    if (j->spect && s->frames > 1)
        return -1 + 2.0 * f / (s->frames - 1);
    return j->z;
}

static void burn_in(Canvas *c, const RenderJob *j, double maxval);

/* Modality models on the labels / line integrals of a 3-D body; t in
 * [0, 1] is the frame's time in a run (angiography: how far contrast has
 * run; an echo cine: the cardiac cycle). */
static bool build_body3(const RenderJob *j, double t, Body3 *body, RnError **err)
{
    memset(body, 0, sizeof *body);
    body->fill = j->mod == M_XA || j->mod == M_RF ? t : 0;
    body->systole = j->mod == M_US ? 0.5 - 0.5 * cos(2 * PI * t) : j->systole;
    body->right_coronary = j->right_coronary;
    body->female = j->female;
    body->us_window = j->us_window;
    Rng ar;
    /* One individual per patient and model, whatever the scene or view:
     * a chest LAT is the same body as its PA and as the CT's scout. */
    rng_seed(&ar, j->anatomy_seed, 0x3D, (uint64_t)body3_model(j->scene));
    body3_build(j->scene, j->view, &j->lesion, j->mirror, &ar, body);
    if (body->failed) {
        body3_free(body);
        rn_error_set(err, RN_ERROR_NOMEM, "3-D phantom");
        return false;
    }
    return true;
}

/* Attenuation per tissue of a projection by X-rays. */
static const float *xray_mu(const RenderJob *j)
{
    return j->mod == M_XA ? xa3_mu : j->mod == M_MG ? mg3_mu : xr3_mu;
}

/* Line integrals of the body into c->v: the run's still part (c->still)
 * plus what differs in this frame, or the whole body. */
static bool project_body3(Body3 *body, const Frame3 *fr, const float *mu, Canvas *c,
                          RnError **err)
{
    size_t n = (size_t)c->w * c->h;
    if (c->still == NULL) {
        memset(c->v, 0, sizeof *c->v * n);
        body3_project(body, fr, mu, c->v);
        return true;
    }
    if (!body3_remove_common(body, &c->common)) {
        rn_error_set(err, RN_ERROR_NOMEM, "3-D phantom");
        return false;
    }
    memcpy(c->v, c->still, sizeof *c->v * n);
    body3_project(body, fr, mu, c->v);
    return true;
}

/* The time of frame f in a run (0..1), or of a single image. */
static double frame_t(const RenderJob *j, const PixelSpec *s, uint32_t f)
{
    if (j->t1 > j->t0)
        return s->frames > 1 ? j->t0 + (j->t1 - j->t0) * f / (s->frames - 1) : j->t1;
    return s->frames > 1 ? (double)f / (s->frames - 1) : frame_time(j);
}

/* RF: the radiographer moves the field with the contrast: it is centred
 * (across the beam) on what has filled in the last third of the run up to
 * the image's last frame, or on all the contrast when nothing is new. */
static bool follow_contrast(RenderJob *j, const PixelSpec *s, RnError **err)
{
    double t = frame_t(j, s, s->frames - 1), front[3];
    Body3 now, before;
    if (!build_body3(j, t, &now, err))
        return false;
    if (!build_body3(j, fmax(0, t - 0.35), &before, err)) {
        body3_free(&now);
        return false;
    }
    bool found = body3_contrast_centre(&now, front);
    Body3 fresh = now;
    if (found && body3_remove_common(&fresh, &before))
        body3_contrast_centre(&fresh, front);
    body3_free(&now);
    body3_free(&before);
    if (!found)
        return true;
    Frame3 *f = &j->frame;
    double centre[3], d[3], u = 0, v = 0;
    for (int k = 0; k < 3; k++)
        centre[k] = f->origin[k] + 0.5 * (f->w - 1) * f->dc * f->row[k] +
                    0.5 * (f->h - 1) * f->dr * f->col[k];
    for (int k = 0; k < 3; k++)
        d[k] = front[k] - centre[k], u += d[k] * f->row[k], v += d[k] * f->col[k];
    for (int k = 0; k < 3; k++)
        f->origin[k] += u * f->row[k] + v * f->col[k];
    return true;
}

/* An XA or RF run: every frame is the same body but where contrast has
 * run, so the primitives all frames share are projected once (c->still,
 * c->common) and each frame projects only the rest. */
static bool prepare_still(const RenderJob *j, const PixelSpec *s, Canvas *c, RnError **err)
{
    if (!j->frame.valid || !j->frame.projection || j->spect || s->frames < 2 ||
        (j->mod != M_XA && j->mod != M_RF))
        return true;
    Body3 common, other;
    if (!build_body3(j, frame_t(j, s, 0), &common, err))
        return false;
    bool ok = true;
    for (uint32_t f = 1; ok && f < s->frames; f++) {
        ok = build_body3(j, frame_t(j, s, f), &other, err);
        if (ok && !body3_keep_common(&common, &other)) {
            rn_error_set(err, RN_ERROR_NOMEM, "3-D phantom");
            ok = false;
        }
        body3_free(&other);
    }
    if (ok)
        ok = (c->still = rn_calloc((size_t)c->w * c->h, sizeof *c->still, err)) != NULL;
    if (!ok) {
        body3_free(&common);
        return false;
    }
    body3_project(&common, &j->frame, xray_mu(j), c->still);
    c->common = common;
    return true;
}

static bool render_frame3(const RenderJob *j, const Frame3 *fr, PixelSpec *s, Canvas *c, Rng *nr,
                          double t, RnError **err)
{
    Body3 body;
    if (!build_body3(j, t, &body, err))
        return false;
    size_t n = (size_t)c->w * c->h;
    double maxval = (double)((1u << s->bits_stored) - 1) * s->slope + s->intercept;
    Frame3 probe_on_skin;
    if (j->mod == M_US && j->scene != SC_US_HEART) {
        /* The probe rests on this individual's skin, pressed in a little;
         * a cine's frames drift across the organ with the hand. */
        probe_on_skin = *fr;
        for (int k = 0; k < 3; k++)
            probe_on_skin.origin[k] += (t - 0.5) * 4 * fr->normal[k];
        body3_us_place(&body, &probe_on_skin, us_face_row(j->probe, c->h) - 1.5 / fr->dr);
        fr = &probe_on_skin;
    }
    memset(c->lab, T_AIR, n);
    if (!fr->projection)
        body3_slice(&body, fr, c->lab);
    bool mammo = j->mod == M_MG;
    if (j->mod == M_CT || j->mod == M_MR)
        smooth_field(c, nr, c->w / 96 + 1);
    else if (fr->projection)
        smooth_field(c, nr, c->w / (mammo ? 90 : 40) + 1);
    if (fr->projection && j->mod == M_NM) {
        float mu[T_COUNT];
        nm_activity(j->scene, t, mu);
        memset(c->v, 0, sizeof *c->v * n);
        body3_project(&body, fr, mu, c->v);
        nm_counts(c, nr, 12 + 50 * (double)(j->noise_seed >> 11) * 0x1.0p-53); /* per scan */
    } else if (fr->projection && j->mod == M_XA) {
        if (!project_body3(&body, fr, xray_mu(j), c, err)) {
            body3_free(&body);
            return false;
        }
        model_xa3(c, nr);
    } else if (fr->projection) {
        if (!project_body3(&body, fr, xray_mu(j), c, err)) {
            body3_free(&body);
            return false;
        }
        if (j->mod == M_CT) /* CT scout: a radiograph in HU-ish units */
            maxval = 3000;
        xray_detector(c, nr, maxval, j->collimate && j->mod != M_CT && !mammo);
        if (j->mod == M_RF && ((j->noise_seed >> 9) & 1)) /* an image intensifier, not a flat panel */
            xa_field(c);
    } else {
        if (j->mod == M_NM)
            model_spect(c, nr, 6 + 14 * (double)(j->noise_seed >> 11) * 0x1.0p-53); /* per acquisition */
        else if (j->mod == M_MR)
            model_mr(c, j, nr);
        else if (j->mod == M_PT)
            model_pt(c, nr);
        else if (j->mod == M_US)
            model_us(c, j, fr, nr, t);
        else
            model_ct(c, j, nr, s->is_signed);
    }
    burn_in(c, j, maxval);
    body3_free(&body);
    return true;
}

static bool render_frame(const RenderJob *j, PixelSpec *s, uint32_t f, Canvas *c,
                         RnError **err)
{
    if (!j->spect && !j->frame.valid) {
        rn_error_set(err, RN_ERROR_INVALID, "image without a frame in its 3-D body");
        return false;
    }
    Rng nr;
    rng_seed(&nr, j->noise_seed, f, 1);
    Frame3 slice = j->frame;
    if (j->spect) /* frame f is the slice at its own height */
        body3_frame(j->scene, VW_AX, frame_phase(j, s, f), j->mirror, j->zoom, j->angle,
                    j->shift_x, j->shift_y, c->w, c->h, &slice);
    else if (j->mod == M_NM) /* planar: each frame's view */
        body3_frame(j->scene, nm_view(j->scene, f), 0, j->mirror, j->zoom, j->angle,
                    j->shift_x, j->shift_y, c->w, c->h, &slice);
    return render_frame3(j, &slice, s, c, &nr, frame_t(j, s, f), err);
}

/* What the device writes into the pixels: the lead side marker of a
 * radiograph, the header lines of an ultrasound screen. */
static void burn_in(Canvas *c, const RenderJob *j, double maxval)
{
    if (j->marker && (j->mod == M_CR || j->mod == M_DX)) {
        char m[2] = {j->marker, 0};
        int sc = c->w / 128 + 1;
        glyph_text(c->v, c->w, c->h, c->w / 8, c->h / 9, sc, m, (float)(maxval * 0.97));
    }
    if (j->mod != M_US || j->overlay[0][0] == 0)
        return;
    size_t n = (size_t)c->w * c->h;
    memset(c->tex, 0, sizeof *c->tex * n);
    int sc = c->w >= 480 ? 2 : 1;
    for (int l = 0; l < 2; l++)
        glyph_text(c->tex, c->w, c->h, 4, 3 + l * 9 * sc, sc, j->overlay[l], 225);
    for (size_t i = 0; i < n; i++) {
        if (c->tex[i] == 0)
            continue;
        c->v[i] = c->tex[i];
        if (c->rgb)
            c->rgb[3 * i] = c->rgb[3 * i + 1] = c->rgb[3 * i + 2] = 225;
    }
}

/* PET stores activity with a per-image slope that fits the signed range. */
static void fit_pt_slope(const Canvas *c, PixelSpec *s)
{
    float mx = 1;
    for (size_t i = 0; i < (size_t)c->w * c->h; i++)
        mx = c->v[i] > mx ? c->v[i] : mx;
    s->slope = mx / 32000.0;
    s->intercept = 0;
}

bool render_image(const RenderJob *j, PixelSpec *s, RenderOut *out, RnError **err)
{
    memset(out, 0, sizeof *out);
    size_t frame_bytes = (size_t)s->rows * s->cols * s->samples * (s->bits_allocated / 8u);
    size_t total;
    if (!rn_mul_size(frame_bytes, s->frames, &total)) {
        rn_error_set(err, RN_ERROR_LIMIT, "image too large");
        return false;
    }
    Canvas c;
    if (!canvas_init(&c, (int)s->cols, (int)s->rows, s->samples == 3, err))
        return false;
    RenderJob panned = *j;
    out->pixels = rn_malloc(total, err);
    bool ok = out->pixels != NULL && (!j->follow || follow_contrast(&panned, s, err));
    j = &panned;
    ok = ok && prepare_still(j, s, &c, err);
    for (uint32_t f = 0; ok && f < s->frames; f++) {
        ok = render_frame(j, s, f, &c, err);
        if (ok && f == 0) {
            if (j->mod == M_PT)
                fit_pt_slope(&c, s);
            auto_window(&c, out);
        }
        if (ok)
            store_frame(&c, s, out->pixels + f * frame_bytes);
    }
    canvas_free(&c);
    if (!ok) {
        free(out->pixels);
        out->pixels = NULL;
        return false;
    }
    out->len = total;
    return true;
}
