/* radnet report: the static HTML report of a clustered workspace (SPEC §8).
 *
 * DIR/index.html (overview: counts, metrics, choice-of-k curves, cluster ×
 * Modality and cluster × region heat maps, a 2-D PCA map of a sample of the
 * fused embedding coloured by cluster, the naming form), DIR/cluster-NNN.html
 * (montage of the most central and of random members, dominant tag values,
 * distinctive report terms, quality figures, nearest clusters) and
 * DIR/cluster-NNN-central.png / -random.png. Everything is local: the pages
 * open from file:// with no server and no network (no external fonts,
 * scripts or style sheets; SVG inline).
 *
 * Naming: a text box per cluster; "save names" downloads names.csv
 * (`cluster,name` with a header, RFC 4180 quoting) through a Blob; the
 * names are kept in the browser's localStorage meanwhile. Opening
 * index.html#selftest fills a name, saves it to a string instead of a
 * download, checks the CSV and writes PASS/FAIL into #selftest (tests read
 * it with chromium --dump-dom).
 *
 * Privacy: no patient names, IDs, birth dates or report text unless
 * show_phi; images are named by rn_store_pseudonym of their SOPInstanceUID.
 * Report terms are words found in at least RN_REPORT_MIN_TERM_DOCS distinct
 * reports, never text. Every string from a file is HTML-escaped.
 *
 * Silhouettes may be NaN (not computed): they are left out of the means.
 *
 * The report knows nothing of `radnet run`: it draws the data it is given.
 * The run stage (run.h: rn_run_report_write) reads a finished run and
 * calls rn_report_render.
 *
 * Conventions of core.h apply. */
#ifndef RADNET_REPORT_H
#define RADNET_REPORT_H

#include "radnet/core.h"
#include "radnet/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RN_REPORT_MIN_TERM_DOCS 3u

/* ---- escaping (also used by tests) ------------------------------------- */

/* Appends s[0..n) with & < > " ' replaced by entities: safe in element
 * content and in quoted attribute values. Invalid UTF-8 becomes U+FFFD and
 * control characters other than TAB/LF/CR are dropped. */
bool rn_html_escape(RnBuf *out, const char *s, size_t n, RnError **err);
/* Appends JSON text made safe inside <script type="application/json">:
 * < > & and U+2028 / U+2029 as \u escapes (the JSON value is unchanged). */
bool rn_html_script_json(RnBuf *out, const char *json, size_t n, RnError **err);

/* ---- the data of a report ---------------------------------------------- */

/* Per row of the clustering set (SPEC §9 order, rows.csv). Arrays are
 * borrowed; optional ones may be NULL. */
typedef struct RnReportData {
    size_t n_rows;
    size_t k;
    const int32_t *labels;       /* n_rows labels in [0, k) (-1: none) */
    const double *distance;      /* distance to the centre, optional */
    const double *silhouette;    /* optional */
    const uint8_t *outlier;      /* 1: outlier, optional */
    RnMatrix embedding;          /* fused rows (data NULL: no map) */
    RnMatrix centers;            /* k × d (data NULL: no nearest clusters) */
    const char *eval_json;       /* evaluation JSON object, optional */
    const char *choose_k_json;   /* choice-of-k JSON, optional */
    const char *const *names;    /* k cluster names (NULL entries), optional */
} RnReportData;

typedef struct RnReportOptions {
    bool show_phi;               /* names, IDs, dates, report text allowed */
    size_t montage_central;      /* tiles per montage; 0: 16 */
    size_t montage_random;       /* 0: 16 */
    size_t map_sample;           /* rows in the 2-D map; 0: 3000 */
    uint64_t seed;               /* random members and map sample */
} RnReportOptions;

void rn_report_options_init(RnReportOptions *o);

/* Renders the report of data for the workspace s into out_dir (created).
 * Reads the clustering set (tags, reports, thumbnails) through s. */
bool rn_report_render(RnStore *s, const RnReportData *data, const char *out_dir,
                      const RnReportOptions *o, RnError **err);

#ifdef __cplusplus
}
#endif
#endif
