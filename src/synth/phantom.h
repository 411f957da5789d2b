/* The tissues the 3-D bodies are made of (body3d.h): each modality maps
 * them to its own quantity (render.c). */
#ifndef RN_SYNTH_PHANTOM_H
#define RN_SYNTH_PHANTOM_H

#include "synth/rng.h"

typedef enum Tissue {
    T_AIR = 0, T_FAT, T_SOFT, T_LIVER, T_ORGAN, T_KIDNEY, T_FLUID, T_BLOOD,
    T_LUNG, T_BONE, T_MARROW, T_GREY, T_WHITE, T_CONTRAST, T_DISC,
    T_CARTILAGE, T_GLAND, T_LESION, T_GAP, T_METAL, T_COUNT
} Tissue;

#endif
