/* libFuzzer target for report files (CSV / JSONL, UTF-8 or Latin-2): every
 * row handed to the sink must carry valid UTF-8 text. */
#include "radnet/store.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool check_row(void *user, const RnReportRow *row, RnError **err)
{
    (void)user;
    (void)err;
    const char *fields[] = {row->accession, row->study_uid, row->exam_id, row->text};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i] && !rn_utf8_valid((const uint8_t *)fields[i], strlen(fields[i])))
            abort(); /* a row must never leak undecoded bytes */
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    RnError *err = NULL;
    uint64_t skipped = 0;
    rn_reports_read_memory(data, size, check_row, NULL, &skipped, &err);
    rn_error_free(err);
    return 0;
}
