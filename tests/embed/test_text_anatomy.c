/* Methods text-anatomy and meta-anatomy: the regions a report's / the
 * descriptive tags' body-part words name. Croatian, English and German
 * words (diacritics folded, whole words and prefixes), unit-length counts,
 * the last column for a text without anatomy words and for an image without
 * the text (fusion's missing mark); the same output from a reloaded model,
 * every truncation refused, options refused; DICOM defined terms and
 * their compounds, phrases, a spine level before a spine word, the header
 * words only the tags read; a model of main's older lexicon refused. */
#include "radnet/embed.h"
#include "radnet/fusion.h"
#include "rn_model_roundtrip.h"
#include "rn_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Column order of the method (text_anatomy.c's region table). */
enum { HEAD = 0, SKULL = 1, NECK = 2, CSPINE = 3, TSPINE = 4, LSPINE = 5, SPINE = 6,
       CHEST = 7, ABDOMEN = 9, URINARYTRACT = 11, PELVIS = 12, SHOULDER = 14, ARM = 16,
       BREAST = 8, HIP = 13, CLAVICLE = 15, WRIST = 18, HAND = 19, LEG = 21, KNEE = 22,
       ANKLE = 23, FOOT = 24, HEEL = 25, CAROTID = 26, WHOLEBODY = 27,
       D = 29 };

static RnEmbedItem item(const char *report)
{
    return (RnEmbedItem){.sop_uid = "1.2.3", .modality = "CR", .region = "", .report = report};
}

static void check_row(const float *row, const int *cols, size_t n, const char *what)
{
    for (size_t j = 0; j < D; j++) {
        float want = 0;
        for (size_t c = 0; c < n; c++)
            want = cols[c] == (int)j ? 1.0f / sqrtf((float)n) : want;
        CHECK_MSG(fabsf(row[j] - want) < 1e-6f, "%s: column %zu is %g, not %g", what, j,
                  row[j], want);
    }
}

static void test_rows(void)
{
    RnError *err = NULL;
    RnEmbedParams p = {.seed = 1};
    const RnEmbedItem sample[] = {item("x")};
    RnEmbedModel *m = rn_embed_fit(RN_EMBED_TEXT, "anatomy", sample, 1, &p, &err);
    CHECK_MSG(m != NULL, "%s", err ? rn_error_message(err) : "");
    if (!m)
        return;
    CHECK_EQ_INT(rn_embed_model_dim(m), D);
    const RnEmbedItem rows[] = {
        item("Uredan nalaz plu\xc4\x87" "a i srca."),            /* pluća, srca: CHEST twice */
        item("Koljeno i gle\xc5\xbe" "anj bez traumatskih promjena."), /* KNEE, ANKLE */
        item("Kniegelenk: Erguss."),                             /* knie*: KNEE */
        item("Fracture of the left wrist; hand normal."),        /* WRIST, HAND */
        item("Uredan nalaz."),                                   /* no anatomy word */
        {.sop_uid = "9", .modality = "CT", .region = "HEAD"},    /* no report */
        item("Mo\xc5\xbe" "dani parenhim bez ishemije."),        /* možd- folded: HEAD */
        item("Brain MRI: no lesion."),                           /* HEAD */
    };
    size_t n = sizeof rows / sizeof *rows;
    float out[8 * D];
    CHECK(rn_embed_transform(m, rows, n, out, &err));
    check_row(out + 0 * D, (int[]){CHEST}, 1, "chest");
    check_row(out + 1 * D, (int[]){KNEE, ANKLE}, 2, "knee and ankle");
    check_row(out + 2 * D, (int[]){KNEE}, 1, "German knee");
    check_row(out + 3 * D, (int[]){WRIST, HAND}, 2, "wrist and hand");
    check_row(out + 4 * D, (int[]){D - 1}, 1, "no anatomy word");
    check_row(out + 5 * D, (int[]){D - 1}, 1, "no report");
    check_row(out + 6 * D, (int[]){HEAD}, 1, "folded diacritics");
    check_row(out + 7 * D, (int[]){HEAD}, 1, "brain");
    CHECK(rn_fusion_input_missing("text-anatomy") == RN_FUSION_INDICATOR_LAST);

    check_model_roundtrip(m, rows, n, out);
    rn_embed_model_free(m);

    p.options = "fold=off";
    RnError *e = NULL;
    CHECK(rn_embed_fit(RN_EMBED_TEXT, "anatomy", sample, 1, &p, &e) == NULL && e != NULL);
    rn_error_free(e);
    rn_error_free(err);
}

