/* CSV label files: `id,label` rows (joined on id) or one label per row. */
#include "radnet/eval.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 check --------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (shortest form, no surrogates, at
 * most U+10FFFF), or 0 when invalid. */
static size_t utf8_sequence(const uint8_t *p, const uint8_t *end)
{
    uint8_t c = p[0];
    if (c < 0x80)
        return 1;
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (len == 0 || c > 0xF4 || (size_t)(end - p) < len)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) ||
        (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
        return 0;
    return len;
}

static bool check_utf8(const uint8_t *p, size_t len, RnError **err)
{
    const uint8_t *end = p + len, *start = p;
    size_t line = 1;
    while (p < end) {
        size_t s = utf8_sequence(p, end);
        if (s == 0 || *p == 0) {
            rn_error_set_at(err, RN_ERROR_PARSE, (uint64_t)(p - start),
                            "line %zu: %s", line, s == 0 ? "not UTF-8" : "NUL byte");
            return false;
        }
        line += *p == '\n';
        p += s;
    }
    return true;
}

/* ---- CSV records ------------------------------------------------------- */

typedef struct Csv {
    const uint8_t *p, *end, *start;
    size_t line;
    RnBuf text;    /* fields, each NUL-terminated */
    RnBuf offsets; /* size_t offsets of this record's fields into text */
} Csv;

static bool push_offset(Csv *c, size_t off, RnError **err)
{
    return rn_buf_append(&c->offsets, &off, sizeof off, err);
}

static bool parse_quoted(Csv *c, RnError **err)
{
    size_t open_line = c->line;
    c->p++;
    for (;;) {
        if (c->p >= c->end) {
            rn_error_set(err, RN_ERROR_PARSE, "line %zu: unterminated quoted field", open_line);
            return false;
        }
        if (*c->p == '"') {
            if (c->p + 1 < c->end && c->p[1] == '"') {
                if (!rn_buf_append(&c->text, "\"", 1, err))
                    return false;
                c->p += 2;
                continue;
            }
            c->p++;
            break;
        }
        c->line += *c->p == '\n';
        if (!rn_buf_append(&c->text, c->p++, 1, err))
            return false;
    }
    if (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
        rn_error_set_at(err, RN_ERROR_PARSE, (uint64_t)(c->p - c->start),
                        "line %zu: text after a closing quote", c->line);
        return false;
    }
    return true;
}

static bool parse_plain(Csv *c, RnError **err)
{
    const uint8_t *s = c->p;
    while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r')
        c->p++;
    return rn_buf_append(&c->text, s, (size_t)(c->p - s), err);
}

/* Reads one record; *blank is set for an empty line (one empty plain field). */
static bool parse_record(Csv *c, size_t *n_fields, bool *blank, RnError **err)
{
    c->offsets.len = 0;
    *blank = false;
    const uint8_t *record_start = c->p;
    for (;;) {
        if (!push_offset(c, c->text.len, err))
            return false;
        bool quoted = c->p < c->end && *c->p == '"';
        if (!(quoted ? parse_quoted(c, err) : parse_plain(c, err)) ||
            !rn_buf_append(&c->text, "", 1, err))
            return false;
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        break;
    }
    *n_fields = c->offsets.len / sizeof(size_t);
    *blank = *n_fields == 1 && c->p == record_start;
    if (c->p < c->end && *c->p == '\r')
        c->p++;
    if (c->p < c->end && *c->p == '\n')
        c->p++;
    c->line++;
    return true;
}

static const size_t *record_offsets(const Csv *c)
{
    return (const size_t *)(const void *)c->offsets.data;
}

/* ---- label file ------------------------------------------------------- */

typedef struct Columns {
    size_t count, id, label;
    bool has_ids;
} Columns;

static bool choose_columns(Csv *c, size_t nf, const char *column, Columns *cols,
                           RnError **err)
{
    cols->count = nf;
    cols->has_ids = nf >= 2;
    cols->id = 0;
    cols->label = nf >= 2 ? 1 : 0;
    if (column == NULL)
        return true;
    for (size_t f = 0; f < nf; f++) {
        if (strcmp((const char *)c->text.data + record_offsets(c)[f], column) == 0) {
            cols->label = f;
            return true;
        }
    }
    rn_error_set(err, RN_ERROR_PARSE, "no column named \"%s\" in the header", column);
    return false;
}

