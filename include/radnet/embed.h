/* radnet embed: one embedding per row of the clustering set (SPEC §9) from
 * each of the three sources — pixels, DICOM metadata, report text.
 *
 * Every extractor is a fitted model: fit on a (modality-balanced) sample,
 * saved as a versioned file under WS/models/, applied streaming to every
 * row, writing WS/embeddings/<source>-<method>.npy (float32, C order, one row
 * per row of WS/embeddings/rows.csv). Same inputs + same seed give
 * byte-identical output whatever the thread count. Numeric code works on
 * contiguous float arrays with explicit n, d and row stride.
 *
 * Conventions of core.h apply.
 */
#ifndef RADNET_EMBED_H
#define RADNET_EMBED_H

#include "radnet/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- image extractors (pca, hog, lbp, cae) --------------------------- */

/* ---- metadata extractors (authors, text-tags) ------------------------ */

/* ---- report-text extractors (tfidf, doc2vec) ------------------------- */

/* ---- the stage driver: workspace in, embeddings and models out ------- */

#ifdef __cplusplus
}
#endif
#endif