static RnEmbedItem tags(const char *elements)
{
    return (RnEmbedItem){.sop_uid = "1", .modality = "MR", .region = "", .elements_json = elements};
}

/* The tags' words, where SPEC 5's regexes find nothing (BodyPartExamined
 * missing, a German or English description). */
static void test_tags(void)
{
    RnError *err = NULL;
    RnEmbedParams p = {.seed = 1};
    const RnEmbedItem rows[] = {
        tags("{\"StudyDescription\":[\"LO\",\"MRT Schulter\"],"
             "\"SeriesDescription\":[\"LO\",\"T1W_SE_COR\"]}"),
        tags("{\"StudyDescription\":[\"LO\",\"XR Chest\"],\"ProtocolName\":[\"LO\",\"PA\"]}"),
        tags("{\"StudyDescription\":[\"LO\",\"Kontrolni pregled\"]}"),
        tags(""),
    };
    RnEmbedModel *m = rn_embed_fit(RN_EMBED_META, "anatomy", rows, 4, &p, &err);
    CHECK_MSG(m != NULL, "%s", err ? rn_error_message(err) : "");
    if (!m)
        return;
    float out[4 * D];
    CHECK(rn_embed_transform(m, rows, 4, out, &err));
    check_row(out + 0 * D, (int[]){SHOULDER}, 1, "MRT Schulter");
    check_row(out + 1 * D, (int[]){CHEST}, 1, "XR Chest");
    check_row(out + 2 * D, (int[]){D - 1}, 1, "no anatomy word in the tags");
    check_row(out + 3 * D, (int[]){D - 1}, 1, "no tags");
    CHECK(rn_fusion_input_missing("meta-anatomy") == RN_FUSION_INDICATOR_LAST);
    rn_embed_model_free(m);
    rn_error_free(err);
}

/* A row per description (StudyDescription), for the meta method, or per
 * report, for the text method. */
typedef struct Case {
    const char *text;
    int cols[4];
    size_t n;
} Case;

/* The same with the items' Modality given (NULL: MR for the tags, CR for a
 * report, as tags() and item() set it). */
static void check_cases_as(RnEmbedSource source, const char *modality, const Case *cases,
                           size_t n, const char *what)
{
    RnError *err = NULL;
    RnEmbedParams p = {.seed = 1};
    RnEmbedItem *rows = calloc(n, sizeof *rows);
    char (*json)[256] = calloc(n, sizeof *json);
    float *out = calloc(n * D, sizeof *out);
    CHECK(rows && json && out);
    if (!rows || !json || !out)
        goto done;
    for (size_t i = 0; i < n; i++) {
        snprintf(json[i], sizeof json[i], "{\"StudyDescription\":[\"LO\",\"%s\"]}",
                 cases[i].text);
        rows[i] = source == RN_EMBED_META ? tags(json[i]) : item(cases[i].text);
        if (modality)
            rows[i].modality = modality;
    }
    RnEmbedModel *m = rn_embed_fit(source, "anatomy", rows, n, &p, &err);
    CHECK_MSG(m != NULL, "%s", err ? rn_error_message(err) : "");
    bool ok = m && rn_embed_transform(m, rows, n, out, &err);
    CHECK_MSG(ok, "%s: %s", what, err ? rn_error_message(err) : "no model");
    if (ok)
        for (size_t i = 0; i < n; i++) {
            char label[160];
            snprintf(label, sizeof label, "%s: %s", what, cases[i].text);
            check_row(out + i * D, cases[i].cols, cases[i].n, label);
        }
    rn_embed_model_free(m);
done:
    free(rows);
    free(json);
    free(out);
    rn_error_free(err);
}

static void check_cases(RnEmbedSource source, const Case *cases, size_t n, const char *what)
{
    check_cases_as(source, NULL, cases, n, what);
}

/* BodyPartExamined defined terms as whole tokens; a compound counts each
 * region it names once. Both methods read them. */
static void test_defined_terms(void)
{
    const Case cases[] = {
        {"CSPINE", {CSPINE}, 1},
        {"LSSPINE", {LSPINE}, 1},
        {"ABDOMENPELVIS", {ABDOMEN, PELVIS}, 2},
        {"CHESTABDPELVIS", {CHEST, ABDOMEN, PELVIS}, 3},
        {"CTSPINE", {CSPINE, TSPINE}, 2},
        {"HEADNECK", {HEAD, NECK}, 2},
        {"LOWEREXTREMITY", {LEG}, 1},
        {"TMJ", {SKULL}, 1},
        {"WHOLESPINE", {SPINE}, 1},
    };
    check_cases(RN_EMBED_META, cases, sizeof cases / sizeof *cases, "tags");
    check_cases(RN_EMBED_TEXT, cases, sizeof cases / sizeof *cases, "report");
}

