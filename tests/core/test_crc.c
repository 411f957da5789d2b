/* rn_crc32 (zlib's word-wise CRC-32) equals the bitwise definition on
 * every length and alignment up to a few words, on long buffers, and when
 * a buffer is fed in pieces; and gives the standard check value. */
#include "radnet/core.h"
#include "rn_test.h"

#include <stdint.h>

/* The definition: reflected, polynomial 0xEDB88320, pre- and post-inverted. */
static uint32_t crc_bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = crc & 1 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
    }
    return ~crc;
}

int main(void)
{
    CHECK_EQ_INT(rn_crc32(0, "123456789", 9), 0xCBF43926u);
    CHECK_EQ_INT(rn_crc32(0, "", 0), 0);
    size_t n = (1u << 20) + 77;
    uint8_t *buf = malloc(n);
    RnRng rng = rn_rng_new(12345);
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)rn_rng_u64(&rng);
    bool short_ok = true;
    for (size_t off = 0; off < 16; off++)
        for (size_t len = 0; len < 200; len++)
            short_ok &= rn_crc32(0, buf + off, len) == crc_bitwise(0, buf + off, len);
    CHECK(short_ok);
    uint32_t whole = crc_bitwise(0, buf, n);
    CHECK_EQ_INT(rn_crc32(0, buf, n), whole);
    uint32_t pieces = 0;
    for (size_t at = 0, step = 1; at < n; at += step, step = step * 3 + 1)
        pieces = rn_crc32(pieces, buf + at, at + step <= n ? step : n - at);
    CHECK_EQ_INT(pieces, whole);
    free(buf);
    TEST_DONE();
}
