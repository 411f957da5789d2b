/* cluster-NNN.html: montages, quality figures, nearest clusters, dominant
 * tag values and distinctive report terms of one cluster. */
#include "pages.h"
#include "radnet/image.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TOP_VALUES = 6, TOP_TERMS = 15, NEAREST = 5, MONTAGE_COLUMNS = 8, TILE_MAX = 64 };

/* Tiles of the rows in one PNG; a row without a thumbnail stays black. */
static bool write_montage(RpContext *x, const size_t *rows, size_t n, const char *name,
                          RnError **err)
{
    uint32_t S = rn_store_thumb_size(x->s);
    if (S == 0 || n == 0)
        return true;
    uint32_t f = (S + TILE_MAX - 1) / TILE_MAX, t = S / f;
    size_t cols = n < MONTAGE_COLUMNS ? n : MONTAGE_COLUMNS, lines = (n + cols - 1) / cols;
    size_t W = cols * (t + 2), H = lines * (t + 2);
    uint8_t *img = rn_calloc(W * H, 1, err), *th = img ? rn_malloc((size_t)S * S, err) : NULL;
    bool ok = th != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        int64_t ti = x->g.thumb_index[rows[i]];
        if (ti < 0)
            continue;
        ok = rn_store_thumb_read(x->s, ti, th, err);
        size_t ox = (i % cols) * (t + 2) + 1, oy = (i / cols) * (t + 2) + 1;
        /* Box average by f: the thumbnails shrink to at most TILE_MAX. */
        for (uint32_t yy = 0; ok && yy < t; yy++)
            for (uint32_t xx = 0; xx < t; xx++) {
                unsigned sum = 0;
                for (uint32_t a = 0; a < f; a++)
                    for (uint32_t c = 0; c < f; c++)
                        sum += th[(size_t)(yy * f + a) * S + xx * f + c];
                img[(oy + yy) * W + ox + xx] = (uint8_t)((sum + f * f / 2) / (f * f));
            }
    }
    size_t plen = strlen(x->dir) + strlen(name) + 2;
    char *path = ok ? rn_malloc(plen, err) : NULL;
    if (path) {
        snprintf(path, plen, "%s/%s", x->dir, name);
        ok = rn_png_write_gray8(path, img, (uint32_t)W, (uint32_t)H, err);
    } else {
        ok = false;
    }
    free(path);
    free(th);
    free(img);
    return ok;
}

static bool montage_section(RnBuf *b, RpContext *x, size_t c, RnError **err)
{
    const RpCluster *k = &x->g.cl[c];
    const size_t *members = x->g.members + k->first;
    size_t nc = x->o->montage_central ? x->o->montage_central : 16;
    size_t nr = x->o->montage_random ? x->o->montage_random : 16;
    nc = nc < k->n ? nc : k->n;
    nr = nr < k->n ? nr : k->n;
    size_t *pick = rn_malloc((nr + 1) * sizeof *pick, err);
    RnRng rng = rn_rng_split(x->o->seed, c);
    bool ok = pick && rn_rng_sample(&rng, k->n, nr, pick, err);
    for (size_t i = 0; ok && i < nr; i++)
        pick[i] = members[pick[i]];
    char central[40], random[40];
    snprintf(central, sizeof central, "cluster-%03zu-central.png", c);
    snprintf(random, sizeof random, "cluster-%03zu-random.png", c);
    ok = ok && write_montage(x, members, nc, central, err) &&
         write_montage(x, pick, nr, random, err);
    if (ok && rn_store_thumb_size(x->s) && k->n)
        ok = rn_buf_printf(b, err,
                           "<h2>Members</h2><h3>Most central (%zu)</h3><img class=\"montage\" "
                           "src=\"%s\" alt=\"the %zu images nearest the centre\">"
                           "<h3>Random (%zu)</h3><img class=\"montage\" src=\"%s\" "
                           "alt=\"%zu random members\">\n", nc, central, nc, nr, random, nr);
    if (ok && nc) {
        ok = rn_buf_printf(b, err, "<p>Most central images (%s): ",
                           x->o->show_phi ? "SOPInstanceUID" : "pseudonyms");
        for (size_t i = 0; ok && i < nc; i++)
            ok = rp_esc(b, x->g.ids[members[i]], err) && rn_buf_append_str(b, i + 1 < nc ? ", " : "", err);
        ok = ok && rn_buf_append_str(b, "</p>\n", err);
    }
    free(pick);
    return ok;
}

