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

/* ---- options (src/cli/cli_options.c) ------------------------------------
 * A command's options are one table: the parser, its error messages and
 * the option part of --help all come from it. --quiet/-q (handled by main)
 * and --help/-h (cli_wants_help) are accepted everywhere. A short option
 * takes its value as the next argument or attached (-j4). */
typedef enum CliOptKind {
    CLI_FLAG,        /* bool: set to true */
    CLI_FLAG_OFF,    /* bool: set to false (--no-...) */
    CLI_INT,         /* int in [min, max] */
    CLI_SIZE,        /* size_t in [min, max] */
    CLI_U64,         /* uint64_t in [min, max] */
    CLI_SECONDS,     /* double from a whole number in [min, max] */
    CLI_DOUBLE,      /* finite double strictly between min and max */
    CLI_STRING,      /* const char * (borrowed from argv) */
    CLI_SIZE_LIST,   /* CliList of size_t, comma-separated, each in [min, max] */
    CLI_DOUBLE_LIST, /* CliList of double, each strictly between min and max */
    CLI_NAME_LIST,   /* CliList of const char *, comma-separated */
    CLI_REPEAT,      /* CliList of const char *, one per occurrence */
    CLI_CUSTOM,      /* parse(value, dest) */
} CliOptKind;

/* Destination of the list kinds: items is an array of cap elements of the
 * kind's type; n counts them (a repeated list option replaces the list,
 * CLI_REPEAT appends). A CLI_NAME_LIST's names point into `text`, a copy
 * that cli_list_free frees; the other kinds hold nothing to free. */
typedef struct CliList {
    void *items;
    size_t cap, n;
    char *text;
} CliList;
void cli_list_free(CliList *l);

/* Tables are static data: each row names its destination by its offset in
 * the command's argument struct (base). */
typedef struct CliOption {
    const char *name;   /* "--workspace"; NULL: the next positional argument */
    char short_name;    /* 'w', or 0 */
    CliOptKind kind;
    size_t at;          /* offsetof(the command's struct, destination) */
    const char *value;  /* the value's name in --help ("WS"); NULL for flags */
    const char *help;   /* may hold '\n' for more lines */
    double min, max;    /* numbers: the accepted range */
    bool (*parse)(const char *value, void *dest); /* CLI_CUSTOM */
} CliOption;

/* Called for a "--name VALUE" pair the table does not hold (NULL: such an
 * option is an error); returns false with the error printed. */
typedef bool (*CliOtherOption)(void *ctx, const char *name, const char *value);

/* Parses argv[1..argc) by the table (n rows) into base. Returns -1 to go
 * on, or RN_EXIT_USAGE after printing "radnet: OPTION: what is wrong". */
int cli_options_parse(const CliOption *table, size_t n, void *base, int argc, char **argv,
                      CliOtherOption other, void *ctx);
/* The option lines of --help: "  -w, --workspace WS  help", aligned. */
void cli_options_help(FILE *out, const CliOption *table, size_t n);
#define CLI_COUNT(table) (sizeof(table) / sizeof((table)[0]))

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
