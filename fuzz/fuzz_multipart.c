/* libFuzzer target for the WADO-RS response side: the input is fed to the
 * multipart parser (boundary "B0", the first byte choosing the piece size,
 * a small part limit) and read as a QIDO-RS JSON body and a Content-Type.
 * Parts must respect the limit and never add up to more than the input. */
#include "radnet/dicomweb.h"

#include <stdlib.h>
#include <string.h>

#define MAX_PART 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct Seen {
    size_t total, limit;
} Seen;

static bool check_part(void *user, const char *content_type, uint8_t *body, size_t n,
                       RnError **err)
{
    (void)content_type, (void)err;
    Seen *s = user;
    if (n > MAX_PART)
        abort();
    s->total += n;
    if (s->total > s->limit)
        abort();
    free(body);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t chunk = 1 + data[0] % 64;
    Seen seen = {0, size};
    RnError *err = NULL;
    RnMultipart *m = rn_multipart_open("B0", MAX_PART, check_part, &seen, &err);
    bool ok = m != NULL;
    for (size_t i = 1; ok && i < size; i += chunk)
        ok = rn_multipart_feed(m, data + i, size - i < chunk ? size - i : chunk, &err);
    if (ok)
        rn_multipart_finish(m, &err);
    rn_multipart_close(m);
    rn_error_free(err);
    err = NULL;

    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    static const char *const tags[] = {"0020000E", "00080018"};
    char **values = NULL;
    size_t n = 0, objects = 0;
    if (rn_qido_rows(text, size, tags, 2, &values, &n, &objects, &err) && n > objects)
        abort();
    rn_dicomweb_strings_free(values, 2 * n);
    rn_error_free(err);
    err = NULL;
    char boundary[80];
    if (rn_multipart_boundary(text, boundary, sizeof boundary, &err) && strlen(boundary) > 70)
        abort();
    rn_error_free(err);
    free(text);
    return 0;
}
