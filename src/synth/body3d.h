/* Analytic 3-D anatomy in millimetres, in DICOM patient coordinates (LPS:
 * x towards the patient's left, y posterior, z superior). A body is a list
 * of primitives (axis-aligned ellipsoids, elliptic cylinders and boxes;
 * capsules at any angle, long bones as capsules with a cortical shell),
 * each made of one tissue and placed inside a parent tissue.
 *
 * Cross-sections (CT, MR, PT) are SLICES: every pixel is a point of the
 * image plane, labelled by the last primitive containing it. Radiographs
 * are PROJECTIONS: every pixel sums, along the ray through it, each
 * primitive's chord length times its attenuation minus its parent's, the
 * exact line integral when every primitive lies inside its parent. The
 * same body seen PA and LAT is the same individual. */
#ifndef RN_SYNTH_BODY3D_H
#define RN_SYNTH_BODY3D_H

#include "synth/anatomy.h"

typedef enum Prim3Kind { P3_ELLIPSOID, P3_ECYL, P3_BOX, P3_CAPSULE } Prim3Kind;

typedef struct Prim3 {
    Prim3Kind kind;
    Tissue tissue, parent;
    bool tube;      /* capsule: marrow inside 60 % of the radius */
    double c[3];    /* centre; capsule: first end */
    double r[3];    /* semi-axes; ecyl: rx, ry, half height; capsule: second end */
    double radius;  /* capsule radius */
    double zlo, zhi; /* the part between these heights (domes, half shapes) */
} Prim3;

typedef struct Body3 {
    Prim3 *p;
    size_t n, cap;
    double scale[3]; /* the individual's build, applied by the builders */
    bool failed;     /* an allocation failed: the body is incomplete */
    /* Set by the caller before body3_build (0 when zeroed): */
    double systole;  /* cardiac phase, 0 end-diastole .. 1 end-systole */
    double fill;     /* angiography, fluoroscopy: how far contrast has run, 0..1 */
    bool right_coronary; /* coronary angiography: the catheter engages the right
                          * coronary artery (else the left main) and fills its tree */
    bool female;     /* the pelvis holds a uterus and ovaries, else a prostate */
    int us_window;   /* body ultrasound: the window imaged (body3_us_frame) */
} Body3;

/* The heart's own axes (unit vectors, LPS): u along the left ventricle's
 * long axis from the mitral plane (base, HEART_BASE) to the apex (left,
 * anterior, inferior), e1 across the septum towards the right ventricle,
 * e2 = u × e1. The anatomy is built in them and the cardiac planes (SA,
 * 2CH, 4CH, the apical echo window) are framed in them. */
extern const double HEART_BASE[3];
void body3_heart_axes(double u[3], double e1[3], double e2[3]);

/* An image plane: pixel (col i, row j) has its centre at
 * origin + i·dc·row + j·dr·col (origin = ImagePositionPatient, row/col =
 * ImageOrientationPatient, dr/dc = PixelSpacing). Projections cast
 * parallel rays along row × col through those points. */
typedef struct Frame3 {
    bool valid;
    bool projection;
    int w, h;
    double origin[3], row[3], col[3], normal[3];
    double dr, dc;
} Frame3;

/* The frame of an image of scene sc in view (AX/SAG/COR planes; PA/AP,
 * LAT, OBL, LOCALIZER projections): z in [-1, 1] steps the slice through
 * the region, zoom/angle/shift frame it as on the 2-D scenes; left puts a
 * one-sided region of the trunk (hip, shoulder, clavicle) on the
 * patient's left. False when the scene has no 3-D model. */
bool body3_frame(Scene sc, ViewKind view, double z, bool left, double zoom, double angle_deg,
                 double shift_x, double shift_y, int w, int h, Frame3 *f);

/* Turns a projection's frame about its centre as an angiography C-arm
 * turns: primary_deg about the patient's long axis (+ LAO: the detector
 * towards the patient's left), then secondary_deg towards the head
 * (+ cranial) or the feet (- caudal), as (0018,1510) and (0018,1511) state
 * them. */
void body3_angulate(Frame3 *f, double primary_deg, double secondary_deg);

