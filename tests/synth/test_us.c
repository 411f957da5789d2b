/* Body ultrasound from the 3-D trunk: every acoustic window put on the
 * skin and framed on its organ whatever the individual, the pathology
 * where the window looks, and the B-mode's physics: an acoustic shadow
 * below the trachea's air, enhancement below the full bladder. */
#include "synth/render.h"
#include "rn_test.h"

#include <stdlib.h>
#include <string.h>

enum { W = 128, H = 96 };

/* The organ each window is aimed at and the least share of the image it
 * fills (well under what the anatomy gives, so a build or a tilt does not
 * fail it; a window aimed beside its organ gets none). */
typedef struct Aim {
    Scene scene;
    int window;
    Tissue organ;
    double share;
} Aim;

static const Aim aims[] = {
    {SC_US_ABDOMEN, 0, T_LIVER, 0.3},  {SC_US_ABDOMEN, 1, T_LIVER, 0.2},
    {SC_US_ABDOMEN, 2, T_FLUID, 0.01}, {SC_US_ABDOMEN, 3, T_LIVER, 0.05},
    {SC_US_ABDOMEN, 4, T_BLOOD, 0.005}, {SC_US_ABDOMEN, 5, T_ORGAN, 0.1},
    {SC_US_ABDOMEN, 6, T_LIVER, 0.1},  {SC_US_KIDNEY, 0, T_KIDNEY, 0.1},
    {SC_US_KIDNEY, 1, T_KIDNEY, 0.03},  {SC_US_KIDNEY, 2, T_KIDNEY, 0.1},
    {SC_US_KIDNEY, 3, T_KIDNEY, 0.03},  {SC_US_KIDNEY, 4, T_FLUID, 0.1},
    {SC_US_NECK, 0, T_GLAND, 0.1},     {SC_US_NECK, 1, T_GLAND, 0.1},
    {SC_US_NECK, 2, T_GLAND, 0.1},     {SC_US_VESSEL, 0, T_BLOOD, 0.03},
    {SC_US_VESSEL, 1, T_BLOOD, 0.01},  {SC_US_VESSEL, 2, T_BLOOD, 0.03},
    {SC_US_VESSEL, 3, T_BLOOD, 0.01},  {SC_US_VESSEL, 4, T_BLOOD, 0.03},
    {SC_US_VESSEL, 5, T_BLOOD, 0.01},  {SC_US_VESSEL, 6, T_BLOOD, 0.03},
    {SC_US_VESSEL, 7, T_BLOOD, 0.01},  {SC_US_BREAST, 0, T_GLAND, 0.03},
    {SC_US_BREAST, 1, T_GLAND, 0.03},  {SC_US_BREAST, 2, T_GLAND, 0.03},
    {SC_US_BREAST, 3, T_GLAND, 0.03},  {SC_US_PELVIS, 0, T_FLUID, 0.1},
    {SC_US_PELVIS, 1, T_FLUID, 0.1},
};

/* The individual of seed, imaged through window k of scene sc: the
 * frame put on the skin at face_row, its labels. */
static void labels_of(Scene sc, int k, uint64_t seed, bool female, const Lesion *les,
                      double face_row, double angle, double zoom, Frame3 *f, uint8_t *lab)
{
    Rng r;
    rng_seed(&r, seed, 0x3D, (uint64_t)body3_model(sc));
    Body3 b = {.female = female, .us_window = k};
    body3_build(sc, VW_SECTOR, les, false, &r, &b);
    CHECK(!b.failed);
    CHECK(body3_us_frame(sc, k, 0, zoom, angle, 0, W, H, f));
    body3_us_place(&b, f, face_row);
    memset(lab, T_AIR, W * H);
    body3_slice(&b, f, lab);
    body3_free(&b);
}

static int count(const uint8_t *lab, int y0, int y1, Tissue t)
{
    int n = 0;
    for (int i = y0 * W; i < y1 * W; i++)
        n += lab[i] == t;
    return n;
}

