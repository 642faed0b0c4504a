#pragma once
// Classical super-resolution for image.upscale, exposed for its tests and benchmark.
#include <string>

#include <opencv2/core.hpp>

namespace easel {

// Input tile side (pixels) of the tiled upscaler, and the overlap each tile reads beyond its edges: more
// than the reach of every method (Lanczos' 4-pixel support, plus 2 pixels per back-projection round).
inline constexpr int kUpscaleTile = 256;
inline constexpr int kUpscaleTileOverlap = 16;

// Enlarges a CV_8UC4 image by an integer `factor` (2..4) with `method` (lanczos, bicubic, sharp,
// backprojection), tile by tile (tiles of `tile` input pixels, processed in parallel), so memory and
// cache use follow the tile, not the output.
cv::Mat upscale_tiled(const cv::Mat& rgba, int factor, const std::string& method, int tile = kUpscaleTile);

}  // namespace easel
