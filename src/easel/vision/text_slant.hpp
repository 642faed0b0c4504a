#pragma once
// The slant of printed text (italic or oblique): how far its vertical strokes lean.
#include <opencv2/core.hpp>

namespace easel {

// `text_pixels` (CV_8U, non-zero = text) → the lean of its strokes in degrees, positive when the tops lean
// right as in italics; 0 for upright text. Resolution 0.5°, range ±30°.
double measure_slant_degrees(const cv::Mat& text_pixels);

}  // namespace easel
