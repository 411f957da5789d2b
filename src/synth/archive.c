/* The archive driver: the sequential planner hands out batches of
 * `window` studies, core's thread pool generates a batch (one partition per
 * study, any order), and the calling thread writes its CSV rows in study
 * order. A batch bounds what is in flight, so memory stays flat and the
 * CSVs are identical at any thread count. */
#include "radnet/synth.h"

#include "synth/study.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct Batch {
    const RnSynthOptions *opt;
    StudyPlan *plans;
    StudyOutput *outs;
} Batch;

static void output_free(StudyOutput *o)
{
    rn_buf_free(&o->truth);
    rn_buf_free(&o->reports);
    memset(o, 0, sizeof *o);
}

static bool generate_task(void *ctx, size_t part, size_t begin, size_t end, RnError **err)
{
    (void)part;
    Batch *b = ctx;
    for (size_t i = begin; i < end; i++)
        if (!study_generate(b->opt->out_dir, b->opt->seed, b->opt->size, &b->plans[i],
                            &b->outs[i], err))
            return false;
    return true;
}

static bool fwrite_all(FILE *f, const void *p, size_t n, const char *what, RnError **err)
{
    if (n && fwrite(p, 1, n, f) != n) {
        rn_error_set(err, RN_ERROR_IO, "%s: write failed", what);
        return false;
    }
    return true;
}

typedef struct Sinks {
    FILE *truth, *reports;
} Sinks;

static bool write_output(const StudyOutput *out, Sinks *k, RnSynthStats *st, RnError **err)
{
    if (!fwrite_all(k->truth, out->truth.data, out->truth.len, "truth.csv", err) ||
        !fwrite_all(k->reports, out->reports.data, out->reports.len, "reports.csv", err))
        return false;
    st->files += out->files;
    st->bytes += out->bytes;
    st->studies++;
    st->report_rows += out->report_rows;
    return true;
}

/* Plans, generates and writes batch after batch until the planner is done. */
static bool run_batches(RnPool *pool, Batch *b, size_t window, Planner *planner, Sinks *k,
                        RnSynthProgressFn progress, void *ctx, RnSynthStats *st,
                        RnError **err)
{
    for (;;) {
        size_t n = 0;
        while (n < window && planner_next(planner, &b->plans[n]))
            n++;
        if (n == 0)
            return true;
        bool ok = rn_pool_for(pool, n, n, generate_task, b, err);
        for (size_t i = 0; i < n; i++) {
            ok = ok && write_output(&b->outs[i], k, st, err);
            output_free(&b->outs[i]);
        }
        if (!ok)
            return false;
        if (progress)
            progress(ctx, st->files, b->opt->n_files);
    }
}

static const char readme[] =
    "Synthetic hospital archive written by radnet synth.\n"
    "Every person, report and image here is invented.\n"
    "dicom/: the archive, <PatientID>/<date>_<modality>_<n>/SE<series>/... (ingest this folder;\n"
    "  the answer key below stays outside it).\n"
    "reports.csv: ExamID,AccessionNumber,StudyInstanceUID,ReportText (UTF-8, RFC 4180);\n"
    "  an exam may have several rows, to be concatenated in order; most exams have a\n"
    "  report, some none, and a few rows belong to exams that are not in the archive.\n"
    "truth.csv: true Modality, Region, View (plane or projection) and Pathology per\n"
    "  SOPInstanceUID, with PixelCRC32 (zlib CRC-32 of the stored pixel bytes of all\n"
    "  frames before compression), CharsetStatus (undeclared: non-ASCII text with\n"
    "  no SpecificCharacterSet) and Implant (metal in the exam: OSTEOSYNTHESIS,\n"
    "  PACEMAKER, HIP_PROSTHESIS, KNEE_PROSTHESIS, SPINAL_FIXATION; empty: none).\n"
    "  Organ is HEART for cardiac exams (cardiac CT/MR, coronary angiography,\n"
    "  echocardiography, myocardial perfusion), whose Region is CHEST (SPEC §5\n"
    "  renames HEART to CHEST); their View may be SA, 2CH or 4CH (the heart's planes).\n";

static FILE *open_out(const char *dir, const char *name, RnError **err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wbx"); /* never overwrite an earlier archive */
    if (f == NULL)
        rn_error_set(err, errno == EEXIST ? RN_ERROR_INVALID : RN_ERROR_IO, "%s: %s", path,
                     errno == EEXIST ? "exists (the folder already holds an archive)"
                                     : strerror(errno));
    return f;
}

static bool check_options(const RnSynthOptions *o, RnError **err)
{
    if (o->out_dir == NULL || o->out_dir[0] == '\0' || strlen(o->out_dir) > 3000) {
        rn_error_set(err, RN_ERROR_INVALID, "synth: an output folder is needed");
        return false;
    }
    if (o->n_files < 1 || o->threads < 1 || o->threads > RN_SYNTH_MAX_THREADS) {
        rn_error_set(err, RN_ERROR_INVALID, "synth: need n >= 1 and 1..%d threads",
                     RN_SYNTH_MAX_THREADS);
        return false;
    }
    if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST) {
        rn_error_set(err, RN_ERROR_IO, "%s: %s", o->out_dir, strerror(errno));
        return false;
    }
    return true;
}

bool rn_synth_run(const RnSynthOptions *opt, RnSynthProgressFn progress, void *ctx,
                  RnSynthStats *stats, RnError **err)
{
    RnSynthStats st = {0};
    if (!check_options(opt, err))
        return false;
    Sinks k = {open_out(opt->out_dir, "truth.csv", err), NULL};
    k.reports = k.truth ? open_out(opt->out_dir, "reports.csv", err) : NULL;
    FILE *rd = k.reports ? open_out(opt->out_dir, "README.txt", err) : NULL;
    /* Outputs are only CSV rows: a wide batch keeps every thread busy
     * despite uneven studies (a CT of 60 slices beside a chest X-ray). */
    size_t window = 16 * (size_t)opt->threads;
    bool ok = rd && fwrite_all(rd, readme, sizeof readme - 1, "README.txt", err) &&
              fwrite_all(k.truth, synth_truth_header, strlen(synth_truth_header), "truth.csv", err) &&
              fwrite_all(k.reports, synth_reports_header, strlen(synth_reports_header),
                         "reports.csv", err);
    Batch b = {opt, ok ? rn_calloc(window, sizeof *b.plans, err) : NULL,
               ok ? rn_calloc(window, sizeof *b.outs, err) : NULL};
    RnPool *pool = b.plans && b.outs ? rn_pool_open(opt->threads, err) : NULL;
    if (pool) {
        Planner planner;
        planner_init(&planner, opt->seed, opt->size, opt->n_files);
        ok = run_batches(pool, &b, window, &planner, &k, progress, ctx, &st, err);
        st.patients = planner.next_patient;
        for (size_t i = 0; i < window; i++)
            output_free(&b.outs[i]);
    } else {
        ok = false;
    }
    rn_pool_close(pool);
    free(b.plans);
    free(b.outs);
    FILE *files[3] = {k.truth, k.reports, rd};
    for (int i = 0; i < 3; i++)
        if (files[i] && fclose(files[i]) != 0 && ok) {
            rn_error_set(err, RN_ERROR_IO, "%s: close failed", opt->out_dir);
            ok = false;
        }
    if (stats)
        *stats = st;
    return ok;
}
