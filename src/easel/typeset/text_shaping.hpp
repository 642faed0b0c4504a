#pragma once
// One line of text → positioned glyphs in visual order: font fallback per character, script and
// direction runs (FriBidi's Unicode bidi algorithm), and
// HarfBuzz shaping of each run. Positions are in ems, so a shaped line serves every font size.
#include <string>
#include <vector>

#include "easel/typeset/font_cache.hpp"
#include "easel/typeset/font_match.hpp"

namespace easel {

struct ShapedGlyph {
  const LoadedFont* font = nullptr;
  unsigned glyph = 0;    // glyph id in `font`
  unsigned cluster = 0;  // byte offset in the line of the text this glyph comes from
  double x_em = 0;       // pen position of the glyph's origin, from the line's start
  double y_em = 0;       // upwards from the baseline
};

struct ShapedLine {
  std::vector<ShapedGlyph> glyphs;  // visual order, left to right
  double width_em = 0;
  bool right_to_left = false;  // the paragraph direction (from its first strong letter)
};

// Everything a line needs from its fonts: the requested one first, then fallbacks found on demand.
class FontChain {
 public:
  explicit FontChain(FontRequest request);
  const LoadedFont& primary() const { return *fonts_.front(); }
  // The font for `codepoint`: the primary one if it has the glyph, else the first fallback that has it;
  // nullptr when no installed font has it.
  const LoadedFont* font_for(char32_t codepoint);
  // "Family Style" of each font used so far, primary first.
  std::vector<std::string> used_names() const;
  const std::string& substitution() const { return substitution_; }

 private:
  FontRequest request_;
  std::vector<const LoadedFont*> fonts_;
  std::vector<std::pair<char32_t, const LoadedFont*>> fallback_cache_;
  std::string substitution_;
};

struct Utf8Char {
  char32_t value;
  std::size_t offset;  // in bytes
  std::size_t length;  // in bytes
};

// Throws Error(plan) naming `where` for bytes that are not UTF-8.
std::vector<Utf8Char> decode_utf8(const std::string& text, const std::string& where);

// `letter_spacing_em` is added after every cluster of left-to-right runs (joined scripts keep their joins).
// Characters no installed font has are appended to `missing` (and drawn as the primary font's .notdef).
ShapedLine shape_line(const std::string& line, FontChain& fonts, double letter_spacing_em,
                      std::vector<char32_t>& missing);

}  // namespace easel
