#!/usr/bin/env bash
# Prints an OpenBLAS kernel (OPENBLAS_CORETYPE value) that this CPU can run
# and that differs from the one OpenBLAS uses in the current environment,
# so the numeric suites can be rerun under other BLAS rounding.
set -euo pipefail
current=$(OPENBLAS_VERBOSE=2 /usr/bin/python3 -c \
  'import numpy; numpy.ones((4, 4)) @ numpy.ones((4, 4))' 2>&1 |
  sed -n 's/^Core: //p' | head -1)
flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
has() { for f in "$@"; do [[ $flags == *" $f "* ]] || return 1; done; }
# Candidates, most different first; each with the CPU flags its kernels use.
while read -r kernel needs; do
  [ "${kernel,,}" = "${current,,}" ] && continue
  # shellcheck disable=SC2086
  if has $needs; then echo "$kernel"; exit 0; fi
done <<'LIST'
Haswell avx2 fma
SkylakeX avx512f avx512cd avx512bw avx512dq avx512vl
Zen avx2 fma
Sandybridge avx
Nehalem sse4_2
Prescott sse3
LIST
echo "no other OpenBLAS kernel for this CPU (current: ${current:-unknown})" >&2
exit 1
