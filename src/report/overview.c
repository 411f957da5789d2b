/* index.html: counts, metrics, choice-of-k curves, heat maps, the 2-D map
 * and the naming form. */
#include "pages.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { HEATMAP_MAX_COLUMNS = 24, METRICS_MAX_ROWS = 300 };

/* The run's view (evaluation.json's summary.view: what the clusters follow
 * first, run.h RnRunView) as a table row; nothing when not recorded. */
static bool view_row(RnBuf *b, const RpContext *x, RnError **err)
{
    RnJson *doc = x->d->eval_json
                      ? rn_json_parse(x->d->eval_json, strlen(x->d->eval_json), NULL) : NULL;
    RnJsonRef s = doc ? rn_json_get(doc, rn_json_root(doc), "summary") : 0;
    const char *view = doc ? rn_json_str(doc, rn_json_get(doc, s, "view"), NULL) : NULL;
    bool ok = !view ||
              (rn_buf_append_str(b, "<tr><th>clusters follow first</th><td>", err) &&
               rp_esc(b, view, err) && rn_buf_append_str(b, "</td></tr>", err));
    rn_json_free(doc);
    return ok;
}

static bool counts_section(RnBuf *b, const RpContext *x, RnError **err)
{
    const RpGather *g = &x->g;
    return rn_buf_printf(b, err,
                         "<h2>Counts</h2><table>"
                         "<tr><th>images in the clustering set</th><td class=\"n\">%zu</td></tr>"
                         "<tr><th>images with a cluster</th><td class=\"n\">%zu</td></tr>"
                         "<tr><th>clusters (k)</th><td class=\"n\">%zu</td></tr>"
                         "<tr><th>distinct reports</th><td class=\"n\">%zu</td></tr>"
                         "<tr><th>outliers (far from their centre or unlike the rest)</th><td class=\"n\">%zu</td></tr>",
                         x->d->n_rows, g->clustered, x->d->k, g->docs_total, g->outliers) &&
           view_row(b, x, err) && rn_buf_append_str(b, "</table>\n", err);
}

/* Numbers of a JSON object and of the objects in it, one table row each
 * ("modality.nmi": value); arrays (contingency tables, per-seed lists) are
 * left out: the page shows figures, not tables of numbers. */
static bool flatten(RnBuf *b, const RnJson *doc, RnJsonRef v, char *path, size_t plen,
                    size_t *rows, RnError **err)
{
    RnJsonType t = rn_json_type(doc, v);
    if (t == RN_JSON_NUMBER) {
        if ((*rows)++ >= METRICS_MAX_ROWS)
            return true;
        return rn_buf_append_str(b, "<tr><th>", err) && rp_esc(b, path, err) &&
               rn_buf_printf(b, err, "</th><td class=\"n\">%.4g</td></tr>",
                             rn_json_number(doc, v));
    }
    if (t != RN_JSON_OBJECT)
        return true;
    for (size_t i = 0; i < rn_json_count(doc, v); i++) {
        RnJsonRef m = rn_json_at(doc, v, i);
        snprintf(path + plen, 256 - plen, "%s%s", plen ? "." : "", rn_json_member_key(doc, m, NULL));
        if (!flatten(b, doc, m, path, strlen(path), rows, err))
            return false;
        path[plen] = 0;
    }
    return true;
}

static bool metrics_section(RnBuf *b, const RpContext *x, RnError **err)
{
    if (!rn_buf_append_str(b, "<h2>Quality</h2>", err))
        return false;
    RnJson *doc = x->d->eval_json
                      ? rn_json_parse(x->d->eval_json, strlen(x->d->eval_json), NULL) : NULL;
    if (!doc)
        return rn_buf_append_str(b, "<p>No evaluation was recorded for this clustering.</p>\n", err);
    char path[256] = "";
    size_t rows = 0;
    bool ok = rn_buf_append_str(b, "<table>", err) &&
              flatten(b, doc, rn_json_root(doc), path, 0, &rows, err) &&
              rn_buf_append_str(b, "</table>\n", err);
    rn_json_free(doc);
    return ok;
}

