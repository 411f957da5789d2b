/* Shared CLI plumbing: exit codes, error reporting, progress. The CLI owns
 * stdout/stderr and exit codes; the library never prints. */
#ifndef RADNET_CLI_H
#define RADNET_CLI_H

#include "radnet/core.h"
#include "radnet/dist.h"

#include <stdio.h>

enum {
    RN_EXIT_OK = 0,
    RN_EXIT_USAGE = 1,
    RN_EXIT_INPUT = 2,    /* bad input file, named on stderr */
    RN_EXIT_PARTIAL = 3,  /* some inputs quarantined */
    RN_EXIT_INTERNAL = 4,
};

typedef struct RnCommand {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} RnCommand;

/* Prints "radnet: <what>: <reason>" on stderr. */
void cli_error(const char *what, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints the error and returns the exit code that fits its kind: input
 * errors (parse/unsupported/limit/io) -> 2, invalid -> 1, others -> 4.
 * Frees err. */
int cli_fail(const char *what, RnError *err);
/* Parses a whole decimal number in [min, max] (no sign, no trailing text). */
bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* True when argv has --help or -h. */
bool cli_wants_help(int argc, char **argv);
/* Global --quiet flag (set by main before dispatch; set on every MPI rank
 * but 0, so that one rank reports). */
extern bool cli_quiet;
/* The MPI world of this process (a world of one without mpirun), opened
 * by main before dispatch. */
RnDist *cli_dist(void);
/* True on the rank that writes the command's outputs (rank 0). */
bool cli_is_root(void);

/* Progress: a bar on a TTY, one line every few seconds otherwise. */
typedef struct CliProgress CliProgress;
CliProgress *cli_progress_start(const char *label, uint64_t total);
void cli_progress_update(CliProgress *p, uint64_t done);
void cli_progress_finish(CliProgress *p);
/* A bar that starts on the library's first report (which knows the total):
 * pass cli_progress_report as the callback and &lazy as its user pointer,
 * then cli_progress_finish(lazy.bar). */
typedef struct CliLazyProgress {
    const char *label;
    CliProgress *bar;
} CliLazyProgress;
void cli_progress_report(void *lazy, uint64_t done, uint64_t total);

/* Command entry points (src/cli/cmd_*.c). */
int cmd_tags(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_preview(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_cluster(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_embed(int argc, char **argv);
int cmd_fuse(int argc, char **argv);
int cmd_study(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_names(int argc, char **argv);
int cmd_assign(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
