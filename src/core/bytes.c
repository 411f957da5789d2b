/* Little-endian byte helpers and IEEE-754 bit patterns (core.h). */
#include "radnet/core.h"

#include <string.h>

uint32_t rn_f32_bits(float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

float rn_f32_from_bits(uint32_t u)
{
    float v;
    memcpy(&v, &u, sizeof v);
    return v;
}

uint64_t rn_f64_bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

double rn_f64_from_bits(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

bool rn_buf_put_le32(RnBuf *b, uint32_t v, RnError **err)
{
    uint8_t le[4];
    rn_le32_store(le, v);
    return rn_buf_append(b, le, sizeof le, err);
}

bool rn_buf_put_le64(RnBuf *b, uint64_t v, RnError **err)
{
    uint8_t le[8];
    rn_le64_store(le, v);
    return rn_buf_append(b, le, sizeof le, err);
}
