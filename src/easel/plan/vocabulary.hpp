#pragma once
// The planner's vocabulary as data: action words, intensity words and their magnitudes, named regions,
// output formats, styles, and the words spelling correction aims at. docs/instructions.md lists them.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace easel {

using json = nlohmann::json;

// Words that begin a new action ("add", "crop", "keep"…): a ',' or "and" before one ends a clause.
bool starts_action(std::string_view lower_word);

// The closest keyword when `lower_word` is not a known word but is one edit away (two for words of
// seven letters or more) from exactly one best keyword; otherwise the word unchanged.
std::string correct_spelling(std::string_view lower_word);

// "slightly" → 0.5, "a lot" → 2 …; 1 when the clause has no intensity word.
double intensity_factor(const std::string& clause_text);

// Spatial and segmentation regions named in a clause ("the top-left corner", "left third",
// "background", "the product", "the red areas"); nullopt when none.
std::optional<json> region_named_in(const std::string& clause_text);

// An output format: "instagram story" → 9:16 at 1080×1920.
struct OutputFormat {
  std::string name;
  std::string aspect;  // "W:H"
  int width = 0;       // 0: keep the pixel size, change only the aspect
  int height = 0;
};
std::optional<OutputFormat> format_named_in(const std::string& clause_text);

// An aspect ratio written in the clause: "16:9", "16 by 9", "4x5" (not "1920x1080"), "square",
// "portrait", "landscape", "widescreen", "panorama"; nullopt when none.
std::optional<std::string> aspect_named_in(const std::string& clause_text);

// A style ("watercolour", "pencil sketch", "pop art"…) in its registry spelling; nullopt when none.
std::optional<std::string> style_named_in(const std::string& clause_text);

// The first colour written in `text` after `from` (hex or a colour name, one or two words), if any;
// `end`, when given, receives the offset just after it.
std::optional<std::string> first_color_in(const std::string& text, std::size_t from = 0, std::size_t* end = nullptr);

}  // namespace easel
