/* Report files: RFC 4180 CSV (quotes, doubled quotes, embedded line breaks,
 * CRLF), ';' and TAB delimiters, Latin-2 and UTF-8 (BOM), JSON Lines with
 * escapes, rows without key or text, other exports' header words and several
 * text columns joined, and the header error; encodings
 * decided row by row; an unclosed quote refused with its line. */
#include "radnet/store.h"
#include "rn_test.h"

#include <stdlib.h>

#define MAX_ROWS 16

typedef struct Collected {
    size_t n;
    char *acc[MAX_ROWS], *uid[MAX_ROWS], *exam[MAX_ROWS], *text[MAX_ROWS];
    uint64_t line[MAX_ROWS];
} Collected;

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static bool collect(void *user, const RnReportRow *row, RnError **err)
{
    Collected *c = user;
    if (c->n == MAX_ROWS) {
        rn_error_set(err, RN_ERROR_LIMIT, "too many rows");
        return false;
    }
    c->acc[c->n] = dup_or_null(row->accession);
    c->uid[c->n] = dup_or_null(row->study_uid);
    c->exam[c->n] = dup_or_null(row->exam_id);
    c->text[c->n] = dup_or_null(row->text);
    c->line[c->n] = row->line;
    c->n++;
    return true;
}

static void collected_free(Collected *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->acc[i]);
        free(c->uid[i]);
        free(c->exam[i]);
        free(c->text[i]);
    }
    memset(c, 0, sizeof *c);
}

static bool read_text(const char *text, Collected *c, uint64_t *skipped, RnError **err)
{
    memset(c, 0, sizeof *c);
    return rn_reports_read_memory((const uint8_t *)text, strlen(text), collect, c, skipped, err);
}

static bool eq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static void test_csv(void)
{
    const char *csv =
        "AccessionNumber,StudyInstanceUID,Report\r\n"
        "A1,1.2.3,\"Uredan nalaz, bez \"\"promjena\"\".\"\r\n"
        "A2,,\"prvi red\r\ndrugi red\"\r\n"
        "\r\n"
        ",1.2.4,  tekst s razmacima  \r\n"
        ",,bez kljuca\r\n"
        "A5,,\r\n"
        "A6,1.2.6,zadnji bez CRLF";
    Collected c;
    uint64_t skipped = 0;
    RnError *err = NULL;
    CHECK(read_text(csv, &c, &skipped, &err));
    CHECK_EQ_INT(c.n, 4);
    CHECK_EQ_INT(skipped, 2);
    if (c.n == 4) {
        CHECK(eq(c.acc[0], "A1") && eq(c.uid[0], "1.2.3") && c.exam[0] == NULL);
        CHECK_EQ_STR(c.text[0], "Uredan nalaz, bez \"promjena\".");
        CHECK_EQ_INT(c.line[0], 2);
        CHECK(eq(c.acc[1], "A2") && c.uid[1] == NULL);
        CHECK_EQ_STR(c.text[1], "prvi red\r\ndrugi red");
        CHECK_EQ_INT(c.line[1], 3);
        CHECK(c.acc[2] == NULL && eq(c.uid[2], "1.2.4"));
        CHECK_EQ_STR(c.text[2], "tekst s razmacima");
        CHECK_EQ_INT(c.line[2], 6);
        CHECK_EQ_STR(c.text[3], "zadnji bez CRLF");
        CHECK_EQ_INT(c.line[3], 9);
    }
    collected_free(&c);
    rn_error_free(err);
}

