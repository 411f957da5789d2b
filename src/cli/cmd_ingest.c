/* radnet ingest SRC... -w WS [--reports FILE] [-j N] [--no-pixels]
 *               [--thumb-size S] [--batch N] [--regions FILE] [--wait S]
 * radnet ingest dicomweb+http(s)://HOST/PATH -w WS [--study-filter Q] ... */
#include "cli/cli.h"
#include "radnet/dicomweb.h"
#include "radnet/store.h"

#include <stdlib.h>
#include <string.h>

static void ingest_usage(FILE *out)
{
    fprintf(out,
            "usage: radnet ingest SRC... -w WS [--reports FILE] [-j N] [--no-pixels]\n"
            "                     [--thumb-size S] [--batch N] [--regions FILE] [--wait S]\n"
            "                     [--quiet]\n"
            "\n"
            "Scans folders (any depth, any file names; DICOM is recognised by content)\n"
            "into workspace WS: catalog.sqlite (studies, series, images, every top-level\n"
            "non-bulk element, reports, quarantine) and thumbs.npy (uint8 N x S x S,\n"
            "the SPEC 3 preprocessed first frame; S = 128 unless --thumb-size).\n"
            "Resumable after any crash; files already catalogued are skipped unopened.\n"
            "Linked folders are followed (a link back into a scanned folder is not).\n"
            "One writer per workspace: another ingest of WS refuses, or waits with\n"
            "--wait; 'radnet stats' reads WS at any time.\n"
            "\n"
            "  -w, --workspace WS  workspace folder (created when missing)\n"
            "  --reports FILE      reports: CSV (RFC 4180, UTF-8 or Latin-2) or JSONL,\n"
            "                      joined by AccessionNumber, StudyInstanceUID or ExamID;\n"
            "                      every text column (Report, Findings, Impression,\n"
            "                      Narrative_Diagnosis, ...) is read, in column order\n"
            "  -j, --jobs N        decoding threads (default: one per core)\n"
            "  --wait SECONDS      wait up to SECONDS for another writer of WS to\n"
            "                      finish (default: refuse at once)\n"
            "  --no-pixels         metadata only: no decoding, no thumbnails\n"
            "  --thumb-size S      thumbnail size of a new workspace (default 128)\n"
            "  --batch N           files per committed transaction (default 500)\n"
            "  --regions FILE      region rule table instead of the built-in\n"
            "                      data/regions.tsv\n"
            "\n"
            "A PACS as the source: SRC = dicomweb+http://HOST:PORT/dicom-web (or https).\n"
            "QIDO-RS lists studies, series, instances; WADO-RS fetches each instance\n"
            "not in WS yet (by SOPInstanceUID). Credentials: RADNET_DICOMWEB_TOKEN\n"
            "(bearer), else RADNET_DICOMWEB_USER and RADNET_DICOMWEB_PASSWORD, else\n"
            "netrc (RADNET_DICOMWEB_NETRC or ~/.netrc); never logged or stored.\n"
            "https certificates are verified (RADNET_DICOMWEB_CA: a PEM CA bundle).\n"
            "  --study-filter Q    QIDO-RS query terms for the study search, e.g.\n"
            "                      'ModalitiesInStudy=CT&StudyDate=20200101-'\n"
            "  --parallel N        instance downloads at once (default 4, max 64)\n"
            "  --retries N         retries per request on 5xx and time-outs (default 5)\n"
            "  --backoff-ms MS     first retry delay, doubled each retry (default 500)\n"
            "  --timeout S         seconds per request (default 300)\n"
            "\n"
            "Exit status: 0 done, 3 done but some files are quarantined (see\n"
            "'radnet stats'), 1 usage, 2 unusable input, 4 internal error.\n");
}

typedef struct IngestArgs {
    const char **sources;
    size_t n_sources;
    const char *ws;
    RnIngestOptions opts;
    RnDicomwebOptions web;
    bool web_options; /* a DICOMweb option was given */
} IngestArgs;

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    uint64_t v;
    if (!cli_parse_u64(s, 1, max, &v))
        return false;
    *out = (unsigned long)v;
    return true;
}

static bool parse_web(IngestArgs *a, const char *opt, const char *val);

