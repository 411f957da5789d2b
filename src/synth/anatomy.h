/* Anatomical scenes: one phantom builder per (view, body region). */
#ifndef RN_SYNTH_ANATOMY_H
#define RN_SYNTH_ANATOMY_H

#include "synth/phantom.h"

typedef enum Scene {
    /* cross-sections (CT, MR, PT, US background) */
    SC_AX_HEAD, SC_AX_NECK, SC_AX_CHEST, SC_AX_ABDOMEN, SC_AX_KIDNEYS,
    SC_AX_PELVIS, SC_AX_BREAST, SC_SAG_CSPINE, SC_SAG_TSPINE, SC_SAG_LSPINE,
    SC_SAG_KNEE, SC_COR_SHOULDER, SC_SAG_ANKLE, SC_COR_BODY, SC_SAG_HEAD, SC_COR_HEAD,
    SC_AX_HEART, /* cardiac CT/MR: axial or the heart's own planes (SA, 2CH, 4CH) */
    /* projections (CR, DX, RF, MG, XA) */
    SC_XR_CHEST, SC_XR_CHEST_LAT, SC_XR_SKULL, SC_XR_CSPINE, SC_XR_TSPINE, SC_XR_LSPINE,
    SC_XR_PELVIS, SC_XR_HIP, SC_XR_ABDOMEN, SC_XR_UROGRAPHY, SC_XR_BARIUM,
    SC_XR_KNEE, SC_XR_ELBOW, SC_XR_LEG, SC_XR_ARM, SC_XR_SHOULDER,
    SC_XR_CLAVICLE, SC_XR_HAND, SC_XR_WRIST, SC_XR_FINGER, SC_XR_FOOT,
    SC_XR_ANKLE, SC_XR_HEEL, SC_MG_BREAST, SC_XA_CORONARY, SC_XA_CEREBRAL,
    SC_XA_LEG, SC_XA_RENAL,
    /* ultrasound sectors */
    SC_US_ABDOMEN, SC_US_KIDNEY, SC_US_NECK, SC_US_BREAST, SC_US_VESSEL,
    SC_US_PELVIS, SC_US_HEART,
    /* planar scintigraphy */
    SC_NM_BONE, SC_NM_HEART, SC_NM_THYROID, SC_NM_RENAL, SC_NM_LUNG,
    SC_COUNT
} Scene;

/* What an exam shows besides normal anatomy; the report says the same. */
typedef enum Pathology {
    P_NONE, P_FRACTURE, P_NODULE, P_EFFUSION, P_MASS, P_COUNT
} Pathology;

/* Plane of a cross-section or view of a projection, as the metadata states
 * it (ImageOrientationPatient, ViewPosition, SeriesDescription). */
typedef enum ViewKind {
    VW_AX, VW_SAG, VW_COR, VW_PA, VW_AP, VW_LAT, VW_OBL, VW_CC, VW_MLO, VW_ANT,
    VW_POST, VW_SECTOR, VW_LOCALIZER, VW_CAPTURE,
    /* the heart's planes: short axis, two- and four-chamber long axes */
    VW_SA, VW_2CH, VW_4CH,
    /* angiography's angulated views (the primary angle's side; the
     * cranial/caudal tilt is in the positioner angles) */
    VW_LAO, VW_RAO, VW_COUNT
} ViewKind;

extern const char *const pathology_names[P_COUNT];
extern const char *const view_names[VW_COUNT];

/* Metal in the patient, as truth.csv names it (implant_names). */
typedef enum Implant {
    IMP_NONE, IMP_OSTEOSYNTHESIS, IMP_PACEMAKER, IMP_HIP_PROSTHESIS, IMP_KNEE_PROSTHESIS,
    IMP_SPINAL_FIXATION, IMP_COUNT
} Implant;

extern const char *const implant_names[IMP_COUNT];

/* A pathology placed in the phantom: on the patient's side (1 right,
 * 2 left), size in phantom units (the field of view spans about 2). */
typedef struct Lesion {
    Pathology path;
    int side;
    double size;
    Implant implant; /* in the 3-D body, body3_implant */
} Lesion;

/* True when the scene's 3-D body can show that pathology (body3_shows). */
bool anatomy_shows(Scene sc, ViewKind view, Pathology path);

/* True when the scene's 3-D model can carry an implant (body3_implant). */
bool anatomy_takes_implant(Scene sc);

/* True for projection scenes (attenuation adds up along the ray). */
bool scene_is_projection(Scene sc);

#endif
