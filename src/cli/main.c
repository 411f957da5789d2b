#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

bool cli_quiet;
static RnDist *world;

RnDist *cli_dist(void)
{
    return world;
}

bool cli_is_root(void)
{
    return rn_dist_rank(world) == 0;
}

/* One row per command; each command lives in src/cli/cmd_<name>.c. */
static const RnCommand commands[] = {
    {"tags", "dump a DICOM data set (text or DICOM JSON)", cmd_tags},
    {"decode", "decoded pixel data of all frames, as gdcmraw writes it", cmd_decode},
    {"preview", "the preprocessed 8-bit image of the first frame as PNG", cmd_preview},
    {"synth", "generate a synthetic hospital archive with reports and truth", cmd_synth},
    {"ingest", "scan folders into a workspace (resumable, incremental)", cmd_ingest},
    {"stats", "counts per modality, region, transfer syntax; quarantine", cmd_stats},
    {"cluster", "cluster a matrix (k-means, k-medoids)", cmd_cluster},
    {"metrics", "clustering metrics against true labels", cmd_metrics},
    {"embed", "one source's embedding of every image (pixels, metadata, text)", cmd_embed},
    {"fuse", "fuse the embeddings into WS/embeddings/fused.npy", cmd_fuse},
    {"study", "the extractor-selection study; records the fusion choice", cmd_study},
    {"run", "the whole pipeline: ingest, embed, fuse, cluster, evaluate, report", cmd_run},
    {"export", "labels of the last run as CSV or JSON (pseudonymised)", cmd_export},
    {"assign", "label new images with the last run's frozen models", cmd_assign},
    {"names", "import the curators' cluster names (names import -w WS FILE)", cmd_names},
    {"report", "static HTML report of the clusters, with cluster naming", cmd_report},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: radnet [--quiet] COMMAND [ARGS...]\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'radnet COMMAND --help' describes a command.\n");
}

void cli_error(const char *what, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "radnet: %s: ", what);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_fail(const char *what, RnError *err)
{
    RnErrorCode code = rn_error_code(err);
    int64_t off = rn_error_offset(err);
    if (off >= 0)
        cli_error(what, "%s (at byte %lld)", rn_error_message(err), (long long)off);
    else
        cli_error(what, "%s", rn_error_message(err));
    rn_error_free(err);
    switch (code) {
    case RN_ERROR_PARSE: case RN_ERROR_UNSUPPORTED: case RN_ERROR_LIMIT:
    case RN_ERROR_IO:
        return RN_EXIT_INPUT;
    case RN_ERROR_INVALID:
        return RN_EXIT_USAGE;
    default:
        return RN_EXIT_INTERNAL;
    }
}

bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || s[0] < '0' || s[0] > '9' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

/* ---- progress ---------------------------------------------------------- */

struct CliProgress {
    const char *label;
    uint64_t total, done;
    struct timespec start, last;
    bool tty;
};

