/* The 3-D phantom engine: analytic projections against ray marching
 * through the sliced labels (the reference), image geometry against the
 * pixels it labels, one body seen from two sides, the heart, and
 * contrast filling the fluoroscopy scenes. */
#include "synth/body3d.h"
#include "rn_test.h"

#include <stdlib.h>
#include <string.h>

static const float mu[T_COUNT] = {
    [T_AIR] = 0, [T_FAT] = 0.008f, [T_SOFT] = 0.01f, [T_LUNG] = 0.002f,
    [T_BONE] = 0.04f, [T_MARROW] = 0.014f, [T_LESION] = 0.012f, [T_METAL] = 0.3f};

static Prim3 prim(Prim3Kind k, Tissue t, Tissue parent, double x, double y, double z, double a,
                  double b, double c, double radius)
{
    return (Prim3){k, t, parent, false, {x, y, z}, {a, b, c}, radius, -INFINITY, INFINITY};
}

/* Nested primitives of every kind: each inside its parent. */
static void nested_body(Body3 *b, Prim3 *store)
{
    int n = 0;
    store[n++] = prim(P3_ECYL, T_SOFT, T_AIR, 0, 0, 0, 120, 80, 100, 0);
    Prim3 dome = prim(P3_ELLIPSOID, T_SOFT, T_AIR, 0, 0, 100, 120, 80, 40, 0);
    dome.zlo = 100;
    store[n++] = dome;
    store[n++] = prim(P3_ELLIPSOID, T_LUNG, T_SOFT, -50, 0, 20, 40, 50, 60, 0);
    store[n++] = prim(P3_ELLIPSOID, T_LESION, T_LUNG, -50, 10, 30, 8, 8, 8, 0);
    store[n++] = prim(P3_BOX, T_FAT, T_SOFT, 60, -20, -30, 20, 15, 25, 0);
    Prim3 tube = prim(P3_CAPSULE, T_BONE, T_SOFT, 40, 30, 60, 70, 20, -70, 9);
    tube.tube = true;
    store[n++] = tube;
    b->p = store;
    b->n = b->cap = (size_t)n;
}

static void make_frame(Frame3 *f, const double row[3], const double col[3], int w, int h,
                       double spacing, const double centre[3])
{
    memset(f, 0, sizeof *f);
    f->valid = f->projection = true;
    f->w = w, f->h = h, f->dr = f->dc = spacing;
    for (int k = 0; k < 3; k++)
        f->row[k] = row[k], f->col[k] = col[k];
    f->normal[0] = row[1] * col[2] - row[2] * col[1];
    f->normal[1] = row[2] * col[0] - row[0] * col[2];
    f->normal[2] = row[0] * col[1] - row[1] * col[0];
    for (int k = 0; k < 3; k++)
        f->origin[k] = centre[k] - 0.5 * (w - 1) * spacing * row[k] - 0.5 * (h - 1) * spacing * col[k];
}

static void test_projection_matches_marching(void)
{
    Body3 b = {0};
    Prim3 store[8];
    nested_body(&b, store);
    const double s = 0.70710678118654752;
    const double rows[3][3] = {{1, 0, 0}, {0, 1, 0}, {s, s, 0}};
    const double cols[3][3] = {{0, 0, -1}, {0, 0, -1}, {0, 0, -1}};
    const double centre[3] = {0, 0, 10};
    enum { W = 24, H = 28 };
    const double h = 0.05, reach = 400;
    for (int v = 0; v < 3; v++) {
        Frame3 f;
        make_frame(&f, rows[v], cols[v], W, H, 10, centre);
        float acc[W * H] = {0};
        body3_project(&b, &f, mu, acc);
        int hits = 0;
        for (int y = 0; y < H; y += 3)
            for (int x = 0; x < W; x += 2) {
                double o[3], sum = 0;
                int crossings = 0;
                uint8_t prev = T_AIR;
                for (int k = 0; k < 3; k++)
                    o[k] = f.origin[k] + x * f.dc * f.row[k] + y * f.dr * f.col[k];
                for (double t = -reach + 0.5 * h; t < reach; t += h) {
                    double pt[3] = {o[0] + t * f.normal[0], o[1] + t * f.normal[1],
                                    o[2] + t * f.normal[2]};
                    uint8_t l = body3_label_at(&b, pt);
                    crossings += l != prev;
                    prev = l;
                    sum += mu[l] * h;
                }
                /* Midpoint rule: each boundary crossing misplaces at most
                 * h/2 of the largest attenuation step (bone 0.04 vs 0). */
                double tol = crossings * 0.5 * h * 0.04 + 1e-5;
                hits += crossings > 0;
                CHECK_MSG(fabs(acc[y * W + x] - sum) <= tol,
                          "view %d pixel %d,%d: analytic %.5f marching %.5f (tol %.5f)", v, x, y,
                          acc[y * W + x], sum, tol);
            }
        CHECK(hits > 20);
    }
}