static void test_windows_framed_on_their_organs(void)
{
    int scenes = 0;
    for (int sc = 0; sc < SC_COUNT; sc++)
        scenes += body3_us_windows((Scene)sc) > 0;
    CHECK_EQ_INT(scenes, 6);
    CHECK_EQ_INT(body3_us_windows(SC_US_HEART), 0);
    CHECK_EQ_INT((int)(sizeof aims / sizeof aims[0]), 29);
    static uint8_t lab[W * H];
    for (size_t a = 0; a < sizeof aims / sizeof aims[0]; a++) {
        const Aim *m = &aims[a];
        CHECK(body3_us_windows(m->scene) > m->window);
        for (uint64_t seed = 1; seed <= 4; seed++)
            for (int tilt = -1; tilt <= 1; tilt++) {
                Frame3 f;
                double face = 4;
                labels_of(m->scene, m->window, seed, seed % 2, NULL, face, 10 * tilt, 1, &f, lab);
                double share = (double)count(lab, 0, H, m->organ) / (W * H);
                CHECK_MSG(share >= m->share, "scene %d window %d seed %d tilt %d: %.3f of the "
                          "image is tissue %d", m->scene, m->window, (int)seed, tilt, share,
                          m->organ);
                /* The probe on the skin: air above its face, the body below. */
                int mid = W / 2;
                CHECK_MSG(lab[(int)(face - 2) * W + mid] == T_AIR &&
                              lab[(int)(face + 2) * W + mid] != T_AIR,
                          "scene %d window %d seed %d: %d above the face, %d below", m->scene,
                          m->window, (int)seed, lab[(int)(face - 2) * W + mid],
                          lab[(int)(face + 2) * W + mid]);
            }
    }
}

/* The lesion lies where the window the study picks looks, for every side
 * and individual; free fluid adds an anechoic layer. */
static void test_pathology_where_the_window_looks(void)
{
    static const struct {
        Scene scene;
        Pathology path;
    } cases[] = {{SC_US_ABDOMEN, P_MASS}, {SC_US_ABDOMEN, P_EFFUSION}, {SC_US_KIDNEY, P_MASS},
                 {SC_US_KIDNEY, P_EFFUSION}, {SC_US_NECK, P_NODULE}, {SC_US_BREAST, P_MASS},
                 {SC_US_PELVIS, P_MASS}, {SC_US_PELVIS, P_EFFUSION}};
    static uint8_t with[W * H], without[W * H];
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int side = 1; side <= 2; side++)
            for (uint64_t seed = 1; seed <= 3; seed++) {
                Scene sc = cases[c].scene;
                CHECK(body3_shows(sc, VW_SECTOR, cases[c].path));
                int k = body3_us_pick(sc, false, side, cases[c].path, (double)seed / 4);
                CHECK_MSG(body3_us_window_shows(sc, k, cases[c].path), "scene %d path %d: window %d",
                          sc, cases[c].path, k);
                Lesion les = {cases[c].path, side, 0.05, IMP_NONE};
                Frame3 f;
                labels_of(sc, k, seed, true, &les, 4, 0, 1, &f, with);
                labels_of(sc, k, seed, true, NULL, 4, 0, 1, &f, without);
                int grown = 0; /* pixels of the lesion (a cyst, a haemangioma) or fluid */
                for (int i = 0; i < W * H; i++)
                    grown += with[i] != without[i];
                CHECK_MSG(grown > 20, "scene %d path %d side %d seed %d: %d pixels changed", sc,
                          cases[c].path, side, (int)seed, grown);
            }
    /* Vessels show none; the groin's windows are the leg's. */
    CHECK(!body3_shows(SC_US_VESSEL, VW_SECTOR, P_MASS));
    for (int d = 0; d < 8; d++) {
        int leg = body3_us_pick(SC_US_VESSEL, true, 0, P_NONE, d / 8.0),
            neck = body3_us_pick(SC_US_VESSEL, false, 0, P_NONE, d / 8.0);
        Frame3 fl, fn;
        CHECK(body3_us_frame(SC_US_VESSEL, leg, 0, 1, 0, 0, W, H, &fl));
        CHECK(body3_us_frame(SC_US_VESSEL, neck, 0, 1, 0, 0, W, H, &fn));
        CHECK(fl.origin[2] < -300 && fn.origin[2] > 150);
    }
}

/* Renders window k of scene sc at zoom for the individual of seed (one
 * frame, 8 bits, no header lines); NULL on failure. */
static uint8_t *render_window(Scene sc, int k, uint64_t seed, UsProbe probe, double zoom)
{
    RenderJob j = {.mod = M_US, .scene = sc, .view = VW_SECTOR, .zoom = zoom,
                   .anatomy_seed = seed, .noise_seed = 77, .probe = probe, .us_window = k,
                   .female = true};
    PixelSpec s = {H, W, 1, 1, 8, 8, false, PI_MONOCHROME2, 1, 0};
    CHECK(body3_us_frame(sc, k, 0, zoom, 0, 0, W, H, &j.frame));
    RenderOut o;
    RnError *err = NULL;
    bool ok = render_image(&j, &s, &o, &err);
    CHECK(ok && o.len == (size_t)W * H);
    rn_error_free(err);
    return ok ? o.pixels : NULL;
}

/* Mean of the image over rows [y0, y1) in the columns picked, where the
 * label is t. */
