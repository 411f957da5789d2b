/* Shared by the embtxt method tests: a saved model whose payload bytes are
 * damaged behind a recomputed checksum is refused, or loads into a model
 * whose transform fails cleanly or runs without touching memory it does
 * not own (the ASan build checks that). */
#ifndef EMBTXT_DAMAGE_H
#define EMBTXT_DAMAGE_H

#include "radnet/embed.h"
#include "rn_test.h"

#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

static void check_payload_damage(const RnEmbedModel *m, const char *method,
                                  const RnEmbedItem *items, size_t n, size_t attempts)
{
    char path[] = "/tmp/embtxt_damageXXXXXX";
    int fd = mkstemp(path);
    close(fd);
    uint8_t *file = NULL;
    size_t len = 0;
    CHECK(rn_embed_model_save(m, path, NULL) && rn_file_read_all(path, 1u << 28, &file, &len, NULL));
    unlink(path);
    /* magic 8, version 4, source 4, name 4 + len, dim 8, payload length 8 */
    size_t payload_at = 36 + strlen(method);
    size_t tried = 0, loaded = 0;
    size_t stride = len > payload_at + attempts ? (len - payload_at) / attempts : 1;
    for (size_t at = payload_at; file && at + 4 < len; at += stride) {
        for (int flip = 0; flip < 2; flip++) {
            uint8_t mask = flip ? 0xFF : 0x01;
            file[at] ^= mask;
            uint32_t crc = (uint32_t)crc32(0, file, (uInt)(len - 4));
            for (int i = 0; i < 4; i++)
                file[len - 4 + i] = (uint8_t)(crc >> (8 * i));
            RnError *err = NULL;
            RnEmbedModel *bad = rn_embed_model_load_memory(file, len, &err);
            tried++;
            if (bad) {
                loaded++;
                size_t d = rn_embed_model_dim(bad);
                float *out = calloc(n * d + 1, sizeof *out);
                volatile float touch = 0;
                if (out && rn_embed_transform(bad, items, n, out, &err))
                    for (size_t i = 0; i < n * d; i++)
                        touch += out[i];
                (void)touch;
                free(out);
            }
            rn_embed_model_free(bad);
            rn_error_free(err);
            file[at] ^= mask;
        }
    }
    /* some damage (counts, lengths, flags) must be caught by the loader */
    CHECK(tried > 0 && loaded < tried);
    fprintf(stderr, "%s: %zu damaged payloads, %zu loaded\n", method, tried, loaded);
    free(file);
}

#endif
