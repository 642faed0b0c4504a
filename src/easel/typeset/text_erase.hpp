#pragma once
// Erasing a word found in a photo (text.replace, step 2) and measuring what the replacement must match:
// the letters' colour, slant and stroke weight, and the room the background around them (a badge, a
// sign, a plain wall) leaves for new text.
#include <functional>
#include <string>

#include <opencv2/core.hpp>

namespace easel {

// Fills `hole` (CV_8U, the window's size) of the RGB `window` cut from the image at `where`.
using HoleFiller = std::function<cv::Mat(const cv::Mat& window, const cv::Mat& hole, const cv::Rect& where)>;

struct ErasedText {
  cv::Rect changed;          // the window the erase may have changed
  cv::Rect ink;              // the text's own pixels, tighter than OCR's word box
  cv::Rect room;             // the word's box grown over the plain background around it: where new text may go
  cv::Scalar text_color;     // RGBA
  double slant_degrees = 0;  // lean of the text's strokes, positive like italics
  double stroke_share = 0;   // stroke width over ink height (stroke_share_of)
  std::string fill;          // how the hole was filled, for the report
};

// Erases the word at `box` in `image` (CV_8UC4, modified): its letters, with their anti-aliased rims,
// are filled from the background — a smooth fit of it where it is flat (a badge, a sign, a gradient),
// else `fill_textured` (inpainting, or a generative fill).
ErasedText erase_text(cv::Mat& image, const cv::Rect& box, const HoleFiller& fill_textured);

// Classical inpainting (OpenCV's Telea) of a hole.
cv::Mat inpaint_hole(const cv::Mat& window, const cv::Mat& hole, const cv::Rect& where);

// The letters' stroke width over their ink height (CV_8U mask of the letters): the same for a font at
// every size, larger for bolder weights.
double stroke_share_of(const cv::Mat& letters, int ink_height);

}  // namespace easel
