/* One pass over the clustering set: per cluster, tag values, report terms
 * (distinct reports only), members and thumbnails' rows. */
#include "gather.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tag values counted per cluster: code, heading, element keyword (NULL:
 * the row's own field). */
const RpField rp_fields[RP_N_FIELDS] = {
    {'M', "Modality", NULL},
    {'R', "Region (SPEC \xC2\xA7" "5)", NULL},
    {'B', "BodyPartExamined", "BodyPartExamined"},
    {'S', "StudyDescription", "StudyDescription"},
    {'E', "SeriesDescription", "SeriesDescription"},
    {'P', "ProtocolName", "ProtocolName"},
    {'V', "Manufacturer", "Manufacturer"},
};

enum { MAX_TERM_BYTES = 40, MIN_TERM_BYTES = 4, MAX_VALUE_BYTES = 200 };

static bool count_value(RpGather *g, char code, const char *cluster, const char *value,
                        RnError **err)
{
    char key[MAX_VALUE_BYTES + 48];
    int n = snprintf(key, sizeof key, "%c\x1f%s\x1f%.*s", code, cluster, MAX_VALUE_BYTES,
                     value);
    return rp_counts_add(&g->tags, key, (size_t)n < sizeof key ? (size_t)n : sizeof key - 1, 1,
                         NULL, err);
}

static const char *element_text(const RnJson *doc, const char *keyword)
{
    RnJsonRef v = rn_json_get(doc, rn_json_root(doc), keyword);
    if (rn_json_type(doc, v) != RN_JSON_ARRAY || rn_json_count(doc, v) < 2)
        return "";
    const char *s = rn_json_str(doc, rn_json_at(doc, v, 1), NULL);
    return s ? s : "";
}

static bool count_tags(RpGather *g, const RnImageRow *row, int32_t c, RnError **err)
{
    RnJson *doc = rn_json_parse(row->elements_json, strlen(row->elements_json), NULL);
    char cl[24];
    snprintf(cl, sizeof cl, "%d", c);
    bool ok = true;
    for (size_t f = 0; ok && f < RP_N_FIELDS; f++) {
        const char *v = rp_fields[f].keyword == NULL
                            ? (rp_fields[f].code == 'M' ? row->modality : row->region)
                            : doc ? element_text(doc, rp_fields[f].keyword) : "";
        ok = count_value(g, rp_fields[f].code, cl, v, err) &&
             (f > 1 || count_value(g, rp_fields[f].code, "*", v, err));
    }
    rn_json_free(doc);
    return ok;
}

/* Words of a report, each once: lower-case ASCII letters and any UTF-8
 * letter bytes; digits and punctuation split words. */
static bool count_terms(RpGather *g, const char *text, int32_t c, RnError **err)
{
    RpCounts seen = {0};
    bool ok = true;
    const unsigned char *p = (const unsigned char *)text;
    while (ok && *p) {
        while (*p && !(isalpha(*p) || *p >= 0x80))
            p++;
        char word[MAX_TERM_BYTES + 1];
        size_t n = 0;
        bool too_long = false;
        for (; *p && (isalpha(*p) || *p >= 0x80); p++) {
            if (n < MAX_TERM_BYTES)
                word[n++] = (char)tolower(*p);
            else
                too_long = true;
        }
        if (n < MIN_TERM_BYTES || too_long)
            continue;
        uint64_t times = 0;
        ok = rp_counts_add(&seen, word, n, 1, &times, err);
        if (!ok || times > 1)
            continue;
        char key[MAX_TERM_BYTES + 32];
        int kn = snprintf(key, sizeof key, "%d\x1f%.*s", c, (int)n, word);
        int an = snprintf(key + kn + 1, sizeof key - (size_t)kn - 1, "*\x1f%.*s", (int)n, word);
        ok = rp_counts_add(&g->terms, key, (size_t)kn, 1, NULL, err) &&
             rp_counts_add(&g->terms, key + kn + 1, (size_t)an, 1, NULL, err);
    }
    rp_counts_free(&seen);
    return ok;
}

static bool note_report(RpGather *g, const RnImageRow *row, int32_t c, RnError **err)
{
    static const uint8_t zero_key[16];
    char h[17], key[48];
    rn_siphash24_hex(zero_key, row->report, strlen(row->report), h);
    int n = snprintf(key, sizeof key, "%d\x1f%s", c, h);
    uint64_t times = 0;
    if (!rp_counts_add(&g->seen_reports, key, (size_t)n, 1, &times, err))
        return false;
    if (times > 1)
        return true;
    g->cl[c].docs++;
    g->docs_total++;
    if (g->show_phi && !g->cl[c].sample_report &&
        !(g->cl[c].sample_report = rn_strdup(row->report, err)))
        return false;
    return count_terms(g, row->report, c, err);
}

