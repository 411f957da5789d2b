/* Drives the image fuzz target with pseudo-random inputs (fixed seed) in
 * the normal suite, so every build - and the ASan/UBSan CI build - runs
 * preprocessing over thousands of odd frame descriptions, and checks what
 * comes out: every result has the requested size and the source's
 * dimensions, enums in range, zero padding outside the fitted image, and
 * is the same when run again; every refusal is an input error with a
 * message; and the plausible frames (half the inputs, steered) are
 * often accepted, so a preprocessor that refuses everything fails. */
#include "radnet/image.h"
#include "rn_test.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

int fuzz_image_run(const uint8_t *data, size_t size, RnPreprocessed *out, RnError **err);

/* The fitted image's extent along one axis (SPEC §3: the longer side
 * becomes S, the other round(S * ratio), at least 1), centred. Rounding
 * ties may go either way, so callers allow one pixel of slack. */
static uint32_t fitted(uint32_t side, uint32_t other, uint32_t size)
{
    if (side >= other)
        return size;
    uint32_t k = (uint32_t)lrint((double)size * side / other);
    return k ? k : 1;
}

static bool zero_outside(const RnPreprocessed *p)
{
    uint32_t s = p->size;
    uint32_t nh = fitted(p->source_rows, p->source_columns, s);
    uint32_t nw = fitted(p->source_columns, p->source_rows, s);
    /* Rows/columns surely outside [(S - n) / 2, (S - n) / 2 + n), with one
     * pixel of slack for ties. */
    uint32_t top = (s - nh) / 2, left = (s - nw) / 2;
    for (uint32_t y = 0; y < s; y++)
        for (uint32_t x = 0; x < s; x++) {
            bool out_y = y + 1 < top || y > top + nh;
            bool out_x = x + 1 < left || x > left + nw;
            if ((out_y || out_x) && p->pixels[(size_t)y * s + x] != 0)
                return false;
        }
    return true;
}

static bool same(const RnPreprocessed *a, const RnPreprocessed *b)
{
    return a->size == b->size && a->drop == b->drop &&
           a->window_source == b->window_source && a->inverted == b->inverted &&
           a->window_center == b->window_center && a->window_width == b->window_width &&
           memcmp(a->pixels, b->pixels, (size_t)a->size * a->size) == 0;
}

static void check_result(const uint8_t *buf, size_t n, const RnPreprocessed *p, int i)
{
    CHECK_MSG(p->pixels != NULL && p->size == 1u + buf[14] % 80u, "input %d: size %u", i,
              p->size);
    CHECK_MSG(p->source_rows == 1u + buf[0] % 70u && p->source_columns == 1u + buf[1] % 70u,
              "input %d: source %ux%u", i, p->source_rows, p->source_columns);
    CHECK_MSG(p->drop <= RN_DROP_SPARSE_HISTOGRAM && p->window_source <= RN_WINDOW_ROBUST,
              "input %d: drop %d window source %d", i, (int)p->drop, (int)p->window_source);
    CHECK_MSG(p->pixels == NULL || zero_outside(p), "input %d: padding not zero", i);
    RnPreprocessed again;
    RnError *err = NULL;
    int r = fuzz_image_run(buf, n, &again, &err);
    CHECK_MSG(r == 1 && same(p, &again), "input %d: not deterministic", i);
    if (r == 1)
        rn_preprocessed_free(&again);
    rn_error_free(err);
}

static void check_refusal(RnError *err, int i)
{
    RnErrorCode c = rn_error_code(err);
    CHECK_MSG(err != NULL && c != RN_ERROR_NOMEM && c != RN_ERROR_INTERNAL &&
                  rn_error_message(err)[0] != '\0',
              "input %d: refused with %s", i, err ? rn_error_code_name(c) : "no error");
}

int main(void)
{
    uint32_t seed = 2024;
    uint8_t *buf = malloc(40000);
    int accepted = 0, steered = 0, steered_accepted = 0;
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
            steered++;
        }
        RnPreprocessed out;
        RnError *err = NULL;
        int r = fuzz_image_run(buf, n, &out, &err);
        if (r == 1) {
            check_result(buf, n, &out, i);
            rn_preprocessed_free(&out);
            accepted++;
            steered_accepted += i % 2 == 0;
        } else {
            check_refusal(err, i);
        }
        rn_error_free(err);
    }
    free(buf);
    fprintf(stderr, "%d of 6000 inputs preprocessed (%d of %d steered)\n", accepted,
            steered_accepted, steered);
    /* A steered frame is refused only for a photometric that does not fit
     * its samples per pixel (about half of the 8 choose a colour model for
     * grey or the reverse), an unusable palette or a short n: at least a
     * quarter must be accepted (1063 of 3000 with this seed). */
    CHECK_MSG(steered_accepted * 4 > steered, "only %d of %d plausible frames accepted",
              steered_accepted, steered);
    TEST_DONE();
}