static void test_delimiters_and_latin2(void)
{
    /* Latin-2: č=E8 ć=E6 đ=F0 š=B9 ž=BE; ';' delimiter, other header names. */
    const char *csv = "exam_id;Diagnosis\nE1;\xE8\xE6\xF0\xB9\xBE nalaz\n";
    Collected c;
    RnError *err = NULL;
    CHECK(read_text(csv, &c, NULL, &err));
    CHECK_EQ_INT(c.n, 1);
    if (c.n == 1) {
        CHECK(eq(c.exam[0], "E1"));
        CHECK_EQ_STR(c.text[0], "čćđšž nalaz");
    }
    collected_free(&c);

    const char *tsv = "\xEF\xBB\xBFStudy UID\tText\n1.2.9\tčćđšž ok\n";
    CHECK(read_text(tsv, &c, NULL, &err));
    CHECK_EQ_INT(c.n, 1);
    if (c.n == 1) {
        CHECK(eq(c.uid[0], "1.2.9"));
        CHECK_EQ_STR(c.text[0], "čćđšž ok");
    }
    collected_free(&c);

    CHECK(!read_text("id,name\n1,x\n", &c, NULL, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_PARSE);
    collected_free(&c);
    rn_error_free(err);
}

/* Other exports' header words: a narrative column found by its stem, every
 * text column of a row joined in order (findings, then impression), the
 * identifier-like and date-like names that hold a stem left alone. */
static void test_header_words(void)
{
    const char *csv =
        "Accession Number,ReportID,Report_Date,Findings,Reporting Physician,Impression\n"
        "A1,R7,2024-01-02,  Lung fields clear. ,Dr X,\"No acute disease.\"\n"
        "A2,R8,2024-01-03,,Dr Y,Only an impression.\n"
        "A3,R9,2024-01-04, ,Dr Z,\n";
    Collected c;
    uint64_t skipped = 0;
    RnError *err = NULL;
    CHECK(read_text(csv, &c, &skipped, &err));
    CHECK_EQ_INT(c.n, 2);
    CHECK_EQ_INT(skipped, 1);
    if (c.n == 2) {
        CHECK(eq(c.acc[0], "A1"));
        CHECK_EQ_STR(c.text[0], "Lung fields clear.\nNo acute disease.");
        CHECK_EQ_STR(c.text[1], "Only an impression.");
    }
    collected_free(&c);

    CHECK(read_text("study_instance_uid;Narrative_Diagnosis\n1.2.3;Uredan nalaz.\n", &c, NULL,
                    &err));
    CHECK_EQ_INT(c.n, 1);
    if (c.n == 1)
        CHECK(eq(c.uid[0], "1.2.3") && eq(c.text[0], "Uredan nalaz."));
    collected_free(&c);

    /* stems inside identifier and person names name no text column */
    CHECK(!read_text("AccessionNumber,ReportNo,Report Status,ReportedBy\nA1,1,final,Dr X\n", &c,
                     NULL, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_PARSE);
    collected_free(&c);
    rn_error_free(err);
    err = NULL;

    const char *jsonl =
        "{\"ExamID\": \"E1\", \"findings\": \"a\", \"report_id\": \"x\", \"impression\": \" b \"}\n"
        "{\"ExamID\": \"E2\", \"findings\": null, \"impression\": \"c\"}\n";
    CHECK(read_text(jsonl, &c, NULL, &err));
    CHECK_EQ_INT(c.n, 2);
    if (c.n == 2) {
        CHECK_EQ_STR(c.text[0], "a\nb");
        CHECK_EQ_STR(c.text[1], "c");
    }
    collected_free(&c);
    rn_error_free(err);
}

static void test_jsonl(void)
{
    const char *jsonl =
        "{\"AccessionNumber\": \"A1\", \"report\": \"linija\\nnova \\\"q\\\" \\u010d \\ud83d\\ude00\"}\n"
        "\n"
        "{\"StudyInstanceUID\": \"1.2.3\", \"extra\": {\"nested\": [1, {\"x\": \"}\"}]}, \"text\": \"t2\"}\r\n"
        "{\"ExamID\": 12345, \"text\": \"broj kao kljuc\"}\n"
        "{\"ExamID\": \"E\", \"text\": null}\n"
        "{broken json\n"
        "{\"AccessionNumber\": \"A9\", \"text\": \"zadnji\"}";
    Collected c;
    uint64_t skipped = 0;
    RnError *err = NULL;
    CHECK(read_text(jsonl, &c, &skipped, &err));
    CHECK_EQ_INT(c.n, 4);
    CHECK_EQ_INT(skipped, 2);
    if (c.n == 4) {
        CHECK(eq(c.acc[0], "A1"));
        CHECK_EQ_STR(c.text[0], "linija\nnova \"q\" č 😀");
        CHECK_EQ_INT(c.line[0], 1);
        CHECK(eq(c.uid[1], "1.2.3"));
        CHECK_EQ_STR(c.text[1], "t2");
        CHECK_EQ_INT(c.line[1], 3);
        CHECK(eq(c.exam[2], "12345"));
        CHECK(eq(c.acc[3], "A9"));
        CHECK_EQ_INT(c.line[3], 7);
    }
    collected_free(&c);
    rn_error_free(err);
}

static void test_encodings(void)
{
    const uint8_t good[] = "\xC4\x8D\xF0\x9F\x98\x80";
    const uint8_t overlong[] = {0xC0, 0x80};
    const uint8_t surrogate[] = {0xED, 0xA0, 0x80};
    const uint8_t truncated[] = {0xE2, 0x82};
    CHECK(rn_utf8_valid(good, sizeof good - 1));
    CHECK(!rn_utf8_valid(overlong, sizeof overlong));
    CHECK(!rn_utf8_valid(surrogate, sizeof surrogate));
    CHECK(!rn_utf8_valid(truncated, sizeof truncated));
}

static bool count_rows(void *user, const RnReportRow *row, RnError **err)
{
    (void)err;
    (*(uint64_t *)user)++;
    return row->text != NULL && row->text[0] != 0 &&
           (row->accession || row->study_uid || row->exam_id);
}

/* Mutated inputs (bytes flipped, cut, quotes and braces inserted) never
 * crash (run under ASan in CI) and every row delivered is well formed. */
static void test_mutations(void)
{
    static const char *const seeds[] = {
        "AccessionNumber,Report\r\nA1,\"a \"\"b\"\" c\"\r\nA2,\"x\ny\"\r\n",
        "{\"ExamID\": \"E1\", \"text\": \"t \\u010d \\n\", \"x\": [1, {\"y\": \"}\"}]}\n"
        "{\"StudyInstanceUID\": \"1.2\", \"text\": \"u\"}\n",
    };
    static const char inserts[] = "\"\\{}[],;\n\r\x80\xC4\xFF";
    unsigned state = 12345;
    uint8_t buf[256];
    int ok_runs = 0;
    for (int round = 0; round < 4000; round++) {
        const char *seed = seeds[round % 2];
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        for (int m = 0; m < 1 + round % 4; m++) {
            state = state * 1103515245u + 12345u;
            size_t at = (state >> 8) % n;
            if ((state >> 4) % 3 == 0)
                buf[at] = (uint8_t)inserts[(state >> 12) % (sizeof inserts - 1)];
            else if ((state >> 4) % 3 == 1)
                n = at + 1; /* cut */
            else
                buf[at] ^= (uint8_t)(1u << ((state >> 16) % 8));
        }
        uint64_t rows = 0, skipped = 0;
        RnError *err = NULL;
        if (rn_reports_read_memory(buf, n, count_rows, &rows, &skipped, &err))
            ok_runs++;
        else
            CHECK(rn_error_code(err) == RN_ERROR_PARSE);
        rn_error_free(err);
    }
    CHECK(ok_runs > 1000);
}

/* A UTF-8 file with one Latin-2 row and one Windows-1250 row: each row is
 * decoded on its own (the whole file used to be read as Latin-2). */
static void test_mixed_encodings(void)
{
    const char *csv = "ExamID,Report\n"
                      "E1,Zaklju\xc4\x8d" "ak: uredan\n"   /* UTF-8 č */
                      "E2,Zaklju\xe8" "ak: \xb9" "um\n"     /* Latin-2 č, š */
                      "E3,Zaklju\xe8" "ak: \x9a" "um\n"     /* Windows-1250 č, š */
                      "E4,\xc5\xbe" "aba\n";               /* UTF-8 ž */
    Collected c;
    RnError *err = NULL;
    CHECK(read_text(csv, &c, NULL, &err));
    CHECK_EQ_INT(c.n, 4);
    if (c.n == 4) {
        CHECK_EQ_STR(c.text[0], "Zaklju\xc4\x8d" "ak: uredan");
        CHECK_EQ_STR(c.text[1], "Zaklju\xc4\x8d" "ak: \xc5\xa1" "um");
        CHECK_EQ_STR(c.text[2], "Zaklju\xc4\x8d" "ak: \xc5\xa1" "um");
        CHECK_EQ_STR(c.text[3], "\xc5\xbe" "aba");
    }
    collected_free(&c);
    rn_error_free(err);
}

static void test_unclosed_quote(void)
{
    const char *csv = "ExamID,Report\n"
                      "E1,fine\n"
                      "E2,\"never closed\n"
                      "E3,swallowed\n";
    Collected c;
    RnError *err = NULL;
    CHECK(!read_text(csv, &c, NULL, &err));
    CHECK_EQ_INT(rn_error_code(err), RN_ERROR_PARSE);
    CHECK(err && strstr(rn_error_message(err), "line 3") != NULL);
    CHECK(err && rn_error_offset(err) == (int64_t)strlen("ExamID,Report\nE1,fine\nE2,"));
    collected_free(&c);
    rn_error_free(err);
}

int main(void)
{
    test_mutations();
    test_csv();
    test_delimiters_and_latin2();
    test_mixed_encodings();
    test_unclosed_quote();
    test_jsonl();
    test_header_words();
    test_encodings();
    TEST_DONE();
}
