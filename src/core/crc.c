/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320): zlib's, which
 * works on words rather than bytes (about 4 GB/s against 0.5 GB/s for a
 * byte table; the shards of an ingest over ranks checksum every thumbnail
 * twice). tests/core/test_crc.c holds it to the plain bitwise definition. */
#include "radnet/core.h"

#include <limits.h>
#include <zlib.h>

uint32_t rn_crc32(uint32_t crc, const void *data, size_t n)
{
    const Bytef *p = data;
    uLong c = crc;
    while (n > 0) {
        uInt step = n > UINT_MAX ? UINT_MAX : (uInt)n;
        c = crc32(c, p, step);
        p += step;
        n -= step;
    }
    return (uint32_t)c;
}
