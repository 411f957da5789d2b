/* k-means kernels instantiated for float (see kmeans_impl.h). */
#include "cluster_internal.h"

#define REAL float
#define IREAL int32_t
#define SFX(name) name##_f32
#define GEMM_NT rn_blas_gemm_nt_f32
#include "kmeans_impl.h"