/* The fast projector (primitives prepared per frame, rows limited to
 * their quadrics) against the reference (every pixel through every
 * primitive with the slices' chord solver), on every projected scene in
 * its views at odd angles, with every tissue attenuating differently.
 * Both add the same primitives in the same order in float; per primitive
 * the chords agree to double rounding (about 1e-13 relative; at a grazing
 * ray sqrt(1e-16) of the diameter), so each float addend may differ by an
 * ulp: 1e-5 of the image's largest sum is ~100 ulps of margin and far
 * below any real defect (a lost sphere cap or a row cut short moves a
 * pixel by a whole chord times k, >= 1e-3 of the range here). A pixel
 * centre exactly on a face parallel to the rays (a box side, a cylinder's
 * end, a height clip) may fall on either side in either solver: at most
 * 0.2 % of pixels. */
static void test_fast_projection_matches_reference(void)
{
    float all[T_COUNT];
    for (int t = 0; t < T_COUNT; t++)
        all[t] = t == T_AIR ? 0 : 0.003f + 0.0037f * (float)((t * 7) % T_COUNT);
    const Scene scenes[] = {SC_XR_CHEST, SC_XR_CHEST_LAT, SC_XR_SKULL, SC_XR_CSPINE,
                            SC_XR_LSPINE, SC_XR_PELVIS, SC_XR_HIP, SC_XR_KNEE, SC_XR_FOOT,
                            SC_XR_HAND, SC_XR_WRIST, SC_XR_SHOULDER, SC_MG_BREAST,
                            SC_XA_CORONARY, SC_XA_LEG, SC_XR_BARIUM, SC_XR_UROGRAPHY, SC_NM_BONE};
    const ViewKind views[] = {VW_PA, VW_LAT, VW_OBL, VW_AP};
    enum { W = 61, H = 53 };
    float fast[W * H], ref[W * H];
    size_t ns = sizeof scenes / sizeof scenes[0];
    for (size_t s = 0; s < ns; s++)
        for (int v = 0; v < 4; v++) {
            Rng r;
            rng_seed(&r, 11, 0x3D, s * 4 + (size_t)v);
            Body3 b = {0};
            b.fill = 0.3 * v;
            Lesion les = {P_MASS, 1 + v % 2, 0.07, v % 2 ? IMP_OSTEOSYNTHESIS : IMP_NONE};
            body3_build(scenes[s], views[v], &les, v == 3, &r, &b);
            CHECK(!b.failed && b.n > 5);
            Frame3 f;
            CHECK(body3_frame(scenes[s], views[v], 0, v == 3, 0.9 + 0.1 * v, v == 0 ? 0 : 7.0 * v,
                              0.02, -0.03, W, H, &f));
            CHECK(f.projection);
            memset(fast, 0, sizeof fast);
            memset(ref, 0, sizeof ref);
            body3_project(&b, &f, all, fast);
            body3_project_reference(&b, &f, all, ref);
            float range = 0;
            for (int i = 0; i < W * H; i++)
                range = fmaxf(range, fabsf(ref[i]));
            int off = 0;
            float worst = 0;
            for (int i = 0; i < W * H; i++) {
                float d = fabsf(fast[i] - ref[i]);
                off += d > 1e-5f * range + 1e-7f;
                worst = fmaxf(worst, d);
            }
            CHECK(range > 0.05f);
            CHECK_MSG(off <= W * H / 500, "scene %d view %d: %d pixels off (worst %g, range %g)",
                      (int)scenes[s], (int)views[v], off, worst, range);
            body3_free(&b);
        }
}

/* Frame `fill` of a run of scene sc: the same patient (seed 3, stream s)
 * with contrast run that far. */
static Body3 run_frame_body(Scene sc, size_t s, double fill)
{
    Rng r;
    rng_seed(&r, 3, 0x3D, s);
    Body3 b = {0};
    b.fill = fill;
    body3_build(sc, VW_AP, NULL, false, &r, &b);
    return b;
}