static bool quality_section(RnBuf *b, const RpContext *x, size_t c, RnError **err)
{
    const RpCluster *k = &x->g.cl[c];
    bool ok = rn_buf_printf(b, err, "<h2>Quality</h2><table><tr><th>images</th><td class=\"n\">%zu "
                            "(%.1f%%)</td></tr><tr><th>distinct reports</th><td class=\"n\">%zu</td></tr>",
                            k->n, x->g.clustered ? 100.0 * (double)k->n / (double)x->g.clustered : 0,
                            k->docs);
    if (ok && x->d->distance && k->n)
        ok = rn_buf_printf(b, err, "<tr><th>mean distance to the centre</th><td class=\"n\">%.4g</td></tr>",
                           k->dist_sum / (double)k->n);
    if (ok && k->sil_n)
        ok = rn_buf_printf(b, err, "<tr><th>mean silhouette</th><td class=\"n\">%.3f</td></tr>",
                           k->sil_sum / (double)k->sil_n);
    if (ok && x->d->outlier)
        ok = rn_buf_printf(b, err, "<tr><th>outliers</th><td class=\"n\">%zu</td></tr>", k->outliers);
    return ok && rn_buf_append_str(b, "</table>\n", err);
}

typedef struct Near {
    size_t c;
    double d;
} Near;

static int by_near(const void *a, const void *b)
{
    const Near *x = a, *y = b;
    return x->d < y->d ? -1 : x->d > y->d ? 1 : x->c < y->c ? -1 : x->c > y->c;
}

static bool nearest_section(RnBuf *b, const RpContext *x, size_t c, RnError **err)
{
    const RnMatrix *m = &x->d->centers;
    if (!m->data || m->rows != x->d->k || x->d->k < 2)
        return true;
    Near *near = rn_malloc(x->d->k * sizeof *near, err);
    if (!near)
        return false;
    size_t n = 0;
    for (size_t o = 0; o < x->d->k; o++) {
        if (o == c)
            continue;
        double s = 0;
        for (size_t j = 0; j < m->cols; j++) {
            double t = rn_matrix_at(m, c, j) - rn_matrix_at(m, o, j);
            s += t * t;
        }
        near[n++] = (Near){o, sqrt(s)};
    }
    qsort(near, n, sizeof *near, by_near);
    bool ok = rn_buf_append_str(b, "<h2>Nearest clusters</h2><table><tr><th>cluster</th>"
                                   "<th>distance between centres</th></tr>", err);
    for (size_t i = 0; ok && i < n && i < NEAREST; i++)
        ok = rn_buf_printf(b, err, "<tr><td><a href=\"cluster-%03zu.html\">%zu</a></td>"
                           "<td class=\"n\">%.4g</td></tr>", near[i].c, near[i].c, near[i].d);
    free(near);
    return ok && rn_buf_append_str(b, "</table>\n", err);
}

static bool tags_section(RnBuf *b, const RpContext *x, size_t c, RnError **err)
{
    char cl[24];
    snprintf(cl, sizeof cl, "%zu", c);
    bool ok = rn_buf_append_str(b, "<h2>Dominant tag values</h2>", err);
    for (size_t f = 0; ok && f < RP_N_FIELDS; f++) {
        size_t n = 0;
        RpValue *v = rp_values(&x->g, rp_fields[f].code, cl, &n, err);
        ok = v && rn_buf_append_str(b, "<table style=\"display:inline-table;margin-right:1em\">"
                                       "<tr><th colspan=\"2\">", err) &&
             rp_esc(b, rp_fields[f].heading, err) && rn_buf_append_str(b, "</th></tr>", err);
        for (size_t i = 0; ok && i < n && i < TOP_VALUES; i++)
            ok = rn_buf_append_str(b, "<tr><td>", err) &&
                 rp_esc(b, v[i].value[0] ? v[i].value : "(none)", err) &&
                 rn_buf_printf(b, err, "</td><td class=\"n\">%.0f%%</td></tr>",
                               100.0 * (double)v[i].count / (double)x->g.cl[c].n);
        ok = ok && rn_buf_append_str(b, "</table>", err);
        free(v);
    }
    return ok && rn_buf_append_str(b, "\n", err);
}