static bool take_row(RpGather *g, const RnReportData *d, const RnImageRow *row, RnError **err)
{
    if (row->row >= d->n_rows) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "the clustering set has more rows than the labels (%zu): rerun the "
                     "clustering", d->n_rows);
        return false;
    }
    g->thumb_index[row->row] = row->thumb_index;
    if (g->show_phi)
        snprintf(g->ids[row->row], sizeof g->ids[row->row], "%.63s", row->sop_uid);
    else
        rn_store_pseudonym(g->store, row->sop_uid, g->ids[row->row]);
    int32_t c = d->labels[row->row];
    if (c < 0)
        return true;
    return count_tags(g, row, c, err) && (!row->report || note_report(g, row, c, err));
}

/* Members of each cluster: most central first (by distance, then row). */
static const double *sort_distance;
static int by_distance(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    double di = sort_distance ? sort_distance[i] : 0, dj = sort_distance ? sort_distance[j] : 0;
    return di < dj ? -1 : di > dj ? 1 : i < j ? -1 : i > j;
}

static bool group_members(RpGather *g, const RnReportData *d, RnError **err)
{
    g->members = rn_malloc((d->n_rows + 1) * sizeof *g->members, err);
    if (!g->members)
        return false;
    size_t at = 0;
    for (size_t c = 0; c < d->k; c++)
        at += g->cl[c].n, g->cl[c].first = at - g->cl[c].n, g->cl[c].n = 0;
    for (size_t i = 0; i < d->n_rows; i++) {
        int32_t c = d->labels[i];
        if (c >= 0)
            g->members[g->cl[c].first + g->cl[c].n++] = i;
    }
    sort_distance = d->distance;
    for (size_t c = 0; c < d->k; c++)
        qsort(g->members + g->cl[c].first, g->cl[c].n, sizeof *g->members, by_distance);
    sort_distance = NULL;
    return true;
}

static bool cluster_stats(RpGather *g, const RnReportData *d, RnError **err)
{
    g->cl = rn_calloc(d->k ? d->k : 1, sizeof *g->cl, err);
    if (!g->cl)
        return false;
    for (size_t i = 0; i < d->n_rows; i++) {
        int32_t c = d->labels[i];
        if (c < -1 || (c >= 0 && (size_t)c >= d->k)) {
            rn_error_set(err, RN_ERROR_INVALID, "row %zu has label %d outside [0, %zu)", i, c,
                         d->k);
            return false;
        }
        if (c < 0)
            continue;
        RpCluster *k = &g->cl[c];
        k->n++;
        g->clustered++;
        if (d->distance)
            k->dist_sum += d->distance[i];
        if (d->silhouette && isfinite(d->silhouette[i]))
            k->sil_sum += d->silhouette[i], k->sil_n++;
        if (d->outlier && d->outlier[i])
            k->outliers++, g->outliers++;
    }
    return true;
}

bool rp_gather(RpGather *g, RnStore *s, const RnReportData *d, bool show_phi, RnError **err)
{
    *g = (RpGather){.store = s, .show_phi = show_phi};
    g->thumb_index = rn_malloc((d->n_rows + 1) * sizeof *g->thumb_index, err);
    g->ids = g->thumb_index ? rn_calloc(d->n_rows + 1, sizeof *g->ids, err) : NULL;
    if (!g->ids || !cluster_stats(g, d, err) || !group_members(g, d, err))
        return false;
    for (size_t i = 0; i < d->n_rows; i++)
        g->thumb_index[i] = -1;
    RnImageCursor *cur = rn_image_cursor_open(s, RN_CURSOR_ELEMENTS | RN_CURSOR_REPORTS, err);
    if (!cur)
        return false;
    if (rn_image_cursor_count(cur) != d->n_rows) {
        rn_error_set(err, RN_ERROR_INVALID,
                     "the clustering set has %llu rows but the labels %zu: rerun the clustering",
                     (unsigned long long)rn_image_cursor_count(cur), d->n_rows);
        rn_image_cursor_close(cur);
        return false;
    }
    RnImageRow row;
    RnError *e = NULL;
    bool ok = true;
    while (ok && rn_image_cursor_next(cur, &row, &e))
        ok = take_row(g, d, &row, &e);
    rn_image_cursor_close(cur);
    if (e) {
        rn_error_propagate(err, e);
        return false;
    }
    return ok;
}

void rp_gather_free(RpGather *g, size_t k)
{
    for (size_t c = 0; g->cl && c < k; c++)
        free(g->cl[c].sample_report);
    free(g->cl);
    free(g->members);
    free(g->thumb_index);
    free(g->ids);
    rp_counts_free(&g->tags);
    rp_counts_free(&g->terms);
    rp_counts_free(&g->seen_reports);
}