/* A run's still part: the primitives every frame of a coronary, leg or
 * barium run shares, projected once, plus each frame's own, give that
 * frame's projection (to the float rounding of a different order of
 * additions: 1e-5 of the range as above); the shared part is most of the
 * body and every frame but the first has its own (contrast has run). */
static void test_run_still_part(void)
{
    const Scene scenes[] = {SC_XA_CORONARY, SC_XA_LEG, SC_XR_BARIUM, SC_XR_UROGRAPHY};
    enum { W = 64, H = 64, FRAMES = 5 };
    float whole[W * H], split[W * H];
    for (size_t s = 0; s < sizeof scenes / sizeof scenes[0]; s++) {
        Body3 common = {0};
        for (int f = 0; f < FRAMES; f++) {
            Body3 b = run_frame_body(scenes[s], s, (double)f / (FRAMES - 1));
            if (f == 0)
                common = b;
            else {
                CHECK(body3_keep_common(&common, &b));
                body3_free(&b);
            }
        }
        CHECK(common.n > 50);
        Frame3 fr;
        CHECK(body3_frame(scenes[s], VW_AP, 0, false, 1, 4, 0, 0, W, H, &fr));
        float still[W * H] = {0};
        body3_project(&common, &fr, mu, still);
        for (int f = 0; f < FRAMES; f++) {
            Body3 b = run_frame_body(scenes[s], s, (double)f / (FRAMES - 1));
            size_t all = b.n;
            memset(whole, 0, sizeof whole);
            body3_project(&b, &fr, mu, whole);
            CHECK(body3_remove_common(&b, &common));
            CHECK_EQ_INT(b.n + common.n, all);
            if (f > 0)
                CHECK_MSG(b.n > 0, "scene %d frame %d: nothing of its own", (int)scenes[s], f);
            memcpy(split, still, sizeof split);
            body3_project(&b, &fr, mu, split);
            float range = 0, worst = 0;
            for (int i = 0; i < W * H; i++) {
                range = fmaxf(range, fabsf(whole[i]));
                worst = fmaxf(worst, fabsf(whole[i] - split[i]));
            }
            CHECK_MSG(range > 0.05f && worst <= 1e-5f * range, "scene %d frame %d: %g of %g",
                      (int)scenes[s], f, worst, range);
            body3_free(&b);
        }
        body3_free(&common);
    }
}

/* The span painter labels every pixel as the per-point reference does,
 * in all three planes through the trunk and the knee. */
static void test_slice_matches_reference(void)
{
    /* The trunk, the lower limb (knee, ankle) and the upper limb (a
     * projection scene: one plane through its centre). */
    const Scene scenes[6] = {SC_AX_CHEST, SC_SAG_HEAD, SC_SAG_KNEE, SC_SAG_ANKLE, SC_COR_SHOULDER,
                             SC_XR_WRIST};
    const ViewKind planes[3] = {VW_AX, VW_SAG, VW_COR};
    enum { W = 72, H = 64 };
    for (int s = 0; s < 6; s++) {
        Rng r;
        rng_seed(&r, 5, 0x3D, (uint64_t)s);
        Body3 b = {0};
        Lesion les = {P_FRACTURE, 2, 0.06, s >= 3 ? IMP_OSTEOSYNTHESIS : IMP_NONE};
        body3_build(scenes[s], VW_AX, &les, s >= 2, &r, &b);
        CHECK(!b.failed && b.n > 20);
        for (int v = 0; v < 3; v++)
            for (double z = -0.7; z <= 0.71; z += 0.35) {
                Frame3 f;
                CHECK(body3_frame(scenes[s], planes[v], z, s >= 2, 1.05, 5.0, 0.03, -0.02, W, H, &f));
                uint8_t lab[W * H];
                memset(lab, T_AIR, sizeof lab);
                body3_slice(&b, &f, lab);
                int differ = 0, body = 0;
                for (int y = 0; y < H; y++)
                    for (int x = 0; x < W; x++) {
                        double pt[3];
                        for (int k = 0; k < 3; k++)
                            pt[k] = f.origin[k] + x * f.dc * f.row[k] + y * f.dr * f.col[k];
                        uint8_t want = body3_label_at(&b, pt);
                        differ += lab[y * W + x] != want;
                        body += want != T_AIR;
                    }
                CHECK_MSG(differ == 0, "scene %d plane %d z %.2f: %d pixels differ", s, v, z,
                          differ);
                CHECK(body > 0);
            }
        body3_free(&b);
    }
}

