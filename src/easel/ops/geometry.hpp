#pragma once
// Pieces shared by the canvas-changing operations.
#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

#include "easel/ops/param.hpp"

namespace easel {

// Largest result a canvas-changing op may produce (width × height); larger requests are plan errors.
inline constexpr std::uint64_t kMaxOutputPixels = 100'000'000;

// The anchor parameter: where the kept (crop) or original (expand) content sits.
ParamSpec anchor_param(const char* description);

// Top-left corner of an `inner` rectangle placed inside `outer` at `anchor`.
cv::Point anchored_origin(cv::Size outer, cv::Size inner, const std::string& anchor);

// Throws Error(plan) when `size` exceeds kMaxOutputPixels or has a zero side.
void check_output_size(cv::Size size, const std::string& where);

// An optional size in pixels, 1..65535.
ParamSpec pixel_size_param(const char* name, const char* description);

}  // namespace easel
