#pragma once
// What a text op typeset, kept for verification: the glyphs alone (so spelling can be checked on exactly
// what Easel drew), where they lie in the current image (so the output itself can be read back there),
// and the facts a report needs.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

namespace easel {

struct TextLayer {
  std::string text;
  cv::Mat coverage;  // CV_8U glyph coverage of the fill alone, cropped to the glyphs' ink
  // Maps `coverage` pixels to pixels of the current image: the op's placement (a translation, or the
  // perspective warp of text on a tilted quad), then every later crop, canvas expansion and resize.
  cv::Matx33d to_image = cv::Matx33d::eye();
  cv::Rect box;  // `coverage` mapped by `to_image`; may reach past the image where a crop cut the text
  double size_px = 0;
  int line_count = 1;
  std::vector<cv::Rect> line_boxes;  // each line's band in `coverage`, so OCR can read line by line
  bool fits = true;                  // false when the text overflowed its area even at the smallest size
  std::vector<std::string> fonts;
  std::string missing;       // characters no installed font has
  std::string substitution;  // the named font was not installed
  // WCAG contrast ratio of the fill against what lies under the glyphs (photo, badge, outline, shadow),
  // averaged over the glyphs and at the 5th percentile of glyph pixels.
  double contrast_ratio = 0;
  double contrast_ratio_p5 = 0;
  bool low_contrast_allowed = false;  // placed below kMinContrastRatio because the step asked for it
  // How the op laid the text out, for the report: the area used, what it kept clear of, the colour and
  // size chosen and why (keys: "area", "avoided", "color", "size").
  nlohmann::json layout = nlohmann::json::object();
  // Later steps that changed pixels of this text ("step 4 (image.crop) cut 38% of it"), in order.
  std::vector<std::string> later_changes;
  // Set when a later step replaced or removed this text on purpose: which step, and with what.
  std::string superseded;
  std::string replaces;  // text.replace: the string this text took the place of
};

// The smallest contrast ratio (WCAG 2: 3:1 for large text) that typeset text must reach at the 5th
// percentile of its glyph pixels, unless the step sets allow_low_contrast.
inline constexpr double kMinContrastRatio = 3.0;

// Moves a layer by `transform` (a later canvas step: crop or expansion offset, resize scale).
void transform_layer(TextLayer& layer, const cv::Matx33d& transform);

// `coverage` mapped by `to_image`, rounded outwards.
cv::Rect mapped_box(const TextLayer& layer);

}  // namespace easel
