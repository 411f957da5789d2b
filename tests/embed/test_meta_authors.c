/* Metadata method `authors`: identifying tags never reach the model, new
 * items with unseen categories and missing values are handled, the model
 * round-trips to identical output, and fits are deterministic. */
#include "embtxt_damage.h"
#include "radnet/embed.h"
#include "rn_test.h"

#include <stdlib.h>
#include <unistd.h>

#define N 40

/* Identifying elements, each with values that would otherwise survive
 * every drop rule (3 distinct values, always filled). %d: 0..2. */
static const char *const identifying_fmt[] = {
    "\"PatientName\":[\"PN\",\"SECRETNAME%d^JOHN\"]",
    "\"PatientID\":[\"LO\",\"SECRETPID%d\"]",
    "\"OtherPatientIDs\":[\"LO\",\"SECRETOTHERID%d\"]",
    "\"PatientBirthDate\":[\"DA\",\"1970010%d\"]",
    "\"StudyDate\":[\"DA\",\"2020020%d\"]",
    "\"StudyInstanceUID\":[\"UI\",\"1.2.826.99999.%d\"]",
    "\"AccessionNumber\":[\"SH\",\"SECRETACC%d\"]",
    "\"PatientAddress\":[\"LO\",\"SECRETSTREET %d\"]",
    "\"InstitutionName\":[\"LO\",\"SECRETHOSPITAL%d\"]",
    "\"ImageComments\":[\"LT\",\"SECRETCOMMENT%d\"]",
    "\"StudyComments\":[\"LO\",\"SECRETSTUDYCOMMENT%d\"]",
    "\"DeviceSerialNumber\":[\"LO\",\"SECRETSERIAL%d\"]",
    "\"00091001\":[\"LO\",\"SECRETPRIVATE%d\"]",
    "\"ReferringPhysicianName\":[\"PN\",\"SECRETDOCTOR%d\"]",
    "\"StationName\":[\"SH\",\"SECRETSTATION%d\"]",
    "\"PatientTelephoneNumbers\":[\"SH\",\"SECRETPHONE%d\"]",
};
#define N_IDENT (sizeof identifying_fmt / sizeof *identifying_fmt)

static char *make_json(size_t i, const char *modality)
{
    RnBuf b = RN_BUF_INIT;
    rn_buf_printf(&b, NULL,
                  "{\"Modality\":[\"CS\",\"%s\"],\"Manufacturer\":[\"LO\",\"ACMEVENDOR%zu\"],"
                  "\"Rows\":[\"US\",\"%zu\"],\"PixelSpacing\":[\"DS\",\"0.%zu\\\\0.%zu\"],"
                  "\"PatientAge\":[\"AS\",\"0%02zuY\"]",
                  modality, i % 2, 256 + 256 * (i % 3), 3 + i % 5, 3 + i % 5, 20 + i % 60);
    for (size_t t = 0; t < N_IDENT; t++) {
        rn_buf_append_str(&b, ",", NULL);
        rn_buf_printf(&b, NULL, identifying_fmt[t], (int)(i % 3));
    }
    rn_buf_append_str(&b, "}", NULL);
    rn_buf_terminate(&b, NULL);
    return (char *)b.data;
}

static uint8_t *save_bytes(const RnEmbedModel *m, size_t *n)
{
    char path[] = "/tmp/embtxt_metaXXXXXX";
    int fd = mkstemp(path);
    close(fd);
    uint8_t *data = NULL;
    RnError *err = NULL;
    bool ok = rn_embed_model_save(m, path, &err) &&
              rn_file_read_all(path, 1u << 28, &data, n, &err);
    CHECK_MSG(ok, "%s", err ? rn_error_message(err) : "");
    unlink(path);
    return data;
}

static bool contains(const uint8_t *data, size_t n, const char *s)
{
    return memmem(data, n, s, strlen(s)) != NULL;
}

