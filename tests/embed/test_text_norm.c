/* Report text normalisation: encodings, Unicode forms, folding, numbers,
 * negation scope. */
#include "embed/text_norm.h"
#include "rn_test.h"

static char *norm(const RnTextOptions *o, const char *s, size_t n)
{
    RnError *err = NULL;
    RnTextNorm *tn = rn_text_norm_new(o, &err);
    RnBuf b = RN_BUF_INIT;
    bool ok = tn && rn_text_normalize(tn, s, n, &b, NULL, &err);
    CHECK_MSG(ok, "%s", err ? rn_error_message(err) : "");
    rn_error_free(err);
    rn_text_norm_free(tn);
    if (!b.data)
        return strdup("");
    return (char *)b.data;
}

/* The same report in UTF-8 (NFC), UTF-8 (NFD: combining carons) and
 * ISO-8859-2 gives identical tokens, with every option combination. */
static void test_encodings(void)
{
    const char *nfc = "Čvor u plućima, ĆELIJE, đak, Šupljina, ŽUČ: nema žarišta.";
    const char *nfd = "C\xcc\x8cvor u plu\xc4\x87ima, C\xcc\x81" "ELIJE, \xc4\x91" "ak, "
                      "S\xcc\x8cupljina, Z\xcc\x8cUC\xcc\x8c: nema z\xcc\x8c" "ari\xc5\xa1ta.";
    const char latin2[] = "\xc8vor u plu\xe6ima, \xc6" "ELIJE, \xf0" "ak, \xa9upljina, "
                          "\xaeU\xc8: nema \xbe" "ari\xb9ta.";
    for (int mask = 0; mask < 8; mask++) {
        RnTextOptions o = {.fold_diacritics = mask & 1, .stem = (mask >> 1) & 1,
                           .mark_negation = (mask >> 2) & 1, .negation_window = 4};
        char *a = norm(&o, nfc, strlen(nfc));
        char *b = norm(&o, nfd, strlen(nfd));
        char *c = norm(&o, latin2, sizeof latin2 - 1);
        CHECK_EQ_STR(a, b);
        CHECK_EQ_STR(a, c);
        CHECK(strlen(a) > 0);
        free(a);
        free(b);
        free(c);
    }
    RnTextOptions plain = {0};
    char *a = norm(&plain, nfc, strlen(nfc));
    CHECK_EQ_STR(a, "čvor u plućima ćelije đak šupljina žuč nema žarišta");
    free(a);
    RnTextOptions fold = {.fold_diacritics = true};
    a = norm(&fold, nfc, strlen(nfc));
    CHECK_EQ_STR(a, "cvor u plucima celije djak supljina zuc nema zarista");
    free(a);
}

static void test_numbers_and_negation(void)
{
    RnTextOptions o = {.fold_diacritics = true, .mark_negation = true, .negation_window = 3};
    const char *s = "Lezija 12mm i 3,5 cm u TH12; bez znakova svježeg krvarenja i edema. "
                    "Without fracture, no effusion";
    char *a = norm(&o, s, strlen(s));
    CHECK_EQ_STR(a, "lezija # mm i # cm u th12 bez neg_znakova neg_svjezeg neg_krvarenja i "
                    "edema without neg_fracture no neg_effusion");
    free(a);
    /* window <= 0: the scope runs to the end of the clause */
    o.negation_window = 0;
    a = norm(&o, "nema a b c d e. f", 17);
    CHECK_EQ_STR(a, "nema neg_a neg_b neg_c neg_d neg_e f");
    free(a);
    /* stemming keeps cues working ("nema" stems to "nem") */
    o.stem = true;
    a = norm(&o, "Nema frakture", 13);
    CHECK(strstr(a, "neg_fraktur") != NULL);
    free(a);
    /* empty and punctuation-only text give no tokens */
    a = norm(&o, " .,;- ", 6);
    CHECK_EQ_STR(a, "");
    free(a);
    /* embedded NUL and control bytes do not stop or break the scan */
    a = norm(&o, "ct\0glava\x01 mr", 12);
    CHECK_EQ_STR(a, "ct glav mr");
    free(a);
}

int main(void)
{
    test_encodings();
    test_numbers_and_negation();
    TEST_DONE();
}