/* A spine level right before a spine word names the level instead of the
 * bare SPINE; a level letter elsewhere, or "ct" (the modality), does not. */
static void test_spine_levels(void)
{
    const Case cases[] = {
        {"XR L-SPINE 2V", {LSPINE}, 1},
        {"C_SPNE", {CSPINE}, 1},
        {"L-S SPINE", {LSPINE}, 1},
        {"MRI LS SPINE", {LSPINE}, 1},
        {"XR C-T SPINE", {CSPINE, TSPINE}, 2},
        {"Cervical spine", {CSPINE}, 1},
        {"CT SPINE", {SPINE}, 1},
        {"XR C SPINE AND L SPINE", {CSPINE, LSPINE}, 2},
        {"L KNEE", {KNEE}, 1},
        {"SPINE L", {SPINE}, 1},
        {"MRI SPINE THORACIC W/WO", {TSPINE}, 1},
        {"SPINE, LUMBAR", {LSPINE}, 1},
    };
    check_cases(RN_EMBED_META, cases, sizeof cases / sizeof *cases, "tags");
    check_cases(RN_EMBED_TEXT, cases, sizeof cases / sizeof *cases, "report");
}

/* A phrase is one name: its tokens are not read singly (nasal* alone is
 * HEAD, the paranasal sinuses; "nasal bones" are the face's). */
static void test_phrases(void)
{
    const Case cases[] = {
        {"XR AC JOINT", {SHOULDER}, 1},
        {"XR SI JOINTS", {PELVIS}, 1},
        {"XR OS CALCIS", {HEEL}, 1},
        {"XR NASAL BONES", {SKULL}, 1},
        {"US LOWER EXTREMITY", {LEG}, 1},
        {"NASAL", {HEAD}, 1},
        {"PET/CT SKULL BASE TO THIGH", {WHOLEBODY}, 1},
        {"US DVT LOWER EXT", {LEG}, 1},
    };
    check_cases(RN_EMBED_META, cases, sizeof cases / sizeof *cases, "tags");
    check_cases(RN_EMBED_TEXT, cases, sizeof cases / sizeof *cases, "report");
}

/* Order-code abbreviations and header words: the tags read them, a report
 * does not ("sinus" costophrenic, "echo" echogenicity); "abd" only in
 * "abd pelvis" (alone it is also an ultrasound preset); "echo" and "wb" not
 * even in the tags (MR sequence names, weight-bearing views). */
static void test_header_words(void)
{
    const Case in_tags[] = {
        {"CT SINUSES", {HEAD}, 1},
        {"XR TIB/FIB", {LEG}, 1},
        {"KUB", {ABDOMEN, URINARYTRACT}, 2},
        {"CT ABD/PELVIS W CON", {ABDOMEN, PELVIS}, 2},
        {"US KNEE ABD", {KNEE}, 1},
        {"US RUQ", {ABDOMEN}, 1},
        {"US LUE VENOUS", {ARM}, 1},
        {"CXR", {CHEST}, 1},
        {"US TTE COMPLETE", {CHEST}, 1},
        {"MR KNEE SAG PD FAST SPIN ECHO", {KNEE}, 1}, /* an MR sequence, not the heart */
        {"XR KNEES BILAT WB", {KNEE}, 1},             /* weight-bearing, not whole body */
    };
    check_cases(RN_EMBED_META, in_tags, sizeof in_tags / sizeof *in_tags, "tags");
    const Case in_reports[] = {
        {"CT SINUSES", {D - 1}, 1},
        {"Costophrenic sinuses clear.", {CHEST}, 1},
        {"Shoulder: painful abd and echo.", {SHOULDER}, 1},
        {"KUB", {D - 1}, 1},
        {"XR TIB/FIB", {D - 1}, 1},
    };
    check_cases(RN_EMBED_TEXT, in_reports, sizeof in_reports / sizeof *in_reports, "report");
}

/* Croatian "kralj." / "kralježnica" is a spine word: the level before it
 * (a letter, "TH", "L-S", an adjective) is read beside SPINE, as the
 * written-out "vratna kralježnica" always was; "hws", "lws" after an
 * English spine word name the level alone (a vendor's "Spine^LWS": '^'
 * splits tokens). */
