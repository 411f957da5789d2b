/* Region rules (SPEC §5): every table row, the renames, the final CR rules,
 * '' versus non-empty "from", the three description fields, and the table
 * loader's errors. */
#include "radnet/store.h"
#include "rn_test.h"

#include <stdlib.h>

typedef struct RegionCase {
    const char *body, *modality, *study, *protocol, *requested, *expected;
} RegionCase;

static const RegionCase cases[] = {
    /* rows 1-34, each from its first "from" value */
    {"", "DX", "RTG wrist AP", "", "", "WRIST"},
    {"", "DX", "rucni zglob", "", "", "WRIST"},
    {"", "DX", "finger lat", "", "", "FINGER"},
    {"", "DX", "prst", "", "", "FINGER"},
    {"", "DX", "podlaktica", "", "", "ARM"},
    {"", "DX", "lijeva ruka", "", "", "ARM"},
    {"", "DX", "gornjih ekstremiteta", "", "", "ARM"},
    {"", "DX", "saka PA", "", "", "HAND"},
    {"", "DX", "lakat", "", "", "ELBOW"},
    {"EXTREMITY", "DX", "humerus", "", "", "ARM"},          /* row 6 */
    {"EXTREM", "DX", "forearm", "", "", "ARM"},             /* rename, then row 6 */
    {"", "CR", "stenvers", "", "", "SKULL"},
    {"", "CR", "mandible", "", "", "SKULL"},
    {"", "CT", "orbita", "", "", "SKULL"},
    {"", "CT", "SCHÄDEL", "", "", "SKULL"},                 /* UTF-8 case folding */
    {"", "CT", "MSCT GLAVE", "", "", "HEAD"},
    {"SPINE", "MR", "head", "", "", "HEAD"},                /* row 11 from SPINE */
    {"ABDOMEN", "RF", "ERCP", "", "", "GITRACT"},           /* row 12 from ABDOMEN */
    {"", "RF", "gastroskopija", "", "", "GITRACT"},
    {"", "DX", "calcaneus", "", "", "HEEL"},
    {"", "DX", "skocni zglob", "", "", "ANKLE"},
    {"", "DX", "koljeno", "", "", "KNEE"},
    {"EXTREMITY", "DX", "knee", "", "", "KNEE"},
    {"", "DX", "stopalo", "", "", "FOOT"},
    {"EXTREMITY", "DX", "foot", "", "", "FOOT"},
    {"", "DX", "lijeva noga", "", "", "LEG"},
    {"", "DX", "potkoljenica", "", "", "KNEE"},  /* row 15 (koljen) comes first */
    {"EXTREMITY", "XA", "femoral art", "", "", "LEG"},
    {"", "XA", "femoralne art", "", "", "LEG"},
    {"", "DX", "donjih ekstremiteta", "", "", "LEG"},
    {"", "DX", "doljnji ekstremitet", "", "", "LEG"},
    {"", "DX", "lower limb", "", "", "LEG"},
    {"", "RF", "urografija", "", "", "URINARYTRACT"},
    {"", "US", "karotide", "", "", "CAROTID"},
    {"", "US", "Carotid doppler", "", "", "CAROTID"},
    {"", "XA", "kemoembolizacija", "", "", "URINARYTRACT"},
    {"", "US", "bubreg", "", "", "URINARYTRACT"},
    {"NECK", "MR", "vratna kraljeznica", "", "", "CSPINE"},   /* row 22 from NECK */
    {"WHOLESPINE", "MR", "c-spine", "", "", "CSPINE"},
    {"SPINE", "MR", "cervikalne kralj", "", "", "CSPINE"},
    {"", "MR", "lumbalna", "", "", "LSPINE"},
    {"SPINE", "MR", "l-spine", "", "", "LSPINE"},
    {"WHOLESPINE", "MR", "torakalna kraljeznica", "", "", "TSPINE"},
    {"", "MR", "t-spine", "", "", "TSPINE"},
    {"", "DX", "rame", "", "", "SHOULDER"},
    {"", "DX", "kljucna kost", "", "", "CLAVICLE"},
    {"", "MG", "dojke", "", "", "BREAST"},
    {"", "DX", "pluca PA", "", "", "CHEST"},
    {"NECK", "CT", "thorax", "", "", "CHEST"},              /* row 28 from NECK */
    {"", "DX", "desni kuk", "", "", "HIP"},
    {"", "DX", "zdjelica", "", "", "PELVIS"},
    {"ABDOMEN", "CT", "pelvis", "", "", "PELVIS"},           /* row 30 from ABDOMEN */
    {"", "US", "vrat", "", "", "NECK"},
    {"", "CT", "abdomen", "", "", "ABDOMEN"},
    {"", "US", "abdominal", "", "", "ABDOMEN"},
    {"", "PT", "cijelo tijelo", "", "", "WHOLEBODY"},
    {"", "CT", "constancy", "", "", "TEST"},
    /* the other two description fields */
    {"", "DX", "", "knee lat", "", "KNEE"},
    {"", "DX", "", "", "zdjelica AP", "PELVIS"},
    /* '' rules do not touch a non-empty value, non-empty ones not '' */
    {"CHEST", "DX", "wrist", "", "", "CHEST"},
    {"KNEE", "DX", "humerus", "", "", "KNEE"},
    {"EXTREMITY", "DX", "wrist", "", "", "EXTREMITY"},
    {"SPINE", "MR", "lumbalna", "", "", "LSPINE"},
    {"HEAD", "MR", "lumbalna", "", "", "HEAD"},
    {"", "CT", "", "", "", ""},
    {"FOO", "CT", "pluca", "", "", "FOO"},
    /* order: the first matching rule wins, later ones see its result */
    {"", "CT", "glava i vratna kralj", "", "", "HEAD"},
    {"", "CT", "pluca i vrat", "", "", "CHEST"},
    /* final CR rules */
    {"NECK", "CR", "", "", "", "CSPINE"},
    {"", "CR", "vrat", "", "", "CSPINE"},
    {"HEAD", "CR", "", "", "", "SKULL"},
    {"", "CR", "glava", "", "", "SKULL"},
    {"HEAD", "CT", "", "", "", "HEAD"},
    {"NECK", "DX", "", "", "", "NECK"},
    /* renames (exact, case-sensitive), then trimming */
    {"EXTREM", "DX", "", "", "", "EXTREMITY"},
    {"EXTREMITIES", "DX", "", "", "", "EXTREMITY"},
    {"UP_EXM", "DX", "", "", "", "ARM"},
    {"LOW_EXM", "DX", "", "", "", "LEG"},
    {"ABDOM", "CT", "", "", "", "ABDOMEN"},
    {"C_SPNE", "DX", "", "", "", "CSPINE"},
    {"L_SPNE", "DX", "", "", "", "LSPINE"},
    {"T_SPNE", "DX", "", "", "", "TSPINE"},
    {"LUMBAR SPNE", "DX", "", "", "", "LSPINE"},
    {"Schulter", "DX", "", "", "", "SHOULDER"},
    {"schulter", "DX", "", "", "", "schulter"},
    {"THORAX", "CT", "", "", "", "CHEST"},
    {"HEART", "MR", "", "", "", "CHEST"},
    {"KIDNEY", "US", "", "", "", "URINARYTRACT"},
    {"LIVER", "US", "", "", "", "URINARYTRACT"},
    {"PLUCA SJEDECI", "CR", "", "", "", "CHEST"},
    {" CHEST ", "CT", "", "", "", "CHEST"},
    {NULL, NULL, NULL, NULL, NULL, ""},
};