typedef struct Rows {
    RnBuf id_off, label_off, line;
} Rows;

static bool add_row(Csv *c, const Columns *cols, size_t line, Rows *r, RnError **err)
{
    const size_t *off = record_offsets(c);
    if (cols->has_ids && !rn_buf_append(&r->id_off, &off[cols->id], sizeof(size_t), err))
        return false;
    return rn_buf_append(&r->label_off, &off[cols->label], sizeof(size_t), err) &&
           rn_buf_append(&r->line, &line, sizeof line, err);
}

static bool read_rows(Csv *c, const char *column, Columns *cols, Rows *r,
                      RnError **err)
{
    size_t nf;
    bool blank = true;
    while (blank && c->p < c->end)
        if (!parse_record(c, &nf, &blank, err))
            return false;
    if (blank) {
        rn_error_set(err, RN_ERROR_PARSE, "no header row");
        return false;
    }
    if (!choose_columns(c, nf, column, cols, err))
        return false;
    c->text.len = 0; /* the header is not data */
    while (c->p < c->end) {
        size_t line = c->line;
        if (!parse_record(c, &nf, &blank, err))
            return false;
        if (blank)
            continue;
        if (nf != cols->count) {
            rn_error_set(err, RN_ERROR_PARSE, "line %zu: %zu fields, the header has %zu",
                         line, nf, cols->count);
            return false;
        }
        if (!add_row(c, cols, line, r, err))
            return false;
    }
    return true;
}

static bool finish_file(Csv *c, const Columns *cols, Rows *r, RnLabelFile *out,
                        RnError **err)
{
    size_t n = r->label_off.len / sizeof(size_t);
    out->n = n;
    out->labels = rn_calloc(n ? n : 1, sizeof *out->labels, err);
    out->line = rn_calloc(n ? n : 1, sizeof *out->line, err);
    if (cols->has_ids)
        out->ids = rn_calloc(n ? n : 1, sizeof *out->ids, err);
    if (out->labels == NULL || out->line == NULL || (cols->has_ids && out->ids == NULL) ||
        !rn_buf_terminate(&c->text, err))
        return false;
    out->storage = (char *)c->text.data;
    c->text = (RnBuf)RN_BUF_INIT;
    const size_t *lo = (const size_t *)(const void *)r->label_off.data;
    const size_t *io = (const size_t *)(const void *)r->id_off.data;
    memcpy(out->line, r->line.data, n * sizeof *out->line);
    for (size_t i = 0; i < n; i++) {
        out->labels[i] = out->storage + lo[i];
        if (cols->has_ids)
            out->ids[i] = out->storage + io[i];
    }
    return true;
}

bool rn_label_file_parse(const uint8_t *data, size_t len, const char *column,
                         RnLabelFile *out, RnError **err)
{
    memset(out, 0, sizeof *out);
    if (!check_utf8(data, len, err))
        return false;
    Csv c = {data, data + len, data, 1, RN_BUF_INIT, RN_BUF_INIT};
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        c.p += 3; /* byte order mark */
    Columns cols;
    Rows r = {RN_BUF_INIT, RN_BUF_INIT, RN_BUF_INIT};
    bool ok = read_rows(&c, column, &cols, &r, err) && finish_file(&c, &cols, &r, out, err);
    rn_buf_free(&c.text);
    rn_buf_free(&c.offsets);
    rn_buf_free(&r.id_off);
    rn_buf_free(&r.label_off);
    rn_buf_free(&r.line);
    if (!ok)
        rn_label_file_free(out);
    return ok;
}

bool rn_label_file_read(const char *path, const char *column, RnLabelFile *out,
                        RnError **err)
{
    memset(out, 0, sizeof *out);
    uint8_t *data = NULL;
    size_t len = 0;
    if (!rn_file_read_all(path, RN_LABEL_FILE_MAX_BYTES, &data, &len, err))
        return false;
    bool ok = rn_label_file_parse(data, len, column, out, err);
    free(data);
    return ok;
}

