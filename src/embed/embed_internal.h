/* The embed stage's internal contract: every method is one row of the
 * registry table (src/embed/registry.c) with these operations. The generic
 * model file (src/embed/model.c) wraps a method's payload with a magic,
 * version, source, method name, output dimension, payload length and a
 * CRC-32, so a corrupt or truncated file is refused before a method parses
 * it. Payloads are written little-endian and byte-deterministically. */
#ifndef RN_EMBED_INTERNAL_H
#define RN_EMBED_INTERNAL_H

#include "radnet/embed.h"

typedef struct RnEmbedMethodOps {
    RnEmbedSource source;
    const char *name;
    const char *summary;        /* one line for --help */
    /* Fits on the sample; returns the fitted state and sets *dim. */
    void *(*fit)(const RnEmbedItem *sample, size_t n, const RnEmbedParams *p,
                 size_t *dim, RnError **err);
    /* out: n × dim float32, row-major. */
    bool (*transform)(const void *state, const RnEmbedItem *items, size_t n,
                      float *out, RnError **err);
    /* Appends the state's payload to out. */
    bool (*save)(const void *state, RnBuf *out, RnError **err);
    /* Parses a payload (every length checked); sets *dim. */
    void *(*load)(const uint8_t *payload, size_t n, size_t *dim, RnError **err);
    void (*free)(void *state);
} RnEmbedMethodOps;

/* The registry: NULL when source/name is unknown. */
const RnEmbedMethodOps *rn_embed_method_find(RnEmbedSource source,
                                             const char *name);

#endif