static void check_cases(const RnRegionRules *rules)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const RegionCase *c = &cases[i];
        RnRegionInput in = {c->body, c->modality, c->study, c->protocol, c->requested};
        char *region = NULL;
        RnError *err = NULL;
        CHECK(rn_region_classify(rules, &in, &region, &err));
        CHECK_MSG(region != NULL && strcmp(region, c->expected) == 0,
                  "case %zu (%s / %s): got '%s', want '%s'", i, c->body ? c->body : "NULL",
                  c->study ? c->study : "NULL", region ? region : "NULL", c->expected);
        free(region);
        rn_error_free(err);
    }
}

static void check_bad_table(const char *text, const char *what)
{
    RnError *err = NULL;
    RnRegionRules *r = rn_region_rules_parse(text, strlen(text), &err);
    CHECK_MSG(r == NULL && rn_error_code(err) == RN_ERROR_PARSE, "%s accepted", what);
    rn_region_rules_free(r);
    rn_error_free(err);
}

int main(void)
{
    RnError *err = NULL;
    RnRegionRules *builtin = rn_region_rules_builtin(&err);
    CHECK(builtin != NULL);
    CHECK_EQ_INT(rn_region_rules_rule_count(builtin), 34);
    if (builtin != NULL)
        check_cases(builtin);
    rn_region_rules_free(builtin);

    /* The data file itself loads and behaves the same. */
    const char *src = getenv("RADNET_SRC");
    CHECK(src != NULL);
    if (src != NULL) {
        char path[4096];
        snprintf(path, sizeof path, "%s/data/regions.tsv", src);
        RnRegionRules *loaded = rn_region_rules_load(path, &err);
        CHECK(loaded != NULL);
        CHECK_EQ_INT(rn_region_rules_rule_count(loaded), 34);
        if (loaded != NULL)
            check_cases(loaded);
        rn_region_rules_free(loaded);
    }
    rn_error_free(err);

    /* A custom table: the rules are data. */
    const char *custom = "rename\tBRAIN\tHEAD\nrule\tSINUS\tsinus\t''\nfinal\tCT\tSINUS\tHEAD\n";
    err = NULL;
    RnRegionRules *c = rn_region_rules_parse(custom, strlen(custom), &err);
    CHECK(c != NULL);
    char *out = NULL;
    RnRegionInput in = {"", "MR", "sinusi", NULL, NULL};
    CHECK(c && rn_region_classify(c, &in, &out, &err) && strcmp(out, "SINUS") == 0);
    free(out);
    in.modality = "CT";
    CHECK(c && rn_region_classify(c, &in, &out, &err) && strcmp(out, "HEAD") == 0);
    free(out);
    rn_region_rules_free(c);
    rn_error_free(err);

    check_bad_table("rule\tX\t(unclosed\t''\n", "bad regex");
    check_bad_table("rule\tX\tabc\n", "missing from");
    check_bad_table("rule\tX\tabc\t''\nrename\tA\n", "short rename");
    check_bad_table("frobnicate\tA\tB\n", "unknown kind");
    check_bad_table("rule\tX\tabc\t'',\n", "empty from entry");
    check_bad_table("# only comments\n", "no rules");
    TEST_DONE();
}