/* The choice-of-k sweep: {"rows": [{"k": .., criterion: .., ...}, ...]}. */
static bool choose_k_section(RnBuf *b, const RpContext *x, RnError **err)
{
    RnJson *doc = x->d->choose_k_json
                      ? rn_json_parse(x->d->choose_k_json, strlen(x->d->choose_k_json), NULL) : NULL;
    RnJsonRef rows = doc ? rn_json_get(doc, rn_json_root(doc), "rows") : 0;
    size_t n = rn_json_count(doc, rows);
    if (!doc || n < 2 || rn_json_type(doc, rn_json_at(doc, rows, 0)) != RN_JSON_OBJECT) {
        rn_json_free(doc);
        return true;
    }
    RnJsonRef first = rn_json_at(doc, rows, 0);
    const char *names[16];
    size_t ns = 0;
    for (size_t i = 0; i < rn_json_count(doc, first) && ns < 16; i++) {
        const char *key = rn_json_member_key(doc, rn_json_at(doc, first, i), NULL);
        if (strcmp(key, "k") != 0 &&
            rn_json_type(doc, rn_json_get(doc, first, key)) == RN_JSON_NUMBER)
            names[ns++] = key;
    }
    double *kx = rn_malloc((n * (ns + 1) + 1) * sizeof *kx, err), *y = kx ? kx + n : NULL;
    bool ok = kx != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        RnJsonRef r = rn_json_at(doc, rows, i);
        kx[i] = rn_json_number(doc, rn_json_get(doc, r, "k"));
        for (size_t s = 0; s < ns; s++) {
            RnJsonRef v = rn_json_get(doc, r, names[s]);
            y[s * n + i] = rn_json_type(doc, v) == RN_JSON_NUMBER ? rn_json_number(doc, v) : NAN;
        }
    }
    ok = ok && ns > 0 &&
         rn_buf_append_str(b, "<h2>Choice of k</h2><p>Each criterion is scaled to its own "
                              "range.</p>", err) &&
         rp_svg_lines(b, "criteria against k", "k", ns, names, n, kx, y, err);
    free(kx);
    rn_json_free(doc);
    return ok || ns == 0;
}

static bool heatmap_section(RnBuf *b, const RpContext *x, char code, const char *what,
                            RnError **err)
{
    size_t nv = 0, k = x->d->k;
    RpValue *all = rp_values(&x->g, code, NULL, &nv, err);
    if (!all)
        return false;
    size_t cols = nv > HEATMAP_MAX_COLUMNS ? HEATMAP_MAX_COLUMNS : nv;
    const char **col_names = rn_calloc(cols + k + 1, sizeof *col_names, err);
    uint64_t *counts = col_names ? rn_calloc(k * (cols + 1) + 1, sizeof *counts, err) : NULL;
    char (*row_names)[32] = counts ? rn_calloc(k + 1, sizeof *row_names, err) : NULL;
    bool ok = row_names != NULL;
    for (size_t j = 0; ok && j < cols; j++)
        col_names[j] = all[j].value[0] ? all[j].value : "(none)";
    for (size_t c = 0; ok && c < k; c++) {
        snprintf(row_names[c], sizeof row_names[c], "cluster %zu", c);
        col_names[cols + c] = row_names[c];
        char cl[24], key[300];
        snprintf(cl, sizeof cl, "%zu", c);
        for (size_t j = 0; j < cols; j++) {
            int n = snprintf(key, sizeof key, "%c\x1f%s\x1f%s", code, cl, all[j].value);
            counts[c * cols + j] = rp_counts_get(&x->g.tags, key, (size_t)n);
        }
    }
    char title[128];
    snprintf(title, sizeof title, "cluster \xC3\x97 %s", what);
    ok = ok && rn_buf_append_str(b, "<h3>", err) && rp_esc(b, title, err) &&
         rn_buf_printf(b, err, "</h3><p>Shade: share of the cluster's images%s.</p>",
                       nv > cols ? "; the most frequent values only" : "") &&
         rp_svg_heatmap(b, title, k, col_names + cols, cols, col_names, counts, err);
    free(row_names);
    free(counts);
    free(col_names);
    free(all);
    return ok;
}