static double mean_over(const uint8_t *img, const uint8_t *lab, Tissue t, const bool *cols,
                        int y0, int y1)
{
    double s = 0;
    int n = 0;
    for (int y = y0; y < y1 && y < H; y++)
        for (int x = 0; x < W; x++)
            if (cols[x] && lab[y * W + x] == t)
                s += img[y * W + x], n++;
    return n > 8 ? s / n : -1;
}

/* Columns of the central half whose beam crosses at least half the
 * widest chord of the first piece of tissue t it meets (through) and
 * those meeting no reflector or fluid at all (clear); returns the last
 * row of those pieces. The image's
 * columns are beams of a linear array. */
static int split_columns(const uint8_t *lab, Tissue t, int from_row, bool *through, bool *clear)
{
    int end[W] = {0}, chord[W] = {0}, widest = 0, last = -1;
    for (int x = W / 4; x < 3 * W / 4; x++) {
        bool other = false;
        for (int y = from_row; y < H; y++) {
            int l = lab[y * W + x];
            if (l == (int)t && (chord[x] == 0 || end[x] == y - 1)) /* the first run only */
                chord[x]++, end[x] = y;
            other = other || l == T_AIR || l == T_BONE || l == T_FLUID || l == T_LUNG ||
                    l == T_BLOOD || l == T_CARTILAGE;
        }
        clear[x] = !other && chord[x] == 0;
        widest = chord[x] > widest ? chord[x] : widest;
    }
    for (int x = 0; x < W; x++) {
        through[x] = widest > 0 && 2 * chord[x] >= widest;
        last = through[x] && end[x] > last ? end[x] : last;
        if (x < W / 4 || x >= 3 * W / 4)
            clear[x] = false;
    }
    return last;
}

/* The label commonest over rows [y0, y1) of both sets of columns (the
 * fewer of its two counts the largest): the same tissue below and beside. */
static Tissue shared_tissue(const uint8_t *lab, const bool *a, const bool *b, int y0, int y1)
{
    int na[T_COUNT] = {0}, nb[T_COUNT] = {0}, best = 0;
    for (int y = y0; y < y1 && y < H; y++)
        for (int x = 0; x < W; x++) {
            na[lab[y * W + x]] += a[x];
            nb[lab[y * W + x]] += b[x];
        }
    for (int t = 1; t < T_COUNT; t++)
        if ((na[t] < nb[t] ? na[t] : nb[t]) > (na[best] < nb[best] ? na[best] : nb[best]))
            best = t;
    return (Tissue)best;
}

/* Below the trachea's air (the neck across, a deep field) the tissue is
 * darker than the same tissue beside it at the same depth; below the
 * gallbladder's bile brighter. Both with a linear array so that columns
 * are beams. The log display maps a ratio to a difference: the shadow
 * (the air passes 8 %, -22 dB, of a 48-62 dB range) takes off at least a
 * third of the display, the bile's low attenuation (0.03 Np/mm less than
 * tissue's) over its 15-30 mm adds 4-8 dB. */
static void test_shadow_and_enhancement(void)
{
    static uint8_t lab[W * H];
    bool through[W], clear[W];
    static const struct {
        Scene scene;
        int window;
        Tissue t;
        double zoom, lo, hi; /* below minus beside lies in [lo, hi] grey levels */
    } cases[] = {{SC_US_NECK, 0, T_AIR, 0.6, -255, -60}, {SC_US_ABDOMEN, 2, T_FLUID, 1, 10, 80}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            Frame3 f;
            labels_of(cases[c].scene, cases[c].window, seed, true, NULL, 0.04 * H, 0,
                      cases[c].zoom, &f, lab);
            int last = split_columns(lab, cases[c].t, 12, through, clear);
            uint8_t *img = render_window(cases[c].scene, cases[c].window, seed, PROBE_LINEAR,
                                         cases[c].zoom);
            CHECK_MSG(last > 0 && last < H - 16, "scene %d seed %d: tissue %d ends at row %d",
                      cases[c].scene, (int)seed, cases[c].t, last);
            if (img && last > 0 && last < H - 16) {
                Tissue t = shared_tissue(lab, through, clear, last + 3, last + 13);
                double below = mean_over(img, lab, t, through, last + 3, last + 13),
                       beside = mean_over(img, lab, t, clear, last + 3, last + 13);
                CHECK_MSG(below >= 0 && beside > 0 && below - beside >= cases[c].lo &&
                              below - beside <= cases[c].hi,
                          "scene %d seed %d: %.1f below tissue %d, %.1f beside it (both %d)",
                          cases[c].scene, (int)seed, below, cases[c].t, beside, t);
            }
            free(img);
        }
}

int main(void)
{
    test_windows_framed_on_their_organs();
    test_pathology_where_the_window_looks();
    test_shadow_and_enhancement();
    TEST_DONE();
}
