/* Series descriptions and protocol names as each vendor's consoles and
 * each hospital's protocol trees write them: Siemens "t2_tse_sag",
 * GE "Sag T2 FSE", Philips "T2W_TSE_SAG", CT kernels, X-ray views in
 * Croatian, English or German. They name plane, sequence and view far
 * more often than the body region. */
#ifndef RN_SYNTH_NAMING_H
#define RN_SYNTH_NAMING_H

#include "synth/rng.h"
#include "synth/tables.h"

typedef struct SeriesNaming {
    Vendor vendor;
    Mod mod;
    Region region;
    ViewKind view;
    int sequence;      /* MR: MrSequence */
    double thickness;  /* CT, MR slice thickness in mm */
    const char *kernel;
    int side;          /* 0 none, 1 right, 2 left */
    Lang lang;         /* the hospital's protocol language */
    int artery;        /* coronary angiography: 1 the left tree injected, 2 the right */
    double primary, secondary; /* XA: the C-arm's angles (+ LAO, + cranial) */
} SeriesNaming;

/* MR_CINE: balanced steady-state free precession, bright blood (cardiac cines). */
typedef enum MrSequence {
    MR_T1, MR_T2, MR_FLAIR, MR_PD, MR_STIR, MR_DWI, MR_CINE, MR_SEQ_COUNT
} MrSequence;

extern const char *const mr_sequence_names[MR_SEQ_COUNT];

/* (0008,103E) and (0018,1030), UTF-8, NUL-terminated. */
void naming_series(Rng *r, const SeriesNaming *n, char *desc, size_t ndesc, char *protocol,
                   size_t nprotocol);

#endif
