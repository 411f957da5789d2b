#!/bin/sh
# Image preprocessing benchmark: radnet (C) against numpy + PIL (the authors'
# stack) on the same synthetic 512 x 512 16-bit CT slice, 512 -> 128.
#
#   bench/bench_image.sh [BUILD_DIR]     (default build; a release build)
#
# Prints both sides' medians (JSON), the ratios, and callgrind instruction
# counts per image for the C side. Results: the image section of bench/RESULTS.md.
set -eu
build=${1:-build}
bin="$build/tests/image/bench_image"
here=$(dirname "$0")
ninja -C "$build" tests/image/bench_image >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

c=$("$bin" --runs 15 --iters 200 --dump "$tmp")
py=$(/usr/bin/python3 "$here/bench_image_peer.py" "$tmp" --runs 15 --iters 30)
echo "radnet: $c"
echo "numpy/PIL: $py"
/usr/bin/python3 - "$c" "$py" <<'EOF'
import json, sys
c, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("resize 512->128: radnet %.3f ms, PIL %.3f ms, PIL/radnet %.1fx" % (
    c["resize_512_to_128_ms"], p["pil_resize_512_to_128_ms"],
    p["pil_resize_512_to_128_ms"] / c["resize_512_to_128_ms"]))
for k in ("header", "robust"):
    print("preprocess (%s window): radnet %.3f ms (%.0f images/s), numpy %.3f ms, numpy/radnet %.1fx" % (
        k, c["preprocess_%s_ms" % k], c["images_per_s_%s" % k],
        p["numpy_preprocess_%s_ms" % k],
        p["numpy_preprocess_%s_ms" % k] / c["preprocess_%s_ms" % k]))
EOF

if command -v valgrind >/dev/null; then
    for case in header robust resize; do
        total() {
            valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$bin" \
                --only "$case" --runs 1 --iters "$1" >/dev/null 2>&1
            callgrind_annotate "$tmp/cg" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'
        }
        a=$(total 1)
        b=$(total 11)
        echo "callgrind $case: $(( (b - a) / 10 )) instructions per image"
    done
fi
