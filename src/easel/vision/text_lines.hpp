#pragma once
// Where text may be in a photograph: Tesseract's page layout analysis fails on busy photos, so lines are
// proposed here (MSER letter-like regions of similar height, side by side) and OCR reads each one alone.
#include <vector>

#include <opencv2/core.hpp>

namespace easel {

// Candidate text lines found in any of the grey views of one image (dark-on-light and light-on-dark),
// most letters first.
std::vector<cv::Rect> text_line_candidates(const std::vector<cv::Mat>& views);

}  // namespace easel
