/* Drives the image fuzz target with pseudo-random inputs (fixed seed) in
 * the normal suite, so every build - and the ASan/UBSan CI build - runs
 * preprocessing over thousands of odd frame descriptions. Passing means no
 * crash and no sanitizer report; the result of each input is checked by the
 * target itself only for cleanliness, and here for having run them all. */
#include "rn_test.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(void)
{
    uint32_t seed = 2024;
    uint8_t *buf = malloc(40000);
    int runs = 0;
    for (int i = 0; i < 6000 && buf; i++) {
        seed = seed * 1664525u + 1013904223u;
        size_t n = 24 + (seed >> 8) % ((i % 10 == 0) ? 39000u : 3000u);
        for (size_t k = 0; k < n; k++) {
            seed = seed * 1664525u + 1013904223u;
            buf[k] = (uint8_t)(seed >> 24);
        }
        if (i % 2 == 0) {
            /* Half the inputs steered to plausible frames that fit in n:
             * <= 16 x 16, spp 1 or 3, 8/16/32 bits, stored <= allocated. */
            buf[0] %= 16;
            buf[1] %= 16;
            buf[2] = (buf[2] & 1) ? 3 : 1;
            buf[3] = (uint8_t)(1 + buf[3] % 3);
            buf[4] = (uint8_t)(1 + buf[4] % (8u << (buf[3] - 1)) % 32);
            buf[5] = (uint8_t)(buf[4] - 1);
        }
        runs += LLVMFuzzerTestOneInput(buf, n) == 0;
    }
    free(buf);
    CHECK_EQ_INT(runs, 6000);
    TEST_DONE();
}