static bool map_section(RnBuf *b, const RpContext *x, RnError **err)
{
    const RnReportData *d = x->d;
    if (!d->embedding.data || d->embedding.rows != d->n_rows || x->g.clustered < 3)
        return true;
    size_t want = x->o->map_sample ? x->o->map_sample : 3000;
    size_t m = x->g.clustered < want ? x->g.clustered : want, dim = d->embedding.cols;
    size_t *pick = rn_malloc(m * sizeof *pick, err);
    double *rows = pick ? rn_malloc(m * dim * sizeof *rows, err) : NULL;
    double *xy = rows ? rn_malloc(2 * m * sizeof *xy, err) : NULL;
    int32_t *colour = xy ? rn_malloc(m * sizeof *colour, err) : NULL;
    RnRng rng = rn_rng_split(x->o->seed, 0x6d6170 /* "map" */);
    bool ok = colour && rn_rng_sample(&rng, x->g.clustered, m, pick, err);
    for (size_t i = 0; ok && i < m; i++) {
        size_t r = x->g.members[pick[i]];
        colour[i] = d->labels[r];
        for (size_t j = 0; j < dim; j++)
            rows[i * dim + j] = rn_matrix_at(&d->embedding, r, j);
    }
    ok = ok && rp_pca2(rows, m, dim, xy, err) &&
         rn_buf_printf(b, err, "<h2>Map of the fused embedding</h2><p>The first two principal "
                       "components of %zu sampled images, coloured by cluster.</p>", m) &&
         rp_svg_scatter(b, "2-D map of the fused embedding", m, xy, colour, err);
    free(colour);
    free(xy);
    free(rows);
    free(pick);
    return ok;
}

static bool top_value(RnBuf *b, const RpContext *x, char code, size_t c, RnError **err)
{
    char cl[24];
    snprintf(cl, sizeof cl, "%zu", c);
    size_t n = 0;
    RpValue *v = rp_values(&x->g, code, cl, &n, err);
    if (!v)
        return false;
    bool ok = rn_buf_append_str(b, "<td>", err) &&
              (n == 0 || (rp_esc(b, v[0].value[0] ? v[0].value : "(none)", err) &&
                          rn_buf_printf(b, err, " (%.0f%%)",
                                        100.0 * (double)v[0].count / (double)x->g.cl[c].n))) &&
              rn_buf_append_str(b, "</td>", err);
    free(v);
    return ok;
}

static bool clusters_section(RnBuf *b, const RpContext *x, RnError **err)
{
    bool ok = rn_buf_append_str(b,
        "<h2>Clusters and their names</h2><p>Type a name per cluster; names are kept in this "
        "browser meanwhile. <button id=\"rn-save\" type=\"button\">save names</button> downloads "
        "<code>names.csv</code> for <code>radnet names import</code>.</p>"
        "<table><tr><th>cluster</th><th>name</th><th>images</th><th>Modality</th>"
        "<th>region</th><th>mean distance</th></tr>\n", err);
    for (size_t c = 0; ok && c < x->d->k; c++) {
        const RpCluster *k = &x->g.cl[c];
        char colour[32];
        rp_cluster_colour(c, colour);
        ok = rn_buf_printf(b, err, "<tr><td><span class=\"swatch\" style=\"background:%s\"></span>"
                           "<a href=\"cluster-%03zu.html\">%zu</a></td><td><input class=\"rn-name\" "
                           "data-cluster=\"%zu\" size=\"24\" aria-label=\"name of cluster %zu\"></td>"
                           "<td class=\"n\">%zu</td>", colour, c, c, c, c, k->n) &&
             top_value(b, x, 'M', c, err) && top_value(b, x, 'R', c, err) &&
             (x->d->distance && k->n
                  ? rn_buf_printf(b, err, "<td class=\"n\">%.4g</td></tr>\n", k->dist_sum / (double)k->n)
                  : rn_buf_append_str(b, "<td></td></tr>\n", err));
    }
    return ok && rn_buf_append_str(b, "</table>\n", err);
}

/* Names: localStorage while typing, names.csv by a Blob download (works
 * from file://). #selftest exercises both and writes PASS or FAIL. */
