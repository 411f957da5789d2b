/* The hospital's data tables: modalities and their shares, body regions and
 * their vocabulary, plausible modality/region pairs with the scene that
 * draws them, vendors and their habits. Data, not code. */
#ifndef RN_SYNTH_TABLES_H
#define RN_SYNTH_TABLES_H

#include "synth/anatomy.h"
#include "synth/dcmw.h"

typedef enum Region {
    R_SKULL, R_HEAD, R_NECK, R_CHEST, R_ABDOMEN, R_PELVIS, R_CSPINE, R_TSPINE,
    R_LSPINE, R_SHOULDER, R_CLAVICLE, R_ELBOW, R_ARM, R_WRIST, R_HAND,
    R_FINGER, R_HIP, R_LEG, R_KNEE, R_ANKLE, R_FOOT, R_HEEL, R_BREAST,
    R_URINARYTRACT, R_GITRACT, R_CAROTID, R_WHOLEBODY,
    R_HEART, /* cardiac exams: truth's region is CHEST (SPEC §5 renames HEART) */
    R_COUNT
} Region;

typedef enum Mod {
    M_CR, M_DX, M_CT, M_MR, M_US, M_XA, M_RF, M_MG, M_NM, M_PT, M_COUNT
} Mod;

#define MAX_PHRASES 8

typedef struct RegionInfo {
    const char *name;                 /* truth label (SPEC §5 names) */
    Region neighbour;                 /* what a copied preset writes instead */
    const char *word[3];              /* short names: hr, en, de */
    const char *bpe[3];               /* correct BodyPartExamined spellings */
    const char *coarse;               /* a vaguer value some devices write */
    const char *phrases[MAX_PHRASES]; /* procedure wording, hr (ASCII or not) and en */
    const char *protocol;             /* protocol stem, e.g. "KNEE" */
    bool lateral;                     /* has a left/right side */
} RegionInfo;

typedef struct ModRegion {
    Region region;
    double weight;
    Scene scene;
} ModRegion;

#define MAX_MOD_REGIONS 24
#define MAX_MOD_VENDORS 5

typedef struct ModalityInfo {
    const char *code;
    const char *sop_class;
    const char *sop_class_multiframe; /* NULL when single-frame only */
    double image_share;               /* target share of all images */
    const char *prefixes[4];          /* procedure prefixes: "RTG", "CT"... */
    int series_min, series_max;       /* series per study */
    int images_min, images_max;       /* images per series (full size) */
    ModRegion regions[MAX_MOD_REGIONS];
    int vendors[MAX_MOD_VENDORS];     /* indices into synth_vendors, -1 ends */
} ModalityInfo;

typedef enum Charset { CS_ASCII, CS_LATIN1, CS_LATIN2, CS_UTF8, CS_COUNT } Charset;

/* Vendors, in the order of synth_vendors: header and naming styles. */
typedef enum Vendor {
    V_SIEMENS, V_GE, V_PHILIPS, V_TOSHIBA, V_AGFA, V_FUJI, V_CARESTREAM, V_HOLOGIC
} Vendor;

/* Languages of descriptions and reports. */
typedef enum Lang { L_HR, L_EN, L_DE, L_COUNT } Lang;

typedef struct VendorInfo {
    const char *manufacturer;
    const char *models[3];
    const char *station_stem;
    const char *impl_uid, *impl_version;
    const char *private_creator;
    uint16_t private_group;
    double charset_w[CS_COUNT];
    double syntax_w[DCM_SYNTAX_COUNT]; /* preferences; 8-bit-only ones filtered */
    bool signed_ct, monochrome1, fills_protocol, fills_requested;
    double bpe_missing;                /* share of series without BodyPartExamined */
} VendorInfo;

extern const RegionInfo synth_regions[R_COUNT];
/* Transfer syntax preferences per modality (multiply the vendor's). */
extern const double synth_modality_syntax_w[M_COUNT][DCM_SYNTAX_COUNT];
extern const ModalityInfo synth_modalities[M_COUNT];
extern const VendorInfo synth_vendors[];
extern const size_t synth_vendor_count;

/* Character-set terms for (0008,0005) (NULL for the default repertoire). */
const char *charset_term(Charset cs);

#endif
