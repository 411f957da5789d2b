/* 8-bit lossy JPEG (baseline, extended, progressive, arithmetic) through
 * libjpeg-turbo, whose ISLOW IDCT and upsampling match the IJG 6b build
 * gdcm uses, so the output is byte-identical to gdcm's. */
#include "codec/codec_internal.h"

#include <stdio.h>

#include <jerror.h>
#include <jpeglib.h>

#define IJG_DECODE_FN rn_jpeg8_decode
#define IJG_SAMPLE_BITS 8
#include "codec/ijg_decode.inc"