/* A marker sphere at the point the header says pixel (i, j) shows must be
 * labelled there and nowhere far from it, in every plane. */
static void test_geometry_agrees_with_pixels(void)
{
    const ViewKind planes[3] = {VW_AX, VW_SAG, VW_COR};
    for (int v = 0; v < 3; v++) {
        Frame3 f, g;
        CHECK(body3_frame(SC_AX_HEAD, planes[v], 0.3, false, 1.1, 7.0, 0.05, -0.04, 96, 80, &f));
        CHECK(!f.projection && f.w == 96 && f.h == 80);
        CHECK_NEAR(f.row[0] * f.col[0] + f.row[1] * f.col[1] + f.row[2] * f.col[2], 0, 1e-12);
        CHECK_NEAR(f.row[0] * f.row[0] + f.row[1] * f.row[1] + f.row[2] * f.row[2], 1, 1e-12);
        /* The next slice moves along the normal only. */
        CHECK(body3_frame(SC_AX_HEAD, planes[v], 0.5, false, 1.1, 7.0, 0.05, -0.04, 96, 80, &g));
        double d[3] = {g.origin[0] - f.origin[0], g.origin[1] - f.origin[1],
                       g.origin[2] - f.origin[2]};
        double along = d[0] * f.normal[0] + d[1] * f.normal[1] + d[2] * f.normal[2];
        CHECK(fabs(along) > 1);
        CHECK_NEAR(d[0] * d[0] + d[1] * d[1] + d[2] * d[2], along * along, 1e-6);
        int i = 31, j = 57;
        double x[3];
        for (int k = 0; k < 3; k++)
            x[k] = f.origin[k] + i * f.dc * f.row[k] + j * f.dr * f.col[k];
        Prim3 marker = prim(P3_ELLIPSOID, T_METAL, T_AIR, x[0], x[1], x[2], 1.5 * f.dc,
                            1.5 * f.dc, 1.5 * f.dc, 0);
        Body3 b = {.p = &marker, .n = 1, .cap = 1, .scale = {1, 1, 1}};
        uint8_t lab[96 * 80];
        memset(lab, T_AIR, sizeof lab);
        body3_slice(&b, &f, lab);
        CHECK_EQ_INT(lab[j * 96 + i], T_METAL);
        int far = 0;
        for (int y = 0; y < 80; y++)
            for (int xx = 0; xx < 96; xx++)
                far += lab[y * 96 + xx] == T_METAL && (abs(xx - i) > 2 || abs(y - j) > 2);
        CHECK_EQ_INT(far, 0);
    }
}

/* Σ line integrals × pixel area = ∫ mu dV: the same for any direction
 * when the detector covers the whole body, so PA and LAT of one trunk
 * see the same attenuating volume. */
static void test_same_body_any_view(void)
{
    Rng r1, r2;
    rng_seed(&r1, 9, 0x3D, 0);
    rng_seed(&r2, 9, 0x3D, 0);
    Body3 a = {0}, c = {0};
    Lesion les = {P_NODULE, 1, 0.08, IMP_PACEMAKER};
    body3_build(SC_XR_CHEST, VW_PA, &les, false, &r1, &a);
    body3_build(SC_XR_CHEST, VW_OBL, &les, false, &r2, &c);
    CHECK(!a.failed && a.n == c.n && a.n > 200);
    size_t same = 0;
    for (size_t i = 0; i < a.n && i < c.n; i++)
        same += a.p[i].kind == c.p[i].kind && a.p[i].tissue == c.p[i].tissue &&
                memcmp(a.p[i].c, c.p[i].c, sizeof a.p[i].c) == 0 &&
                memcmp(a.p[i].r, c.p[i].r, sizeof a.p[i].r) == 0 && a.p[i].radius == c.p[i].radius;
    CHECK_EQ_INT(same, a.n);
    const double s = 0.70710678118654752;
    const double rows[2][3] = {{1, 0, 0}, {s, s, 0}}, col[3] = {0, 0, -1}, centre[3] = {0, 0, -130};
    enum { N = 200 };
    const double spacing = 8.0; /* 1600 mm: the whole trunk, head and thighs */
    double total[2];
    float *acc = calloc((size_t)N * N, sizeof *acc);
    CHECK(acc != NULL);
    for (int v = 0; v < 2 && acc; v++) {
        Frame3 f;
        make_frame(&f, rows[v], col, N, N, spacing, centre);
        memset(acc, 0, sizeof *acc * N * N);
        body3_project(&a, &f, mu, acc);
        double sum = 0;
        for (int i = 0; i < N * N; i++)
            sum += acc[i];
        total[v] = sum * spacing * spacing;
    }
    /* The midpoint rule over 8 mm pixels errs at edges: a relative error
     * of a few tenths of a percent for a body ~50 pixels across. */
    CHECK_MSG(fabs(total[0] - total[1]) <= 0.01 * total[0], "PA %.1f OBL %.1f", total[0],
              total[1]);
    free(acc);
    body3_free(&a);
    body3_free(&c);
}

