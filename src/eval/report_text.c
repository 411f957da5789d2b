/* The evaluation report as a text table for people. */
#include "eval_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool text_row(RnBuf *b, const char *name, double v, RnError **err)
{
    return isfinite(v) ? rn_buf_printf(b, err, "  %-36s %.6f\n", name, v)
                       : rn_buf_printf(b, err, "  %-36s n/a\n", name);
}

/* A label in a fixed-width cell: at most `width` code points, control
 * characters shown as '?', padded with spaces (left or right aligned). */
static bool cell(RnBuf *b, const RnEvalLabels *l, size_t c, int width, bool right,
                 RnError **err)
{
    char num[32], out[4 * 32 + 1];
    const unsigned char *s = (const unsigned char *)l->names[c];
    if (l->numeric) {
        snprintf(num, sizeof num, "%lld", (long long)l->values[c]);
        s = (const unsigned char *)num;
    }
    size_t len = 0;
    int points = 0;
    for (; *s && points < width && len + 4 < sizeof out; points++) {
        size_t seq = *s < 0x80 ? 1 : *s >= 0xF0 ? 4 : *s >= 0xE0 ? 3 : 2;
        if (*s < 0x20 || *s == 0x7F) {
            out[len++] = '?';
            s++;
            continue;
        }
        for (size_t i = 0; i < seq && *s; i++) /* label texts are valid UTF-8 */
            out[len++] = (char)*s++;
    }
    out[len] = '\0';
    return right ? rn_buf_printf(b, err, " %*s%s", width - points, "", out)
                 : rn_buf_printf(b, err, "%s%*s", out, width - points, "");
}

static bool contingency(RnBuf *b, const RnEvalReport *r, size_t max_rows,
                        size_t max_cols, RnError **err)
{
    const RnContingency *t = &r->table;
    if (t->n_cols > max_cols || t->n_rows > max_rows)
        return rn_buf_printf(b, err, "\ncontingency table: %zu × %zu (too large to print; "
                             "use --json)\n", t->n_rows, t->n_cols);
    int64_t *dense = NULL;
    bool ok = rn_contingency_dense(t, SIZE_MAX, &dense, err) &&
              rn_buf_printf(b, err, "\ncontingency table (rows: true labels, columns: "
                            "predicted labels)\n%-16s", "");
    for (size_t c = 0; ok && c < t->n_cols; c++)
        ok = cell(b, r->pred, c, 8, true, err);
    ok = ok && rn_buf_append_str(b, "\n", err);
    for (size_t row = 0; ok && row < t->n_rows; row++) {
        ok = cell(b, r->truth, row, 16, false, err);
        for (size_t c = 0; ok && c < t->n_cols; c++)
            ok = rn_buf_printf(b, err, " %8lld", (long long)dense[row * t->n_cols + c]);
        ok = ok && rn_buf_append_str(b, "\n", err);
    }
    free(dense);
    return ok;
}

static bool supervised(RnBuf *b, const RnSupervisedScores *s, RnError **err)
{
    RnEvalScoreRow rows[RN_EVAL_SUPERVISED_ROWS];
    rn_eval_supervised_rows(s, rows);
    bool ok = true;
    for (size_t i = 0; ok && i < RN_EVAL_SUPERVISED_ROWS; i++)
        ok = !rows[i].in_text || text_row(b, rows[i].name, rows[i].value, err);
    return ok;
}

static bool data(RnBuf *b, const RnEvalReport *r, RnError **err)
{
    char name[64];
    bool d = r->data_defined;
    snprintf(name, sizeof name, "silhouette_score (%s)", rn_distance_name(r->distance));
    bool ok = text_row(b, name, d ? r->silhouette : NAN, err);
    if (ok && r->sampled && d)
        ok = rn_buf_printf(b, err, "  %-36s [%.6f, %.6f] (%zu items × %zu rounds)\n",
                           "  95% interval", r->estimate.ci_low, r->estimate.ci_high,
                           r->estimate.sample_size, r->estimate.repeats);
    return ok && text_row(b, "davies_bouldin_score", d ? r->davies_bouldin : NAN, err) &&
           text_row(b, "calinski_harabasz_score", d ? r->calinski_harabasz : NAN, err);
}

bool rn_eval_report_text(const RnEvalReport *r, size_t max_rows, size_t max_cols,
                         RnBuf *out, RnError **err)
{
    bool ok = rn_buf_printf(out, err, "%zu samples, %zu clusters", r->n_samples,
                            r->n_clusters) &&
              (r->truth == NULL ||
               rn_buf_printf(out, err, ", %zu classes", r->scores.n_classes)) &&
              rn_buf_append_str(out, "\n\n", err) &&
              (r->truth == NULL || supervised(out, &r->scores, err)) &&
              (!r->have_data || data(out, r, err));
    if (ok && r->stability_count > 0) {
        char name[64];
        snprintf(name, sizeof name, "seed_stability (%zu labelings)", r->stability_count);
        ok = text_row(out, name, r->stability_mean_ari, err);
    }
    return ok && (r->truth == NULL || contingency(out, r, max_rows, max_cols, err));
}