void rn_label_file_free(RnLabelFile *f)
{
    if (f == NULL)
        return;
    free(f->ids);
    free(f->labels);
    free(f->line);
    free(f->storage);
    memset(f, 0, sizeof *f);
}

/* ---- join on id ------------------------------------------------------- */

static int compare_ids(const void *pa, const void *pb, void *ctx)
{
    const RnLabelFile *f = ctx;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    int c = strcmp(f->ids[a], f->ids[b]);
    return c != 0 ? c : (a > b) - (a < b);
}

/* Row indices of f sorted by id; fails on a duplicate id. */
static size_t *sorted_ids(const RnLabelFile *f, const char *name, RnError **err)
{
    size_t *idx = rn_calloc(f->n ? f->n : 1, sizeof *idx, err);
    if (idx == NULL)
        return NULL;
    for (size_t i = 0; i < f->n; i++)
        idx[i] = i;
    qsort_r(idx, f->n, sizeof *idx, compare_ids, (void *)f);
    for (size_t i = 1; i < f->n; i++) {
        if (strcmp(f->ids[idx[i]], f->ids[idx[i - 1]]) == 0) {
            rn_error_set(err, RN_ERROR_PARSE, "%s: id \"%s\" appears twice (lines %zu and %zu)",
                         name, f->ids[idx[i]], f->line[idx[i - 1]], f->line[idx[i]]);
            free(idx);
            return NULL;
        }
    }
    return idx;
}

/* Merges the two sorted id lists; the first id found in one file only is
 * reported. */
static bool merge_ids(const RnLabelFile *a, const char *a_name, const size_t *sa,
                      const RnLabelFile *b, const char *b_name, const size_t *sb,
                      size_t *a_index, RnError **err)
{
    size_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->ids[sa[i]], b->ids[sb[j]]);
        if (c == 0) {
            a_index[sb[j++]] = sa[i++];
            continue;
        }
        const RnLabelFile *f = c < 0 ? a : b;
        size_t row = c < 0 ? sa[i] : sb[j];
        rn_error_set(err, RN_ERROR_PARSE, "%s: id \"%s\" (line %zu) is missing from %s",
                     c < 0 ? a_name : b_name, f->ids[row], f->line[row],
                     c < 0 ? b_name : a_name);
        return false;
    }
    return true;
}

bool rn_label_files_join(const RnLabelFile *a, const char *a_name,
                         const RnLabelFile *b, const char *b_name,
                         size_t *a_index, RnError **err)
{
    if (a->ids == NULL || b->ids == NULL) {
        if (a->n != b->n) {
            rn_error_set(err, RN_ERROR_PARSE, "%s has %zu rows but %s has %zu",
                         a_name, a->n, b_name, b->n);
            return false;
        }
        for (size_t j = 0; j < b->n; j++)
            a_index[j] = j;
        return true;
    }
    size_t *sa = sorted_ids(a, a_name, err);
    size_t *sb = sa ? sorted_ids(b, b_name, err) : NULL;
    bool ok = sa && sb && merge_ids(a, a_name, sa, b, b_name, sb, a_index, err);
    free(sa);
    free(sb);
    return ok;
}

bool rn_labels_parse_integers(char *const *labels, size_t n, int64_t *values)
{
    for (size_t i = 0; i < n; i++) {
        const char *s = labels[i];
        char *end;
        errno = 0;
        /* strtoll would skip leading blanks; a label " 1" is text */
        if (s[0] == '\0' || s[0] == ' ' || s[0] == '\t')
            return false;
        long long v = strtoll(s, &end, 10);
        if (errno != 0 || *end != '\0')
            return false;
        values[i] = v;
    }
    return true;
}

bool rn_labels_csv(const int32_t *labels, size_t n, RnBuf *out, RnError **err)
{
    bool ok = rn_buf_append_str(out, "id,label\n", err);
    for (size_t i = 0; ok && i < n; i++)
        ok = rn_buf_printf(out, err, "%zu,%d\n", i, labels[i]);
    return ok;
}
