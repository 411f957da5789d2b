/* radnet image preprocessing (SPEC §3, as in the RadiologyNET authors' code):
 * rescale, VOI window (robust percentile fallback, recorded), MONOCHROME1 /
 * INVERSE inversion, the paper's drop policies, aspect-preserving bilinear
 * resize into S×S with centred zero padding, first frame, colour to
 * luminance. Also PNG output. */
#ifndef RADNET_IMAGE_H
#define RADNET_IMAGE_H

#include "radnet/dicom.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RN_IMAGE_DEFAULT_SIZE 128u
#define RN_IMAGE_MAX_SIZE 4096u

typedef enum RnDropReason {
    RN_DROP_NONE = 0,
    RN_DROP_ASPECT,        /* min(h,w)/max(h,w) < 0.1 */
    RN_DROP_BLACK,         /* max < 1 after windowing */
    RN_DROP_LOW_BITS,      /* floor(log2(max))+1 < 7 */
    RN_DROP_SPARSE_HISTOGRAM, /* non-empty bins fraction <= 0.1 (0.2 multi-frame XA) */
} RnDropReason;

const char *rn_drop_reason_name(RnDropReason r);

typedef enum RnWindowSource {
    RN_WINDOW_HEADER = 0,  /* WindowCenter/WindowWidth from the file */
    RN_WINDOW_ROBUST,      /* no usable window: 0.5-99.5 percentile fallback */
} RnWindowSource;

/* What preprocessing needs from the header, besides RnPixelDesc. */
typedef struct RnImageAttrs {
    double rescale_slope, rescale_intercept; /* defaults 1, 0 */
    bool has_window;
    double window_center, window_width;      /* first value */
    char modality[17];
    bool presentation_lut_inverse;           /* PresentationLUTShape INVERSE */
} RnImageAttrs;

bool rn_image_attrs_from_dataset(const RnDataSet *ds, RnImageAttrs *out,
                                 RnError **err);

typedef struct RnPreprocessOptions {
    uint32_t size;   /* S; 0 = RN_IMAGE_DEFAULT_SIZE */
} RnPreprocessOptions;

typedef struct RnPreprocessed {
    uint8_t *pixels;         /* size*size, row-major; owned */
    uint32_t size;
    uint32_t source_rows, source_columns;
    RnDropReason drop;       /* the image is still produced when dropped */
    RnWindowSource window_source;
    double window_center, window_width; /* the window actually applied */
    bool inverted;
} RnPreprocessed;

/* Preprocesses one decoded frame. `decoded` describes the frame as the
 * codec left it (see rn_codec_decoded_desc); `multi_frame` selects the
 * multi-frame XA histogram threshold. */
bool rn_image_preprocess_frame(const RnPixelDesc *decoded, const uint8_t *frame,
                               size_t n, const RnImageAttrs *attrs,
                               bool multi_frame,
                               const RnPreprocessOptions *opts,
                               RnPreprocessed *out, RnError **err);
/* Decodes the first frame of f and preprocesses it. */
bool rn_image_preprocess_file(RnDicomFile *f, const RnPreprocessOptions *opts,
                              RnPreprocessed *out, RnError **err);
void rn_preprocessed_free(RnPreprocessed *p);

/* 8-bit grayscale PNG. */
bool rn_png_write_gray8(const char *path, const uint8_t *pixels, uint32_t width,
                        uint32_t height, RnError **err);

#ifdef __cplusplus
}
#endif
#endif
