/* Report files: CSV (RFC 4180) or JSON Lines, UTF-8, Latin-2 or
 * Windows-1250 row by row, one row per report (several rows per exam
 * allowed; the catalogue concatenates them). */
#include "store/store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- encodings -------------------------------------------------------- */

/* Kept for the callers of store.h; the decoding itself is core's. */
bool rn_utf8_valid(const uint8_t *s, size_t n) { return rn_text_utf8_valid(s, n); }

/* ---- columns ---------------------------------------------------------- */

typedef enum Column { COL_NONE = 0, COL_ACCESSION, COL_STUDY_UID, COL_EXAM_ID, COL_TEXT } Column;

static const struct {
    const char *name; /* normalised: lower case, no '_', ' ', '-' */
    Column col;
} column_names[] = {
    {"accessionnumber", COL_ACCESSION}, {"accession", COL_ACCESSION},
    {"accessionno", COL_ACCESSION},     {"accnumber", COL_ACCESSION},
    {"accno", COL_ACCESSION},           {"studyinstanceuid", COL_STUDY_UID},
    {"studyuid", COL_STUDY_UID},        {"examid", COL_EXAM_ID},
    {"exam", COL_EXAM_ID},              {"examno", COL_EXAM_ID},
    {"examinationid", COL_EXAM_ID},     {"text", COL_TEXT},
};

/* Beyond the exact names, a column whose name holds one of these stems is
 * report text ("Report", "Narrative_Diagnosis", "Findings", "Impression",
 * "radiologist report"), unless the name ends like an identifier, a date or
 * a person ("ReportID", "report_date", "reporting physician"): exports name
 * the narrative in their own words, and a run must not stop at the header.
 * Every text column of a row is read, joined in column order (findings,
 * then impression). */
static const char *const text_stems[] = {
    "report", "diagnos", "narrative", "finding", "impression", "conclusion",
    "nalaz", "dijagnoz", "zakljucak", "befund", "beurteilung",
};
static const char *const not_text_endings[] = {
    "id", "uid", "date", "time", "status", "no", "number", "type", "code",
    "physician", "radiologist", "author", "name", "by", "count", "length",
};

static bool ends_with(const char *s, size_t n, const char *end)
{
    size_t m = strlen(end);
    return n >= m && memcmp(s + n - m, end, m) == 0;
}

static bool names_text(const char *norm, size_t n)
{
    for (size_t i = 0; i < sizeof not_text_endings / sizeof *not_text_endings; i++)
        if (ends_with(norm, n, not_text_endings[i]))
            return false;
    for (size_t i = 0; i < sizeof text_stems / sizeof *text_stems; i++)
        if (strstr(norm, text_stems[i]) != NULL)
            return true;
    return false;
}

static Column column_of(const char *name, size_t n)
{
    char norm[64];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c == '_' || c == ' ' || c == '-')
            continue;
        if (k + 1 >= sizeof norm)
            return COL_NONE;
        norm[k++] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    norm[k] = 0;
    for (size_t i = 0; i < sizeof column_names / sizeof column_names[0]; i++)
        if (strcmp(norm, column_names[i].name) == 0)
            return column_names[i].col;
    return names_text(norm, k) ? COL_TEXT : COL_NONE;
}

/* Field values of the current row by column kind (borrowed). */
typedef struct RowValues {
    const char *v[5];
} RowValues;

static const char *trim_inplace(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
                     s[n - 1] == '\n'))
        s[--n] = 0;
    return s;
}

static bool nonempty(const char *s) { return s != NULL && s[0] != 0; }

/* At most this many text columns of a row are joined (a header cannot make
 * one row's work grow without bound). */
#define MAX_TEXT_PARTS 8

/* A row's report: its non-blank text values, trimmed, joined by line
 * breaks; *text NULL when there is none. */
static bool join_text(char *const *parts, size_t n, RnBuf *out, const char **text,
                      RnError **err)
{
    *text = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *v = trim_inplace(parts[i]);
        if (*v == 0)
            continue;
        if ((out->len > 0 && !rn_buf_append(out, "\n", 1, err)) ||
            !rn_buf_append_str(out, v, err))
            return false;
    }
    if (out->len == 0)
        return true;
    if (!rn_buf_terminate(out, err))
        return false;
    *text = (const char *)out->data;
    return true;
}

