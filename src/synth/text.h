/* Words of the synthetic hospital: patient names, procedure descriptions,
 * narrative reports (Croatian, some English) and character-set encoding. */
#ifndef RN_SYNTH_TEXT_H
#define RN_SYNTH_TEXT_H

#include "synth/rng.h"
#include "synth/tables.h"

typedef struct Person {
    char family[64], given[64]; /* UTF-8 */
    char sex;                   /* 'M' or 'F' */
    int birth_year, birth_month, birth_day;
} Person;

void text_person(Rng *r, Person *p);

/* Appends utf8 converted to the character set (NUL-terminated; len does not
 * count the NUL). Latin-2 keeps čćđšž; Latin-1 and ASCII transliterate. */
bool text_encode(const char *utf8, Charset cs, RnBuf *out, RnError **err);

/* "RTG desnog koljena", "CT toraksa", "Knee 2 views"... side: 0 none,
 * 1 right, 2 left. Appends UTF-8 and NUL-terminates. */
bool text_procedure(Rng *r, Lang lang, Mod m, Region g, int side, RnBuf *out, RnError **err);

#define REPORT_MAX_PARTS 3

/* What the report is about: the exam and what its images show. */
typedef struct ReportFacts {
    Mod mod;
    Region region;
    int side;          /* 0 none, 1 right, 2 left */
    Pathology path;
    int size_mm;       /* of the pathology */
    Implant implant;   /* metal in the images */
    int coronary;      /* coronary angiography: the trees injected, 1 left, 2 right, 3 both */
} ReportFacts;

/* True when reports of (m, g) have words for pathology p. */
bool text_pathology_possible(Mod m, Region g, Pathology p);

/* One narrative report split into 1..3 parts (rows of reports.csv), UTF-8:
 * the pathology as a finding with its size and side and as the conclusion,
 * normal findings that do not deny it. Croatian, English, or German where
 * the region has German wording (cardiac exams; English otherwise). Each
 * parts[i] must be an empty RnBuf; *nparts receives the count. */
bool text_report(Rng *r, const ReportFacts *f, Lang lang, RnBuf parts[REPORT_MAX_PARTS],
                 int *nparts, RnError **err);

#endif