/* The model a scene is cut from: 0 the trunk (vertex to thighs), 1 the
 * lower limb (knee to toes), 2 the upper limb (elbow to fingertips). One
 * individual per (patient, model), whatever the scene or view. */
int body3_model(Scene sc);

/* Builds the individual (r) with the lesion and implant (les may be NULL),
 * posed for the view (arms raised for a lateral chest or spine); mirror
 * puts a limb on the patient's left. */
void body3_build(Scene sc, ViewKind view, const Lesion *les, bool mirror, Rng *r, Body3 *b);
void body3_free(Body3 *b);

/* True when the scene's images come from a 3-D model (all of them), and when that model can show the pathology (or
 * carry an implant). */
bool body3_has(Scene sc);
bool body3_shows(Scene sc, ViewKind view, Pathology path);

/* The implant an exam of the scene carries (IMP_NONE: none fits). */
Implant body3_implant(Scene sc);

/* Ultrasound of the body (all but the heart): the acoustic windows a
 * sonographer puts the probe on for the scene's organs (liver, gallbladder,
 * kidneys, spleen, aorta; thyroid; carotid and femoral vessels; breast;
 * bladder and uterus or prostate). body3_us_windows counts a scene's
 * windows (0: not a body ultrasound scene); body3_us_window_shows says
 * whether window k shows the pathology (where body3_build puts it, given
 * Body3.us_window). body3_us_pick chooses a window: in the groin (leg) or
 * not, on the side (0 either, 1 right, 2 left), showing the pathology
 * when one does; draw in [0, 1) picks among those. body3_us_frame frames
 * window k: the image rows run into the body along the beam, depth (mm)
 * fills about 0.9 of the image height over zoom; z in [-1, 1] sweeps the
 * plane across the organ, angle tilts the probe, shift_x slides it. The
 * frame still has to be put on the individual's skin (body3_us_place). */
int body3_us_windows(Scene sc);
bool body3_us_window_shows(Scene sc, int k, Pathology path);
int body3_us_pick(Scene sc, bool leg, int side, Pathology path, double draw);
bool body3_us_frame(Scene sc, int k, double z, double zoom, double angle_deg, double shift_x,
                    int w, int h, Frame3 *f);
/* Scales the frame's centre to the individual's build and slides the
 * frame along its beam (the column direction) until the skin under the
 * probe's centre is at pixel row face_row: the probe rests on the skin. */
void body3_us_place(const Body3 *b, Frame3 *f, double face_row);
/* Where window k's lesion (fluid: its free fluid) goes in an individual of
 * the build scale: model coordinates (before scaling) whose scaled point
 * lies in the plane the placed frame cuts at z = 0. False when the window
 * does not look there. */
bool body3_us_focus(Scene sc, int k, bool fluid, const double scale[3], double out[3]);

/* Tissue labels of the frame's pixels (w×h, caller fills the background),
 * painted row span by row span. */
void body3_slice(const Body3 *b, const Frame3 *f, uint8_t *labels);
/* The label of one point (AIR outside the body): the reference the spans
 * are held to. */
uint8_t body3_label_at(const Body3 *b, const double x[3]);
/* Adds Σ (mu[tissue] − mu[parent]) × chord (mm) per pixel to acc (w×h):
 * each primitive prepared once for the frame, each row limited to where
 * the primitive's quadric is met. */
void body3_project(const Body3 *b, const Frame3 *f, const float *mu, float *acc);
/* The same sum, every pixel through every primitive with the slices'
 * chord solver: the reference body3_project is held to. */
void body3_project_reference(const Body3 *b, const Frame3 *f, const float *mu, float *acc);

/* A run whose frames differ only where contrast flows projects what every
 * frame shares once. body3_keep_common keeps (in order) the primitives of
 * common also found in other, body3_remove_common drops from b those found
 * in common (as multisets: a primitive twice matches twice). False when
 * memory runs out (the body is then unchanged). */
bool body3_keep_common(Body3 *common, const Body3 *other);
/* The volume-weighted centre of b's contrast (T_CONTRAST) primitives;
 * false when there are none. */
bool body3_contrast_centre(const Body3 *b, double c[3]);
bool body3_remove_common(Body3 *b, const Body3 *common);

#endif