typedef struct Term {
    const char *term;
    double score;
} Term;

static int by_score(const void *a, const void *b)
{
    const Term *x = a, *y = b;
    return x->score > y->score ? -1 : x->score < y->score ? 1 : strcmp(x->term, y->term);
}

/* Terms far more frequent in the cluster's reports than in the others':
 * p_in · log(p_in / p_out), over distinct reports; a term must occur in
 * RN_REPORT_MIN_TERM_DOCS reports overall and 2 of the cluster (so no
 * single report's words, such as a name, show). */
static bool terms_section(RnBuf *b, const RpContext *x, size_t c, RnError **err)
{
    const RpGather *g = &x->g;
    size_t in_docs = g->cl[c].docs, out_docs = g->docs_total - in_docs;
    if (in_docs < 2)
        return true;
    char prefix[24];
    int pn = snprintf(prefix, sizeof prefix, "%zu\x1f", c);
    Term *t = rn_malloc((g->terms.used + 1) * sizeof *t, err);
    if (!t)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < g->terms.cap; i++) {
        const RpCount *e = &g->terms.e[i];
        if (!e->key || e->len <= (size_t)pn || memcmp(e->key, prefix, (size_t)pn) != 0 || e->count < 2)
            continue;
        const char *term = e->key + pn;
        char all[64];
        int an = snprintf(all, sizeof all, "*\x1f%s", term);
        uint64_t total = rp_counts_get(&g->terms, all, (size_t)an);
        if (total < RN_REPORT_MIN_TERM_DOCS)
            continue;
        double p_in = (double)e->count / (double)in_docs;
        double p_out = ((double)(total - e->count) + 0.5) / ((double)out_docs + 1.0);
        if (p_in > p_out)
            t[n++] = (Term){term, p_in * log(p_in / p_out)};
    }
    qsort(t, n, sizeof *t, by_score);
    bool ok = rn_buf_append_str(b, "<h2>Distinctive report terms</h2><p class=\"terms\">", err);
    for (size_t i = 0; ok && i < n && i < TOP_TERMS; i++)
        ok = rn_buf_append_str(b, "<span>", err) && rp_esc(b, t[i].term, err) &&
             rn_buf_append_str(b, "</span>", err);
    ok = ok && rn_buf_append_str(b, n ? "</p>\n" : "none</p>\n", err);
    free(t);
    if (ok && x->o->show_phi && g->cl[c].sample_report)
        ok = rn_buf_append_str(b, "<h3>One report (--show-phi)</h3><pre style=\"white-space:pre-wrap\">", err) &&
             rp_esc(b, g->cl[c].sample_report, err) && rn_buf_append_str(b, "</pre>\n", err);
    return ok;
}

bool rp_write_cluster(RpContext *x, size_t c, RnError **err)
{
    char title[64], file[32];
    snprintf(title, sizeof title, "radnet report: cluster %zu", c);
    snprintf(file, sizeof file, "cluster-%03zu.html", c);
    RnBuf b = RN_BUF_INIT;
    const char *name = x->d->names ? x->d->names[c] : NULL;
    bool ok = rp_page_begin(&b, title, err) &&
              rn_buf_append_str(&b, "<p><a href=\"index.html\">overview</a>", err) &&
              (c == 0 || rn_buf_printf(&b, err, " \xC2\xB7 <a href=\"cluster-%03zu.html\">previous</a>", c - 1)) &&
              (c + 1 >= x->d->k || rn_buf_printf(&b, err, " \xC2\xB7 <a href=\"cluster-%03zu.html\">next</a>", c + 1)) &&
              rn_buf_printf(&b, err, "</p><h1>Cluster %zu", c) &&
              (!name || (rn_buf_append_str(&b, ": ", err) && rp_esc(&b, name, err))) &&
              rn_buf_append_str(&b, "</h1>\n", err) && quality_section(&b, x, c, err) &&
              montage_section(&b, x, c, err) && tags_section(&b, x, c, err) &&
              terms_section(&b, x, c, err) && nearest_section(&b, x, c, err) &&
              rn_buf_append_str(&b, "</body></html>\n", err) &&
              rp_write_file(x->dir, file, &b, err);
    rn_buf_free(&b);
    return ok;
}