/* Options taking a value; returns false on a usage error. */
static bool parse_valued(IngestArgs *a, const char *opt, const char *val)
{
    unsigned long v;
    if (strcmp(opt, "-w") == 0 || strcmp(opt, "--workspace") == 0)
        a->ws = val;
    else if (strcmp(opt, "--reports") == 0)
        a->opts.reports_path = val;
    else if (strcmp(opt, "--regions") == 0)
        a->opts.regions_path = val;
    else if (strcmp(opt, "-j") == 0 || strcmp(opt, "--jobs") == 0) {
        if (!parse_uint(val, 256, &v))
            return false;
        a->opts.threads = (int)v;
    } else if (strcmp(opt, "--thumb-size") == 0) {
        if (!parse_uint(val, 4096, &v))
            return false;
        a->opts.thumb_size = (uint32_t)v;
    } else if (strcmp(opt, "--wait") == 0) {
        if (!parse_uint(val, 1000000, &v))
            return false;
        a->opts.lock_wait = (double)v;
    } else if (strcmp(opt, "--batch") == 0) {
        if (!parse_uint(val, 1000000, &v))
            return false;
        a->opts.batch_files = (uint32_t)v;
    } else {
        return parse_web(a, opt, val);
    }
    return true;
}

static bool parse_web(IngestArgs *a, const char *opt, const char *val)
{
    uint64_t v;
    a->web_options = true;
    if (strcmp(opt, "--study-filter") == 0)
        a->web.study_filter = val;
    else if (strcmp(opt, "--parallel") == 0 && cli_parse_u64(val, 1, 64, &v))
        a->web.parallel = (int)v;
    else if (strcmp(opt, "--retries") == 0 && cli_parse_u64(val, 0, 100, &v))
        a->web.retries = (int)v;
    else if (strcmp(opt, "--backoff-ms") == 0 && cli_parse_u64(val, 1, 600000, &v))
        a->web.backoff_ms = (int)v;
    else if (strcmp(opt, "--timeout") == 0 && cli_parse_u64(val, 1, 86400, &v))
        a->web.timeout_s = (int)v;
    else {
        return false;
    }
    return true;
}

static bool takes_value(const char *opt)
{
    static const char *const valued[] = {"-w", "--workspace", "--reports", "--regions", "-j",
                                         "--jobs", "--thumb-size", "--batch", "--wait",
                                         "--study-filter", "--parallel", "--retries",
                                         "--backoff-ms", "--timeout"};
    for (size_t i = 0; i < sizeof valued / sizeof valued[0]; i++)
        if (strcmp(opt, valued[i]) == 0)
            return true;
    return false;
}

static int parse_args(int argc, char **argv, IngestArgs *a)
{
    a->sources = calloc((size_t)argc, sizeof *a->sources);
    if (a->sources == NULL)
        return RN_EXIT_INTERNAL;
    rn_ingest_options_init(&a->opts);
    rn_dicomweb_options_init(&a->web);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0) {
            continue;
        } else if (strcmp(arg, "--no-pixels") == 0) {
            a->opts.no_pixels = true;
        } else if (strncmp(arg, "-j", 2) == 0 && arg[2] != 0) { /* -j2 */
            if (!parse_valued(a, "-j", arg + 2)) {
                cli_error(arg, "needs a valid value");
                return RN_EXIT_USAGE;
            }
        } else if (takes_value(arg)) {
            if (i + 1 >= argc || !parse_valued(a, arg, argv[i + 1])) {
                cli_error(arg, "needs a valid value");
                return RN_EXIT_USAGE;
            }
            i++;
        } else if (arg[0] == '-' && arg[1] != 0) {
            cli_error(arg, "unknown option");
            return RN_EXIT_USAGE;
        } else {
            a->sources[a->n_sources++] = arg;
        }
    }
    if (a->ws == NULL || a->n_sources == 0) {
        cli_error("ingest", "needs at least one SRC and -w WS");
        ingest_usage(stderr);
        return RN_EXIT_USAGE;
    }
    bool web = false;
    for (size_t i = 0; i < a->n_sources; i++)
        web = web || rn_dicomweb_is_source(a->sources[i]);
    if (web && a->n_sources > 1) {
        cli_error("ingest", "a dicomweb+http(s) source is ingested on its own");
        return RN_EXIT_USAGE;
    }
    if (!web && a->web_options) {
        cli_error("ingest", "--study-filter, --parallel, --retries, --backoff-ms and --timeout "
                  "need a dicomweb+http(s):// source");
        return RN_EXIT_USAGE;
    }
    a->opts.sources = a->sources;
    a->opts.n_sources = a->n_sources;
    return RN_EXIT_OK;
}

