/* Fuzz target for the pixel codecs. The first 8 bytes choose a small
 * RnPixelDesc, the rest is one frame's codestream:
 *   [0] transfer syntax (index into kSyntaxes)
 *   [1] rows - 1 (1..64)      [2] columns - 1 (1..64)
 *   [3] bits allocated: low 2 bits pick 8/16/32; high nibble is how many
 *       bits below it bits stored is
 *   [4] bit 0: 3 samples per pixel (else 1)
 *   [5] bit 0: signed, bit 1: planar
 *   [6] photometric (index into kPhotometric)
 *   [7] unused
 * The decoder must return true or false, never crash, leak or read/write
 * out of bounds. */
#include "radnet/codec.h"

#include <stdlib.h>
#include <string.h>

static const RnTransferSyntax kSyntaxes[] = {
    RN_TS_RLE,            RN_TS_JPEG_BASELINE,   RN_TS_JPEG_EXTENDED,
    RN_TS_JPEG_LOSSLESS,  RN_TS_JPEG_LOSSLESS_SV1, RN_TS_JPEGLS_LOSSLESS,
    RN_TS_JPEGLS_NEAR,    RN_TS_J2K_LOSSLESS,    RN_TS_J2K,
    RN_TS_EXPLICIT_LE,    RN_TS_EXPLICIT_BE,
};

static const char *const kPhotometric[] = {"MONOCHROME2", "MONOCHROME1", "RGB",
                                           "YBR_FULL", "YBR_FULL_422", "YBR_RCT",
                                           "YBR_ICT"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    static const uint16_t bits[] = {8, 16, 32, 16};
    RnPixelDesc d;
    memset(&d, 0, sizeof d);
    d.transfer_syntax = kSyntaxes[data[0] % N(kSyntaxes)];
    d.rows = 1u + data[1] % 64u;
    d.columns = 1u + data[2] % 64u;
    d.frames = 1;
    d.bits_allocated = bits[data[3] & 3u];
    unsigned below = (data[3] >> 4) % d.bits_allocated;
    d.bits_stored = (uint16_t)(d.bits_allocated - below);
    d.high_bit = (uint16_t)(d.bits_stored - 1u);
    d.samples_per_pixel = (data[4] & 1u) ? 3 : 1;
    d.pixel_representation = data[5] & 1u;
    d.planar_configuration = (data[5] >> 1) & 1u;
    strcpy(d.photometric, kPhotometric[data[6] % N(kPhotometric)]);

    size_t frame_bytes;
    if (!rn_pixel_frame_bytes(&d, &frame_bytes, NULL))
        return 0;
    uint8_t *dst = malloc(frame_bytes);
    if (dst == NULL)
        return 0;
    RnError *err = NULL;
    if (!rn_codec_decode_frame(&d, data + 8, size - 8, dst, frame_bytes, &err))
        rn_error_free(err);
    RnPixelDesc out;
    rn_codec_decoded_desc(&d, &out);
    free(dst);
    return 0;
}