static void check_reducer(const char *options)
{
    RnEmbedItem items[N];
    char *json[N];
    for (size_t i = 0; i < N; i++) {
        json[i] = make_json(i, i % 3 == 0 ? "CT" : i % 3 == 1 ? "MR" : "DX");
        items[i] = (RnEmbedItem){.sop_uid = "", .modality = "", .region = "",
                                 .elements_json = json[i]};
    }
    RnError *err = NULL;
    RnEmbedParams p = {.dim = 4, .seed = 1, .options = options};
    RnEmbedModel *m = rn_embed_fit(RN_EMBED_META, "authors", items, N, &p, &err);
    CHECK_MSG(m != NULL, "%s", err ? rn_error_message(err) : "");
    if (!m)
        return;
    CHECK_EQ_INT(rn_embed_model_dim(m), 4);
    size_t n;
    uint8_t *bytes = save_bytes(m, &n);
    /* the scan can see values: a kept categorical is in the model ... */
    CHECK(bytes && contains(bytes, n, "acmevendor1"));
    /* ... and no identifying value (nor its lowercase) is */
    for (size_t t = 0; bytes && t < N_IDENT; t++)
        for (int v = 0; v < 3; v++) {
            char probe[128], val[128];
            snprintf(val, sizeof val, identifying_fmt[t], v);
            /* the value is the text between the last pair of quotes */
            char *end = strrchr(val, '"');
            *end = 0;
            const char *start = strrchr(val, '"') + 1;
            snprintf(probe, sizeof probe, "%s", start);
            CHECK_MSG(!contains(bytes, n, probe), "identifying value %s in the model", probe);
            for (char *c = probe; *c; c++)
                *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
            CHECK_MSG(!contains(bytes, n, probe), "identifying value %s in the model", probe);
        }
    /* new items: unseen category, missing and malformed values */
    const char *fresh[] = {
        "{\"Modality\":[\"CS\",\"PT\"],\"Manufacturer\":[\"LO\",\"NEWVENDOR\"]}",
        "{}",
        "{\"Modality\":[\"CS\",\"CT\"],\"Rows\":[\"US\",\"99999\"],"
        "\"PixelSpacing\":[\"DS\",\"abc\"],\"PatientAge\":[\"AS\",\"12X\"]}",
    };
    RnEmbedItem more[3];
    for (int i = 0; i < 3; i++)
        more[i] = (RnEmbedItem){.sop_uid = "", .modality = "", .region = "",
                                .elements_json = fresh[i]};
    float out[3 * 4], out2[3 * 4];
    CHECK(rn_embed_transform(m, more, 3, out, &err));
    for (int i = 0; i < 12; i++)
        CHECK(isfinite(out[i]));
    /* a malformed elements object is an error, not a crash */
    RnEmbedItem broken = more[0];
    broken.elements_json = "{\"Modality\":";
    CHECK(!rn_embed_transform(m, &broken, 1, out2, &err));
    rn_error_free(err);
    err = NULL;
    check_payload_damage(m, "authors", more, 3, 400);
    /* round trip and refit: identical */
    char path[] = "/tmp/embtxt_metaXXXXXX";
    int fd = mkstemp(path);
    close(fd);
    CHECK(rn_embed_model_save(m, path, &err));
    RnEmbedModel *m2 = rn_embed_model_load(path, &err);
    unlink(path);
    CHECK_MSG(m2 && rn_embed_transform(m2, more, 3, out2, &err), "%s", err ? rn_error_message(err) : "");
    CHECK(memcmp(out, out2, sizeof out) == 0);
    RnEmbedModel *m3 = rn_embed_fit(RN_EMBED_META, "authors", items, N, &p, &err);
    CHECK(m3 && rn_embed_transform(m3, more, 3, out2, &err));
    CHECK(memcmp(out, out2, sizeof out) == 0);
    /* a truncated payload is refused */
    if (bytes && n > 40) {
        char tpath[] = "/tmp/embtxt_metaXXXXXX";
        fd = mkstemp(tpath);
        CHECK(write(fd, bytes, n - 9) == (ssize_t)(n - 9));
        close(fd);
        RnEmbedModel *bad = rn_embed_model_load(tpath, &err);
        CHECK(bad == NULL);
        rn_embed_model_free(bad);
        unlink(tpath);
    }
    rn_error_free(err);
    free(bytes);
    rn_embed_model_free(m);
    rn_embed_model_free(m2);
    rn_embed_model_free(m3);
    for (size_t i = 0; i < N; i++)
        free(json[i]);
}

int main(void)
{
    check_reducer("reducer=pca");
    check_reducer("reducer=ae");
    TEST_DONE();
}
