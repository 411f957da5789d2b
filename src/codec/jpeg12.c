/* 12-bit lossy JPEG (extended, processes 2 and 4) through gdcm's IJG 6b
 * build with 12-bit samples (libgdcmjpeg12; its symbols carry a
 * gdcmjpeg12_ prefix, applied by the mangling header that its jconfig.h
 * pulls in). libjpeg-turbo 2.1 only handles one sample width per build. */
#include "codec/codec_internal.h"

#include <stdio.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include "gdcmjpeg/12/jpeglib.h"
#include "gdcmjpeg/12/jerror.h"
#pragma GCC diagnostic pop

#define IJG_DECODE_FN rn_jpeg12_decode
#define IJG_SAMPLE_BITS 12
#include "codec/ijg_decode.inc"
