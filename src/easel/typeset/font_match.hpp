#pragma once
// Finding installed fonts (fontconfig): by family name or by description ("serif", "bold sans",
// "handwritten", "condensed monospace"), and per character when the chosen font lacks a glyph.
#include <optional>
#include <string>
#include <vector>

namespace easel {

struct FontRequest {
  std::string description = "sans";  // a family name, a description, or both ("DejaVu Serif italic")
  std::string weight = "auto";       // auto (from the description), thin, light, regular, medium, semibold, bold, black
  bool italic = false;               // also set by "italic" / "oblique" in the description
};

struct FontFace {
  std::string path;
  int index = 0;  // face index inside a collection (.ttc)
  std::string family;
  std::string style;
  bool operator==(const FontFace& other) const { return path == other.path && index == other.index; }
};

struct FontChoice {
  FontFace face;
  // Set when the request named a family that is not installed: says what was used instead.
  std::string substitution;
};

// The weight words `FontRequest::weight` accepts.
const std::vector<std::string>& font_weight_names();

// Whether a font description names a weight ("bold serif", "Noto Sans Light", "display").
bool names_weight(const std::string& description);

// Throws Error(capability) when fontconfig finds no font at all.
FontChoice match_font(const FontRequest& request);

// The installed font, in fontconfig's order of preference for `request`, that has a glyph for
// `codepoint`; empty when no installed font has one.
std::optional<FontFace> fallback_font(const FontRequest& request, char32_t codepoint);

}  // namespace easel
