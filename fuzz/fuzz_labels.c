/* libFuzzer target for label files (CSV, `id,label` or one column), as
 * `radnet metrics` reads them. */
#include "radnet/eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    RnLabelFile f;
    RnError *err = NULL;
    if (rn_label_file_parse(data, size, NULL, &f, &err))
        rn_label_file_free(&f);
    rn_error_free(err);
    return 0;
}
