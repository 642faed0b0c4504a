#pragma once
// Text must be legible where it lands: its fill must reach kMinContrastRatio (text_layer.hpp) against
// what lies under its glyphs, at the 5th percentile of the glyph pixels (so a bright patch under a few
// letters counts, not only the average). Automatic colour picks black or white; when that, or the given
// colour, falls short and the step leaves the backing to Easel, a subtle backing is added — a rounded
// badge in the opposite tone, the most transparent that reaches the minimum. Text that still falls short
// is refused unless the step sets allow_low_contrast.
#include <string>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "easel/typeset/text_composite.hpp"

namespace easel {

struct GlyphsToPaint {
  const cv::Mat& coverage;      // CV_8U
  const cv::Mat& color_glyphs;  // CV_8UC4 premultiplied, or empty
  cv::Point offset;             // where coverage's (0, 0) lies in the image
  cv::Rect ink;                 // the non-zero part of coverage
};

struct LegibilityRules {
  std::string op;                   // names the op in errors ("text.add")
  bool backing_allowed = false;     // the step leaves the badge to Easel (text.add with backing "auto")
  bool allow_low_contrast = false;  // the step accepts text below the minimum
  std::string low_contrast_reason = "allow_low_contrast is set";  // why, for the report
  // Where the fill comes from, for the report: "as asked", "the colour of the text found"; empty: the
  // automatic black or white.
  std::string color_origin;
};

struct LegiblePaint {
  TextPaint paint;  // as painted: the fill fixed, a backing added when one was needed
  PaintedText painted;
  bool low_contrast_allowed = false;  // painted below the minimum because the step allowed it
  std::string color_note;             // the colour (and backing) chosen and why, for the report
};

// Paints the glyphs onto `image` (CV_8UC4 RGBA). Throws Error(plan) naming the contrast reached and the
// ways out when the text falls short of the minimum and the rules allow neither a backing nor low contrast.
LegiblePaint paint_legibly(cv::Mat& image, const GlyphsToPaint& glyphs, TextPaint paint, const LegibilityRules& rules);

// "#rrggbb", or "black"/"white" for those.
std::string color_name(const cv::Scalar& rgba);

}  // namespace easel