/* The character set of one row: UTF-8 when every value is valid UTF-8;
 * otherwise the Central European 8-bit set the bytes point to (files
 * concatenated from several systems mix them row by row). */
static RnTextCharset row_charset(const RowValues *rv)
{
    RnTextCharset cs = RN_TEXT_UTF8;
    for (int k = 1; k < 5; k++) {
        const uint8_t *v = (const uint8_t *)rv->v[k];
        size_t n = v ? strlen((const char *)v) : 0;
        if (n == 0 || rn_text_utf8_valid(v, n))
            continue;
        cs = RN_TEXT_LATIN2;
        for (size_t i = 0; i < n; i++)
            if (v[i] >= 0x80 && v[i] <= 0x9F)
                return RN_TEXT_CP1250;
    }
    return cs;
}

/* Delivers a row to the sink, or counts it as skipped. */
static bool deliver(const RowValues *given, uint64_t line, RnReportSink sink, void *user,
                    uint64_t *skipped, RnError **err)
{
    RowValues rv = *given;
    char *decoded[5] = {NULL};
    RnTextCharset cs = row_charset(given);
    bool ok = true;
    for (int k = 1; ok && k < 5 && cs != RN_TEXT_UTF8; k++)
        if (rv.v[k] != NULL)
            ok = (rv.v[k] = decoded[k] = rn_text_to_utf8((const uint8_t *)given->v[k],
                                                         strlen(given->v[k]), cs, NULL,
                                                         err)) != NULL;
    RnReportRow row = {
        .accession = nonempty(rv.v[COL_ACCESSION]) ? rv.v[COL_ACCESSION] : NULL,
        .study_uid = nonempty(rv.v[COL_STUDY_UID]) ? rv.v[COL_STUDY_UID] : NULL,
        .exam_id = nonempty(rv.v[COL_EXAM_ID]) ? rv.v[COL_EXAM_ID] : NULL,
        .text = rv.v[COL_TEXT],
        .line = line,
    };
    if (ok && ((!row.accession && !row.study_uid && !row.exam_id) || !nonempty(row.text)))
        (*skipped)++;
    else if (ok)
        ok = sink(user, &row, err);
    for (int k = 1; k < 5; k++)
        free(decoded[k]);
    return ok;
}

/* ---- CSV -------------------------------------------------------------- */

typedef struct CsvReader {
    const char *p, *end;
    const char *begin;    /* of the data, for error offsets */
    char delim;
    uint64_t line;
    RnBuf fields;         /* NUL-terminated field values, back to back */
    size_t *starts;       /* offsets into fields */
    size_t n_fields, cap_fields;
} CsvReader;

static bool csv_push_start(CsvReader *r, RnError **err)
{
    if (r->n_fields == r->cap_fields) {
        size_t cap = r->cap_fields ? r->cap_fields * 2 : 16;
        size_t *s = rn_realloc(r->starts, cap * sizeof *s, err);
        if (s == NULL)
            return false;
        r->starts = s;
        r->cap_fields = cap;
    }
    r->starts[r->n_fields++] = r->fields.len;
    return true;
}

/* Reads one field; *row_end tells whether the record ended after it. */
static bool csv_field(CsvReader *r, bool *row_end, RnError **err)
{
    const char *start = r->p;
    uint64_t start_line = r->line;
    bool quoted = r->p < r->end && *r->p == '"';
    if (quoted)
        r->p++;
    for (;;) {
        if (r->p >= r->end) {
            *row_end = true;
            if (quoted) {
                /* A stray quote would swallow every row after it. */
                rn_error_set_at(err, RN_ERROR_PARSE, (uint64_t)(start - r->begin),
                                "line %llu: quote never closed (the rest of the file would "
                                "be one field)", (unsigned long long)start_line);
                return false;
            }
            break;
        }
        char c = *r->p;
        if (quoted && c == '"') {
            if (r->p + 1 < r->end && r->p[1] == '"') {
                r->p += 2;
                if (!rn_buf_append(&r->fields, "\"", 1, err))
                    return false;
                continue;
            }
            quoted = false; /* closing quote; text after it is kept as is */
            r->p++;
            continue;
        }
        if (!quoted && (c == r->delim || c == '\n' || c == '\r')) {
            r->p++;
            *row_end = c != r->delim;
            if (c == '\r' && r->p < r->end && *r->p == '\n')
                r->p++;
            if (c != r->delim)
                r->line++;
            break;
        }
        if (c == '\n')
            r->line++;
        if (!rn_buf_append(&r->fields, &c, 1, err))
            return false;
        r->p++;
    }
    return rn_buf_append(&r->fields, "", 1, err);
}

