/* radnet synth: a synthetic hospital archive (SPEC §7).
 *
 * Writes DIR/dicom/<patient>/<study>/<series>/IMnnnn[.dcm] DICOM Part 10
 * files (CT, MR, CR, DX, XA, RF, MG, US, NM, PT and a few Basic Text SR)
 * and a few non-DICOM files; beside dicom/, outside the archive proper:
 * DIR/reports.csv (narrative reports of most exams, some split over several
 * rows, a few orphans) and DIR/truth.csv (true Modality, region, view or
 * plane and pathology per SOPInstanceUID). Everything derives from (seed, index) hashes, so the
 * same seed gives a byte-identical archive at any thread count; studies
 * stream through a bounded window, so memory stays flat at any n.
 */
#ifndef RADNET_SYNTH_H
#define RADNET_SYNTH_H

#include "radnet/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum RnSynthSize {
    RN_SYNTH_FULL = 0,  /* modality-typical matrices, capped at 1024² */
    RN_SYNTH_SMALL,     /* every matrix <= 256², fewer frames: for tests */
    RN_SYNTH_TINY,      /* every matrix <= 64², <= 4 frames: for scale runs */
} RnSynthSize;

#define RN_SYNTH_MAX_THREADS 256

typedef struct RnSynthOptions {
    const char *out_dir;  /* created if missing; must not hold an archive */
    uint64_t n_files;     /* DICOM files to write (>= 1) */
    uint64_t seed;
    int threads;          /* 1..RN_SYNTH_MAX_THREADS */
    RnSynthSize size;
} RnSynthOptions;

typedef struct RnSynthStats {
    uint64_t files;     /* DICOM files written */
    uint64_t bytes;     /* bytes of DICOM files written */
    uint64_t patients;
    uint64_t studies;
    uint64_t report_rows;
} RnSynthStats;

/* Called from the calling thread, in order, after each finished study. */
typedef void (*RnSynthProgressFn)(void *ctx, uint64_t files_done,
                                  uint64_t files_total);

/* Generates the archive. stats and progress may be NULL. */
bool rn_synth_run(const RnSynthOptions *opt, RnSynthProgressFn progress,
                  void *progress_ctx, RnSynthStats *stats, RnError **err);

/* DICOM RLE (PS3.5 Annex G) of one frame of native pixels: samples
 * interleaved (PlanarConfiguration 0), little-endian words when
 * bits_allocated is 16. Appends the 64-byte header and the segments
 * (one per sample and byte, most significant byte first) to out. */
bool rn_synth_rle_encode(const uint8_t *pixels, uint32_t rows, uint32_t cols,
                         uint16_t samples, uint16_t bits_allocated, RnBuf *out,
                         RnError **err);

/* JPEG lossless, process 14, selection value 1 (first-order prediction),
 * one component, 2..16 bits, point transform 0. pixels holds rows×cols
 * values in host-order uint16 (bits <= 16) and are < 2^bits. */
bool rn_synth_jpeg_lossless_encode(const uint16_t *pixels, uint32_t rows,
                                   uint32_t cols, int bits, RnBuf *out,
                                   RnError **err);

#ifdef __cplusplus
}
#endif
#endif