/* Every 3-D scene's frame is centred on its own anatomy, on the side the
 * exam names: the centre pixel of a cross-section is inside the body, a
 * radiograph's central ray crosses bone (a mammogram's the breast), a
 * one-sided region of the trunk (hip, shoulder, clavicle) moves to the
 * other side for the left, and a mammogram's detector edge sits at the
 * chest wall with the breast on its side. */
static void test_every_region_framed_on_its_anatomy(void)
{
    enum { N = 33 };
    static const float bone_only[T_COUNT] = {[T_BONE] = 1, [T_MARROW] = 1},
                       breast_only[T_COUNT] = {[T_FAT] = 1, [T_GLAND] = 1};
    int scenes = 0;
    for (int sc = 0; sc < SC_COUNT; sc++) {
        if (!body3_has((Scene)sc) || body3_us_windows((Scene)sc) > 0) /* test_us_windows */
            continue;
        scenes++;
        for (int left = 0; left <= 1; left++) {
            Rng r;
            rng_seed(&r, 11, 0x3D, (uint64_t)sc);
            Body3 b = {0};
            body3_build((Scene)sc, VW_AP, NULL, left, &r, &b);
            CHECK(!b.failed && b.n > 10);
            bool xr = scene_is_projection((Scene)sc);
            bool mg = sc == SC_MG_BREAST;
            ViewKind views[2] = {mg ? VW_CC : xr ? VW_AP : VW_AX,
                                 mg ? VW_MLO : xr ? VW_LAT : VW_SAG};
            for (int v = 0; v < 2; v++) {
                Frame3 f;
                CHECK(body3_frame((Scene)sc, views[v], 0, left, 1, 0, 0, 0, N, N, &f));
                double mid[3];
                for (int k = 0; k < 3; k++)
                    mid[k] = f.origin[k] + (N / 2) * (f.dc * f.row[k] + f.dr * f.col[k]);
                if (xr) {
                    float acc[N * N] = {0};
                    body3_project(&b, &f, mg ? breast_only : bone_only, acc);
                    float best = 0;
                    for (int y = N / 2 - 4; y <= N / 2 + 4; y++)
                        for (int x = N / 2 - 4; x <= N / 2 + 4; x++)
                            best = fmaxf(best, acc[y * N + x]);
                    CHECK_MSG(best > (mg ? 20 : 2), "scene %d view %d left %d: %.1f mm of bone "
                              "(breast) near the central ray", sc, v, left, best);
                } else {
                    CHECK_MSG(body3_label_at(&b, mid) != T_AIR, "scene %d plane %d left %d", sc,
                              v, left);
                }
            }
            body3_free(&b);
        }
        Frame3 right, left;
        CHECK(body3_frame((Scene)sc, VW_AP, 0, false, 1, 0, 0, 0, N, N, &right));
        CHECK(body3_frame((Scene)sc, VW_AP, 0, true, 1, 0, 0, 0, N, N, &left));
        double cr = right.origin[0] + (N / 2) * right.dc * right.row[0],
               cl = left.origin[0] + (N / 2) * left.dc * left.row[0];
        bool sided = sc == SC_XR_HIP || sc == SC_XR_SHOULDER || sc == SC_COR_SHOULDER ||
                     sc == SC_XR_CLAVICLE || sc == SC_XA_LEG;
        if (sided)
            CHECK_MSG(cr < -40 && cl > 40, "scene %d: right x %.1f, left x %.1f", sc, cr, cl);
        else if (sc == SC_MG_BREAST)
            CHECK_MSG(fabs(right.origin[0] + 5) < 1e-9 && cl < -40 && fabs(cr + cl) < 1e-9 &&
                          fabs(left.origin[0] - 2 * cl + 5) < 1e-9,
                      "breast: right from x %.1f, centres %.1f and %.1f", right.origin[0], cr, cl);
        else
            CHECK_NEAR(cr, cl, 1e-9);
    }
    CHECK(scenes >= 30);
}

