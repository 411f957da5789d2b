/* The archive driver: workers take studies from the sequential planner,
 * generate them in parallel, and park their CSV rows in a ring of
 * `window` slots; the calling thread writes the rows in study order. A
 * worker may not run further than `window` studies ahead of the writer, so
 * memory stays flat and the CSVs are identical at any thread count. */
#include "radnet/synth.h"

#include "synth/study.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct Slot {
    StudyOutput out;
    bool done;
} Slot;

typedef struct Shared {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const RnSynthOptions *opt;
    Planner planner;
    bool planning_done, failed;
    RnError *err;
    uint64_t next_to_write;
    Slot *slots;
    size_t window;
} Shared;

static void output_free(StudyOutput *o)
{
    rn_buf_free(&o->truth);
    rn_buf_free(&o->reports);
    memset(o, 0, sizeof *o);
}

/* Takes the next plan, waiting while the ring is full. False at the end. */
static bool take_plan(Shared *sh, StudyPlan *plan)
{
    bool got = false;
    pthread_mutex_lock(&sh->mu);
    while (!sh->failed && !sh->planning_done &&
           sh->planner.next_study >= sh->next_to_write + sh->window)
        pthread_cond_wait(&sh->cv, &sh->mu);
    if (!sh->failed && !sh->planning_done) {
        got = planner_next(&sh->planner, plan);
        if (!got) {
            sh->planning_done = true;
            pthread_cond_broadcast(&sh->cv);
        }
    }
    pthread_mutex_unlock(&sh->mu);
    return got;
}

static void *worker(void *arg)
{
    Shared *sh = arg;
    StudyPlan plan;
    while (take_plan(sh, &plan)) {
        StudyOutput out;
        memset(&out, 0, sizeof out);
        RnError *e = NULL;
        bool ok = study_generate(sh->opt->out_dir, sh->opt->seed, sh->opt->size, &plan,
                                 &out, &e);
        pthread_mutex_lock(&sh->mu);
        if (ok) {
            Slot *s = &sh->slots[plan.index % sh->window];
            s->out = out;
            s->done = true;
        } else {
            output_free(&out);
            if (!sh->failed) {
                sh->failed = true;
                sh->err = e;
                e = NULL;
            }
        }
        pthread_cond_broadcast(&sh->cv);
        pthread_mutex_unlock(&sh->mu);
        rn_error_free(e);
    }
    return NULL;
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

/* Writes finished studies in order until all are written or one failed. */
static bool writer_loop(Shared *sh, Sinks *k, RnSynthProgressFn progress, void *ctx,
                        RnSynthStats *st, RnError **err)
{
    bool ok = true;
    pthread_mutex_lock(&sh->mu);
    for (;;) {
        Slot *s = &sh->slots[sh->next_to_write % sh->window];
        while (!s->done && !sh->failed &&
               !(sh->planning_done && sh->next_to_write >= sh->planner.next_study))
            pthread_cond_wait(&sh->cv, &sh->mu);
        if (sh->failed || !s->done)
            break;
        StudyOutput out = s->out;
        memset(&s->out, 0, sizeof s->out);
        s->done = false;
        sh->next_to_write++;
        pthread_cond_broadcast(&sh->cv);
        pthread_mutex_unlock(&sh->mu);
        ok = fwrite_all(k->truth, out.truth.data, out.truth.len, "truth.csv", err) &&
             fwrite_all(k->reports, out.reports.data, out.reports.len, "reports.csv", err);
        st->files += out.files;
        st->bytes += out.bytes;
        st->studies++;
        st->report_rows += out.report_rows;
        output_free(&out);
        if (ok && progress)
            progress(ctx, st->files, sh->opt->n_files);
        pthread_mutex_lock(&sh->mu);
        if (!ok) {
            sh->failed = true;
            pthread_cond_broadcast(&sh->cv);
            break;
        }
    }
    pthread_mutex_unlock(&sh->mu);
    return ok;
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
    "  frames before compression) and CharsetStatus (undeclared: non-ASCII text with\n"
    "  no SpecificCharacterSet).\n";

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

static bool run_threads(Shared *sh, Sinks *k, RnSynthProgressFn progress, void *ctx,
                        RnSynthStats *st, RnError **err)
{
    int n = sh->opt->threads, started = 0;
    pthread_t tid[RN_SYNTH_MAX_THREADS];
    for (; started < n; started++)
        if (pthread_create(&tid[started], NULL, worker, sh) != 0)
            break;
    bool ok = started > 0;
    if (!ok)
        rn_error_set(err, RN_ERROR_INTERNAL, "synth: cannot start threads");
    ok = ok && writer_loop(sh, k, progress, ctx, st, err);
    if (!ok) { /* wake workers so they stop */
        pthread_mutex_lock(&sh->mu);
        sh->failed = true;
        pthread_cond_broadcast(&sh->cv);
        pthread_mutex_unlock(&sh->mu);
    }
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    if (sh->err) {
        ok = false;
        if (err && *err == NULL)
            *err = sh->err;
        else
            rn_error_free(sh->err);
        sh->err = NULL;
    }
    return ok;
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
    Shared sh;
    memset(&sh, 0, sizeof sh);
    sh.opt = opt;
    sh.window = 4 * (size_t)opt->threads;
    bool ok = rd && fwrite_all(rd, readme, sizeof readme - 1, "README.txt", err) &&
              fwrite_all(k.truth, synth_truth_header, strlen(synth_truth_header), "truth.csv", err) &&
              fwrite_all(k.reports, synth_reports_header, strlen(synth_reports_header),
                         "reports.csv", err);
    sh.slots = ok ? rn_calloc(sh.window, sizeof *sh.slots, err) : NULL;
    if (sh.slots) {
        planner_init(&sh.planner, opt->seed, opt->size, opt->n_files);
        pthread_mutex_init(&sh.mu, NULL);
        pthread_cond_init(&sh.cv, NULL);
        ok = run_threads(&sh, &k, progress, ctx, &st, err);
        pthread_cond_destroy(&sh.cv);
        pthread_mutex_destroy(&sh.mu);
        st.patients = sh.planner.next_patient;
        for (size_t i = 0; i < sh.window; i++)
            output_free(&sh.slots[i].out);
        free(sh.slots);
    } else {
        ok = false;
    }
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
