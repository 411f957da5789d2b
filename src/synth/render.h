/* Modality intensity models: a phantom becomes stored pixel values. */
#ifndef RN_SYNTH_RENDER_H
#define RN_SYNTH_RENDER_H

#include "synth/body3d.h"
#include "synth/tables.h"

typedef enum Photometric { PI_MONOCHROME1, PI_MONOCHROME2, PI_RGB, PI_YBR_FULL } Photometric;

const char *photometric_term(Photometric p);

typedef struct PixelSpec {
    uint32_t rows, cols, frames;
    uint16_t samples, bits_allocated, bits_stored;
    bool is_signed;
    Photometric photometric;
    double slope, intercept;   /* stored -> modality units */
} PixelSpec;

/* How a CT reconstruction kernel renders noise and edges. */
typedef enum CtKernel { CT_KERNEL_STANDARD, CT_KERNEL_SOFT, CT_KERNEL_SHARP } CtKernel;

/* Ultrasound arrays: a phased array's narrow-apex sector, a convex
 * array's arc-topped fan, a linear array's rectangle. */
typedef enum UsProbe { PROBE_PHASED, PROBE_CONVEX, PROBE_LINEAR } UsProbe;

typedef struct RenderJob {
    Mod mod;
    Scene scene;
    ViewKind view;
    Lesion lesion;         /* the study's pathology */
    int contrast;          /* MR: MrSequence; CT: 1 = enhanced */
    CtKernel kernel;       /* CT: recorded in ConvolutionKernel */
    bool mirror;           /* left side */
    double z;              /* slice position in [-1, 1] */
    double zoom, angle, shift_x, shift_y;
    uint64_t anatomy_seed; /* the individual: shared by a study's images */
    uint64_t noise_seed;   /* this image */
    bool doppler;          /* US colour flow (RGB) */
    UsProbe probe;         /* US: the array, and so the shape of the field */
    int us_window;         /* US of the body: the acoustic window (body3_us_frame) */
    bool female;           /* the pelvis's organs (Body3.female) */
    bool collimate;        /* projection: unexposed border */
    char marker;           /* radiograph side marker 'R' / 'L', 0 none */
    char overlay[2][64];   /* burned-in header lines (ultrasound), "" none */
    Frame3 frame;          /* valid: the scene's 3-D body, sliced or projected here */
    bool spect;            /* NM: reconstructed axial slices, one per frame */
    double systole;        /* heart: cardiac phase of a single-frame image (0..1) */
    bool right_coronary;   /* coronary angiography: the right tree injected, else the left */
    double primary, secondary; /* XA, RF: the C-arm's (0018,1510/1511), degrees; applied
                                * to frame by the caller (body3_angulate) */
    double t0, t1;         /* t1 > t0: the image's window of the run's time (the frames
                            * step through it, a single frame is at t1); else 0..1 */
    bool follow;           /* RF: the field pans to where contrast has just run */
} RenderJob;

typedef struct RenderOut {
    uint8_t *pixels;       /* frames × rows × cols × samples stored values */
    size_t len;
    double window_center, window_width; /* a sensible VOI, modality units */
} RenderOut;

/* PixelSpec.slope/intercept must be set by the caller; PT overrides slope
 * to fit its dynamic range (read it back from spec). */
bool render_image(const RenderJob *job, PixelSpec *spec, RenderOut *out,
                  RnError **err);

#endif
