/* CPU per ultrasound image of `radnet synth --size small` (192 x 256, one
 * frame, 8 bits; every third colour Doppler as in the archive) for each
 * body-ultrasound scene: the render alone, without encoding or writing.
 * Built against a build tree's synth library by bench/bench_synth_us.sh;
 * -DUS3D selects the acoustic windows of the 3-D body (without it: the
 * generator before them, whose 2-D scenes need no frame). */
#define _POSIX_C_SOURCE 200809L
#include "synth/render.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 60;
    static const Scene scenes[] = {SC_US_ABDOMEN, SC_US_KIDNEY, SC_US_NECK,
                                   SC_US_BREAST,  SC_US_VESSEL, SC_US_PELVIS};
    double total = 0;
    for (size_t s = 0; s < sizeof scenes / sizeof scenes[0]; s++) {
        double t0 = cpu_seconds();
        for (int i = 0; i < reps; i++) {
            bool colour = i % 3 == 0;
            RenderJob j = {.mod = M_US, .scene = scenes[s], .view = VW_SECTOR, .zoom = 1,
                           .anatomy_seed = 1000 + (uint64_t)i, .noise_seed = 7 + (uint64_t)i,
                           .doppler = colour, .probe = (UsProbe)(i % 3)};
            PixelSpec spec = {192, 256, 1, colour ? 3 : 1, 8, 8, false,
                              colour ? PI_RGB : PI_MONOCHROME2, 1, 0};
#ifdef US3D
            j.us_window = i % body3_us_windows(scenes[s]);
            j.female = i % 2;
            body3_us_frame(scenes[s], j.us_window, 0, 1, 0, 0, 256, 192, &j.frame);
#endif
            RenderOut o;
            RnError *err = NULL;
            if (!render_image(&j, &spec, &o, &err)) {
                fprintf(stderr, "render failed\n");
                return 1;
            }
            free(o.pixels);
        }
        double ms = 1e3 * (cpu_seconds() - t0) / reps;
        total += ms;
        printf("scene %d: %.2f ms CPU per image\n", (int)scenes[s], ms);
    }
    printf("mean: %.2f ms CPU per image\n", total / (sizeof scenes / sizeof scenes[0]));
    return 0;
}
