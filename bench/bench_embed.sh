#!/bin/sh
# Image-extractor speed: radnet (bench/bench_embed.c) against scikit-image
# HOG / uniform LBP and scikit-learn randomized PCA (bench/bench_embed_peer.py)
# on the same thumbnails, in the same run.
#
#   bench/bench_embed.sh THUMBS.npy [BUILD_DIR] [RUNS]
#
# THUMBS.npy: N×S×S uint8 (a workspace's thumbs.npy; S a multiple of 64).
# HOG / LBP: CPU time per 64×64 image, one thread each side. PCA: 32×32
# thumbnails (1024 values) to 64 components, fit + transform, radnet with 2
# pool threads (4 power iterations) vs sklearn's defaults
# (svd_solver='randomized', n_iter 'auto' = 7 here); wall and CPU seconds.
set -eu
thumbs=$1
build=${2:-build}
runs=${3:-7}
here=$(dirname "$0")
ninja -C "$build" tests/embed/bench_embed >/dev/null
c=$("$build/tests/embed/bench_embed" "$thumbs" --runs "$runs" --threads 2)
py=$(/usr/bin/python3 "$here/bench_embed_peer.py" "$thumbs" --runs "$runs")
echo "radnet: $c"
echo "peers:  $py"
/usr/bin/python3 - "$c" "$py" <<'PY'
import json, sys
c, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("HOG 64x64 (9 orient., 8px cells, 2x2 blocks): radnet %.4f ms, skimage %.4f ms CPU/image: %.1fx"
      % (c["hog_64_ms"], p["skimage_hog_64_ms"], p["skimage_hog_64_ms"] / c["hog_64_ms"]))
print("uniform LBP 64x64, (8,1)+(16,2)+(24,3): radnet %.3f ms, skimage %.3f ms CPU/image: %.1fx"
      % (c["lbp3_64_ms"], p["skimage_lbp3_64_ms"], p["skimage_lbp3_64_ms"] / c["lbp3_64_ms"]))
rf = c["pca_fit_s"] + c["pca_transform_s"]
sf = p["sklearn_pca_fit_s"] + p["sklearn_pca_transform_s"]
print("PCA %d x %d -> %d fit+transform: radnet %.3f s, sklearn %.3f s wall: %.1fx; "
      "fit CPU radnet %.3f s, sklearn %.3f s: %.1fx"
      % (c["pca_rows"], c["pca_d"], c["pca_k"], rf, sf, sf / rf, c["pca_fit_cpu_s"],
         p["sklearn_pca_fit_cpu_s"], p["sklearn_pca_fit_cpu_s"] / c["pca_fit_cpu_s"]))
PY
