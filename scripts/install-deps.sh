#!/usr/bin/env bash
# Installs every system package Easel needs to build, test and run, from Debian's apt.
# Idempotent: when every package is already installed it does nothing (no network access).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev          # libFuzzer + sanitizers for the fuzz targets
  clang-format-14                   # the code style in .clang-format, checked by scripts/check-format.sh
  # image core
  libopencv-dev                     # pixels, codecs, blending (core, imgproc, imgcodecs, contrib)
  libpng-dev libjpeg-dev libturbojpeg0-dev libwebp-dev   # header probing before decode, test fixtures
  libexiv2-dev                      # XMP/IPTC metadata in PNG, JPEG and WebP outputs
  libxxhash-dev                     # content-addressed cache keys
  # command line, JSON, logging
  nlohmann-json3-dev libcli11-dev
  libcpp-httplib-dev libsqlite3-dev  # `easel serve`: HTTP server (cpp-httplib) and the job/asset store (SQLite)
  libcurl4-openssl-dev              # `easel models pull`: HTTPS downloads with Range resume (httplib also serves the loopback hub in tests)
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-skimage                   # real photographs (skimage/data) for tests and the demo
  python3-onnx                      # converts the optional segmentation model to fp32 (scripts/fetch-segmentation-model.sh)
  chromium                          # the headless browser tests/web drive (playwright-core) against the web workspace
  # diffusion engine
  libtorch-dev libopenblas0-pthread # LibTorch 1.13; OpenBLAS pthread variant (the reference BLAS is ~25x slower)
  libdnnl-dev                       # oneDNN's headers: the library LibTorch uses, called directly for float32 attention
  ocl-icd-opencl-dev                # OpenCL headers: oneDNN's CMake package requires them (only a Recommends of libdnnl-dev)
  libicu-dev                        # Unicode categories, NFC/NFKC and lower-casing for the CLIP tokenizer
  # typography
  libharfbuzz-dev                   # text shaping (kerning, ligatures, Arabic/Hebrew/CJK, RTL)
  libfribidi-dev                    # the Unicode bidi algorithm: visual order of mixed right-to-left text
  libfreetype-dev                   # glyph rasterisation
  libfontconfig-dev                 # font matching by family/description and per-glyph fallback
  tesseract-ocr tesseract-ocr-eng   # OCR engine and English model: read back every typeset string
  tesseract-ocr-script-latn         # OCR model for every Latin-script language: reads accents, ß, å (eng drops them)
  tesseract-ocr-script-grek tesseract-ocr-script-cyrl tesseract-ocr-script-arab tesseract-ocr-script-hebr
  tesseract-ocr-script-hans tesseract-ocr-script-jpan tesseract-ocr-script-hang   # read back non-Latin text
  libtesseract-dev libleptonica-dev # Tesseract's C++ API
  fonts-dejavu-core                 # sans, serif, monospace with wide Latin/Greek/Cyrillic coverage
  fonts-dejavu-extra                # DejaVu's oblique, condensed and light faces (italic text is a real italic)
  fonts-liberation2                 # metric-compatible Arial/Times/Courier replacements
  fonts-urw-base35                  # PostScript 35: Nimbus, C059, P052, URW Bookman, Z003 (script)
  fonts-noto-core                   # Noto for Arabic, Hebrew and other scripts
  fonts-noto-cjk                    # Chinese, Japanese, Korean
  fonts-noto-color-emoji            # colour emoji (CBDT bitmaps)
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
