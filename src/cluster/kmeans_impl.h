/* k-means kernels for one element type. Included by kmeans_f32.c and
 * kmeans_f64.c, which define REAL (float/double), SFX(name) (name suffixed
 * by the type) and GEMM_NT (the rn_blas_gemm_nt_* wrapper). One file per
 * algorithm, in dependency order.
 *
 * The single-run driver mirrors scikit-learn 1.2's _kmeans_single_lloyd /
 * _kmeans_single_elkan step by step (including its Elkan bound updates and
 * _relocate_empty_clusters_dense) so that from the same initial centres the
 * same labels come out. Per-iteration work is local sums over MAX_PARTS row
 * partitions, reduced in partition order. */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kmeans_common.h"
#include "kmeans_naive.h"
#include "kmeans_lloyd.h"
#include "kmeans_elkan.h"
#include "kmeans_hamerly.h"
#include "kmeans_run.h"
#include "kmeans_predict.h"
#include "kmeans_init.h"
#include "kmeans_minibatch.h"

#undef LANES
#undef INLINE
#undef VLOAD
#undef CLONES
