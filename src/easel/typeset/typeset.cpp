#include "easel/typeset/typeset.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <opencv2/imgproc.hpp>

#include <ft2build.h>
#include FT_OUTLINE_H

#include "easel/core/error.hpp"
#include "easel/typeset/text_shaping.hpp"

namespace easel {
namespace {

// Smallest size tried when fitting text to an area; below it text is unreadable anyway.
constexpr double kMinFitPx = 6;

bool breaks_anywhere(char32_t c) {
  const hb_script_t script = hb_unicode_script(hb_unicode_funcs_get_default(), c);
  return script == HB_SCRIPT_HAN || script == HB_SCRIPT_HIRAGANA || script == HB_SCRIPT_KATAKANA ||
         (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFFEF);
}

std::string to_utf8(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

std::vector<std::string> split_paragraphs(const std::string& text) {
  std::vector<std::string> paragraphs;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    paragraphs.push_back(text.substr(start, end - start));
  }
  paragraphs.push_back(text.substr(start));
  return paragraphs;
}

// Greedy line breaking over shaped substrings. Shaped widths are in ems, so one Breaker serves every
// candidate size of a fit search; each substring is shaped once.
class Breaker {
 public:
  Breaker(const std::string& text, FontChain& fonts, double letter_spacing_em)
      : fonts_(fonts), letter_spacing_em_(letter_spacing_em) {
    for (std::string& paragraph : split_paragraphs(text)) {
      Paragraph p;
      const auto chars = decode_utf8(paragraph, "text");
      for (std::size_t i = 0; i < chars.size(); ++i) {
        const bool after_space = i > 0 && chars[i - 1].value == ' ' && chars[i].value != ' ';
        const bool cjk = i > 0 && (breaks_anywhere(chars[i].value) || breaks_anywhere(chars[i - 1].value));
        if (after_space || cjk) p.opportunities.push_back(chars[i].offset);
      }
      p.opportunities.push_back(paragraph.size());
      p.text = std::move(paragraph);
      paragraphs_.push_back(std::move(p));
    }
  }

  std::vector<const ShapedLine*> lines(double max_width_em) {
    std::vector<const ShapedLine*> result;
    for (std::size_t index = 0; index < paragraphs_.size(); ++index) {
      const Paragraph& p = paragraphs_[index];
      std::size_t start = 0;
      do {
        const ShapedLine* chosen = nullptr;
        std::size_t chosen_end = p.text.size();
        for (std::size_t end : p.opportunities) {
          if (end <= start) continue;
          const ShapedLine& candidate = shaped(index, start, end);
          if (chosen && candidate.width_em > max_width_em) break;
          chosen = &candidate;
          chosen_end = end;
          if (candidate.width_em > max_width_em) break;  // one word wider than the area: it overflows
        }
        if (!chosen) chosen = &shaped(index, start, p.text.size());
        result.push_back(chosen);
        start = chosen_end;
      } while (start < p.text.size());
    }
    return result;
  }

  std::vector<char32_t> missing;

 private:
  struct Paragraph {
    std::string text;
    std::vector<std::size_t> opportunities;  // byte offsets where a new line may start
  };

  const ShapedLine& shaped(std::size_t paragraph, std::size_t start, std::size_t end) {
    auto& slot = cache_[{paragraph, start, end}];
    if (!slot.glyphs.empty() || start == end) return slot;
    std::string line = paragraphs_[paragraph].text.substr(start, end - start);
    while (!line.empty() && line.back() == ' ') line.pop_back();  // trailing spaces take no room
    std::vector<char32_t> line_missing;
    slot = shape_line(line, fonts_, letter_spacing_em_, line_missing);
    for (char32_t c : line_missing) {
      if (std::find(missing.begin(), missing.end(), c) == missing.end()) missing.push_back(c);
    }
    return slot;
  }