static double seconds_between(struct timespec a, struct timespec b)
{
    return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

CliProgress *cli_progress_start(const char *label, uint64_t total)
{
    if (cli_quiet)
        return NULL;
    CliProgress *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->label = label;
    p->total = total;
    p->tty = isatty(STDERR_FILENO);
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    p->last = p->start;
    return p;
}

static void progress_print(CliProgress *p, struct timespec now, bool final)
{
    double el = seconds_between(p->start, now);
    double rate = el > 0 ? (double)p->done / el : 0;
    if (p->tty) {
        int width = 30, filled = 0;
        if (p->total)
            filled = (int)((double)width * (double)p->done / (double)p->total);
        if (filled > width)
            filled = width;
        double eta = (p->total && rate > 0) ? (double)(p->total - p->done) / rate : 0;
        fprintf(stderr, "\r%s [%.*s%*s] %llu/%llu %.0f/s ETA %.0fs%s", p->label,
                filled, "##############################", width - filled, "",
                (unsigned long long)p->done, (unsigned long long)p->total, rate,
                eta, final ? "\n" : "");
    } else if (p->total == 0) { /* total unknown (e.g. a DICOMweb listing) */
        fprintf(stderr, "%s: %llu done, %.0f/s, %.1fs\n", p->label, (unsigned long long)p->done,
                rate, el);
    } else {
        fprintf(stderr, "%s: %llu/%llu done, %.0f/s, %.1fs\n", p->label,
                (unsigned long long)p->done, (unsigned long long)p->total, rate, el);
    }
}

void cli_progress_update(CliProgress *p, uint64_t done)
{
    if (p == NULL)
        return;
    p->done = done;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double interval = p->tty ? 0.2 : 5.0;
    if (seconds_between(p->last, now) >= interval) {
        p->last = now;
        progress_print(p, now, false);
    }
}

void cli_progress_finish(CliProgress *p)
{
    if (p == NULL)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    progress_print(p, now, true);
    free(p);
}

void cli_progress_report(void *lazy, uint64_t done, uint64_t total)
{
    CliLazyProgress *l = lazy;
    if (l->bar == NULL)
        l->bar = cli_progress_start(l->label, total);
    cli_progress_update(l->bar, done);
}

/* RADNET_DIST_TIMEOUT: seconds a rank waits for the others in a
 * collective before the run fails (default RN_DIST_TIMEOUT_DEFAULT). */
static double dist_timeout(void)
{
    const char *s = getenv("RADNET_DIST_TIMEOUT");
    char *end;
    double t = s ? strtod(s, &end) : 0;
    return s && *end == '\0' && t > 0 ? t : RN_DIST_TIMEOUT_DEFAULT;
}

/* Commands that split their work over MPI ranks; under mpirun the others
 * would only repeat theirs on every rank (and compete for the workspace). */
static const char *const over_ranks[] = {"ingest", "embed", "cluster", "run",
                                          "assign"};

static bool runs_over_ranks(const char *name)
{
    for (size_t i = 0; i < sizeof over_ranks / sizeof over_ranks[0]; i++)
        if (strcmp(name, over_ranks[i]) == 0)
            return true;
    return false;
}

/* Under mpirun every rank runs the command; a rank that fails ends the
 * whole job (MPI_Abort) so that none waits for it. */
static int run_command(const RnCommand *c, int argc, char **argv)
{
    RnError *err = NULL;
    if ((world = rn_dist_open(dist_timeout(), &err)) == NULL)
        return cli_fail("mpi", err);
    if (!cli_is_root())
        cli_quiet = true;
    int rc = RN_EXIT_OK; /* the others wait for rank 0 to say why it stops */
    if (rn_dist_size(world) == 1 || runs_over_ranks(c->name) || cli_wants_help(argc, argv))
        rc = c->run(argc, argv);
    else if (cli_is_root()) {
        cli_error(c->name, "runs on one process: start it without mpirun "
                  "(over MPI ranks: ingest, embed, cluster, run, assign)");
        rc = RN_EXIT_USAGE;
    }
    if (rc != RN_EXIT_OK && rc != RN_EXIT_PARTIAL && rn_dist_size(world) > 1) {
        rn_dist_abort(world, rc);
        return rc;
    }
    if (!rn_dist_close(world, &err))
        rc = cli_fail("mpi", err);
    world = NULL;
    return rc;
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            cli_quiet = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return RN_EXIT_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("radnet %s\n", RADNET_VERSION);
            return RN_EXIT_OK;
        } else {
            cli_error(argv[i], "unknown option");
            usage(stderr);
            return RN_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return RN_EXIT_USAGE;
    }
    /* --quiet is also accepted after the command. */
    for (int j = i + 1; j < argc; j++)
        if (strcmp(argv[j], "--quiet") == 0)
            cli_quiet = true;
    for (size_t c = 0; c < N_COMMANDS; c++)
        if (strcmp(argv[i], commands[c].name) == 0)
            return run_command(&commands[c], argc - i, argv + i);
    cli_error(argv[i], "unknown command");
    usage(stderr);
    return RN_EXIT_USAGE;
}