/* Reads one record into r->fields / r->starts. */
static bool csv_record(CsvReader *r, RnError **err)
{
    r->fields.len = 0;
    r->n_fields = 0;
    bool row_end = false;
    while (!row_end) {
        if (!csv_push_start(r, err) || !csv_field(r, &row_end, err))
            return false;
    }
    return true;
}

static const char *csv_value(const CsvReader *r, size_t i)
{
    return (const char *)r->fields.data + r->starts[i];
}

static bool csv_blank_record(const CsvReader *r)
{
    return r->n_fields == 1 && csv_value(r, 0)[0] == 0;
}

/* Column kinds of the header read with delimiter d; returns how many of key
 * and text kinds were found (text counts as the second). */
static int csv_try_header(const uint8_t *data, size_t n, char delim, Column **cols,
                          size_t *ncols, RnError **err)
{
    CsvReader r = {(const char *)data, (const char *)data + n, (const char *)data, delim, 1,
                   RN_BUF_INIT, NULL, 0, 0};
    int score = -1;
    *cols = NULL;
    if (csv_record(&r, err) && (*cols = rn_calloc(r.n_fields, sizeof **cols, err)) != NULL) {
        bool key = false, text = false;
        for (size_t i = 0; i < r.n_fields; i++) {
            const char *v = csv_value(&r, i);
            (*cols)[i] = column_of(v, strlen(v));
            key |= (*cols)[i] != COL_NONE && (*cols)[i] != COL_TEXT;
            text |= (*cols)[i] == COL_TEXT;
        }
        *ncols = r.n_fields;
        score = (int)key + (int)text;
    }
    rn_buf_free(&r.fields);
    free(r.starts);
    return score;
}

static bool csv_choose_header(const uint8_t *data, size_t n, char *delim, Column **cols,
                              size_t *ncols, RnError **err)
{
    static const char delims[] = {',', ';', '\t'};
    for (size_t i = 0; i < sizeof delims; i++) {
        Column *c = NULL;
        size_t nc = 0;
        int score = csv_try_header(data, n, delims[i], &c, &nc, err);
        if (score == 2) {
            *delim = delims[i], *cols = c, *ncols = nc;
            return true;
        }
        free(c);
        if (score < 0)
            return false;
    }
    rn_error_set(err, RN_ERROR_PARSE,
                 "report CSV header needs a key column (AccessionNumber, StudyInstanceUID "
                 "or ExamID) and a text column (Report, Text, ...)");
    return false;
}

static bool read_csv(const uint8_t *data, size_t n, RnReportSink sink, void *user,
                     uint64_t *skipped, RnError **err)
{
    Column *cols = NULL;
    size_t ncols = 0;
    char delim = ',';
    if (!csv_choose_header(data, n, &delim, &cols, &ncols, err))
        return false;
    CsvReader r = {(const char *)data, (const char *)data + n, (const char *)data, delim, 1,
                   RN_BUF_INIT, NULL, 0, 0};
    bool ok = csv_record(&r, err); /* the header */
    while (ok && r.p < r.end) {
        uint64_t line = r.line;
        ok = csv_record(&r, err);
        if (!ok || csv_blank_record(&r))
            continue;
        RowValues rv = {{NULL}};
        char *parts[MAX_TEXT_PARTS];
        size_t n_parts = 0;
        for (size_t i = 0; i < r.n_fields && i < ncols; i++) {
            char *v = (char *)csv_value(&r, i);
            if (cols[i] == COL_TEXT && n_parts < MAX_TEXT_PARTS)
                parts[n_parts++] = v;
            else if (cols[i] != COL_NONE && cols[i] != COL_TEXT && rv.v[cols[i]] == NULL)
                rv.v[cols[i]] = trim_inplace(v);
        }
        RnBuf text = RN_BUF_INIT;
        ok = join_text(parts, n_parts, &text, &rv.v[COL_TEXT], err) &&
             deliver(&rv, line, sink, user, skipped, err);
        rn_buf_free(&text);
    }
    rn_buf_free(&r.fields);
    free(r.starts);
    free(cols);
    return ok;
}