  FontChain& fonts_;
  double letter_spacing_em_;
  std::vector<Paragraph> paragraphs_;
  std::map<std::tuple<std::size_t, std::size_t, std::size_t>, ShapedLine> cache_;
};

struct BlockMetrics {
  double ascender_em, line_height_em, pitch_em;
  double height_em(std::size_t lines) const { return line_height_em + pitch_em * static_cast<double>(lines - 1); }
};

bool fits(const std::vector<const ShapedLine*>& lines, const BlockMetrics& metrics, double size, cv::Size area) {
  const bool narrow_enough = std::all_of(lines.begin(), lines.end(),
                                         [&](const ShapedLine* line) { return line->width_em * size <= area.width; });
  return narrow_enough && metrics.height_em(lines.size()) * size <= area.height;
}

// The largest size (in quarter pixels) whose broken lines fit the area.
double fitted_size_of(Breaker& breaker, const BlockMetrics& metrics, cv::Size area, double max_size) {
  double low = kMinFitPx, high = std::min(max_size, area.height / metrics.line_height_em);
  if (high <= low || !fits(breaker.lines(area.width / low), metrics, low, area)) return low;
  while (high - low > 0.25) {
    const double middle = (low + high) / 2;
    if (fits(breaker.lines(area.width / middle), metrics, middle, area))
      low = middle;
    else
      high = middle;
  }
  return std::floor(low * 4) / 4;
}

void set_pixel_size(const LoadedFont& font, double size) {
  if (font.color_bitmaps) {
    // Bitmap colour fonts have fixed strikes: use the largest and scale it.
    FT_Int best = 0;
    for (FT_Int i = 0; i < font.ft_face->num_fixed_sizes; ++i) {
      if (font.ft_face->available_sizes[i].y_ppem > font.ft_face->available_sizes[best].y_ppem) best = i;
    }
    FT_Select_Size(font.ft_face, best);
  } else {
    FT_Set_Char_Size(font.ft_face, 0, static_cast<FT_F26Dot6>(std::lround(size * 64)), 72, 72);
  }
}

void draw_outline_glyph(const LoadedFont& font, unsigned glyph, cv::Point2d pen, cv::Mat& coverage) {
  if (FT_Load_Glyph(font.ft_face, glyph, FT_LOAD_NO_HINTING | FT_LOAD_NO_BITMAP) != 0) return;
  FT_GlyphSlot slot = font.ft_face->glyph;
  if (slot->format != FT_GLYPH_FORMAT_OUTLINE) return;
  const cv::Point whole(static_cast<int>(std::floor(pen.x)), static_cast<int>(std::floor(pen.y)));
  // Sub-pixel placement: shift the outline by the fractional pen position before rendering.
  FT_Outline_Translate(&slot->outline, static_cast<FT_Pos>(std::lround((pen.x - whole.x) * 64)),
                       -static_cast<FT_Pos>(std::lround((pen.y - whole.y) * 64)));
  if (FT_Render_Glyph(slot, FT_RENDER_MODE_NORMAL) != 0) return;
  const FT_Bitmap& bitmap = slot->bitmap;
  if (bitmap.width == 0 || bitmap.rows == 0) return;
  const cv::Mat source(static_cast<int>(bitmap.rows), static_cast<int>(bitmap.width), CV_8U, bitmap.buffer,
                       static_cast<size_t>(bitmap.pitch));
  const cv::Rect target(whole.x + slot->bitmap_left, whole.y - slot->bitmap_top, source.cols, source.rows);
  const cv::Rect clipped = target & cv::Rect(0, 0, coverage.cols, coverage.rows);
  if (clipped.empty()) return;
  cv::Mat destination = coverage(clipped);
  cv::max(destination, source(clipped - target.tl()), destination);
}

void draw_color_glyph(const LoadedFont& font, unsigned glyph, cv::Point2d pen, double size, cv::Mat& coverage,
                      cv::Mat& color) {
  if (FT_Load_Glyph(font.ft_face, glyph, FT_LOAD_COLOR) != 0) return;
  FT_GlyphSlot slot = font.ft_face->glyph;
  const FT_Bitmap& bitmap = slot->bitmap;
  if (bitmap.pixel_mode != FT_PIXEL_MODE_BGRA || bitmap.width == 0 || bitmap.rows == 0) return;
  const double scale = size / (font.ft_face->size->metrics.y_ppem > 0 ? font.ft_face->size->metrics.y_ppem : size);
  const cv::Mat bgra(static_cast<int>(bitmap.rows), static_cast<int>(bitmap.width), CV_8UC4, bitmap.buffer,
                     static_cast<size_t>(bitmap.pitch));
  cv::Mat rgba, scaled;
  cv::cvtColor(bgra, rgba, cv::COLOR_BGRA2RGBA);
  const cv::Size scaled_size(std::max(1, static_cast<int>(std::lround(rgba.cols * scale))),
                             std::max(1, static_cast<int>(std::lround(rgba.rows * scale))));
  cv::resize(rgba, scaled, scaled_size, 0, 0, cv::INTER_AREA);
  const cv::Rect target(static_cast<int>(std::lround(pen.x + slot->bitmap_left * scale)),
                        static_cast<int>(std::lround(pen.y - slot->bitmap_top * scale)), scaled.cols, scaled.rows);
  const cv::Rect clipped = target & cv::Rect(0, 0, coverage.cols, coverage.rows);
  if (clipped.empty()) return;
  if (color.empty()) color = cv::Mat(coverage.size(), CV_8UC4, cv::Scalar::all(0));
  const cv::Mat source = scaled(clipped - target.tl());
  for (int y = 0; y < clipped.height; ++y) {
    const auto* s = source.ptr<cv::Vec4b>(y);
    auto* d = color.ptr<cv::Vec4b>(clipped.y + y) + clipped.x;
    auto* a = coverage.ptr<uchar>(clipped.y + y) + clipped.x;
    for (int x = 0; x < clipped.width; ++x) {
      const int keep = 255 - s[x][3];  // premultiplied "over"
      for (int c = 0; c < 4; ++c) d[x][c] = static_cast<uchar>(s[x][c] + (d[x][c] * keep + 127) / 255);
      a[x] = std::max(a[x], s[x][3]);
    }
  }
}

void check_length(const std::string& text) {
  if (text.size() > kMaxTextBytes) {
    throw Error(ErrorKind::plan, "the text is " + std::to_string(text.size()) + " bytes, above the limit of " +
                                     std::to_string(kMaxTextBytes));
  }
}

BlockMetrics block_metrics(const FontChain& fonts, const TextStyle& style) {
  const LoadedFont& primary = fonts.primary();
  const double line_height_em = primary.ascender_em + primary.descender_em;
  return {primary.ascender_em, line_height_em, line_height_em * style.line_spacing};
}

}  // namespace

struct TextFitter::State {
  State(const std::string& text, const TextStyle& style)
      : fonts(style.font),
        breaker(text, fonts, style.letter_spacing_em),
        metrics(block_metrics(fonts, style)),
        max_size(style.max_size_px) {}
  FontChain fonts;
  Breaker breaker;
  BlockMetrics metrics;
  double max_size;
};

TextFitter::TextFitter(const std::string& text, const TextStyle& style)
    : state_(std::make_unique<State>(text, style)) {}
TextFitter::~TextFitter() = default;

double TextFitter::fitted_size(cv::Size area) {
  return fitted_size_of(state_->breaker, state_->metrics, area, state_->max_size);
}

bool TextFitter::fits(double size, cv::Size area) {
  return easel::fits(state_->breaker.lines(area.width / size), state_->metrics, size, area);
}

double TextFitter::line_height_em() const { return state_->metrics.line_height_em; }

TypesetText typeset(const std::string& text, const TextStyle& style, cv::Size area) {
  check_length(text);
  FontChain fonts(style.font);
  Breaker breaker(text, fonts, style.letter_spacing_em);
  const BlockMetrics metrics = block_metrics(fonts, style);

  TypesetText result;
  result.size_px = style.size_px > 0 ? style.size_px : fitted_size_of(breaker, metrics, area, style.max_size_px);
  const double size = result.size_px;
  const auto lines = breaker.lines(area.width / size);
  result.line_count = static_cast<int>(lines.size());
  result.fits = fits(lines, metrics, size, area);

  // Room around the area for glyphs that overhang their metrics (italics, accents, swashes).
  const int pad = static_cast<int>(std::ceil(size)) + 2;
  result.origin = cv::Point(pad, pad);
  result.coverage = cv::Mat(area.height + 2 * pad, area.width + 2 * pad, CV_8U, cv::Scalar(0));
  const double block_height = metrics.height_em(lines.size()) * size;
  const double top = style.valign == "top"      ? 0
                     : style.valign == "bottom" ? area.height - block_height
                                                : (area.height - block_height) / 2;
  {
    const std::lock_guard lock(freetype_mutex());
    const LoadedFont* sized = nullptr;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const double width = lines[i]->width_em * size;
      const double left = style.align == "left"    ? 0
                          : style.align == "right" ? area.width - width
                                                   : (area.width - width) / 2;
      const double baseline = top + (metrics.ascender_em + metrics.pitch_em * static_cast<double>(i)) * size;
      const int band_top = static_cast<int>(std::floor(pad + baseline - metrics.ascender_em * size));
      const int band_bottom =
          static_cast<int>(std::ceil(pad + baseline + (metrics.line_height_em - metrics.ascender_em) * size));
      result.line_boxes.emplace_back(0, band_top, result.coverage.cols, band_bottom - band_top);
      for (const ShapedGlyph& glyph : lines[i]->glyphs) {
        if (glyph.font != sized) {
          set_pixel_size(*glyph.font, size);
          sized = glyph.font;
        }
        const cv::Point2d pen(pad + left + glyph.x_em * size, pad + baseline - glyph.y_em * size);
        if (glyph.font->color_bitmaps)
          draw_color_glyph(*glyph.font, glyph.glyph, pen, size, result.coverage, result.color_glyphs);
        else
          draw_outline_glyph(*glyph.font, glyph.glyph, pen, result.coverage);
      }
    }
  }
  result.ink = cv::boundingRect(result.coverage);
  result.fonts = fonts.used_names();
  for (char32_t c : breaker.missing) result.missing += to_utf8(c);
  result.substitution = fonts.substitution();
  return result;
}

}  // namespace easel
