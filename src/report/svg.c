/* Inline SVG plots of the report: heat map, line chart, scatter. Every
 * label passes through rn_html_escape. */
#include "report_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void rp_cluster_colour(size_t c, char out[32])
{
    /* Golden-angle hues: neighbouring cluster numbers get distant colours. */
    double hue = fmod((double)c * 137.508, 360.0);
    snprintf(out, 32, "hsl(%.0f,65%%,%d%%)", hue, 38 + (int)(c % 3) * 10);
}

static bool text_at(RnBuf *b, double x, double y, const char *anchor, const char *extra,
                    const char *s, RnError **err)
{
    return rn_buf_printf(b, err, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>", x, y,
                         anchor, extra) &&
           rp_esc(b, s, err) && rn_buf_append_str(b, "</text>", err);
}

bool rp_svg_heatmap(RnBuf *b, const char *title, size_t rows, const char *const *row_names,
                    size_t cols, const char *const *col_names, const uint64_t *counts,
                    RnError **err)
{
    /* Margins fit the longest labels (rotated column labels above). */
    size_t longest_col = 0, longest_row = 0;
    for (size_t j = 0; j < cols; j++)
        longest_col = strlen(col_names[j]) > longest_col ? strlen(col_names[j]) : longest_col;
    for (size_t i = 0; i < rows; i++)
        longest_row = strlen(row_names[i]) > longest_row ? strlen(row_names[i]) : longest_row;
    const double cell = 18, left = fmin(200, 16 + 6.5 * (double)longest_row),
                 top = fmin(140, 16 + 5.8 * (double)longest_col);
    double w = left + cell * (double)cols + 20, h = top + cell * (double)rows + 20;
    if (!rn_buf_printf(b, err, "<svg class=\"plot\" role=\"img\" width=\"%.0f\" height=\"%.0f\" "
                       "viewBox=\"0 0 %.0f %.0f\" xmlns=\"http://www.w3.org/2000/svg\"><title>",
                       w, h, w, h) ||
        !rp_esc(b, title, err) || !rn_buf_append_str(b, "</title>", err))
        return false;
    for (size_t j = 0; j < cols; j++) {
        double x = left + cell * ((double)j + 0.6);
        char rot[96];
        snprintf(rot, sizeof rot, " transform=\"rotate(-60 %.1f %.1f)\" font-size=\"11\"", x, top - 6);
        if (!text_at(b, x, top - 6, "start", rot, col_names[j], err))
            return false;
    }
    for (size_t i = 0; i < rows; i++) {
        uint64_t row_total = 0;
        for (size_t j = 0; j < cols; j++)
            row_total += counts[i * cols + j];
        double y = top + cell * (double)i;
        if (!text_at(b, left - 6, y + cell * 0.7, "end", " font-size=\"11\"", row_names[i], err))
            return false;
        for (size_t j = 0; j < cols; j++) {
            uint64_t c = counts[i * cols + j];
            /* Share of the row: each cluster's composition reads alike
             * whatever its size. */
            double f = row_total ? (double)c / (double)row_total : 0;
            int light = (int)lround(97 - 62 * f);
            if (!rn_buf_printf(b, err, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" "
                               "fill=\"hsl(210,70%%,%d%%)\" stroke=\"#fff\"><title>%llu</title></rect>",
                               left + cell * (double)j, y, cell, cell, light, (unsigned long long)c))
                return false;
        }
    }
    return rn_buf_append_str(b, "</svg>", err);
}