/* Contrast projected in a frame of the scene (zoom: 1 the exam's field,
 * less a wider one), as mm of contrast times the pixel's area; top: the
 * part in the frame's upper fifth, left/right: in the image's halves. */
typedef struct ContrastSum {
    double total, top, left, right;
} ContrastSum;

static ContrastSum contrast_in(Scene sc, uint64_t seed, double fill, double zoom,
                               const Lesion *les)
{
    enum { N = 64 };
    static const float contrast_only[T_COUNT] = {[T_CONTRAST] = 1};
    Rng r;
    rng_seed(&r, seed, 0x3D, 0);
    Body3 b = {0};
    b.fill = fill;
    body3_build(sc, VW_AP, les, false, &r, &b);
    CHECK(!b.failed);
    Frame3 f;
    CHECK(body3_frame(sc, VW_AP, 0, false, zoom, 0, 0, 0, N, N, &f));
    static float acc[N * N];
    memset(acc, 0, sizeof acc);
    body3_project(&b, &f, contrast_only, acc);
    ContrastSum s = {0};
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) {
            double a = acc[y * N + x] * f.dr * f.dc;
            s.total += a;
            s.top += y < N / 5 ? a : 0;
            *(x < N / 2 ? &s.left : &s.right) += a;
        }
    body3_free(&b);
    return s;
}

/* The heart: its axes are orthonormal and the cardiac planes are framed
 * in them; systole shrinks the left ventricle's cavity; angiography fills
 * the coronary tree with contrast as the run goes on. */
static void test_heart(void)
{
    double u[3], e1[3], e2[3], x[3];
    body3_heart_axes(u, e1, e2);
    CHECK_NEAR(u[0] * e1[0] + u[1] * e1[1] + u[2] * e1[2], 0, 1e-12);
    CHECK_NEAR(e2[0] * e2[0] + e2[1] * e2[1] + e2[2] * e2[2], 1, 1e-12);
    x[0] = u[1] * e1[2] - u[2] * e1[1], x[1] = u[2] * e1[0] - u[0] * e1[2],
    x[2] = u[0] * e1[1] - u[1] * e1[0];
    CHECK_NEAR(x[0] * e2[0] + x[1] * e2[1] + x[2] * e2[2], 1, 1e-12);
    const ViewKind planes[3] = {VW_SA, VW_4CH, VW_2CH};
    const double *normals[3] = {u, e2, e1};
    enum { N = 64 };
    for (int v = 0; v < 3; v++) {
        Frame3 f;
        CHECK(body3_frame(SC_AX_HEART, planes[v], 0, false, 1, 4.0, 0, 0, N, N, &f));
        double d = f.normal[0] * normals[v][0] + f.normal[1] * normals[v][1] +
                   f.normal[2] * normals[v][2];
        CHECK_MSG(fabs(fabs(d) - 1) < 1e-9, "plane %d: normal . axis = %.6f", v, d);
    }
    int blood[2] = {0, 0};
    for (int phase = 0; phase < 2; phase++) {
        Rng r;
        rng_seed(&r, 5, 0x3D, 0);
        Body3 b = {0};
        b.systole = phase;
        body3_build(SC_AX_HEART, VW_SA, NULL, false, &r, &b);
        CHECK(!b.failed);
        Frame3 f;
        CHECK(body3_frame(SC_AX_HEART, VW_SA, 0, false, 2, 0, 0, 0, N, N, &f));
        uint8_t lab[N * N];
        memset(lab, T_AIR, sizeof lab);
        body3_slice(&b, &f, lab);
        for (int i = 0; i < N * N; i++)
            blood[phase] += lab[i] == T_BLOOD;
        body3_free(&b);
    }
    CHECK_MSG(blood[0] > 200 && blood[1] < 0.8 * blood[0], "blood pixels: diastole %d, systole %d",
              blood[0], blood[1]);
    double total[2];
    for (int k = 0; k < 2; k++)
        total[k] = contrast_in(SC_XA_CORONARY, 5, k, 1, NULL).total;
    CHECK_MSG(total[0] > 0 && total[1] > 3 * total[0], "contrast: catheter only %.0f, filled %.0f",
              total[0], total[1]);
}

/* Fluoroscopy: barium and urography are projections of the same body
 * with contrast filling over the run, framed on the contrast. */
