#pragma once
// Where text goes inside a named area so that it looks set, not dropped on: in the clear space around
// what it should keep off (the subject, preserved regions), as large as that space allows, towards the
// edge the area names ("top" → near the top edge).
#include <optional>
#include <string>

#include <opencv2/core.hpp>

#include "easel/typeset/typeset.hpp"

namespace easel {

struct TextSpot {
  cv::Rect rect;       // where to typeset, inside the area
  double size_px = 0;  // the size the text gets there
  std::string valign;  // "top"/"bottom" when the area names that edge, else empty (keep the step's)
};

// The rectangle inside `area` at least `gap` px from every pixel of `avoid` (CV_8U, the image's size,
// 255 = keep clear) where the text is largest — at `fixed_size` when that is above 0, else the size
// `fitter` fits (capped by the style's maximum) — preferring, among spots within 10 % of the largest
// size, the one nearest the edge or centre the area names. Empty when no clear spot holds the text at
// `min_size_px` or more.
std::optional<TextSpot> clear_text_spot(const cv::Rect& area, cv::Size image, const cv::Mat& avoid, int gap,
                                        TextFitter& fitter, double fixed_size, double min_size_px);

// Which part of the area a spot lies in, in words ("the top-right of the area").
std::string part_of_area(const cv::Rect& spot, const cv::Rect& area);

}  // namespace easel
