#pragma once
// Painting typeset text onto a photo: badge, drop shadow, outline and fill as alpha layers composited
// in linear light (so anti-aliased edges keep their weight on dark and light backgrounds alike).
#include <optional>

#include <opencv2/core.hpp>

#include "easel/typeset/text_layer.hpp"
#include "easel/typeset/typeset.hpp"

namespace easel {

struct TextPaint {
  std::optional<cv::Scalar> fill;  // RGBA 0..255; empty: black or white, whichever contrasts more
  double outline_px = 0;
  std::optional<cv::Scalar> outline_color;  // empty: the opposite of the fill
  double shadow_px = 0;                     // offset down and to the right
  double shadow_blur_px = 0;
  cv::Scalar shadow_color{0, 0, 0, 153};
  std::optional<cv::Scalar> box_color;  // the badge behind the text; empty: none
  double box_padding_px = 0;
  double box_radius_px = 0;
  double opacity = 1;
  // 0: flat colour; 1: the fill and outline follow the light on the surface under them (brighter where
  // the photo is brighter than average under the text), so the text looks printed on it.
  double lighting = 0;
  double size_px = 0;  // the font size, which sets how finely the lighting follows the surface
};

struct PaintedText {
  cv::Rect changed;  // in the image; pixels outside it are untouched
  cv::Scalar fill;   // the fill colour used (RGBA; the automatic one when the paint gave none)
  double contrast_ratio = 0;
  double contrast_ratio_p5 = 0;
};

// How far the effects reach beyond the glyphs' ink, in pixels.
int effect_margin(const TextPaint& paint);

// `coverage` (CV_8U) and `color_glyphs` (CV_8UC4 premultiplied, or empty) are placed with their (0, 0)
// at `offset` in `image` (CV_8UC4 RGBA, modified in place); `ink` is their non-zero part.
PaintedText paint_text(cv::Mat& image, const cv::Mat& coverage, const cv::Mat& color_glyphs, cv::Point offset,
                       cv::Rect ink, const TextPaint& paint);

// Copies what typesetting and painting found out (size, lines, fonts, missing glyphs, contrast) into the
// layer kept for OCR verification; every text op reports the same facts.
void record_typeset_facts(TextLayer& layer, const TypesetText& typeset_text, const PaintedText& painted);

}  // namespace easel
