/* The table-driven option parser of the commands: one CliOption row per
 * option gives its spelling, its destination, its checks and its --help
 * line, so that every command reports a bad option the same way. */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void cli_list_free(CliList *l)
{
    if (l == NULL)
        return;
    free(l->text);
    l->text = NULL;
    l->n = 0;
}

static bool takes_value(CliOptKind kind)
{
    return kind != CLI_FLAG && kind != CLI_FLAG_OFF;
}

/* A whole decimal integer in [min, max]. */
static bool parse_integer(const CliOption *o, const char *v, uint64_t *out)
{
    return cli_parse_u64(v, (uint64_t)o->min, o->max >= 0x1p64 ? UINT64_MAX : (uint64_t)o->max,
                         out);
}

/* A finite number strictly between min and max, nothing after it. */
static bool parse_real(const CliOption *o, const char *v, double *out)
{
    char *end = NULL;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(d) || !(d > o->min && d < o->max))
        return false;
    *out = d;
    return true;
}

/* Splits text (a writable copy) at commas into the list: at most cap
 * items, each valid for the kind. */
static bool split_list(const CliOption *o, CliList *l, char *text)
{
    char *save = NULL;
    for (char *t = strtok_r(text, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        uint64_t u;
        double d;
        if (l->n == l->cap)
            return false;
        if (o->kind == CLI_NAME_LIST)
            ((const char **)l->items)[l->n] = t;
        else if (o->kind == CLI_SIZE_LIST && parse_integer(o, t, &u))
            ((size_t *)l->items)[l->n] = (size_t)u;
        else if (o->kind == CLI_DOUBLE_LIST && parse_real(o, t, &d))
            ((double *)l->items)[l->n] = d;
        else
            return false;
        l->n++;
    }
    return l->n > 0;
}

/* A comma-separated value into the list; no empty item (a leading,
 * trailing or doubled comma). Only names keep the copy they point into. */
static bool parse_list(const CliOption *o, void *dest, const char *v)
{
    CliList *l = dest;
    cli_list_free(l);
    if ((l->text = strdup(v)) == NULL)
        return false;
    bool ok = split_list(o, l, l->text) && v[0] != ',' && v[strlen(v) - 1] != ',' &&
              strstr(v, ",,") == NULL;
    if (o->kind != CLI_NAME_LIST) {
        free(l->text);
        l->text = NULL;
    }
    return ok;
}

static bool store_value(const CliOption *o, void *base, const char *v)
{
    void *dest = (char *)base + o->at;
    uint64_t u;
    switch (o->kind) {
    case CLI_INT:
        return parse_integer(o, v, &u) && (*(int *)dest = (int)u, true);
    case CLI_SIZE:
        return parse_integer(o, v, &u) && (*(size_t *)dest = (size_t)u, true);
    case CLI_U64:
        return parse_integer(o, v, &u) && (*(uint64_t *)dest = u, true);
    case CLI_SECONDS:
        return parse_integer(o, v, &u) && (*(double *)dest = (double)u, true);
    case CLI_DOUBLE:
        return parse_real(o, v, dest);
    case CLI_STRING:
        *(const char **)dest = v;
        return true;
    case CLI_SIZE_LIST:
    case CLI_DOUBLE_LIST:
    case CLI_NAME_LIST:
        return parse_list(o, dest, v);
    case CLI_REPEAT: {
        CliList *l = dest;
        if (l->n == l->cap)
            return false;
        ((const char **)l->items)[l->n++] = v;
        return true;
    }
    case CLI_CUSTOM:
        return o->parse(v, dest);
    default:
        return false;
    }
}

/* What a valid value looks like, for the error message. */
static void describe(const CliOption *o, void *base, char *buf, size_t cap)
{
    const CliList *list = (const CliList *)((char *)base + o->at);
    switch (o->kind) {
    case CLI_INT: case CLI_SIZE: case CLI_U64: case CLI_SECONDS:
        if (o->max >= 0x1p64)
            snprintf(buf, cap, "an integer >= %.0f", o->min);
        else
            snprintf(buf, cap, "an integer in %.0f..%.0f", o->min, o->max);
        break;
    case CLI_DOUBLE:
        snprintf(buf, cap, "a number above %g and below %g", o->min, o->max);
        break;
    case CLI_SIZE_LIST:
        snprintf(buf, cap, "up to %zu comma-separated integers in %.0f..%.0f",
                 list->cap, o->min, o->max);
        break;
    case CLI_DOUBLE_LIST:
        snprintf(buf, cap, "up to %zu comma-separated numbers above %g",
                 list->cap, o->min);
        break;
    case CLI_NAME_LIST:
        snprintf(buf, cap, "up to %zu comma-separated names", list->cap);
        break;
    case CLI_REPEAT:
        snprintf(buf, cap, "at most %zu of them", list->cap);
        break;
    default: /* the help's first line says what is accepted */
        snprintf(buf, cap, "%.*s", (int)strcspn(o->help, "\n"), o->help);
    }
}

static const CliOption *find_long(const CliOption *table, size_t n, const char *arg)
{
    for (size_t i = 0; i < n; i++)
        if (table[i].name && strcmp(table[i].name, arg) == 0)
            return &table[i];
    return NULL;
}

static const CliOption *find_short(const CliOption *table, size_t n, char c)
{
    for (size_t i = 0; c && i < n; i++)
        if (table[i].short_name == c)
            return &table[i];
    return NULL;
}

static int bad_value(const CliOption *o, void *base, const char *v)
{
    char want[160];
    describe(o, base, want, sizeof want);
    cli_error(o->name ? o->name : o->value, "needs a valid value (%s), not \"%s\"", want, v);
    return RN_EXIT_USAGE;
}

/* The positional row after the `filled` ones already given, or NULL. */
static const CliOption *find_positional(const CliOption *table, size_t n, size_t filled)
{
    for (size_t i = 0; i < n; i++)
        if (table[i].name == NULL && filled-- == 0)
            return &table[i];
    return NULL;
}

/* Applies argv[*i] (and its value); -1 to go on, else an exit code. */
static int parse_one(const CliOption *table, size_t n, void *base, int argc, char **argv,
                     int *i, size_t *positionals, CliOtherOption other, void *ctx)
{
    const char *arg = argv[*i];
    const CliOption *o = NULL;
    const char *attached = NULL;
    if (arg[0] != '-' || arg[1] == '\0') { /* "-" is a name too (stdin) */
        if ((o = find_positional(table, n, *positionals)) == NULL) {
            cli_error(arg, "unexpected argument");
            return RN_EXIT_USAGE;
        }
        ++*positionals;
        return store_value(o, base, arg) ? -1 : bad_value(o, base, arg);
    }
    if (arg[1] == '-') {
        o = find_long(table, n, arg);
    } else if ((o = find_short(table, n, arg[1])) != NULL && arg[2]) {
        if (takes_value(o->kind))
            attached = arg + 2; /* "-j4" */
        else
            o = NULL; /* a flag has no value to attach */
    }
    if (o == NULL && arg[1] == '-' && arg[2] && other) {
        if (*i + 1 >= argc) {
            cli_error(arg, "missing value");
            return RN_EXIT_USAGE;
        }
        *i += 1;
        return other(ctx, arg, argv[*i]) ? -1 : RN_EXIT_USAGE;
    }
    if (o == NULL) {
        cli_error(arg, "unknown option");
        return RN_EXIT_USAGE;
    }
    if (!takes_value(o->kind)) {
        *(bool *)((char *)base + o->at) = o->kind == CLI_FLAG;
        return -1;
    }
    const char *v = attached;
    if (v == NULL) {
        if (*i + 1 >= argc) {
            cli_error(o->name, "missing value (%s)", o->value ? o->value : "a value");
            return RN_EXIT_USAGE;
        }
        v = argv[++*i];
    }
    return store_value(o, base, v) ? -1 : bad_value(o, base, v);
}

int cli_options_parse(const CliOption *table, size_t n, void *base, int argc, char **argv,
                      CliOtherOption other, void *ctx)
{
    size_t positionals = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
            continue;
        int rc = parse_one(table, n, base, argc, argv, &i, &positionals, other, ctx);
        if (rc >= 0)
            return rc;
    }
    return -1;
}

/* Help lines start in this column; longer spellings put the help below. */
#define HELP_COLUMN 22

void cli_options_help(FILE *out, const CliOption *table, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const CliOption *o = &table[i];
        int len = o->name == NULL  ? fprintf(out, "  %s", o->value)
                  : o->short_name ? fprintf(out, "  -%c, %s", o->short_name, o->name)
                                  : fprintf(out, "  %s", o->name);
        if (o->value && o->name)
            len += fprintf(out, " %s", o->value);
        int col = len;
        if (len + 2 > HELP_COLUMN) {
            fputc('\n', out);
            col = 0;
        }
        for (const char *h = o->help; *h;) {
            const char *end = strchr(h, '\n');
            size_t line = end ? (size_t)(end - h) : strlen(h);
            fprintf(out, "%*s%.*s\n", HELP_COLUMN - col, "", (int)line, h);
            col = 0;
            h += line + (end != NULL);
        }
    }
}
