/* Procedural anatomical phantoms: a list of primitive shapes (ellipses,
 * capsules, boxes) in a normalised frame (x right, y down, the field of
 * view spans about [-1, 1]), each made of one tissue. Tomographic images
 * paint tissue labels in order; projection images add each shape's
 * attenuation times its thickness, so the same primitives serve both. */
#ifndef RN_SYNTH_PHANTOM_H
#define RN_SYNTH_PHANTOM_H

#include "synth/rng.h"

typedef enum Tissue {
    T_AIR = 0, T_FAT, T_SOFT, T_LIVER, T_ORGAN, T_KIDNEY, T_FLUID, T_BLOOD,
    T_LUNG, T_BONE, T_MARROW, T_GREY, T_WHITE, T_CONTRAST, T_DISC,
    T_CARTILAGE, T_GLAND, T_LESION, T_GAP, T_METAL, T_COUNT
} Tissue;

typedef enum ShapeKind { SH_ELLIPSE, SH_CAPSULE, SH_BOX } ShapeKind;

typedef struct Shape {
    ShapeKind kind;
    Tissue tissue;
    bool tube;      /* capsule with a cortex: marrow inside 60 % radius */
    float p[5];     /* ellipse/box: cx cy rx ry angle; capsule: x1 y1 x2 y2 r */
} Shape;

typedef struct Phantom {
    Shape *s;
    size_t n, cap;
    bool failed;    /* an allocation failed: the phantom is incomplete */
} Phantom;

void ph_free(Phantom *p);
void ph_ellipse(Phantom *p, Tissue t, double cx, double cy, double rx,
                double ry, double angle_deg);
void ph_circle(Phantom *p, Tissue t, double cx, double cy, double r);
void ph_capsule(Phantom *p, Tissue t, double x1, double y1, double x2,
                double y2, double r);
/* Long bone: cortex (BONE) around marrow. */
void ph_bone(Phantom *p, double x1, double y1, double x2, double y2, double r);
void ph_box(Phantom *p, Tissue t, double cx, double cy, double hw, double hh,
            double angle_deg);

/* Maps phantom coordinates to a w×h pixel grid: rotation, zoom, shift. */
typedef struct View {
    int w, h;
    double cx, cy, scale, c, s;
} View;

/* zoom 1 fits [-1,1] to the smaller side; shifts in phantom units. */
void view_init(View *v, int w, int h, double zoom, double angle_deg,
               double shift_x, double shift_y);
/* Phantom coordinates of pixel centre (x, y). */
void view_to_phantom(const View *v, int x, int y, double *u, double *w);

/* Paints tissue labels (w×h bytes, caller fills the background). */
void ph_render_labels(const Phantom *p, const View *v, uint8_t *labels);

#endif
