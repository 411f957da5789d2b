/* One exam of the synthetic archive: the planner decides, in order, which
 * patient, modality, region and how many files each study has (cheap, so
 * it runs sequentially); study_generate renders and writes the files and
 * returns its CSV rows (run in parallel, any order). */
#ifndef RN_SYNTH_STUDY_H
#define RN_SYNTH_STUDY_H

#include "radnet/synth.h"
#include "synth/tables.h"

#define MAX_SERIES 6

typedef struct StudyPlan {
    uint64_t index;         /* global study number, 0-based */
    uint64_t patient;       /* patient number, 0-based */
    int study_in_patient;
    Mod mod;
    Region region;
    Scene scene;
    int nseries;
    int images[MAX_SERIES]; /* files per image series */
    bool sr;                /* plus one Basic Text SR file */
    bool localizer;         /* series 0 is a scout / localizer */
    bool capture;           /* plus one secondary-capture dose report (CT) */
    int nfiles;             /* total files of the study */
} StudyPlan;

typedef struct Planner {
    uint64_t seed;
    RnSynthSize size;
    uint64_t n_files, planned;
    uint64_t next_study, next_patient;
    int studies_left, study_in_patient;
} Planner;

void planner_init(Planner *p, uint64_t seed, RnSynthSize size, uint64_t n_files);
/* False when n_files are planned. */
bool planner_next(Planner *p, StudyPlan *out);

typedef struct StudyOutput {
    RnBuf truth;    /* rows of truth.csv */
    RnBuf reports;  /* rows of reports.csv */
    uint64_t files, bytes, report_rows;
} StudyOutput;

bool study_generate(const char *out_dir, uint64_t seed, RnSynthSize size,
                    const StudyPlan *plan, StudyOutput *out, RnError **err);

/* The CSV headers matching the rows above. */
extern const char synth_truth_header[];
extern const char synth_reports_header[];

#endif
