/* libFuzzer target for cluster model files (`radnet cluster --model`):
 * parsing never crashes, and whatever parses serialises back to the same
 * bytes. */
#include "radnet/cluster.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    RnError *err = NULL;
    RnClusterModel *m = rn_cluster_model_parse(data, size, &err);
    if (m) {
        RnBuf b = RN_BUF_INIT;
        if (rn_cluster_model_serialize(m, &b, NULL) &&
            (b.len != size || memcmp(b.data, data, size) != 0))
            __builtin_trap();
        rn_buf_free(&b);
    }
    rn_cluster_model_close(m);
    rn_error_free(err);
    return 0;
}
