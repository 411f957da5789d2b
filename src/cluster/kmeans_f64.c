/* k-means kernels instantiated for double (see kmeans_impl.h). */
#include "cluster_internal.h"

#define REAL double
#define IREAL int64_t
#define SFX(name) name##_f64
#define GEMM_NT rn_blas_gemm_nt_f64
#include "kmeans_impl.h"
