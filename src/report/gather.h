/* What the report knows about each cluster after one pass over the set. */
#ifndef RADNET_REPORT_GATHER_H
#define RADNET_REPORT_GATHER_H

#include "counts.h"
#include "radnet/report.h"

typedef struct RpField {
    char code;
    const char *heading;
    const char *keyword;
} RpField;

#define RP_N_FIELDS 7
extern const RpField rp_fields[RP_N_FIELDS];

typedef struct RpCluster {
    size_t n;             /* members */
    size_t first;         /* their start in RpGather.members */
    double dist_sum, sil_sum;
    size_t sil_n;         /* members with a finite silhouette */
    size_t outliers;
    size_t docs;          /* distinct reports */
    char *sample_report;  /* show_phi only */
} RpCluster;

typedef struct RpGather {
    RnStore *store;
    bool show_phi;
    RpCluster *cl;
    size_t *members;      /* rows grouped by cluster, most central first */
    int64_t *thumb_index; /* per row */
    char (*ids)[64];      /* per row: pseudonym (or SOPInstanceUID with show_phi) */
    size_t clustered, outliers, docs_total;
    /* "code\x1fcluster\x1fvalue" (cluster "*" for all, Modality and region) */
    RpCounts tags;
    /* "cluster\x1fterm" and "*\x1fterm": distinct reports holding the term */
    RpCounts terms;
    RpCounts seen_reports;
} RpGather;

bool rp_gather(RpGather *g, RnStore *s, const RnReportData *d, bool show_phi, RnError **err);
void rp_gather_free(RpGather *g, size_t k);

#endif