typedef struct ProgressState {
    CliProgress *bar;
    bool started;
} ProgressState;

static void on_progress(void *user, const RnIngestProgress *p)
{
    ProgressState *s = user;
    if (!s->started) {
        s->bar = cli_progress_start("ingest", p->total);
        s->started = true;
    }
    cli_progress_update(s->bar, p->done);
}

static void print_summary(const RnIngestSummary *s)
{
    printf("ingest: %llu files seen, %llu unchanged, %llu new (%.1f MB): %llu images, "
           "%llu duplicates, %llu non-DICOM, %llu DICOMDIR, %llu quarantined; "
           "%llu report rows read, %llu matched in workspace; %llu quarantined in workspace\n",
           (unsigned long long)s->files_seen, (unsigned long long)s->files_unchanged,
           (unsigned long long)s->files_new, (double)s->bytes_read / 1e6,
           (unsigned long long)s->images, (unsigned long long)s->duplicates,
           (unsigned long long)s->non_dicom, (unsigned long long)s->dicomdir,
           (unsigned long long)s->quarantined, (unsigned long long)s->report_rows,
           (unsigned long long)s->reports_matched, (unsigned long long)s->quarantined_total);
}

static void print_web_summary(const RnDicomwebStats *s)
{
    fprintf(stderr, "dicomweb: listed %llu studies, %llu series, %llu instances; fetched %llu "
            "(%.1f MB), skipped %llu already in the workspace, %llu not found; %llu requests, "
            "%llu retries\n",
            (unsigned long long)s->studies, (unsigned long long)s->series,
            (unsigned long long)s->instances, (unsigned long long)s->fetched,
            (double)s->bytes / 1e6, (unsigned long long)s->skipped,
            (unsigned long long)s->missing, (unsigned long long)s->requests,
            (unsigned long long)s->retries);
}

int cmd_ingest(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        ingest_usage(stdout);
        return RN_EXIT_OK;
    }
    IngestArgs a;
    memset(&a, 0, sizeof a);
    int rc = parse_args(argc, argv, &a);
    if (rc != RN_EXIT_OK) {
        free(a.sources);
        return rc;
    }
    ProgressState ps = {NULL, false};
    a.opts.progress = on_progress;
    a.opts.progress_user = &ps;
    a.opts.count_first = !cli_quiet;
    RnIngestSummary sum;
    RnDicomwebStats web;
    RnError *err = NULL;
    bool is_web = rn_dicomweb_is_source(a.sources[0]);
    if (is_web && rn_dist_size(cli_dist()) > 1) {
        cli_error("ingest", "a DICOMweb source is read by one process: start it without mpirun");
        free(a.sources);
        return RN_EXIT_USAGE;
    }
    bool ok = is_web ? rn_dicomweb_ingest(a.ws, a.sources[0], &a.web, &a.opts, &sum, &web, &err)
                     : rn_ingest_dist(a.ws, &a.opts, cli_dist(), &sum, &err);
    if (is_web && !cli_quiet)
        print_web_summary(&web);
    cli_progress_finish(ps.bar);
    free(a.sources);
    if (!ok)
        return cli_fail("ingest", err); /* messages name the file */
    if (!cli_quiet)
        print_summary(&sum);
    if (sum.dirs_unreadable > 0)
        cli_error(a.ws, "%llu folder(s) could not be read", (unsigned long long)sum.dirs_unreadable);
    if (sum.link_loops > 0)
        cli_error(a.ws, "%llu linked folder(s) not entered: they lead back to a folder "
                  "being scanned", (unsigned long long)sum.link_loops);
    if (sum.report_same_content)
        cli_error(a.opts.reports_path, "same content as a report file already imported: "
                  "nothing added");
    if (sum.quarantined_total > 0) {
        cli_error(a.ws, "%llu file(s) quarantined; see 'radnet stats -w %s'",
                  (unsigned long long)sum.quarantined_total, a.ws);
        return RN_EXIT_PARTIAL;
    }
    return RN_EXIT_OK;
}
