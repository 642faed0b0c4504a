#pragma once
// Greyscale PNGs can mark one grey level as transparent (a tRNS chunk). OpenCV expands tRNS for palette
// and RGB images but drops it for grey ones, so Easel reads the key itself.
#include <cstdint>
#include <optional>
#include <span>

#include <opencv2/core.hpp>

namespace easel {

// The transparent grey level of a greyscale PNG, scaled the way decoders expand 1/2/4-bit samples to
// 8 bits (16-bit samples stay 16-bit); nothing for other PNGs or when there is no tRNS chunk.
std::optional<std::uint16_t> grey_png_transparent_level(std::span<const std::uint8_t> png);

// Grey (CV_8UC1 or CV_16UC1) to RGBA, with alpha zero wherever the grey level equals `transparent`.
cv::Mat grey_to_rgba_with_key(const cv::Mat& grey, std::uint16_t transparent);

}  // namespace easel