static void test_fluoroscopy_fills(void)
{
    int swallows = 0;
    const Scene scenes[2] = {SC_XR_BARIUM, SC_XR_UROGRAPHY};
    for (int k = 0; k < 2; k++)
        for (uint64_t seed = 1; seed <= 12; seed++) {
            ContrastSum s0 = contrast_in(scenes[k], seed, 0, 1, NULL),
                        s1 = contrast_in(scenes[k], seed, 0.5, 1, NULL),
                        s2 = contrast_in(scenes[k], seed, 1, 1, NULL),
                        wide = contrast_in(scenes[k], seed, 1, 0.5, NULL);
            CHECK_MSG(s0.total == 0 && s1.total > 0 && s2.total > 1.2 * s1.total,
                      "scene %d seed %d: contrast %.0f, %.0f, %.0f over the run", scenes[k],
                      (int)seed, s0.total, s1.total, s2.total);
            CHECK_MSG(s2.total > 0.6 * wide.total, "scene %d seed %d: %.0f of %.0f in the field",
                      scenes[k], (int)seed, s2.total, wide.total);
            if (scenes[k] == SC_XR_UROGRAPHY) /* both kidneys and ureters */
                CHECK_MSG(s2.left > 0.3 * s2.total && s2.right > 0.3 * s2.total,
                          "urography seed %d: left %.0f right %.0f", (int)seed, s2.left, s2.right);
            else
                swallows += s2.top > 0; /* the oesophagus; an enema stays below */
        }
    /* A mass is a filling defect: less contrast on the ray through it. */
    for (int k = 0; k < 2; k++)
        for (uint64_t seed = 1; seed <= 4; seed++)
            for (int side = 1; side <= 2; side++) {
                Lesion mass = {P_MASS, side, 0.1, IMP_NONE};
                CHECK(body3_shows(scenes[k], VW_AP, P_MASS));
                double with = contrast_in(scenes[k], seed, 1, 1, &mass).total,
                       without = contrast_in(scenes[k], seed, 1, 1, NULL).total;
                CHECK_MSG(with < without - 1000, "scene %d seed %d side %d: %.0f with the mass, "
                          "%.0f without", scenes[k], (int)seed, side, with, without);
            }
    CHECK_MSG(swallows > 0 && swallows < 12, "%d swallows in 12 barium studies", swallows);
}

/* Column centroid (image x) and total of the contrast a coronary run adds
 * between its first and last frame (the catheter is in both). */
static void coronary_fill(bool right, uint64_t seed, double *centroid, double *total)
{
    enum { N = 96 };
    static const float contrast_only[T_COUNT] = {[T_CONTRAST] = 1};
    static float acc[2][N * N];
    Frame3 f;
    CHECK(body3_frame(SC_XA_CORONARY, VW_AP, 0, false, 1, 0, 0, 0, N, N, &f));
    for (int k = 0; k < 2; k++) {
        Rng r;
        rng_seed(&r, seed, 0x3D, 0);
        Body3 b = {0};
        b.fill = k;
        b.right_coronary = right;
        body3_build(SC_XA_CORONARY, VW_AP, NULL, false, &r, &b);
        CHECK(!b.failed);
        memset(acc[k], 0, sizeof acc[k]);
        body3_project(&b, &f, contrast_only, acc[k]);
        body3_free(&b);
    }
    double sum = 0, sx = 0;
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) {
            double a = acc[1][y * N + x] - acc[0][y * N + x];
            sum += a, sx += a * x;
        }
    *total = sum;
    *centroid = sum > 0 ? sx / sum : -1;
}

/* A selective injection fills one coronary tree: the left's branches run
 * over the left ventricle (the image's right half in AP: the patient's
 * left), the right coronary round the right atrioventricular groove. */
static void test_coronary_trees(void)
{
    for (uint64_t seed = 1; seed <= 4; seed++) {
        double cl, tl, cr, tr;
        coronary_fill(false, seed, &cl, &tl);
        coronary_fill(true, seed, &cr, &tr);
        CHECK_MSG(tl > 0 && tr > 0 && cl > cr + 8, "seed %d: left tree at x %.1f (%.0f), right at "
                  "%.1f (%.0f)", (int)seed, cl, tl, cr, tr);
    }
}

/* The C-arm: no angles leave the frame as it was; LAO 90 looks along x
 * (a lateral), cranial 90 along z; the frame keeps its centre and stays
 * orthonormal; LAO 30 turns the view direction 30 degrees towards +x. */
