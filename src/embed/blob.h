/* Model payloads: a little-endian, byte-deterministic writer and a
 * bounds-checked reader. Every method's save/load goes through these, so a
 * payload is never read past its end and no length read from a file is
 * used before it is checked against the bytes that remain. */
#ifndef RN_EMBED_BLOB_H
#define RN_EMBED_BLOB_H

#include "radnet/core.h"

/* ---- writer: appends to an RnBuf ------------------------------------ */

bool eb_put_u32(RnBuf *b, uint32_t v, RnError **err);
bool eb_put_u64(RnBuf *b, uint64_t v, RnError **err);
bool eb_put_f32(RnBuf *b, float v, RnError **err);
/* n floats, no length prefix (the reader must know n). */
bool eb_put_f32s(RnBuf *b, const float *v, size_t n, RnError **err);
/* u32 byte length, then the bytes (no NUL). */
bool eb_put_str(RnBuf *b, const char *s, RnError **err);

/* ---- reader ----------------------------------------------------------- */

typedef struct EbReader {
    const uint8_t *data;
    size_t n;
    size_t pos;
} EbReader;

void eb_reader_init(EbReader *r, const uint8_t *data, size_t n);
bool eb_get_u32(EbReader *r, uint32_t *out, RnError **err);
bool eb_get_u64(EbReader *r, uint64_t *out, RnError **err);
/* A u64 that must lie in [min, max] (RN_ERROR_PARSE otherwise). */
bool eb_get_size(EbReader *r, uint64_t min, uint64_t max, size_t *out,
                 RnError **err);
bool eb_get_f32(EbReader *r, float *out, RnError **err);
/* n floats into out (caller-sized); refused before copying when fewer than
 * 4n bytes remain. NaN and infinities are refused (a model never holds them). */
bool eb_get_f32s(EbReader *r, float *out, size_t n, RnError **err);
/* Allocates and reads n floats; the size is checked against what remains
 * before allocating. Caller frees. */
float *eb_get_f32s_alloc(EbReader *r, size_t n, RnError **err);
/* A string of at most max_len bytes without NUL; caller frees. */
char *eb_get_str(EbReader *r, size_t max_len, RnError **err);
/* Fails unless every byte was consumed (trailing garbage is corruption). */
bool eb_reader_done(const EbReader *r, RnError **err);

#endif
