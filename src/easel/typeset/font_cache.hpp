#pragma once
// Open fonts, shared by shaping (HarfBuzz) and rasterisation (FreeType) for the life of the process.
// Opening a font file costs milliseconds; a typeset line costs about as much, so fonts stay open.
#include <mutex>

#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb.h>

#include "easel/typeset/font_match.hpp"

namespace easel {

struct LoadedFont {
  FontFace face;
  FT_Face ft_face = nullptr;
  hb_font_t* hb_font = nullptr;  // scaled to font units, so positions divide by units_per_em into ems
  double units_per_em = 1000;
  double ascender_em = 0.8;
  double descender_em = 0.2;   // positive: depth below the baseline
  bool color_bitmaps = false;  // a bitmap colour font (emoji): drawn from fixed-size strikes
  bool has_glyph(char32_t codepoint) const { return FT_Get_Char_Index(ft_face, codepoint) != 0; }
};

// The font for `face`, opened on first use. Throws Error(capability) when the file cannot be read.
const LoadedFont& load_font(const FontFace& face);

// FreeType faces are not thread-safe; whoever sets sizes or loads glyphs holds this lock.
std::mutex& freetype_mutex();

}  // namespace easel