static const char NAMING_JS[] =
    "(function(){\n"
    "var data=JSON.parse(document.getElementById('rn-data').textContent);\n"
    "var key='radnet-names-'+data.workspace;\n"
    "function inputs(){return Array.prototype.slice.call(document.querySelectorAll('input.rn-name'));}\n"
    "function saved(){try{return JSON.parse(localStorage.getItem(key)||'{}')||{};}catch(e){return {};}}\n"
    "function remember(){var o={};inputs().forEach(function(el){o[el.dataset.cluster]=el.value;});\n"
    " try{localStorage.setItem(key,JSON.stringify(o));}catch(e){}}\n"
    "function field(s){return /[\",\\r\\n]/.test(s)?'\"'+s.replace(/\"/g,'\"\"')+'\"':s;}\n"
    "function csv(){var lines=['cluster,name'];inputs().forEach(function(el){var v=el.value.trim();\n"
    " if(v)lines.push(el.dataset.cluster+','+field(v));});return lines.join('\\n')+'\\n';}\n"
    "var testing=location.hash==='#selftest',last=null;\n"
    "function save(){var blob=new Blob([csv()],{type:'text/csv'});last=blob;if(testing)return blob;\n"
    " var a=document.createElement('a');\n"
    " a.href=URL.createObjectURL(blob);a.download='names.csv';document.body.appendChild(a);a.click();\n"
    " setTimeout(function(){URL.revokeObjectURL(a.href);a.remove();},0);return blob;}\n"
    "var s=saved();inputs().forEach(function(el){var c=el.dataset.cluster;\n"
    " if(s[c]!==undefined)el.value=s[c];else if(data.names[c])el.value=data.names[c];});\n"
    "document.addEventListener('input',function(e){if(e.target.classList.contains('rn-name'))remember();});\n"
    "document.getElementById('rn-save').addEventListener('click',save);\n"
    "if(testing){var out=document.getElementById('selftest');\n"
    " try{var el=inputs()[0];el.value='Chest, \"PA\" <b>x</b>';\n"
    "  el.dispatchEvent(new Event('input',{bubbles:true}));\n"
    "  var line=el.dataset.cluster+',\"Chest, \"\"PA\"\" <b>x</b>\"';var text=csv();\n"
    "  document.getElementById('rn-save').click();var blob=last;var kept=saved()[el.dataset.cluster];\n"
    "  var good=text.indexOf('cluster,name\\n')===0&&text.split('\\n').indexOf(line)>0&&\n"
    "   blob!==null&&blob.size===new Blob([text]).size&&kept===el.value;\n"
    "  out.textContent=good?'SELFTEST PASS':'SELFTEST FAIL '+JSON.stringify([text,kept]);\n"
    " }catch(e){out.textContent='SELFTEST FAIL '+e;}}\n"
    "})();\n";

static bool naming_script(RnBuf *b, const RpContext *x, RnError **err)
{
    RnBuf json = RN_BUF_INIT;
    RnJsonWriter *w = rn_json_open(&json, 0, err);
    if (!w)
        return false;
    char ws[17];
    /* The workspace's keyed hash of a constant: the same for every path
     * the workspace is opened by, different between workspaces. */
    rn_store_pseudonym(x->s, "radnet report names", ws);
    rn_json_begin_object(w);
    rn_json_kv_string(w, "workspace", ws);
    rn_json_kv_uint(w, "k", x->d->k);
    rn_json_key(w, "names");
    rn_json_begin_array(w);
    for (size_t c = 0; c < x->d->k; c++)
        if (x->d->names && x->d->names[c])
            rn_json_string(w, x->d->names[c]);
        else
            rn_json_null(w);
    rn_json_end_array(w);
    rn_json_end_object(w);
    bool ok = rn_json_finish(w, err);
    rn_json_close(w);
    ok = ok && rn_buf_append_str(b, "<p id=\"selftest\"></p>"
                                    "<script type=\"application/json\" id=\"rn-data\">", err) &&
         rn_html_script_json(b, (const char *)json.data, json.len, err) &&
         rn_buf_printf(b, err, "</script>\n<script>%s</script>\n", NAMING_JS);
    rn_buf_free(&json);
    return ok;
}

bool rp_write_overview(RpContext *x, RnError **err)
{
    RnBuf b = RN_BUF_INIT;
    bool ok = rp_page_begin(&b, "radnet report", err) &&
              rn_buf_append_str(&b, "<h1>radnet report</h1>", err) &&
              (x->o->show_phi ? rn_buf_append_str(&b, "<p><strong>This report shows identifying "
                                                      "data (--show-phi).</strong></p>", err) : true) &&
              counts_section(&b, x, err) && metrics_section(&b, x, err) &&
              choose_k_section(&b, x, err) &&
              rn_buf_append_str(&b, "<h2>Composition</h2>", err) &&
              heatmap_section(&b, x, 'M', "Modality", err) &&
              heatmap_section(&b, x, 'R', "region", err) && map_section(&b, x, err) &&
              clusters_section(&b, x, err) && naming_script(&b, x, err) &&
              rn_buf_append_str(&b, "</body></html>\n", err) &&
              rp_write_file(x->dir, "index.html", &b, err);
    rn_buf_free(&b);
    return ok;
}
