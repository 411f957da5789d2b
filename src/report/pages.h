/* Page writers of the report. */
#ifndef RADNET_REPORT_PAGES_H
#define RADNET_REPORT_PAGES_H

#include "gather.h"
#include "report_internal.h"

typedef struct RpContext {
    RnStore *s;
    const RnReportData *d;
    const RnReportOptions *o;
    const char *dir;
    RpGather g;
} RpContext;

/* A sorted value of one field in one cluster. */
typedef struct RpValue {
    const char *value;
    uint64_t count;
} RpValue;

/* Values of field `code` in cluster (NULL: all), most frequent first;
 * caller frees. */
RpValue *rp_values(const RpGather *g, char code, const char *cluster, size_t *n, RnError **err);

bool rp_page_begin(RnBuf *b, const char *title, RnError **err);
bool rp_write_file(const char *dir, const char *name, const RnBuf *b, RnError **err);

bool rp_write_overview(RpContext *x, RnError **err);
bool rp_write_cluster(RpContext *x, size_t c, RnError **err);

#endif
