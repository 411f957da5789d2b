/* 16-bit "lossy" JPEG (SOF1 with 16-bit precision). T.81 allows only 8 and
 * 12 bits for DCT processes, but gdcm writes such streams (`gdcmconv
 * --jpeg --lossy` on 16-bit data) and reads them with its 16-bit IJG
 * build (libgdcmjpeg16, symbols prefixed gdcmjpeg16_); we use the same
 * library so those files decode exactly as in gdcm. */
#include "codec/codec_internal.h"

#include <stdio.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include "gdcmjpeg/16/jpeglib.h"
#include "gdcmjpeg/16/jerror.h"
#pragma GCC diagnostic pop

#define IJG_DECODE_FN rn_jpeg16_decode
#define IJG_SAMPLE_BITS 16
#include "codec/ijg_decode.inc"
