#pragma once
// Typesetting a block of text into an area: line breaking, the size (given, or the largest that fits),
// alignment, and anti-aliased rasterisation of the shaped glyphs (FreeType, unhinted, sub-pixel placed).
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "easel/typeset/font_match.hpp"

namespace easel {

inline constexpr std::size_t kMaxTextBytes = 2000;
inline constexpr double kMinFontPx = 4;
inline constexpr double kMaxFontPx = 2000;

struct TextStyle {
  FontRequest font;
  double size_px = 0;  // 0: the largest size up to `max_size_px` that fits the area
  double max_size_px = kMaxFontPx;
  double line_spacing = 1;  // multiple of the font's natural line height
  double letter_spacing_em = 0;
  std::string align = "center";   // left, center, right
  std::string valign = "middle";  // top, middle, bottom
};

struct TypesetText {
  cv::Mat coverage;      // CV_8U glyph coverage; (origin) is the area's top-left corner
  cv::Mat color_glyphs;  // CV_8UC4 premultiplied RGBA of colour glyphs (emoji), same size; empty when none
  cv::Point origin;
  cv::Rect ink;  // the non-zero part of `coverage`; empty when nothing is visible
  double size_px = 0;
  int line_count = 0;
  std::vector<cv::Rect> line_boxes;  // each line's band (ascender to descender), in `coverage`
  bool fits = true;                  // false when even the smallest size overflows the area
  std::vector<std::string> fonts;    // "Family Style", the requested font first, then fallbacks used
  std::string missing;               // UTF-8: characters no installed font has (drawn as .notdef boxes)
  std::string substitution;          // set when the named font is not installed
};

// Paragraphs are separated by '\n'; lines break at spaces (and between CJK characters).
// Throws Error(plan) for text that is not UTF-8 or longer than kMaxTextBytes.
TypesetText typeset(const std::string& text, const TextStyle& style, cv::Size area);

// How large `text` can be set in areas of different shapes, without drawing it: for layout, which
// weighs many candidate areas. The text is shaped once.
class TextFitter {
 public:
  TextFitter(const std::string& text, const TextStyle& style);
  ~TextFitter();
  TextFitter(const TextFitter&) = delete;
  TextFitter& operator=(const TextFitter&) = delete;
  // The size typeset() chooses for `area` when the style gives none (up to style.max_size_px).
  double fitted_size(cv::Size area);
  // Whether the text, broken into lines, fits `area` at `size`.
  bool fits(double size, cv::Size area);
  // The height of one line at size 1 (ascender to descender), in ems.
  double line_height_em() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace easel
