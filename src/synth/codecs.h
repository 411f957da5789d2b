/* Compression of one native frame for the encapsulated transfer syntaxes. */
#ifndef RN_SYNTH_CODECS_H
#define RN_SYNTH_CODECS_H

#include "synth/dcmw.h"

typedef struct SynthFrame {
    const uint8_t *data; /* interleaved samples; 16-bit values little endian */
    uint32_t rows, cols;
    uint16_t samples;     /* 1 or 3 */
    uint16_t bits_allocated, bits_stored;
} SynthFrame;

/* Appends the compressed frame to out. quality: JPEG baseline 1..100, J2K
 * lossy compression ratio; ignored by lossless syntaxes. JPEG baseline needs
 * 8-bit data; colour comes out as YCbCr 4:2:2 (YBR_FULL_422). */
bool synth_encode_frame(DcmSyntax ts, const SynthFrame *f, int quality,
                        RnBuf *out, RnError **err);

#endif