static void test_croatian_spine(void)
{
    const Case cases[] = {
        {"MR LS KRALJ.", {LSPINE, SPINE}, 2},
        {"MR L-S KRALJ. S KONTRASTOM", {LSPINE, SPINE}, 2},
        {"RTG TH KRALJEZNICE", {TSPINE, SPINE}, 2},
        {"RTG VRATNE KRALJ.", {CSPINE, SPINE}, 2},
        {"RTG C KRALJ.", {CSPINE, SPINE}, 2},
        {"MR PRSNE KRALJE\u017dNICE", {TSPINE, SPINE}, 2},
        {"RTG SLABINSKE KRALJE\u017dNICE", {LSPINE, SPINE}, 2},
        {"MR LUMBOSAKRALNE KRALJ.", {LSPINE, SPINE}, 2},
        {"RTG KRALJ.", {SPINE}, 1},
        {"Spine^LWS", {LSPINE}, 1},
        {"PRSNI KOS", {CHEST}, 1},
    };
    check_cases(RN_EMBED_META, cases, sizeof cases / sizeof *cases, "tags");
    check_cases(RN_EMBED_TEXT, cases, sizeof cases / sizeof *cases, "report");
}

/* In the tags the modality decides between the head and the skull: a
 * sectional exam "of the skull" is of the head, a radiograph of the head
 * images the skull; face bones stay SKULL; a report is not changed. */
static void test_head_or_skull(void)
{
    const Case sectional[] = {
        {"CT Sch\u00e4del nativ", {HEAD}, 1},
        {"CT Schaedel nativ", {HEAD}, 1},
        {"CT LUBANJE", {HEAD}, 1},
        {"CT ORBITA", {SKULL}, 1},
        {"CT MOZGA", {HEAD}, 1},
    };
    check_cases_as(RN_EMBED_META, "CT", sectional, sizeof sectional / sizeof *sectional, "CT tags");
    check_cases_as(RN_EMBED_META, "MR", sectional, sizeof sectional / sizeof *sectional, "MR tags");
    const Case projection[] = {
        {"Sch\u00e4del 2 Ebenen", {SKULL}, 1},
        {"RTG GLAVE", {SKULL}, 1},
        {"NNH", {SKULL}, 1},
        {"RTG LUBANJE", {SKULL}, 1},
    };
    check_cases_as(RN_EMBED_META, "CR", projection, sizeof projection / sizeof *projection,
                   "CR tags");
    check_cases_as(RN_EMBED_META, "DX", projection, sizeof projection / sizeof *projection,
                   "DX tags");
    const Case other[] = {{"CT Schaedel", {SKULL}, 1}, {"RTG GLAVE", {HEAD}, 1}};
    check_cases_as(RN_EMBED_META, "SR", other, sizeof other / sizeof *other, "SR tags");
    const Case report[] = {{"Mozak i lubanja uredni.", {HEAD, SKULL}, 2}};
    check_cases_as(RN_EMBED_TEXT, "CT", report, 1, "CT report");
    check_cases_as(RN_EMBED_TEXT, "CR", report, 1, "CR report");
}

/* German without umlauts ("ae", "oe", "ue" for ä, ö, ü) is read as the
 * folded word, only where the token names nothing as written. */
static void test_transliteration(void)
{
    const Case cases[] = {
        {"Roentgen Huefte re.", {HIP}, 1},
        {"GANZKOERPER", {WHOLEBODY}, 1},
        {"Schluesselbein", {CLAVICLE}, 1},
        {"Fuss", {FOOT}, 1},
        {"soft tissue, blue", {D - 1}, 1},
        {"costae", {CHEST}, 1},
    };
    check_cases(RN_EMBED_META, cases, sizeof cases / sizeof *cases, "tags");
    check_cases(RN_EMBED_TEXT, cases, sizeof cases / sizeof *cases, "report");
}

/* German and Croatian order words, abbreviations and phrases; "bein" is a
 * whole word (English "being" is not the leg). */
