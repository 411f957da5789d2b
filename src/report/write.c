/* rn_report_render: the report's entry point. */
#include "pages.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void rn_report_options_init(RnReportOptions *o)
{
    *o = (RnReportOptions){.montage_central = 16, .montage_random = 16, .map_sample = 3000,
                           .seed = 1};
}

static bool make_dir(const char *dir, RnError **err)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
            return true;
    }
    rn_error_set(err, RN_ERROR_IO, "cannot make the report folder %s: %s", dir, strerror(errno));
    return false;
}

bool rn_report_render(RnStore *s, const RnReportData *data, const char *out_dir,
                      const RnReportOptions *o, RnError **err)
{
    RnReportOptions defaults;
    rn_report_options_init(&defaults);
    if (!o)
        o = &defaults;
    if (!data || !data->labels || data->k == 0) {
        rn_error_set(err, RN_ERROR_INVALID, "the report needs cluster labels and k > 0");
        return false;
    }
    if (!make_dir(out_dir, err))
        return false;
    RpContext x = {.s = s, .d = data, .o = o, .dir = out_dir};
    bool ok = rp_gather(&x.g, s, data, o->show_phi, err) && rp_write_overview(&x, err);
    for (size_t c = 0; ok && c < data->k; c++)
        ok = rp_write_cluster(&x, c, err);
    rp_gather_free(&x.g, data->k);
    return ok;
}
