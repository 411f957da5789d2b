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
    RN_WINDOW_HEADER = 0,  /* a WindowCenter/WindowWidth pair from the file */
    RN_WINDOW_ROBUST,      /* no usable window: 0.5-99.5 percentile fallback */
    RN_WINDOW_VOI_LUT,     /* an item of the VOI LUT Sequence (0028,3010) */
} RnWindowSource;

/* "header", "robust" or "voi_lut". */
const char *rn_window_source_name(RnWindowSource s);

/* One PALETTE COLOR lookup table (PS3.3 C.7.6.3.1.5-6). */
typedef struct RnPaletteLut {
    uint32_t entries;      /* descriptor value 1; 0 in the file means 65536 */
    int64_t first_mapped;  /* descriptor value 2 */
    uint16_t bits;         /* bits per entry, 8 or 16: from the data length */
    const uint8_t *data;   /* entries; 16-bit ones in host byte order, as
                            * rn_element_value gives them; borrowed */
    size_t n;
} RnPaletteLut;

/* One Modality or VOI LUT (PS3.3 C.11.1.1, C.11.2.1.1): input value v maps
 * to entry v - first_mapped, clamped to the table (as pydicom's
 * apply_modality_lut / apply_voi_lut). */
typedef struct RnLut {
    uint32_t entries;      /* descriptor value 1; 0 in the file means 65536 */
    int64_t first_mapped;  /* descriptor value 2, signed when the pixels are */
    /* Bits per entry: descriptor value 3, or the bit length of the largest
     * entry when that is not 8-16 or too small for the data (as dcmtk
     * fixes such tables). Output range 0 .. 2^bits - 1. */
    uint16_t bits;
    uint16_t stride;       /* bytes per entry in data: 2 (16-bit words) or 1 */
    const uint8_t *data;   /* host byte order, borrowed */
    size_t n;
} RnLut;

#define RN_IMAGE_MAX_WINDOWS 16u
#define RN_IMAGE_MAX_VOI_LUTS 8u

typedef struct RnWindow {
    double center, width;
} RnWindow;

/* What preprocessing needs from the header, besides RnPixelDesc. */
typedef struct RnImageAttrs {
    double rescale_slope, rescale_intercept; /* defaults 1, 0 */
    /* Modality LUT Sequence (0028,3000): replaces the rescale when set. */
    bool has_modality_lut;
    RnLut modality_lut;
    bool has_window;
    double window_center, window_width;      /* first pair */
    /* Further pairs of a multi-valued window: pair i >= 1 is
     * more_windows[i - 1] (CT and XA may yield one image per pair). */
    uint32_t more_window_count;
    RnWindow more_windows[RN_IMAGE_MAX_WINDOWS - 1];
    /* VOI LUT Sequence (0028,3010) items, borrowed from the data set. */
    uint32_t voi_lut_count;
    RnLut voi_luts[RN_IMAGE_MAX_VOI_LUTS];
    char modality[17];
    bool presentation_lut_inverse;           /* PresentationLUTShape INVERSE */
    /* PALETTE COLOR: red, green, blue tables, borrowed from the data set
     * (valid while its file is open). has_palette false = none usable. */
    bool has_palette;
    RnPaletteLut palette[3];
} RnImageAttrs;

bool rn_image_attrs_from_dataset(const RnDataSet *ds, RnImageAttrs *out,
                                 RnError **err);

/* The VOI transforms a header offers, each one image: the window pairs in
 * file order, then the VOI LUTs. Index 0 (the default) is the first window
 * pair as SPEC §3 says, else the first VOI LUT; with none, the robust
 * window. */
uint32_t rn_image_voi_count(const RnImageAttrs *a);

typedef struct RnPreprocessOptions {
    uint32_t size;       /* S; 0 = RN_IMAGE_DEFAULT_SIZE */
    uint32_t voi_index;  /* < rn_image_voi_count (0 also when it is 0) */
} RnPreprocessOptions;

typedef struct RnPreprocessed {
    uint8_t *pixels;         /* size*size, row-major; owned */
    uint32_t size;
    uint32_t source_rows, source_columns;
    RnDropReason drop;       /* the image is still produced when dropped */
    RnWindowSource window_source;
    /* The window actually applied; for a VOI LUT its input range
     * (first_mapped + entries / 2, entries). */
    double window_center, window_width;
    uint32_t voi_index, voi_count; /* the transform used, of how many */
    bool modality_lut;       /* the Modality LUT replaced the rescale */
    bool inverted;
} RnPreprocessed;

/* Preprocesses one decoded frame. `decoded` describes the frame as the
 * codec left it (see rn_codec_decoded_desc); `multi_frame` selects the
 * multi-frame XA histogram threshold.
 *
 * Exactly as the authors' code: value = stored * slope + intercept (stored
 * values masked to bits stored at high bit, sign-extended when signed),
 * window in float64, 255 - x when inverted, then truncation to 8 bits
 * (numpy's uint8 cast). A Modality LUT replaces the rescale, a VOI LUT the
 * window (its entries scaled by 255 / (2^bits - 1)), on grayscale images. The drop rules are evaluated on that 8-bit image
 * at source resolution, after inversion and before the resize. Colour
 * becomes luminance first: RGB (and J2K YBR_RCT/ICT, which decoders return
 * as RGB) by 0.299 R + 0.587 G + 0.114 B, YBR_FULL / YBR_FULL_422 (upsampled
 * or as stored) by Y, PALETTE COLOR through attrs->palette. The resize is
 * bit-identical to Pillow's Image.resize(BILINEAR) as the authors used it,
 * padded at floor((S - n) / 2). */
bool rn_image_preprocess_frame(const RnPixelDesc *decoded, const uint8_t *frame,
                               size_t n, const RnImageAttrs *attrs,
                               bool multi_frame,
                               const RnPreprocessOptions *opts,
                               RnPreprocessed *out, RnError **err);
/* Decodes the first frame of f and preprocesses it, with the attributes of
 * rn_image_attrs_from_dataset (top level, else the enhanced multi-frame
 * functional groups: shared, else the first frame's). */
bool rn_image_preprocess_file(RnDicomFile *f, const RnPreprocessOptions *opts,
                              RnPreprocessed *out, RnError **err);
void rn_preprocessed_free(RnPreprocessed *p);

/* 8-bit grayscale PNG, written atomically (temp file + rename). */
bool rn_png_write_gray8(const char *path, const uint8_t *pixels, uint32_t width,
                        uint32_t height, RnError **err);
/* The same PNG appended to a buffer (thumbnails, HTML report). */
bool rn_png_encode_gray8(const uint8_t *pixels, uint32_t width, uint32_t height,
                         RnBuf *out, RnError **err);

#ifdef __cplusplus
}
#endif
#endif
