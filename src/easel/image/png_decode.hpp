#pragma once
// PNG decoding through libpng with its errors and warnings caught. OpenCV's PNG reader installs none,
// so libpng's defaults printed "libpng error: …" (and "libpng warning: …") on stderr before Easel's own
// one-line message; this reader applies the transformations OpenCV's does for IMREAD_UNCHANGED, so the
// pixels are the same.
#include <cstdint>
#include <span>

#include <opencv2/core.hpp>

namespace easel {

// The PNG's pixels as cv::imdecode(IMREAD_UNCHANGED) gives them: 8- or 16-bit samples; grey as one
// channel (1/2/4-bit samples expanded to 8, a tRNS key ignored); colour as BGR, or BGRA when the image
// has alpha or a tRNS chunk (palettes expanded); grey with alpha as BGRA. Throws Error(input) quoting
// libpng's reason when the data is corrupt.
cv::Mat decode_png_pixels(std::span<const std::uint8_t> bytes);

}  // namespace easel
