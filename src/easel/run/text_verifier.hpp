#pragma once
// Reads back every string Easel typeset (DESIGN §5, verification.text). OCR reads the glyph layer alone,
// so spelling is checked on exactly what was drawn; legibility on the photo is reported separately as
// a contrast ratio.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "easel/ops/text_layer.hpp"

namespace easel {

struct TextCheck {
  std::string expected;
  std::optional<std::string> read;  // absent when the text could not be read back
  std::optional<bool> match;        // absent when not verified; `note` says why
  std::string note;
  std::optional<TextLayer> layer;   // what was typeset; absent when its layer is not available
};

// Exact match after collapsing runs of white space (line breaks are layout, not spelling).
bool text_matches(const std::string& expected, const std::string& read);

// OCR of one layer with the script `models` ("Latin", "Hebrew+Latin", …): the glyphs in black on white,
// scaled so letters are the size Tesseract reads best.
std::string read_back(const TextLayer& layer, const std::string& models);

TextCheck verify_text_layer(const TextLayer& layer);

// One check per string typeset, in step order.
std::vector<TextCheck> verify_text(const std::vector<TextLayer>& layers);

nlohmann::json to_json(const TextCheck& check);

}  // namespace easel
