#include "easel/typeset/text_legibility.hpp"

#include <array>
#include <cmath>
#include <cstdio>

#include "easel/core/error.hpp"
#include "easel/typeset/text_layer.hpp"

namespace easel {
namespace {

// Backing opacities tried in turn: the most transparent one that makes the text legible is kept.
constexpr std::array<double, 6> kBackingOpacities{0.3, 0.45, 0.6, 0.75, 0.9, 1.0};
constexpr double kBackingPaddingEm = 0.25;
constexpr double kBackingRadiusEm = 0.2;

std::string ratio_text(double ratio) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f:1", ratio);
  return text;
}

// WCAG relative luminance of an sRGB colour.
double relative_luminance(const cv::Scalar& rgba) {
  const auto linear = [](double v) {
    v /= 255;
    return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
  };
  return 0.2126 * linear(rgba[0]) + 0.7152 * linear(rgba[1]) + 0.0722 * linear(rgba[2]);
}

bool legible(const PaintedText& painted) { return painted.contrast_ratio_p5 >= kMinContrastRatio; }

// Paints onto a copy of the part of `image` the text can reach, to measure a choice before making it.
PaintedText trial(const cv::Mat& image, const GlyphsToPaint& glyphs, const TextPaint& paint) {
  const int margin = effect_margin(paint);
  const cv::Rect ink = glyphs.ink + glyphs.offset;
  const cv::Rect window = cv::Rect(ink.x - margin, ink.y - margin, ink.width + 2 * margin, ink.height + 2 * margin) &
                          cv::Rect(0, 0, image.cols, image.rows);
  cv::Mat patch = image(window).clone();
  return paint_text(patch, glyphs.coverage, glyphs.color_glyphs, glyphs.offset - window.tl(), glyphs.ink, paint);
}

std::string contrast_text(const PaintedText& painted) {
  return "contrast " + ratio_text(painted.contrast_ratio) + " on average, " + ratio_text(painted.contrast_ratio_p5) +
         " at its faintest";
}

}  // namespace

std::string color_name(const cv::Scalar& rgba) {
  if (rgba[0] == 0 && rgba[1] == 0 && rgba[2] == 0) return "black";
  if (rgba[0] == 255 && rgba[1] == 255 && rgba[2] == 255) return "white";
  char hex[8];
  std::snprintf(hex, sizeof hex, "#%02x%02x%02x", static_cast<int>(rgba[0]), static_cast<int>(rgba[1]),
                static_cast<int>(rgba[2]));
  return hex;
}

LegiblePaint paint_legibly(cv::Mat& image, const GlyphsToPaint& glyphs, TextPaint paint, const LegibilityRules& rules) {
  LegiblePaint result;
  PaintedText measured = trial(image, glyphs, paint);
  const std::string fill =
      color_name(measured.fill) + " (" +
      (rules.color_origin.empty() ? "automatic: black or white, whichever contrasts more" : rules.color_origin) + ")";
  if (glyphs.ink.empty() || legible(measured)) {
    result.color_note = fill + ": " + contrast_text(measured);
  } else if (rules.backing_allowed && !paint.box_color) {
    // Fix the fill (the automatic choice was made against the photo) and back it with the opposite tone.
    paint.fill = measured.fill;
    // Black or white, whichever contrasts more with the fill (they meet at a luminance of about 0.18).
    const double luminance = relative_luminance(measured.fill);
    const bool light_fill = (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05);
    const std::string before = contrast_text(measured);
    for (const double opacity : kBackingOpacities) {
      TextPaint backed = paint;
      backed.box_color = light_fill ? cv::Scalar(0, 0, 0, 255 * opacity) : cv::Scalar(255, 255, 255, 255 * opacity);
      backed.box_padding_px = kBackingPaddingEm * paint.size_px;
      backed.box_radius_px = kBackingRadiusEm * paint.size_px;
      measured = trial(image, glyphs, backed);
      if (legible(measured) || opacity == kBackingOpacities.back()) {
        paint = backed;
        result.color_note = fill + " on a " + std::to_string(std::lround(100 * opacity)) + "% " +
                            (light_fill ? "black" : "white") + " backing: on the photo alone it had " + before +
                            "; with the backing " + contrast_text(measured);
        break;
      }
    }
  }
  if (!glyphs.ink.empty() && !legible(measured)) {
    if (!rules.allow_low_contrast) {
      throw Error(ErrorKind::plan,
                  rules.op + ": the text's contrast with what lies under it is " +
                      ratio_text(measured.contrast_ratio_p5) +
                      " at its faintest (the 5th percentile of its pixels), below the minimum " +
                      ratio_text(kMinContrastRatio) + " (WCAG, large text); choose another colour" +
                      (rules.op == "text.add" ? ", let Easel add a backing (backing \"auto\" and no box_color)" : "") +
                      ", or set allow_low_contrast to place it anyway");
    }
    result.low_contrast_allowed = true;
    result.color_note = fill + ": " + contrast_text(measured) + ", below the minimum " + ratio_text(kMinContrastRatio) +
                        "; placed because " + rules.low_contrast_reason;
  }
  result.painted = paint_text(image, glyphs.coverage, glyphs.color_glyphs, glyphs.offset, glyphs.ink, paint);
  result.paint = paint;
  return result;
}

}  // namespace easel
