/* ru_model_params: the params run/names.csv and run/assigned.csv are
 * committed with. Checkpoints compare them as text with what earlier
 * versions stored, so the bytes are pinned here: without a cluster model
 * and with one whose content hash (SipHash-2-4, zero key) was computed
 * independently (a Python transcription checked against the reference
 * test vectors). */
#include "radnet/store.h"
#include "run/run_internal.h"
#include "rn_test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void remove_tree(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    char dir[] = "/tmp/rn_model_params_XXXXXX";
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    char ws[256];
    snprintf(ws, sizeof ws, "%s/ws", dir);
    RnError *err = NULL;
    RnStore *s = rn_store_open(ws, RN_STORE_CREATE, &err);
    CHECK(s != NULL);
    char params[RU_MODEL_PARAMS_SIZE];
    memset(params, 'x', sizeof params);
    CHECK(s && ru_model_params(s, params, &err));
    CHECK_EQ_STR(params, "{\"model\":\"\"}");

    static const char content[] = "RNCLUSTM pinned content";
    int64_t run = 0;
    CHECK(s && rn_store_run_begin(s, "cluster", "test", "{}", &run, &err));
    CHECK(s && rn_store_artifact_put(s, RN_RUN_CLUSTER_MODEL, content, strlen(content), run,
                                     "{}", NULL, &err));
    CHECK(s && ru_model_params(s, params, &err));
    CHECK_EQ_STR(params, "{\"model\":\"415c81041333021e\"}");
    CHECK_MSG(err == NULL, "%s", rn_error_message(err));
    rn_error_free(err);
    rn_store_close(s);
    remove_tree(dir);
    TEST_DONE();
}
