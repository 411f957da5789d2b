/* core's little-endian helpers: fixed byte layouts (the file formats depend
 * on them), round trips at unaligned addresses, float bit patterns. */
#include "radnet/core.h"
#include "rn_test.h"

#include <stdint.h>

static void test_layout(void)
{
    uint8_t b[9] = {0};
    rn_le32_store(b + 1, 0x04030201u);
    CHECK(b[0] == 0 && b[1] == 1 && b[2] == 2 && b[3] == 3 && b[4] == 4);
    rn_le64_store(b + 1, 0x0807060504030201ull);
    for (int i = 0; i < 8; i++)
        CHECK_EQ_INT(b[1 + i], i + 1);
    CHECK(rn_le32_load(b + 1) == 0x04030201u);
    CHECK(rn_le64_load(b + 1) == 0x0807060504030201ull);
    const uint8_t high[8] = {0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0x80};
    CHECK(rn_le32_load(high) == 0xfcfdfeffu); /* no sign extension */
    CHECK(rn_le64_load(high) == 0x80f9fafbfcfdfeffull);
}

static void test_round_trip(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    uint8_t b[16];
    for (int i = 0; i < 1000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t at = (size_t)(x % 8);
        rn_le64_store(b + at, x);
        CHECK(rn_le64_load(b + at) == x);
        rn_le32_store(b + at, (uint32_t)(x >> 11));
        CHECK(rn_le32_load(b + at) == (uint32_t)(x >> 11));
    }
}

static void test_floats(void)
{
    CHECK(rn_f32_bits(1.0f) == 0x3f800000u);
    CHECK(rn_f32_bits(-2.5f) == 0xc0200000u);
    CHECK(rn_f32_from_bits(0x3f800000u) == 1.0f);
    CHECK(rn_f64_bits(1.0) == 0x3ff0000000000000ull);
    CHECK(rn_f64_bits(-0.0) == 0x8000000000000000ull);
    CHECK(rn_f64_from_bits(0x400921fb54442d18ull) == 3.141592653589793);
    CHECK(isnan(rn_f64_from_bits(0x7ff8000000000000ull)));
}

static void test_buf_put(void)
{
    RnBuf b = RN_BUF_INIT;
    RnError *err = NULL;
    CHECK(rn_buf_put_le32(&b, 0xdeadbeefu, &err));
    CHECK(rn_buf_put_le64(&b, rn_f64_bits(0.5), &err));
    CHECK(err == NULL);
    static const uint8_t want[12] = {0xef, 0xbe, 0xad, 0xde, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f};
    CHECK(b.len == sizeof want && memcmp(b.data, want, sizeof want) == 0);
    CHECK(rn_f64_from_bits(rn_le64_load(b.data + 4)) == 0.5);
    rn_buf_free(&b);
}

int main(void)
{
    test_layout();
    test_round_trip();
    test_floats();
    test_buf_put();
    TEST_DONE();
}
