#include "easel/typeset/text_shaping.hpp"

#include <algorithm>

#include <fribidi.h>

#include "easel/core/error.hpp"

namespace easel {
namespace {

hb_unicode_funcs_t* unicode() { return hb_unicode_funcs_get_default(); }

bool is_real_script(hb_script_t script) {
  return script != HB_SCRIPT_COMMON && script != HB_SCRIPT_INHERITED && script != HB_SCRIPT_UNKNOWN;
}

// Characters that join the previous glyph's cluster: marks, joiners, variation selectors, skin tones.
bool continues_cluster(char32_t c) {
  const auto category = hb_unicode_general_category(unicode(), c);
  return category == HB_UNICODE_GENERAL_CATEGORY_NON_SPACING_MARK ||
         category == HB_UNICODE_GENERAL_CATEGORY_ENCLOSING_MARK ||
         category == HB_UNICODE_GENERAL_CATEGORY_SPACING_MARK || c == 0x200C || c == 0x200D ||
         (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0100 && c <= 0xE01EF) || (c >= 0x1F3FB && c <= 0x1F3FF);
}

struct CharInfo {
  Utf8Char ch;
  hb_script_t script = HB_SCRIPT_COMMON;
  int level = 0;  // bidi embedding level: even = left to right
  const LoadedFont* font = nullptr;
};

struct Run {
  std::size_t first, last;  // character indices, inclusive
  int level;
};

// Embedding levels by FriBidi's Unicode bidi algorithm (UAX #9: numbers, neutrals, paired brackets,
// explicit embeddings). Returns whether the paragraph, directed by its first strong letter, is right to left.
bool resolve_levels(std::vector<CharInfo>& chars) {
  if (chars.empty()) return false;
  const auto length = static_cast<FriBidiStrIndex>(chars.size());
  std::vector<FriBidiChar> text(chars.size());
  for (std::size_t i = 0; i < chars.size(); ++i) text[i] = chars[i].ch.value;
  std::vector<FriBidiCharType> types(chars.size());
  std::vector<FriBidiBracketType> brackets(chars.size());
  std::vector<FriBidiLevel> levels(chars.size());
  fribidi_get_bidi_types(text.data(), length, types.data());
  fribidi_get_bracket_types(text.data(), length, types.data(), brackets.data());
  FriBidiParType direction = FRIBIDI_PAR_ON;
  if (fribidi_get_par_embedding_levels_ex(types.data(), brackets.data(), length, &direction, levels.data()) == 0) {
    throw Error(ErrorKind::internal,
                "text: the bidi algorithm failed on a line of " + std::to_string(chars.size()) + " characters");
  }
  for (std::size_t i = 0; i < chars.size(); ++i) chars[i].level = levels[i];
  return FRIBIDI_IS_RTL(direction);
}

// Common characters (spaces, punctuation) take the script around them so runs are not split needlessly.
void resolve_scripts(std::vector<CharInfo>& chars) {
  hb_script_t current = HB_SCRIPT_COMMON;
  for (auto& info : chars) {
    if (is_real_script(info.script))
      current = info.script;
    else
      info.script = current;
  }
  current = HB_SCRIPT_COMMON;
  for (auto it = chars.rbegin(); it != chars.rend(); ++it) {
    if (is_real_script(it->script))
      current = it->script;
    else
      it->script = current;
  }
}

void choose_fonts(std::vector<CharInfo>& chars, FontChain& fonts, std::vector<char32_t>& missing) {
  for (std::size_t i = 0; i < chars.size(); ++i) {
    const char32_t c = chars[i].ch.value;
    const LoadedFont* previous = i > 0 ? chars[i - 1].font : nullptr;
    const bool common = !is_real_script(hb_unicode_script(unicode(), c));
    if (previous && (continues_cluster(c) || (common && previous->has_glyph(c)))) {
      chars[i].font = previous;
      continue;
    }
    chars[i].font = fonts.font_for(c);
    if (!chars[i].font) {
      missing.push_back(c);
      chars[i].font = &fonts.primary();
    }
  }
}

std::vector<Run> runs_of(const std::vector<CharInfo>& chars) {
  std::vector<Run> runs;
  for (std::size_t i = 0; i < chars.size(); ++i) {
    const bool same = !runs.empty() && runs.back().level == chars[i].level &&
                      chars[runs.back().first].font == chars[i].font &&
                      chars[runs.back().first].script == chars[i].script;
    if (same)
      runs.back().last = i;
    else
      runs.push_back({i, i, chars[i].level});
  }
  return runs;
}

// Unicode rule L2 over shaped runs rather than characters (fribidi_reorder_line reorders characters, but
// HarfBuzz must shape each run in logical order): from the highest level down to the lowest odd one, reverse every
// sequence of runs at that level or above.
void reorder_visually(std::vector<Run>& runs) {
  if (runs.empty()) return;
  int highest = 0, lowest_odd = 1000;
  for (const auto& run : runs) {
    highest = std::max(highest, run.level);
    if (run.level % 2 == 1) lowest_odd = std::min(lowest_odd, run.level);
  }
  for (int level = highest; level >= lowest_odd; --level) {
    for (auto it = runs.begin(); it != runs.end();) {
      if (it->level < level) {
        ++it;
        continue;
      }
      auto end = it;
      while (end != runs.end() && end->level >= level) ++end;
      std::reverse(it, end);
      it = end;
    }
  }
}

void shape_run(const std::string& line, const std::vector<CharInfo>& chars, const Run& run, double letter_spacing_em,
               ShapedLine& shaped) {
  const LoadedFont& font = *chars[run.first].font;
  const std::size_t start = chars[run.first].ch.offset;
  const std::size_t end = chars[run.last].ch.offset + chars[run.last].ch.length;
  hb_buffer_t* buffer = hb_buffer_create();
  hb_buffer_add_utf8(buffer, line.data(), static_cast<int>(line.size()), static_cast<unsigned>(start),
                     static_cast<int>(end - start));
  const bool right_to_left = run.level % 2 == 1;
  hb_buffer_set_direction(buffer, right_to_left ? HB_DIRECTION_RTL : HB_DIRECTION_LTR);
  if (is_real_script(chars[run.first].script)) hb_buffer_set_script(buffer, chars[run.first].script);
  hb_buffer_guess_segment_properties(buffer);
  hb_shape(font.hb_font, buffer, nullptr, 0);
  unsigned count = 0;
  const hb_glyph_info_t* infos = hb_buffer_get_glyph_infos(buffer, &count);
  const hb_glyph_position_t* positions = hb_buffer_get_glyph_positions(buffer, &count);
  const double scale = 1.0 / font.units_per_em;
  for (unsigned i = 0; i < count; ++i) {
    ShapedGlyph glyph;
    glyph.font = &font;
    glyph.glyph = infos[i].codepoint;
    glyph.cluster = infos[i].cluster;
    glyph.x_em = shaped.width_em + positions[i].x_offset * scale;
    glyph.y_em = positions[i].y_offset * scale;
    shaped.glyphs.push_back(glyph);
    shaped.width_em += positions[i].x_advance * scale;
    const bool cluster_ends = i + 1 == count || infos[i + 1].cluster != infos[i].cluster;
    if (!right_to_left && cluster_ends) shaped.width_em += letter_spacing_em;
  }
  hb_buffer_destroy(buffer);
}

}  // namespace

FontChain::FontChain(FontRequest request) : request_(std::move(request)) {
  const FontChoice choice = match_font(request_);
  substitution_ = choice.substitution;
  fonts_.push_back(&load_font(choice.face));
}

const LoadedFont* FontChain::font_for(char32_t codepoint) {
  if (fonts_.front()->has_glyph(codepoint)) return fonts_.front();
  for (const auto& [cached, font] : fallback_cache_) {
    if (cached == codepoint) return font;
  }
  // Pictographs (emoji) in colour where a colour font has them, not a text font's monochrome outline.
  const bool pictograph = codepoint >= 0x1F000 && codepoint <= 0x1FAFF;
  std::optional<FontFace> face = pictograph ? fallback_font(FontRequest{"emoji"}, codepoint) : std::nullopt;
  const LoadedFont* found = nullptr;
  if (!face) {
    const auto already_open =
        std::find_if(fonts_.begin(), fonts_.end(), [&](const LoadedFont* font) { return font->has_glyph(codepoint); });
    if (already_open != fonts_.end())
      found = *already_open;
    else
      face = fallback_font(request_, codepoint);
  }
  if (!found && face) {
    const LoadedFont& loaded = load_font(*face);
    if (loaded.has_glyph(codepoint)) {
      found = &loaded;
      if (std::find(fonts_.begin(), fonts_.end(), found) == fonts_.end()) fonts_.push_back(found);
    }
  }
  fallback_cache_.emplace_back(codepoint, found);
  return found;
}

std::vector<std::string> FontChain::used_names() const {
  std::vector<std::string> names;
  for (const LoadedFont* font : fonts_) names.push_back(font->face.family + " " + font->face.style);
  return names;
}

std::vector<Utf8Char> decode_utf8(const std::string& text, const std::string& where) {
  std::vector<Utf8Char> chars;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char lead = byte(i);
    std::size_t length = lead < 0x80           ? 1
                         : (lead >> 5) == 0x6  ? 2
                         : (lead >> 4) == 0xE  ? 3
                         : (lead >> 3) == 0x1E ? 4
                                               : 0;
    if (length == 0 || i + length > text.size())
      throw Error(ErrorKind::plan, where + ": the text is not valid UTF-8 (byte " + std::to_string(i) + ")");
    char32_t value = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t k = 1; k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80)
        throw Error(ErrorKind::plan, where + ": the text is not valid UTF-8 (byte " + std::to_string(i + k) + ")");
      value = (value << 6) | (byte(i + k) & 0x3F);
    }
    const char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (value < smallest[length] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
      throw Error(ErrorKind::plan, where + ": the text is not valid UTF-8 (byte " + std::to_string(i) + ")");
    }
    chars.push_back({value, i, length});
    i += length;
  }
  return chars;
}

ShapedLine shape_line(const std::string& line, FontChain& fonts, double letter_spacing_em,
                      std::vector<char32_t>& missing) {
  std::vector<CharInfo> chars;
  for (const Utf8Char& ch : decode_utf8(line, "text")) chars.push_back({ch});
  ShapedLine shaped;
  for (CharInfo& info : chars) info.script = hb_unicode_script(unicode(), info.ch.value);
  shaped.right_to_left = resolve_levels(chars);
  resolve_scripts(chars);
  choose_fonts(chars, fonts, missing);
  std::vector<Run> runs = runs_of(chars);
  reorder_visually(runs);
  for (const Run& run : runs) shape_run(line, chars, run, letter_spacing_em, shaped);
  // Spacing after the last cluster would only shift alignment.
  if (!runs.empty() && runs.back().level % 2 == 0) shaped.width_em -= letter_spacing_em;
  return shaped;
}

}  // namespace easel