static void test_central_words(void)
{
    const Case both[] = {
        {"SCINTIGRAFIJA KOSTIJU CIJELOG TIJELA", {WHOLEBODY}, 1},
        {"RTG D. RU\u010c. ZGLOBA", {WRIST}, 1},
        {"RTG L. SKO\u010c. ZGL.", {ANKLE}, 1},
        {"ANGIOGRAFIJA DONJIH EKSTR.", {LEG}, 1},
        {"MAMOGRAFIJA OBOSTRANO", {BREAST}, 1},
        {"RDG SI ZGLOBOVA", {PELVIS}, 1},
        {"RTG D. POTKOLJ.", {LEG}, 1},
        {"Sono Oberbauch", {ABDOMEN}, 1},
        {"Sono Unterbauch", {PELVIS}, 1},
        {"Duplex Beinvenen", {LEG}, 1},
        {"MR-Angio intrakraniell", {HEAD}, 1},
        {"Angiographie zerebral", {HEAD}, 1},
        {"Sono Halsgef\u00e4\u00dfe", {CAROTID}, 1},
        {"Being followed up", {D - 1}, 1},
    };
    check_cases(RN_EMBED_META, both, sizeof both / sizeof *both, "tags");
    check_cases(RN_EMBED_TEXT, both, sizeof both / sizeof *both, "report");
    const Case in_tags[] = {
        {"R\u00f6 OSG 2 Ebenen", {ANKLE}, 1},
        {"cCT nativ", {HEAD}, 1},
        {"DMSA", {URINARYTRACT}, 1},
        {"R\u00f6ntgen Dens", {CSPINE}, 1},
        {"ISG", {PELVIS}, 1},
    };
    check_cases(RN_EMBED_META, in_tags, sizeof in_tags / sizeof *in_tags, "tags");
    const Case in_reports[] = {{"OSG", {D - 1}, 1}, {"Dens", {D - 1}, 1}};
    check_cases(RN_EMBED_TEXT, in_reports, sizeof in_reports / sizeof *in_reports, "report");
}

/* The tags are read a line each, with CamelCase names split: a vendor's
 * protocol name ("NeuroHead", "AbdPelv", "CTAbdomen") names its regions, a
 * one-letter prefix stays ("cCT"), and no phrase spans two tags ("US ABD"
 * then "PELVIS" is the pelvis alone, not "abd pelvis"); the report is read as
 * one text (the same words in one sentence make the phrase). */
static void test_tag_lines(void)
{
    const Case camel[] = {
        {"NeuroHead", {HEAD}, 1},
        {"AbdPelv", {ABDOMEN, PELVIS}, 2},
        {"CTAbdomen", {ABDOMEN}, 1},
        {"cCT nativ", {HEAD}, 1},
    };
    check_cases(RN_EMBED_META, camel, sizeof camel / sizeof *camel, "tags");
    RnEmbedItem rows[] = {
        tags("{\"StudyDescription\":[\"LO\",\"US ABD\"],"
             "\"ProtocolName\":[\"LO\",\"PELVIS\"]}"),
        tags("{\"StudyDescription\":[\"LO\",\"XR L\"],"
             "\"SeriesDescription\":[\"LO\",\"SPINE AP\"]}"),
        tags("{\"StudyDescription\":[\"LO\",\"US ABD PELVIS\"]}"),
    };
    RnError *err = NULL;
    RnEmbedParams p = {.seed = 1};
    float out[3 * D];
    RnEmbedModel *m = rn_embed_fit(RN_EMBED_META, "anatomy", rows, 3, &p, &err);
    bool ok = m && rn_embed_transform(m, rows, 3, out, &err);
    CHECK_MSG(ok, "%s", err ? rn_error_message(err) : "no model");
    if (ok) {
        check_row(out, (int[]){PELVIS}, 1, "abd | pelvis");
        check_row(out + D, (int[]){SPINE}, 1, "l | spine");
        check_row(out + 2 * D, (int[]){ABDOMEN, PELVIS}, 2, "abd pelvis");
    }
    rn_embed_model_free(m);
    rn_error_free(err);
}

/* meta-anatomy's model file as main's lexicon (28 regions, 451 words)
 * saved it: this lexicon's checksum differs, so it is refused. */
static void test_old_lexicon_refused(void)
{
    static const uint8_t old_model[] = {
        0x52, 0x4e, 0x45, 0x4d, 0x42, 0x4d, 0x44, 0x4c, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x61, 0x6e, 0x61, 0x74,
        0x6f, 0x6d, 0x79, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0xc3, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa8,
        0x03, 0x99, 0x5c, 0x00, 0x00, 0x00, 0x00, 0x0c, 0xb5, 0x19, 0xab,
    };
    RnError *err = NULL;
    RnEmbedModel *m = rn_embed_model_load_memory(old_model, sizeof old_model, &err);
    CHECK(m == NULL && err != NULL);
    CHECK_MSG(err && strstr(rn_error_message(err), "another lexicon"), "%s",
              err ? rn_error_message(err) : "");
    rn_embed_model_free(m);
    rn_error_free(err);
}

int main(void)
{
    test_rows();
    test_tags();
    test_defined_terms();
    test_spine_levels();
    test_phrases();
    test_header_words();
    test_croatian_spine();
    test_head_or_skull();
    test_transliteration();
    test_central_words();
    test_tag_lines();
    test_old_lexicon_refused();
    TEST_DONE();
}
