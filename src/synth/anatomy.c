/* Phantom builders. Coordinates: x to the image right, y down; the field
 * of view spans about [-1, 1]. Cross-sections follow radiological
 * convention (patient's right on the image left, anterior up). Every size
 * is jittered per individual so no two patients are identical. */
#include "synth/anatomy.h"

#include "synth/body3d.h"

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

/* ---- pathology ----------------------------------------------------------- */

const char *const pathology_names[P_COUNT] = {"none", "fracture", "nodule", "effusion", "mass"};
const char *const view_names[VW_COUNT] = {"AX", "SAG", "COR", "PA", "AP", "LAT", "OBL", "CC",
                                          "MLO", "ANT", "POST", "SECTOR", "LOCALIZER", "CAPTURE",
                                          "SA", "2CH", "4CH", "LAO", "RAO"};

/* The shape a pathology lives in: on the lesion's side (patient right is
 * the image left) when there is one there. */
static const Shape *host(const Phantom *p, const Tissue *tissues, int nt, int side)
{
    const Shape *best = NULL;
    for (int t = 0; t < nt && !best; t++)
        for (size_t i = 0; i < p->n; i++) {
            const Shape *sh = &p->s[i];
            if (sh->tissue != tissues[t])
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

static const Shape *lesion_host(const Phantom *p, Pathology path, int side)
{
    switch (path) {
    case P_NODULE: return host(p, nodule_hosts, 2, side);
    case P_EFFUSION: return host(p, effusion_hosts, 3, side);
    case P_MASS:
        return host(p, mass_hosts, 4, side);
    default: return NULL;
    }
}

static void add_lesion(Phantom *p, Scene sc, const Lesion *les, double z)
{
    const Shape *h = lesion_host(p, les->path, les->side);
    if (h == NULL)
        return;
    Rng lr;
    rng_seed(&lr, 0x1E5, (uint64_t)les->path, (uint64_t)(les->size * 1e6));
    double rx = h->kind == SH_CAPSULE ? h->p[4] : h->p[2], ry = h->kind == SH_CAPSULE ? h->p[4] : h->p[3];
    double cx = h->kind == SH_CAPSULE ? 0.5 * (h->p[0] + h->p[2]) : h->p[0];
    double cy = h->kind == SH_CAPSULE ? 0.5 * (h->p[1] + h->p[3]) : h->p[1];
    bool tomo = !scene_is_projection(sc);
    switch (les->path) {
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

static void build_view(Scene sc, ViewKind view, Phantom *p, Rng *r, double z);

void anatomy_build(Scene sc, ViewKind view, const Lesion *les, Phantom *p, Rng *r, double z)
{
    build_view(sc, view, p, r, z);
    if (les && les->path != P_NONE)
        add_lesion(p, sc, les, z);
}

const char *const implant_names[IMP_COUNT] = {"",          "OSTEOSYNTHESIS",
                                              "PACEMAKER", "HIP_PROSTHESIS",
                                              "KNEE_PROSTHESIS", "SPINAL_FIXATION"};

bool anatomy_takes_implant(Scene sc)
{
    return body3_has(sc) && body3_implant(sc) != IMP_NONE;
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
    bool ok = !p.failed && lesion_host(&p, path, 1) != NULL;
    ph_free(&p);
    return ok;
}

bool scene_is_projection(Scene sc)
{
    return sc >= SC_XR_CHEST && sc <= SC_XA_RENAL;
}

static void build_view(Scene sc, ViewKind view, Phantom *p, Rng *r, double z)
{
    switch (sc) {
    case SC_US_ABDOMEN: us_scene(p, r, 0); break;
    case SC_US_KIDNEY: us_scene(p, r, 1); break;
    case SC_US_NECK: us_scene(p, r, 2); break;
    case SC_US_BREAST: us_scene(p, r, 3); break;
    case SC_US_VESSEL: us_scene(p, r, 4); break;
    case SC_US_PELVIS: us_scene(p, r, 5); break;
    default: break; /* the others are sliced or projected from the 3-D bodies (body3d.h) */
    }
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
