#!/usr/bin/env bash
# Installs every system package Easel needs to build, test and run, from Debian's apt.
# Idempotent: when every package is already installed it does nothing (no network access).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev          # libFuzzer + sanitizers for the fuzz targets
  # image core
  libopencv-dev                     # pixels, codecs, blending (core, imgproc, imgcodecs, contrib)
  libpng-dev libjpeg-dev libturbojpeg0-dev libwebp-dev   # header probing before decode, test fixtures
  libexiv2-dev                      # XMP/IPTC metadata in PNG, JPEG and WebP outputs
  libxxhash-dev                     # content-addressed cache keys
  # command line, JSON, logging
  nlohmann-json3-dev libcli11-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-skimage                   # real photographs (skimage/data) for tests and the demo
  # diffusion engine
  libtorch-dev libopenblas0-pthread # LibTorch 1.13; OpenBLAS pthread variant (the reference BLAS is ~25x slower)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
