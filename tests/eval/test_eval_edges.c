/* Degenerate labelings with exact expected values (scikit-learn 1.2's
 * results, which follow from its definitions: homogeneity is 1 when the
 * truth has zero entropy, completeness 1 when the prediction has; NMI, AMI
 * and ARI are 1 when both are one class, 0 when only one is). Exact: these
 * are special cases, not computations, so no tolerance. */
#include "radnet/eval.h"
#include "rn_test.h"

#include <stdint.h>

typedef struct Edge {
    const char *name;
    int32_t truth[6], pred[6];
    size_t n, n_true, n_pred;
    double h, c, v, nmi, ami, ari;
} Edge;

static const Edge edges[] = {
    {"one class, two clusters", {0, 0, 0, 0}, {0, 0, 1, 1}, 4, 1, 2, 1, 0, 0, 0, 0, 0},
    {"two classes, one cluster", {0, 0, 1, 1}, {0, 0, 0, 0}, 4, 2, 1, 0, 1, 0, 0, 0, 0},
    {"one class, one cluster", {0, 0, 0}, {0, 0, 0}, 3, 1, 1, 1, 1, 1, 1, 1, 1},
    {"singletons vs one cluster", {0, 1, 2}, {0, 0, 0}, 3, 3, 1, 0, 1, 0, 0, 0, 0},
    {"one class vs singletons", {0, 0, 0}, {0, 1, 2}, 3, 1, 3, 1, 0, 0, 0, 0, 0},
    {"n = 1", {0}, {0}, 1, 1, 1, 1, 1, 1, 1, 1, 1},
};

static void check_edge(const Edge *e)
{
    RnContingency c;
    RnError *err = NULL;
    CHECK_MSG(rn_contingency_build(e->truth, e->n_true, e->pred, e->n_pred, e->n, &c, &err),
              "%s: contingency", e->name);
    double h = -1, comp = -1, v = -1, ami = -1;
    rn_homogeneity_completeness_v(&c, 1.0, &h, &comp, &v);
    CHECK_MSG(h == e->h && comp == e->c && v == e->v, "%s: h %.17g c %.17g v %.17g", e->name,
              h, comp, v);
    for (int avg = RN_AVERAGE_ARITHMETIC; avg <= RN_AVERAGE_MAX; avg++) {
        double nmi = rn_normalized_mutual_info_score(&c, (RnAverageMethod)avg);
        CHECK_MSG(nmi == e->nmi, "%s: nmi (average %d) %.17g", e->name, avg, nmi);
        CHECK_MSG(rn_adjusted_mutual_info_score(&c, (RnAverageMethod)avg, &ami, &err) &&
                      ami == e->ami,
                  "%s: ami (average %d) %.17g", e->name, avg, ami);
    }
    double ari = rn_adjusted_rand_score_table(&c);
    CHECK_MSG(ari == e->ari, "%s: ari %.17g", e->name, ari);
    rn_contingency_free(&c);
    rn_error_free(err);
}

int main(void)
{
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        check_edge(&edges[i]);
    TEST_DONE();
}