/* ---- JSON Lines --------------------------------------------------------- */

typedef struct JsonCursor {
    const char *p, *end;
} JsonCursor;

static void json_ws(JsonCursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r'))
        c->p++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool json_hex4(JsonCursor *c, uint32_t *out)
{
    if (c->end - c->p < 4)
        return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(c->p[i]);
        if (h < 0)
            return false;
        v = (v << 4) | (uint32_t)h;
    }
    c->p += 4;
    *out = v;
    return true;
}

static bool json_escape(JsonCursor *c, RnBuf *out, bool *bad, RnError **err)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    char e = *c->p++;
    const char *k = strchr(from, e);
    if (e != 0 && e != 'u' && k != NULL)
        return rn_buf_append(out, &to[k - from], 1, err);
    uint32_t cp, lo;
    if (e != 'u' || !json_hex4(c, &cp)) {
        *bad = true;
        return true;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u') {
            *bad = true;
            return true;
        }
        c->p += 2;
        if (!json_hex4(c, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
            *bad = true;
            return true;
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        *bad = true;
        return true;
    }
    return rn_buf_append_utf8(out, cp, err);
}

/* Parses a string literal at c->p (the opening quote) into out + NUL. */
static bool json_string(JsonCursor *c, RnBuf *out, bool *bad, RnError **err)
{
    c->p++;
    while (c->p < c->end && !*bad) {
        char ch = *c->p++;
        if (ch == '"')
            return rn_buf_append(out, "", 1, err);
        if (ch == '\\') {
            if (c->p >= c->end || !json_escape(c, out, bad, err))
                break;
        } else if (!rn_buf_append(out, &ch, 1, err)) {
            return false;
        }
    }
    *bad = true;
    return true;
}

/* Skips any value, nested objects and arrays included. */
static void json_skip_value(JsonCursor *c, bool *bad)
{
    int depth = 0;
    bool in_string = false;
    while (c->p < c->end) {
        char ch = *c->p;
        if (in_string) {
            if (ch == '\\')
                c->p++;
            else if (ch == '"')
                in_string = false;
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '{' || ch == '[') {
            depth++;
        } else if (ch == '}' || ch == ']') {
            if (depth == 0)
                return;
            depth--;
        } else if (ch == ',' && depth == 0) {
            return;
        }
        c->p++;
    }
    if (depth != 0 || in_string)
        *bad = true;
}

/* A scalar (number, true, false, null) as text; null gives "". */
static bool json_scalar(JsonCursor *c, RnBuf *out, RnError **err)
{
    const char *start = c->p;
    while (c->p < c->end && *c->p != ',' && *c->p != '}' && *c->p != ' ')
        c->p++;
    size_t n = (size_t)(c->p - start);
    if (n == 4 && memcmp(start, "null", 4) == 0)
        n = 0;
    return rn_buf_append(out, start, n, err) && rn_buf_append(out, "", 1, err);
}

typedef struct JsonRow {
    RnBuf text;          /* values back to back, NUL-terminated */
    size_t at[5];        /* offset+1 of each key column kind's value, 0 = none */
    size_t text_at[MAX_TEXT_PARTS]; /* offset of each text value */
    size_t n_text;
} JsonRow;

static bool json_member(JsonCursor *c, JsonRow *row, bool *bad, RnError **err)
{
    RnBuf key = RN_BUF_INIT;
    bool ok = json_string(c, &key, bad, err);
    Column col = (ok && !*bad) ? column_of((const char *)key.data, strlen((const char *)key.data)) : COL_NONE;
    rn_buf_free(&key);
    if (!ok || *bad)
        return ok;
    json_ws(c);
    if (c->p >= c->end || *c->p != ':') {
        *bad = true;
        return true;
    }
    c->p++;
    json_ws(c);
    if (c->p >= c->end) {
        *bad = true;
        return true;
    }
    bool taken = col == COL_TEXT ? row->n_text == MAX_TEXT_PARTS : row->at[col] != 0;
    if (col == COL_NONE || taken || *c->p == '{' || *c->p == '[') {
        json_skip_value(c, bad);
        return true;
    }
    if (col == COL_TEXT)
        row->text_at[row->n_text++] = row->text.len;
    else
        row->at[col] = row->text.len + 1;
    return *c->p == '"' ? json_string(c, &row->text, bad, err) : json_scalar(c, &row->text, err);
}

