/* Shared by the embedding-method tests: a model saved to a file and loaded
 * back transforms rows to the same bits, and every truncation of that file
 * is refused with an error. */
#ifndef RN_MODEL_ROUNDTRIP_H
#define RN_MODEL_ROUNDTRIP_H

#include "radnet/embed.h"
#include "rn_test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* out: m's transform of the n rows (n x dim floats). */
static void check_model_roundtrip(const RnEmbedModel *m, const RnEmbedItem *rows, size_t n,
                                  const float *out)
{
    char path[] = "/tmp/rn_roundtripXXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    RnError *err = NULL;
    uint8_t *file = NULL;
    size_t len = 0;
    CHECK_MSG(rn_embed_model_save(m, path, &err) &&
                  rn_file_read_all(path, 1u << 28, &file, &len, &err),
              "%s", err ? rn_error_message(err) : "");
    unlink(path);
    CHECK(file != NULL && len > 0);
    size_t values = n * rn_embed_model_dim(m);
    float *again = calloc(values + 1, sizeof *again);
    RnEmbedModel *back = file ? rn_embed_model_load_memory(file, len, &err) : NULL;
    CHECK_MSG(back != NULL, "%s", err ? rn_error_message(err) : "");
    CHECK(back && again && rn_embed_transform(back, rows, n, again, &err) &&
          memcmp(out, again, values * sizeof *out) == 0);
    rn_embed_model_free(back);
    free(again);
    rn_error_free(err);
    for (size_t cut = 0; file && cut < len; cut++) {
        RnError *e = NULL;
        RnEmbedModel *t = rn_embed_model_load_memory(file, cut, &e);
        CHECK_MSG(t == NULL && e != NULL, "a model cut to %zu of %zu bytes loaded", cut, len);
        rn_embed_model_free(t);
        rn_error_free(e);
    }
    free(file);
}

#endif
