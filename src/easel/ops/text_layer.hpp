#pragma once
// What a text op typeset, kept for verification: the glyphs alone (so OCR reads exactly what Easel drew,
// not the photo behind it) and the facts a report needs.
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace easel {

struct TextLayer {
  std::string text;
  cv::Mat coverage;   // CV_8U glyph coverage of the fill alone, cropped to `box`
  cv::Rect box;       // where the glyphs are, in the pixels of the step's output
  double size_px = 0;
  int line_count = 1;
  std::vector<cv::Rect> line_boxes;  // each line's band in `coverage`, so OCR can read line by line
  bool fits = true;   // false when the text overflowed its area even at the smallest size
  std::vector<std::string> fonts;
  std::string missing;       // characters no installed font has
  std::string substitution;  // the named font was not installed
  // WCAG contrast ratio of the fill against what lies under the glyphs (photo, badge, outline, shadow),
  // averaged over the glyphs and at the 5th percentile of glyph pixels.
  double contrast_ratio = 0;
  double contrast_ratio_p5 = 0;
};

}  // namespace easel