/* Parses one object line into row; *bad on malformed JSON. */
static bool json_object(JsonCursor *c, JsonRow *row, bool *bad, RnError **err)
{
    json_ws(c);
    if (c->p >= c->end || *c->p != '{') {
        *bad = true;
        return true;
    }
    c->p++;
    json_ws(c);
    if (c->p < c->end && *c->p == '}')
        return true;
    while (!*bad) {
        json_ws(c);
        if (c->p >= c->end || *c->p != '"') {
            *bad = true;
            return true;
        }
        if (!json_member(c, row, bad, err))
            return false;
        if (*bad)
            return true;
        json_ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == '}') {
            c->p++;
            json_ws(c);
            if (c->p != c->end)
                *bad = true;
            return true;
        }
        *bad = true;
    }
    return true;
}

static bool read_jsonl_line(const char *line, size_t n, uint64_t lineno, RnReportSink sink,
                            void *user, uint64_t *skipped, RnError **err)
{
    JsonCursor c = {line, line + n};
    json_ws(&c);
    if (c.p == c.end)
        return true; /* blank line */
    JsonRow row = {RN_BUF_INIT, {0}, {0}, 0};
    bool bad = false;
    bool ok = json_object(&c, &row, &bad, err);
    RnBuf text = RN_BUF_INIT;
    if (ok && bad) {
        (*skipped)++;
    } else if (ok) {
        RowValues rv = {{NULL}};
        for (int k = 1; k < COL_TEXT; k++)
            if (row.at[k] != 0)
                rv.v[k] = trim_inplace((char *)row.text.data + row.at[k] - 1);
        char *parts[MAX_TEXT_PARTS];
        for (size_t i = 0; i < row.n_text; i++)
            parts[i] = (char *)row.text.data + row.text_at[i];
        ok = join_text(parts, row.n_text, &text, &rv.v[COL_TEXT], err) &&
             deliver(&rv, lineno, sink, user, skipped, err);
    }
    rn_buf_free(&text);
    rn_buf_free(&row.text);
    return ok;
}

static bool read_jsonl(const uint8_t *data, size_t n, RnReportSink sink, void *user,
                       uint64_t *skipped, RnError **err)
{
    const char *p = (const char *)data, *end = p + n;
    uint64_t lineno = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (!read_jsonl_line(p, (size_t)(le - p), ++lineno, sink, user, skipped, err))
            return false;
        p = nl ? nl + 1 : end;
    }
    return true;
}

/* ---- entry points ----------------------------------------------------- */

static bool looks_like_jsonl(const uint8_t *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')
            continue;
        return data[i] == '{';
    }
    return false;
}

bool rn_reports_read_memory(const uint8_t *data, size_t n, RnReportSink sink, void *user,
                            uint64_t *skipped, RnError **err)
{
    uint64_t dummy = 0;
    if (skipped == NULL)
        skipped = &dummy;
    if (n >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF)
        data += 3, n -= 3;
    /* Decoded row by row (deliver): the delimiters, quotes and line breaks
     * are the same bytes in UTF-8, Latin-2 and Windows-1250. */
    return looks_like_jsonl(data, n) ? read_jsonl(data, n, sink, user, skipped, err)
                                     : read_csv(data, n, sink, user, skipped, err);
}

bool rn_reports_read(const char *path, RnReportSink sink, void *user, uint64_t *skipped,
                     RnError **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rn_error_set(err, RN_ERROR_IO, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        rn_error_set(err, RN_ERROR_IO, "%s: not a regular file", path);
        return false;
    }
    if (st.st_size == 0) {
        close(fd);
        rn_error_set(err, RN_ERROR_PARSE, "%s: empty report file", path);
        return false;
    }
    /* mmap: report files can be large, and only the OS needs to hold them. */
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        rn_error_set(err, RN_ERROR_IO, "%s: cannot map: %s", path, strerror(errno));
        return false;
    }
    bool ok = rn_reports_read_memory(map, (size_t)st.st_size, sink, user, skipped, err);
    munmap(map, (size_t)st.st_size);
    return ok;
}