static void test_angulate(void)
{
    Frame3 f0;
    CHECK(body3_frame(SC_XA_CORONARY, VW_AP, 0, false, 1, 0, 0, 0, 64, 48, &f0));
    double centre0[3];
    for (int k = 0; k < 3; k++)
        centre0[k] = f0.origin[k] + 31.5 * f0.dc * f0.row[k] + 23.5 * f0.dr * f0.col[k];
    const double cases[4][3] = {{0, 0, -1}, {90, 0, 0}, {0, 90, 2}, {30, 0, -1}};
    for (int c = 0; c < 4; c++) {
        Frame3 f = f0;
        body3_angulate(&f, cases[c][0], cases[c][1]);
        double centre[3], rc = 0, rr = 0, cc = 0;
        for (int k = 0; k < 3; k++) {
            centre[k] = f.origin[k] + 31.5 * f.dc * f.row[k] + 23.5 * f.dr * f.col[k];
            CHECK_NEAR(centre[k], centre0[k], 1e-9);
            rc += f.row[k] * f.col[k], rr += f.row[k] * f.row[k], cc += f.col[k] * f.col[k];
        }
        CHECK_NEAR(rc, 0, 1e-12);
        CHECK_NEAR(rr, 1, 1e-12);
        CHECK_NEAR(cc, 1, 1e-12);
        int axis = (int)cases[c][2];
        if (c == 0)
            for (int k = 0; k < 3; k++)
                CHECK_NEAR(f.normal[k], f0.normal[k], 1e-12);
        else if (axis >= 0)
            CHECK_NEAR(fabs(f.normal[axis]), 1, 1e-12);
        else /* LAO 30: the view direction (-normal for AP) gains sin 30 towards +x */
            CHECK_NEAR(fabs(f.normal[0]), 0.5, 1e-12);
    }
}

/* Where contrast ran between t - 0.35 and t (render.c centres an RF field
 * on it): false when nothing did. */
static bool contrast_front(Scene sc, uint64_t seed, double t, double c[3])
{
    Body3 now = {0}, before = {0};
    Rng r1, r2;
    rng_seed(&r1, seed, 0x3D, 0);
    rng_seed(&r2, seed, 0x3D, 0);
    now.fill = t;
    before.fill = fmax(0, t - 0.35);
    body3_build(sc, VW_AP, NULL, false, &r1, &now);
    body3_build(sc, VW_AP, NULL, false, &r2, &before);
    CHECK(body3_remove_common(&now, &before));
    bool found = body3_contrast_centre(&now, c);
    body3_free(&now);
    body3_free(&before);
    return found;
}

/* The front of a fluoroscopy run moves: a swallow's or an enema's along
 * the gut by more than a field's third, urography's from the renal pelves
 * down to the bladder. */
static void test_contrast_front_moves(void)
{
    for (uint64_t seed = 1; seed <= 6; seed++) {
        double early[3], late[3];
        CHECK(contrast_front(SC_XR_BARIUM, seed, 0.3, early));
        CHECK(contrast_front(SC_XR_BARIUM, seed, 1, late));
        double d = sqrt((early[0] - late[0]) * (early[0] - late[0]) +
                        (early[1] - late[1]) * (early[1] - late[1]) +
                        (early[2] - late[2]) * (early[2] - late[2]));
        CHECK_MSG(d > 100, "barium seed %d: the front moved %.0f mm", (int)seed, d);
        CHECK(contrast_front(SC_XR_UROGRAPHY, seed, 0.2, early));
        CHECK(contrast_front(SC_XR_UROGRAPHY, seed, 1, late));
        CHECK_MSG(early[2] > -260 && late[2] < -400 && fabs(late[0]) < 20,
                  "urography seed %d: front at z %.0f, then %.0f (x %.0f)", (int)seed, early[2],
                  late[2], late[0]);
    }
    Body3 none = {0};
    double c[3];
    CHECK(!body3_contrast_centre(&none, c));
}

int main(void)
{
    test_projection_matches_marching();
    test_fast_projection_matches_reference();
    test_run_still_part();
    test_slice_matches_reference();
    test_geometry_agrees_with_pixels();
    test_same_body_any_view();
    test_every_region_framed_on_its_anatomy();
    test_heart();
    test_fluoroscopy_fills();
    test_coronary_trees();
    test_angulate();
    test_contrast_front_moves();
    TEST_DONE();
}
