/* Names of the scenes' views, pathologies and implants, and what a scene
 * can show; the anatomy itself is the 3-D bodies' (body3d.h). */
#include "synth/anatomy.h"

#include "synth/body3d.h"

const char *const pathology_names[P_COUNT] = {"none", "fracture", "nodule", "effusion", "mass"};
const char *const view_names[VW_COUNT] = {"AX", "SAG", "COR", "PA", "AP", "LAT", "OBL", "CC",
                                          "MLO", "ANT", "POST", "SECTOR", "LOCALIZER", "CAPTURE",
                                          "SA", "2CH", "4CH", "LAO", "RAO"};

const char *const implant_names[IMP_COUNT] = {"",          "OSTEOSYNTHESIS",
                                              "PACEMAKER", "HIP_PROSTHESIS",
                                              "KNEE_PROSTHESIS", "SPINAL_FIXATION"};

bool anatomy_takes_implant(Scene sc)
{
    return body3_has(sc) && body3_implant(sc) != IMP_NONE;
}

bool anatomy_shows(Scene sc, ViewKind view, Pathology path)
{
    return path == P_NONE || body3_shows(sc, view, path);
}

bool scene_is_projection(Scene sc)
{
    return sc >= SC_XR_CHEST && sc <= SC_XA_RENAL;
}
