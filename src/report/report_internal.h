/* Internals of the report stage. */
#ifndef RADNET_REPORT_INTERNAL_H
#define RADNET_REPORT_INTERNAL_H

#include "radnet/report.h"

#include <string.h>

/* rn_html_escape of a NUL-terminated string (NULL: nothing). */
static inline bool rp_esc(RnBuf *b, const char *s, RnError **err)
{
    return s ? rn_html_escape(b, s, strlen(s), err) : true;
}

void rp_cluster_colour(size_t c, char out[32]);

/* counts: rows × cols, shaded by share of the row. */
bool rp_svg_heatmap(RnBuf *b, const char *title, size_t rows, const char *const *row_names,
                    size_t cols, const char *const *col_names, const uint64_t *counts,
                    RnError **err);
/* y: n_series × n_points (NaN: gap), each series scaled to its own range. */
bool rp_svg_lines(RnBuf *b, const char *title, const char *x_label, size_t n_series,
                  const char *const *series_names, size_t n_points, const double *x,
                  const double *y, RnError **err);
/* xy: n × 2. */
bool rp_svg_scatter(RnBuf *b, const char *title, size_t n, const double *xy,
                    const int32_t *colour_index, RnError **err);

/* Top two principal components of the n × d rows (power iteration with
 * deflation, fixed start, signs fixed): xy n × 2. */
bool rp_pca2(const double *x, size_t n, size_t d, double *xy, RnError **err);

#endif