bool rp_svg_lines(RnBuf *b, const char *title, const char *x_label, size_t n_series,
                  const char *const *series_names, size_t n_points, const double *x,
                  const double *y, RnError **err)
{
    const double W = 420, H = 240, l = 50, r = 120, t = 20, bt = 40;
    double x0 = INFINITY, x1 = -INFINITY;
    for (size_t i = 0; i < n_points; i++) {
        x0 = fmin(x0, x[i]);
        x1 = fmax(x1, x[i]);
    }
    if (!(x1 > x0))
        x1 = x0 + 1;
    if (!rn_buf_printf(b, err, "<svg class=\"plot\" role=\"img\" width=\"%.0f\" height=\"%.0f\" "
                       "viewBox=\"0 0 %.0f %.0f\" xmlns=\"http://www.w3.org/2000/svg\"><title>",
                       W, H, W, H) ||
        !rp_esc(b, title, err) || !rn_buf_append_str(b, "</title>", err) ||
        !rn_buf_printf(b, err, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" "
                       "fill=\"none\" stroke=\"#999\"/>", l, t, W - l - r, H - t - bt) ||
        !text_at(b, l + (W - l - r) / 2, H - 8, "middle", " font-size=\"12\"", x_label, err))
        return false;
    char buf[64];
    snprintf(buf, sizeof buf, "%g", x0);
    if (!text_at(b, l, H - bt + 14, "middle", " font-size=\"11\"", buf, err))
        return false;
    snprintf(buf, sizeof buf, "%g", x1);
    if (!text_at(b, W - r, H - bt + 14, "middle", " font-size=\"11\"", buf, err))
        return false;
    for (size_t s = 0; s < n_series; s++) {
        /* Each curve scaled to its own range: the criteria have different
         * units; the shape (elbow, peak) is what is read. */
        double y0 = INFINITY, y1 = -INFINITY;
        for (size_t i = 0; i < n_points; i++)
            if (isfinite(y[s * n_points + i])) {
                y0 = fmin(y0, y[s * n_points + i]);
                y1 = fmax(y1, y[s * n_points + i]);
            }
        if (!(y1 > y0))
            y1 = y0 + 1;
        char colour[32];
        rp_cluster_colour(s, colour);
        if (!rn_buf_printf(b, err, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colour))
            return false;
        for (size_t i = 0; i < n_points; i++) {
            double v = y[s * n_points + i];
            if (!isfinite(v))
                continue;
            double px = l + (x[i] - x0) / (x1 - x0) * (W - l - r);
            double py = H - bt - (v - y0) / (y1 - y0) * (H - t - bt);
            if (!rn_buf_printf(b, err, "%.1f,%.1f ", px, py))
                return false;
        }
        char style[64];
        snprintf(style, sizeof style, " font-size=\"11\" fill=\"%s\"", colour);
        if (!rn_buf_append_str(b, "\"/>", err) ||
            !text_at(b, W - r + 6, t + 14 * ((double)s + 1), "start", style, series_names[s], err))
            return false;
    }
    return rn_buf_append_str(b, "</svg>", err);
}

bool rp_svg_scatter(RnBuf *b, const char *title, size_t n, const double *xy,
                    const int32_t *colour_index, RnError **err)
{
    const double S = 460, pad = 10;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        x0 = fmin(x0, xy[2 * i]);
        x1 = fmax(x1, xy[2 * i]);
        y0 = fmin(y0, xy[2 * i + 1]);
        y1 = fmax(y1, xy[2 * i + 1]);
    }
    double span = fmax(x1 - x0, y1 - y0);
    if (!(span > 0))
        span = 1;
    if (!rn_buf_printf(b, err, "<svg class=\"plot\" role=\"img\" width=\"%.0f\" height=\"%.0f\" "
                       "viewBox=\"0 0 %.0f %.0f\" xmlns=\"http://www.w3.org/2000/svg\"><title>",
                       S, S, S, S) ||
        !rp_esc(b, title, err) ||
        !rn_buf_printf(b, err, "</title><rect width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" "
                       "stroke=\"#999\"/>", S, S))
        return false;
    for (size_t i = 0; i < n; i++) {
        char colour[32];
        rp_cluster_colour(colour_index[i] < 0 ? 0 : (size_t)colour_index[i], colour);
        double px = pad + (xy[2 * i] - x0) / span * (S - 2 * pad);
        double py = S - pad - (xy[2 * i + 1] - y0) / span * (S - 2 * pad);
        if (!rn_buf_printf(b, err, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"%s\"/>",
                           px, py, colour))
            return false;
    }
    return rn_buf_append_str(b, "</svg>", err);
}
